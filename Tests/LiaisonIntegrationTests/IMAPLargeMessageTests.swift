import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

extension RigTests {
    /// What libcurl 7.88 could not fetch: a message beyond its 300 KiB response-header cap, and
    /// a body whose lines look like IMAP responses (a tagged OK that ended its transfers early).
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct IMAPLargeMessageRigTests {
        /// 5 MiB of base64-like lines (CRLF), after a header: varied bytes, no trailing surprises.
        static let large: [UInt8] = {
            var out = Array("From: a@client.example\r\nTo: track@corp.example\r\nSubject: five megabytes\r\nMessage-ID: <large@client.example>\r\n\r\n".utf8)
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            var x: UInt64 = 0x9E37_79B9_7F4A_7C15
            while out.count < 5 * 1024 * 1024 {
                for _ in 0..<76 {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17
                    out.append(alphabet[Int(x % 64)])
                }
                out += [0x0D, 0x0A]
            }
            return out
        }()

        /// Lines that a reader taking them as protocol would stop at or mis-frame: libcurl's tags
        /// (`A001 OK`, `A005 OK`) and Liaison's own (`L1 OK` … `L9 OK`), an untagged EXISTS, a
        /// lone `)`, a literal marker `{12}` (followed by fewer than 12 bytes on its line).
        static let lookalikes: [UInt8] = Array((
            "From: a@client.example\r\nTo: track@corp.example\r\nSubject: lookalikes\r\nMessage-ID: <lookalikes@client.example>\r\n\r\n"
            + "A001 OK\r\n* 3 EXISTS\r\n)\r\n{12}\r\nshort\r\nA005 OK LOGOUT completed\r\n"
            + (1...9).map { "L\($0) OK done\r\n" }.joined()
            + "* BYE not really\r\n)\r\n").utf8)

        @Test(arguments: ["imaps", "starttls"])
        func largeAndLookalikeMessagesByteForByte(transport: String) throws {
            try Rig.resetAll()
            let dir = NSTemporaryDirectory() + "liaison-large-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Data(Self.large).write(to: URL(fileURLWithPath: "\(dir)/1.eml"))
            try Data(Self.lookalikes).write(to: URL(fileURLWithPath: "\(dir)/2.eml"))
            try Data(Self.lookalikes).write(to: URL(fileURLWithPath: "\(dir)/3.eml"))
            try Rig.deliver("track@corp.example", ["\(dir)/1.eml", "\(dir)/2.eml", "\(dir)/3.eml"])

            let mailbox = try IMAPMailbox(settings: Rig.imapSettings(transport == "imaps" ? Rig.imapsURL : Rig.imapURL))
            let uids = try mailbox.uids(above: 0)
            #expect(uids.count == 3)
            guard uids.count == 3 else { return }
            // One at a time (UID FETCH n BODY.PEEK[]) …
            let large = try mailbox.fetch(uid: uids[0])
            #expect(large.count == Self.large.count)
            #expect(large == Self.large)
            #expect(try mailbox.fetch(uid: uids[1]) == Self.lookalikes)
            // … and batched, all three in one command (the 5 MiB one alone under a small plan).
            let batched = try mailbox.fetch(uids: uids)
            #expect(batched.map(\.uid) == uids)
            #expect(batched.map(\.bytes) == [Self.large, Self.lookalikes, Self.lookalikes])
            let small = try IMAPMailbox(settings: Rig.imapSettings(transport == "imaps" ? Rig.imapsURL : Rig.imapURL),
                                        fetchPlan: IMAPFetchPlan(maxCount: 2, maxBytes: 1_000))
            #expect(try small.fetch(uids: uids).map(\.bytes) == [Self.large, Self.lookalikes, Self.lookalikes])
            // The session is still in step after all that: the next commands work.
            #expect(try mailbox.uids(above: uids[0]) == Array(uids[1...]))
            #expect(try mailbox.flags(uid: uids[0]).map { $0.contains("\\SEEN") } == false)
        }
    }
}
