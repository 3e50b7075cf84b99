import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

extension RigTests {
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct IMAPRigTests {
        /// The whole corpus, delivered over LMTP (exact bytes), read back over IMAPS and over
        /// imap:// + STARTTLS: every message is found whole, only trace fields prepended.
        @Test(arguments: ["imaps", "starttls"])
        func corpusFetchedByteForByte(transport: String) throws {
            try Rig.resetAll()
            let files = Rig.corpus
            #expect(files.count >= 12)
            try Rig.deliver("track@corp.example", files)
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings(transport == "imaps" ? Rig.imapsURL : Rig.imapURL))
            let status = try mailbox.status()
            #expect(status.uidNext > UInt32(files.count))
            let uids = try mailbox.uids(above: 0)
            #expect(uids.count == files.count)
            var fetched: [[UInt8]] = []
            for uid in uids { fetched.append(try mailbox.fetch(uid: uid)) }
            for file in files {
                let original = Rig.bytes(file)
                #expect(!original.isEmpty)
                #expect(fetched.contains { isOriginalWithTracePrefix($0, original: original) }, "\(file) not found byte for byte")
            }
            // Above a checkpoint: only the later UIDs, and nothing above the last.
            #expect(try mailbox.uids(above: uids[4]) == Array(uids[5...]))
            #expect(try mailbox.uids(above: uids.last!) == [])
            #expect(try mailbox.uids(above: uids.last! + 100) == [])
        }

        /// The whole corpus in ONE batched UID FETCH equals fetching one by one, byte for byte;
        /// a plan that forces many small batches gives the same; nothing is marked \Seen; UIDs
        /// that do not exist are simply absent.
        @Test func batchedFetchEqualsSingleFetches() throws {
            try Rig.resetAll()
            let files = Rig.corpus
            try Rig.deliver("track@corp.example", files)
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings())
            let uids = try mailbox.uids(above: 0)
            #expect(uids.count == files.count)
            let single = try uids.map { try mailbox.fetch(uid: $0) }
            let batched = try mailbox.fetch(uids: uids + [uids.last! + 1, uids.last! + 50])
            #expect(batched.map(\.uid) == uids)
            #expect(batched.map(\.bytes) == single)
            #expect(single.map(\.count).reduce(0, +) > 5_000)
            for file in files {
                #expect(batched.contains { isOriginalWithTracePrefix($0.bytes, original: Rig.bytes(file)) }, "\(file) not found")
            }
            let small = try IMAPMailbox(settings: Rig.imapSettings(), fetchPlan: IMAPFetchPlan(maxCount: 4, maxBytes: 1_000))
            let pieces = try small.fetch(uids: uids)
            #expect(pieces.map(\.uid) == uids)
            #expect(pieces.map(\.bytes) == single)
            let flags = try #require(try mailbox.flags(uid: uids[0]))
            #expect(!flags.contains("\\SEEN"), "flags after batched BODY.PEEK: \(flags)")
        }

        @Test func peekLeavesSeenUnsetAndMissingUIDIsNoSuchMessage() throws {
            try Rig.resetAll()
            try Rig.deliver("track@corp.example", [Rig.corpus[0]])
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings())
            let uid = try #require(try mailbox.uids(above: 0).first)
            #expect(try mailbox.flags(uid: uid).map { $0.contains("\\SEEN") } == false)
            _ = try mailbox.fetch(uid: uid)
            _ = try mailbox.fetch(uid: uid)
            let flags = try #require(try mailbox.flags(uid: uid))
            #expect(!flags.contains("\\SEEN"), "flags after BODY.PEEK: \(flags)")
            #expect(throws: MailboxError.noSuchMessage(uid: uid + 50)) { try mailbox.fetch(uid: uid + 50) }
        }

        @Test func moveToANewUnicodeFolder() throws {
            try Rig.resetAll()
            try Rig.deliver("track@corp.example", Array(Rig.corpus.prefix(3)))
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings())
            let uids = try mailbox.uids(above: 0)
            #expect(uids.count == 3)
            let original = try mailbox.fetch(uid: uids[1])
            let folder = "已处理 \(UInt32.random(in: 1000...999_999))"
            try mailbox.move(uid: uids[1], to: folder)
            try mailbox.move(uid: uids[2], to: folder)  // folder exists now
            #expect(try mailbox.uids(above: 0) == [uids[0]])
            let done = try IMAPMailbox(settings: Rig.imapSettings(folder: folder))
            let moved = try done.uids(above: 0)
            #expect(moved.count == 2)
            #expect(try done.fetch(uid: moved[0]) == original)
            #expect(done.mailboxName == folder)
        }

        /// `mailrig bump-uidvalidity` gives INBOX a new UIDVALIDITY under two open sessions: the
        /// poller's next `uids(above:)` throws, the watcher's next `status()` reports the old value.
        @Test func uidValidityChangeIsReported() throws {
            try Rig.resetAll()
            try Rig.deliver("track@corp.example", Array(Rig.corpus.prefix(2)))
            let poller = try IMAPMailbox(settings: Rig.imapSettings())
            let watcher = try IMAPMailbox(settings: Rig.imapSettings())
            let before = try poller.status()
            #expect(try watcher.status().uidValidity == before.uidValidity)
            #expect(try poller.uids(above: 0).count == 2)
            try Rig.mailrig(["bump-uidvalidity", "track@corp.example"])
            do {
                _ = try poller.uids(above: 0)
                Issue.record("a UIDVALIDITY change was not reported")
            } catch MailboxError.uidValidityChanged(let old, let new) {
                #expect(old == before.uidValidity && new != old)
            }
            let after = try watcher.status()
            #expect(after.previousUIDValidity == before.uidValidity)
            #expect(after.uidValidity != before.uidValidity)
            #expect(throws: MailboxError.uidValidityChanged(old: before.uidValidity, new: after.uidValidity)) {
                try after.require(uidValidity: before.uidValidity)
            }
            // Reported once: the next status is quiet again, and the messages are still listed.
            #expect(try watcher.status().previousUIDValidity == nil)
            #expect(try poller.uids(above: 0).count == 2)
        }

        @Test func oneConnectionServesManyCallsAndSurvivesAKick() throws {
            try Rig.resetAll()
            try Rig.deliver("track@corp.example", Array(Rig.corpus.prefix(2)))
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings())
            for _ in 0..<20 { _ = try mailbox.status() }
            let uids = try mailbox.uids(above: 0)
            // Drop every session of the user on the server side; the next call reconnects once.
            let kicked = kickUser("track@corp.example")
            #expect(kicked, "could not run doveadm kick with the rig's dovecot.conf under LIAISON_RIG_DIR")
            Thread.sleep(forTimeInterval: 0.5)
            #expect(try mailbox.uids(above: 0) == uids)
            #expect(try mailbox.fetch(uid: uids[0]).count > 100)
        }
    }
}

