import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

/// Runs `body` on a thread of its own; `wait(seconds)` gives its result (nil if not done by then).
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<T, Error>?
    private(set) var finishedAt: Date?

    init(_ body: @escaping @Sendable () throws -> T) {
        Thread.detachNewThread { [self] in
            let r = Result { try body() }
            lock.withLock {
                result = r
                finishedAt = Date()
            }
            done.signal()
        }
    }

    func wait(_ seconds: Double) -> Result<T, Error>? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        done.signal()
        return lock.withLock { result }
    }
}

extension RigTests {
    /// IMAPIdleWatcher against Dovecot (which has IDLE): a delivery ends a wait, silence lets it
    /// run to its timeout, and interrupt() ends it from another thread.
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct IMAPIdleRigTests {
        @Test(arguments: ["imaps", "starttls"])
        func deliveryEndsAWaitWithinTwoSeconds(transport: String) throws {
            try Rig.resetAll()
            let watcher = try IMAPIdleWatcher(settings: Rig.imapSettings(transport == "imaps" ? Rig.imapsURL : Rig.imapURL))
            // A first short wait opens the session (connect, login, EXAMINE): quiet mailbox.
            #expect(try watcher.waitForChange(timeout: 0.2) == false)
            let wait = Background { try watcher.waitForChange(timeout: 30) }
            Thread.sleep(forTimeInterval: 1.0)
            #expect(wait.wait(0) == nil, "the wait returned before any delivery")
            let deliveryStarted = Date()
            try Rig.deliver("track@corp.example", [Rig.corpus[0]])
            let delivered = Date()
            let result = try #require(wait.wait(10), "the wait did not return within 10 s of the delivery")
            #expect(try result.get() == true)
            let finished = try #require(wait.finishedAt)
            #expect(finished >= deliveryStarted, "the wait ended before the delivery began")
            #expect(finished.timeIntervalSince(delivered) < 2, "returned \(finished.timeIntervalSince(delivered)) s after the delivery")
            // The session is in step: the next quiet wait runs to its timeout.
            let start = Date()
            #expect(try watcher.waitForChange(timeout: 1) == false)
            #expect(Date().timeIntervalSince(start) >= 0.9)
        }

        @Test func quietMailboxWaitReturnsFalseAtItsTimeout() throws {
            try Rig.resetAll()
            try Rig.deliver("track@corp.example", [Rig.corpus[0]])  // present before: not a change
            let watcher = try IMAPIdleWatcher(settings: Rig.imapSettings())
            let start = Date()
            #expect(try watcher.waitForChange(timeout: 2) == false)
            let seconds = Date().timeIntervalSince(start)
            #expect(seconds >= 1.9 && seconds < 5, "took \(seconds) s")
        }

        @Test func interruptFromAnotherThreadEndsAWaitPromptly() throws {
            try Rig.resetAll()
            let watcher = try IMAPIdleWatcher(settings: Rig.imapSettings())
            let wait = Background { try watcher.waitForChange(timeout: 60) }
            Thread.sleep(forTimeInterval: 1.5)
            #expect(wait.wait(0) == nil, "the wait returned before the interrupt")
            let interrupted = Date()
            watcher.interrupt()
            let result = try #require(wait.wait(5), "the wait did not end within 5 s of interrupt()")
            #expect(try result.get() == false)
            let finished = try #require(wait.finishedAt)
            #expect(finished.timeIntervalSince(interrupted) < 1, "ended \(finished.timeIntervalSince(interrupted)) s after interrupt()")
            // An interrupt while no wait runs is kept: the next wait returns false at once.
            watcher.interrupt()
            let start = Date()
            #expect(try watcher.waitForChange(timeout: 30) == false)
            #expect(Date().timeIntervalSince(start) < 1)
            // And the session still hears mail afterwards.
            let next = Background { try watcher.waitForChange(timeout: 30) }
            Thread.sleep(forTimeInterval: 0.5)
            try Rig.deliver("track@corp.example", [Rig.corpus[1]])
            #expect(try #require(next.wait(10)).get() == true)
        }
    }
}

/// IDLE paths the rig cannot show, against scripted servers.
@Suite struct ScriptedIdleTests {
    func settings(_ port: UInt16) -> IMAPSettings {
        IMAPSettings(url: "imap://127.0.0.1:\(port)/INBOX", username: "u", password: "pw", connectTimeout: 5,
                     transferTimeout: 5, allowInsecureLoopback: true)
    }