/// Runs one IMAP command with the curl tool (a second, independent client).
func curlCustom(_ url: String, _ command: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    p.arguments = ["-s", "--cacert", Rig.ca, "-u", "track@corp.example:\(Rig.password)", url, "-X", command]
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
}

/// `doveadm kick USER` against the rig's Dovecot, when its config can be found; false otherwise.
func kickUser(_ user: String) -> Bool {
    guard let dir = Rig.env["LIAISON_RIG_DIR"] else { return false }
    let candidates = ["\(dir)/dovecot.conf", "\(dir)/dovecot/dovecot.conf", "\(dir)/etc/dovecot.conf"]
    guard let conf = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return false }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/doveadm")
    p.arguments = ["-c", conf, "kick", user]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

extension RigTests.IMAPRigTests {
    /// 1,500 UIDs in one SEARCH reply (~9 KB, over half libcurl's default 16 KB buffer, which 7.88
    /// would cut silently): every UID must come back, and every message over one connection.
    @Test func longSearchReplyIsWhole() throws {
        try Rig.resetAll()
        let dir = NSTemporaryDirectory() + "liaison-long-search-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String] = []
        for i in 0..<1500 {
            let path = "\(dir)/\(i).eml"
            try Data("From: a@client.example\r\nSubject: n\(i)\r\nMessage-ID: <\(i)@bench>\r\n\r\nbody \(i)\r\n".utf8).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        try Rig.deliver("track@corp.example", files)
        let mailbox = try IMAPMailbox(settings: Rig.imapSettings())
        let uids = try mailbox.uids(above: 0)
        #expect(uids.count == 1500)
        #expect(uids == uids.sorted() && Set(uids).count == 1500)
        let mid = uids[700]
        #expect(try mailbox.uids(above: mid) == Array(uids[701...]))
        let body = try mailbox.fetch(uid: uids[1499])
        #expect(String(decoding: body, as: UTF8.self).hasSuffix("body 1499\r\n"))
    }
}