    @Test func serverWithoutIDLEIsUnsupported() throws {
        let server = try ScriptedIMAPServer(respond: ScriptedIMAPTests.respond)  // CAPABILITY IMAP4rev1 UIDPLUS
        defer { server.stop() }
        let watcher = try IMAPIdleWatcher(settings: settings(server.port))
        #expect(throws: MailboxWatchError.unsupported) { try watcher.waitForChange(timeout: 5) }
        #expect(!server.commands.contains("IDLE"))
    }

    /// The tag of the IDLE in progress, for answering the `DONE` line that has none.
    final class IdleTag: @unchecked Sendable {
        private let lock = NSLock()
        private var tag = "*"
        var value: String {
            get { lock.withLock { tag } }
            set { lock.withLock { tag = newValue } }
        }
    }

    /// RFC 2177: a long wait re-issues IDLE (here every second instead of every 25 minutes),
    /// ending each with DONE; a quiet server means false at the timeout. Dovecot's keep-alive
    /// `* OK Still here` is not a change.
    @Test func longWaitReissuesIdleAndEndsEachWithDone() throws {
        let idle = IdleTag()
        let server = try ScriptedIMAPServer { tag, command in
            let upper = command.uppercased()
            if upper.hasPrefix("CAPABILITY") { return "* CAPABILITY IMAP4rev1 IDLE\r\n\(tag) OK done\r\n" }
            if upper.hasPrefix("EXAMINE") {
                return "* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 8] ok\r\n\(tag) OK [READ-ONLY] done\r\n"
            }
            if upper == "IDLE" {
                idle.value = tag
                return "+ idling\r\n* OK Still here\r\n* 2 EXISTS\r\n"
            }
            if tag.uppercased() == "DONE" { return "\(idle.value) OK Idle completed.\r\n" }
            return ScriptedIMAPTests.respond(tag, command)
        }
        defer { server.stop() }
        let watcher = try IMAPIdleWatcher(settings: settings(server.port), reIdleInterval: 1)
        let start = Date()
        #expect(try watcher.waitForChange(timeout: 2.5) == false)
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds >= 2.4 && seconds < 5, "took \(seconds) s")
        let sent = server.commands
        let idles = sent.filter { $0 == "IDLE" }.count
        let dones = sent.filter { $0 == "" }.count  // the DONE lines (no tag, no command)
        #expect(idles == 3 && dones == 3, "\(sent)")
        #expect(sent.filter { $0.hasPrefix("EXAMINE") } == ["EXAMINE \"INBOX\""])
    }

    /// A server that goes silent during IDLE (never answers DONE): the wait fails with a timeout
    /// after its own timeout plus `transferTimeout`, instead of hanging; the next wait reconnects.
    @Test func serverSilentAfterDoneTimesOut() throws {
        let server = try ScriptedIMAPServer { tag, command in
            let upper = command.uppercased()
            if upper.hasPrefix("CAPABILITY") { return "* CAPABILITY IMAP4rev1 IDLE\r\n\(tag) OK done\r\n" }
            if upper.hasPrefix("EXAMINE") { return "* 0 EXISTS\r\n\(tag) OK [READ-ONLY] done\r\n" }
            if upper == "IDLE" { return "+ idling\r\n" }
            if tag.uppercased() == "DONE" { return "" }
            return ScriptedIMAPTests.respond(tag, command)
        }
        defer { server.stop() }
        var s = settings(server.port)
        s.transferTimeout = 1.5
        let watcher = try IMAPIdleWatcher(settings: s)
        let start = Date()
        do {
            _ = try watcher.waitForChange(timeout: 1)
            Issue.record("a wait on a silent server returned")
        } catch let error as CurlError {
            #expect(error.isTimeout, "\(error)")
        }
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds >= 2.3 && seconds < 5, "took \(seconds) s")
    }

    /// An EXPUNGE reported during IDLE is a change too.
    @Test func expungeDuringIdleIsAChange() throws {
        let idle = IdleTag()
        let server = try ScriptedIMAPServer { tag, command in
            let upper = command.uppercased()
            if upper.hasPrefix("CAPABILITY") { return "* CAPABILITY IMAP4rev1 IDLE\r\n\(tag) OK done\r\n" }
            if upper.hasPrefix("EXAMINE") { return "* 2 EXISTS\r\n\(tag) OK [READ-ONLY] done\r\n" }
            if upper == "IDLE" {
                idle.value = tag
                return "+ idling\r\n* 1 EXPUNGE\r\n"
            }
            if tag.uppercased() == "DONE" { return "\(idle.value) OK Idle completed.\r\n" }
            return ScriptedIMAPTests.respond(tag, command)
        }
        defer { server.stop() }
        let watcher = try IMAPIdleWatcher(settings: settings(server.port))
        let start = Date()
        #expect(try watcher.waitForChange(timeout: 10) == true)
        #expect(Date().timeIntervalSince(start) < 2)
    }
}
