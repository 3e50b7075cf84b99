import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A hostile or broken IMAP server is a fault within a bound, never a memory blow-up or a hang:
/// each case below ends as the expected typed error within its bound, the connection dropped
/// (the next call opens a new one), the process's peak resident memory far below what the
/// server offered, and the server unable to push much past the byte cap.
/// Serialized: each test measures the process's peak memory.
@Suite(.serialized) struct HostileIMAPTests {
    typealias Reply = ScriptedIMAPServer.Reply
    static let mib = 1024 * 1024
    /// 1 GiB in forty literals.
    static let literalSize = (1 << 30) / 40

    /// The ordinary answers (login, SELECT with UIDNEXT 8, SEARCH 7…), one string each.
    static func normal(_ tag: String, _ command: String) -> [Reply] { [.text(ScriptedIMAPTests.respond(tag, command))] }

    static func mailbox(_ server: ScriptedIMAPServer, maxResponseBytes: Int = IMAPSettings.defaultMaxResponseBytes,
                        transferTimeout: Double = 5, commandTimeout: Double = 30,
                        plan: IMAPFetchPlan = .standard) throws -> IMAPMailbox {
        try IMAPMailbox(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(server.port)/INBOX", username: "u", password: "pw", connectTimeout: 5,
            transferTimeout: transferTimeout, allowInsecureLoopback: true,
            maxResponseBytes: maxResponseBytes, commandTimeout: commandTimeout), fetchPlan: plan)
    }

    /// Runs `body`, which must throw a `MailboxError`; returns it with the growth of the peak
    /// resident memory (KiB) and the seconds it took.
    static func fault(_ name: String = #function, server: ScriptedIMAPServer? = nil, _ body: () throws -> Void)
        -> (error: MailboxError?, growthKiB: Int, seconds: Double) {
        let before = ProcessMemory.resetPeak()
        let start = ContinuousClock.now
        var caught: MailboxError? = nil
        do {
            try body()
        } catch let e as MailboxError {
            caught = e
        } catch {
            Issue.record("expected a MailboxError, got \(error)")
        }
        let took = start.duration(to: .now)
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        let growth = ProcessMemory.peakKiB() - before
        print("HostileIMAPTests \(name): \(caught.map { "\($0)" } ?? "no error") after \(String(format: "%.2f", seconds)) s; "
              + "peak RSS +\(growth / 1024) MiB; server wrote \((server?.bytesWritten ?? 0) / 1024 / 1024) MiB")
        return (caught, growth, seconds)
    }

    static func isBound(_ e: MailboxError?, limit: Int) -> Bool {
        if case .boundExceeded(_, let l)? = e { return l == limit }
        return false
    }

    /// After a fault the next call works on a fresh connection (the faulty one is never reused).
    static func expectRecovered(_ box: IMAPMailbox, _ server: ScriptedIMAPServer, connections: Int) throws {
        #expect(try box.status() == MailboxStatus(uidValidity: 42, uidNext: 8, messages: 1))
        #expect(server.connections == connections, "the faulty connection was reused")
    }

    /// One FETCH response with forty 25.6 MiB literals (1 GiB): the first body is kept, the
    /// others are not asked for, and the third `{n}` passes the 64 MiB default cap.
    @Test func manyHugeLiteralsInOneFetchResponse() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            guard session == 1, command.uppercased().hasPrefix("UID FETCH 7 BODY.PEEK[]") else { return Self.normal(tag, command) }
            var out: [Reply] = [.text("* 1 FETCH (UID 7")]
            for k in 0..<40 {
                out += [.text(" BODY[\(k == 0 ? "" : "\(k)")] {\(Self.literalSize)}\r\n"), .filler(Self.literalSize)]
            }
            return out + [.text(")\r\n\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server)
        #expect(try box.uids(above: 0) == [7])
        let (error, growth, _) = Self.fault(server: server) { _ = try box.fetch(uid: 7) }
        #expect(Self.isBound(error, limit: IMAPSettings.defaultMaxResponseBytes), "\(String(describing: error))")
        #expect(growth < 100 * 1024, "peak resident memory grew by \(growth) KiB")
        #expect(server.bytesWritten < 80 * Self.mib, "the server pushed \(server.bytesWritten) bytes")
        try Self.expectRecovered(box, server, connections: 2)
    }

    /// Forty untagged 25.6 MiB literals after SELECT (which asks for none): dropped as they
    /// stream, counted, and the command fails at 64 MiB.
    @Test func untaggedLiteralFloodAfterSelect() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            guard session == 1, command.uppercased().hasPrefix("SELECT") else { return Self.normal(tag, command) }
            var out: [Reply] = [.text("* 1 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 8] ok\r\n")]
            for k in 0..<40 { out += [.text("* \(k + 1) FETCH (UID \(k + 1) BODY[] {\(Self.literalSize)}\r\n"), .filler(Self.literalSize), .text(")\r\n")] }
            return out + [.text("\(tag) OK [READ-WRITE] done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server)
        let (error, growth, _) = Self.fault(server: server) { _ = try box.status() }
        #expect(Self.isBound(error, limit: IMAPSettings.defaultMaxResponseBytes), "\(String(describing: error))")
        #expect(growth < 32 * 1024, "peak resident memory grew by \(growth) KiB")
        #expect(server.bytesWritten < 80 * Self.mib, "the server pushed \(server.bytesWritten) bytes")
        try Self.expectRecovered(box, server, connections: 2)
    }

    /// Millions of small untagged lines after SELECT: folded as they arrive (never a list of
    /// responses), and the command fails at the cap.
    @Test func untaggedLineFloodAfterSelect() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            guard session == 1, command.uppercased().hasPrefix("SELECT") else { return Self.normal(tag, command) }
            return [.text("* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 8] ok\r\n"),
                    .repeated("* 1 FETCH (FLAGS (\\Seen))\r\n", times: 40_000_000), .text("\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server, maxResponseBytes: 32 * Self.mib)
        let (error, growth, _) = Self.fault(server: server) { _ = try box.status() }
        #expect(Self.isBound(error, limit: 32 * Self.mib), "\(String(describing: error))")
        #expect(growth < 32 * 1024, "peak resident memory grew by \(growth) KiB")
        try Self.expectRecovered(box, server, connections: 2)
    }

    /// During a batched FETCH, unsolicited bodies of UIDs nobody asked for, without end: dropped,
    /// and the batch fails once its responses pass its announced bytes plus the slack (1 MiB).
    @Test func untaggedFloodDuringFetch() throws {
        let body = Array("Subject: seven\r\n\r\nbody 7\r\n".utf8)
        let server = try ScriptedIMAPServer { session, tag, command in
            let upper = command.uppercased()
            guard session == 1, upper.hasPrefix("UID FETCH") else { return Self.normal(tag, command) }
            if upper.hasSuffix("(RFC822.SIZE)") { return [.text("* 1 FETCH (UID 7 RFC822.SIZE \(body.count))\r\n\(tag) OK done\r\n")] }
            var out: [Reply] = [.text("* 1 FETCH (UID 7 BODY[] {\(body.count)}\r\n" + String(decoding: body, as: UTF8.self) + ")\r\n")]
            for k in 0..<1000 { out += [.text("* \(k + 2) FETCH (UID \(k + 100) BODY[] {\(Self.mib)}\r\n"), .filler(Self.mib), .text(")\r\n")] }
            return out + [.text("\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server)
        var got: [UInt32] = []
        let (error, growth, _) = Self.fault(server: server) { try box.fetch(uids: [7]) { uid, _ in got.append(uid) } }
        #expect(Self.isBound(error, limit: body.count + body.count / 8 + 64 * 1024 + 1 * Self.mib), "\(String(describing: error))")
        #expect(got.isEmpty, "a batch that failed delivered messages")
        #expect(growth < 32 * 1024, "peak resident memory grew by \(growth) KiB")
        #expect(server.bytesWritten < 16 * Self.mib, "the server pushed \(server.bytesWritten) bytes")
        try Self.expectRecovered(box, server, connections: 2)
    }

    /// `RFC822.SIZE 1000`, then a 512 MiB literal for the same UID: refused at its `{n}`.
    @Test func lyingRFC822SizeIsRefusedAtTheLiteral() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            let upper = command.uppercased()
            guard session == 1, upper.hasPrefix("UID FETCH") else { return Self.normal(tag, command) }
            if upper.hasSuffix("(RFC822.SIZE)") { return [.text("* 1 FETCH (UID 7 RFC822.SIZE 1000)\r\n\(tag) OK done\r\n")] }
            return [.text("* 1 FETCH (UID 7 BODY[] {\(512 * Self.mib)}\r\n"), .filler(512 * Self.mib), .text(")\r\n\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server)
        let (error, growth, _) = Self.fault(server: server) { try box.fetch(uids: [7]) { _, _ in Issue.record("a body was delivered") } }
        // The tolerance for servers whose sizes are approximate: an eighth plus 64 KiB.
        #expect(Self.isBound(error, limit: 1000 + 1000 / 8 + 64 * 1024), "\(String(describing: error))")
        #expect(error?.description.contains("UID 7") == true, "\(String(describing: error))")
        #expect(growth < 32 * 1024, "peak resident memory grew by \(growth) KiB")
        #expect(server.bytesWritten < 16 * Self.mib, "the server pushed \(server.bytesWritten) bytes")
        try Self.expectRecovered(box, server, connections: 2)
    }

    /// A server whose `RFC822.SIZE` is approximate (Exchange's is known to be): a body a little
    /// larger than announced is delivered, not a fault on every pass.
    @Test func approximateRFC822SizeIsTolerated() throws {
        let body = "Subject: approx\r\n\r\n" + String(repeating: "x", count: 1_078)
        let server = try ScriptedIMAPServer { session, tag, command in
            let upper = command.uppercased()
            guard upper.hasPrefix("UID FETCH") else { return Self.normal(tag, command) }
            if upper.hasSuffix("(RFC822.SIZE)") { return [.text("* 1 FETCH (UID 7 RFC822.SIZE 1000)\r\n\(tag) OK done\r\n")] }
            return [.text("* 1 FETCH (UID 7 BODY[] {\(body.utf8.count)}\r\n\(body))\r\n\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server)
        var got: [UInt32: Int] = [:]
        try box.fetch(uids: [7]) { uid, bytes in got[uid] = bytes.count }
        #expect(got == [7: body.utf8.count] && body.utf8.count > 1_000)
    }

    /// Forty messages that each announce 100 bytes (so one batch) and each send 25.6 MiB: the
    /// batching never trusts the announced sizes for memory — the first body is refused.
    @Test func understatedSizesDoNotInflateABatch() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            let upper = command.uppercased()
            guard session == 1, upper.hasPrefix("UID FETCH") else {
                if command.uppercased().hasPrefix("UID SEARCH") { return [.text("* SEARCH \((1...40).map(String.init).joined(separator: " "))\r\n\(tag) OK done\r\n")] }
                if command.uppercased().hasPrefix("SELECT") { return [.text("* 40 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 41] ok\r\n\(tag) OK done\r\n")] }
                return Self.normal(tag, command)
            }
            if upper.hasSuffix("(RFC822.SIZE)") {
                return [.text((1...40).map { "* \($0) FETCH (UID \($0) RFC822.SIZE 100)\r\n" }.joined() + "\(tag) OK done\r\n")]
            }
            var out: [Reply] = []
            for uid in 1...40 { out += [.text("* \(uid) FETCH (BODY[] {\(Self.literalSize)}\r\n"), .filler(Self.literalSize), .text(" UID \(uid))\r\n")] }
            return out + [.text("\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server)
        let uids = try box.uids(above: 0)
        #expect(uids == Array(1...40))
        // The UID item follows each literal, so only the batch's byte cap can
        // stop the first one at its `{n}` (40 × (100 + the size tolerance) + 1 MiB).
        let (error, growth, _) = Self.fault(server: server) { try box.fetch(uids: uids) { _, _ in Issue.record("a body was delivered") } }
        #expect(Self.isBound(error, limit: 40 * (100 + 100 / 8 + 64 * 1024) + Self.mib), "\(String(describing: error))")
        #expect(growth < 32 * 1024, "peak resident memory grew by \(growth) KiB")
        #expect(server.bytesWritten < 16 * Self.mib, "the server pushed \(server.bytesWritten) bytes")
    }

    /// A message announcing more than the cap is never asked for: the messages before it are
    /// handed out, then the fetch fails naming it (each pass, until the cap is raised).
    @Test func messageAboveTheCapIsNeverRequested() throws {
        let small = Array("Subject: seven\r\n\r\nbody 7\r\n".utf8)
        let server = try ScriptedIMAPServer { _, tag, command in
            let upper = command.uppercased()
            guard upper.hasPrefix("UID FETCH") else { return Self.normal(tag, command) }
            if upper.hasSuffix("(RFC822.SIZE)") {
                return [.text("* 1 FETCH (UID 7 RFC822.SIZE \(small.count))\r\n* 2 FETCH (UID 8 RFC822.SIZE \(3 * Self.mib))\r\n\(tag) OK done\r\n")]
            }
            guard upper == "UID FETCH 7 (UID BODY.PEEK[])" else { return [.text("\(tag) NO not this one\r\n")] }
            return [.text("* 1 FETCH (UID 7 BODY[] {\(small.count)}\r\n" + String(decoding: small, as: UTF8.self) + ")\r\n\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server, maxResponseBytes: 2 * Self.mib)
        // 2 MiB less the 1 MiB of slack: the small message and the large one are separate batches.
        #expect(box.batchPlan.maxBytes == Self.mib)
        var got: [UInt32] = []
        let (error, _, _) = Self.fault(server: server) { try box.fetch(uids: [7, 8]) { uid, _ in got.append(uid) } }
        #expect(Self.isBound(error, limit: 2 * Self.mib), "\(String(describing: error))")
        #expect(error?.description.contains("UID 8") == true)
        #expect(got == [7])
        #expect(!server.commands.contains { $0.hasPrefix("UID FETCH 8") })
    }

    /// The same with a `tooLarge` handler (the poller's): the message above the cap is handed to
    /// it in UID order, never asked for, and the messages after it are still fetched.
    @Test func messageAboveTheCapGoesToTooLargeAndTheRestFollow() throws {
        let small = Array("Subject: seven\r\n\r\nbody 7\r\n".utf8)
        let server = try ScriptedIMAPServer { _, tag, command in
            let upper = command.uppercased()
            guard upper.hasPrefix("UID FETCH") else { return Self.normal(tag, command) }
            if upper.hasSuffix("(RFC822.SIZE)") {
                return [.text("* 1 FETCH (UID 7 RFC822.SIZE \(small.count))\r\n* 2 FETCH (UID 8 RFC822.SIZE \(3 * Self.mib))\r\n"
                              + "* 3 FETCH (UID 9 RFC822.SIZE \(small.count))\r\n\(tag) OK done\r\n")]
            }
            let uid = upper == "UID FETCH 7 (UID BODY.PEEK[])" ? 7 : upper == "UID FETCH 9 (UID BODY.PEEK[])" ? 9 : 0
            guard uid != 0 else { return [.text("\(tag) NO not this one\r\n")] }
            return [.text("* 1 FETCH (UID \(uid) BODY[] {\(small.count)}\r\n" + String(decoding: small, as: UTF8.self) + ")\r\n\(tag) OK done\r\n")]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server, maxResponseBytes: 2 * Self.mib)
        var order: [String] = []
        try box.fetch(uids: [7, 8, 9], each: { uid, _ in order.append("\(uid)") },
                      tooLarge: { uid, size in order.append("\(uid) too large (\(size))") })
        #expect(order == ["7", "8 too large (\(3 * Self.mib))", "9"])
        #expect(!server.commands.contains { $0.hasPrefix("UID FETCH 8") })
    }

    /// A FETCH answered one byte per second: never silent for the 2 s idle timeout, but the
    /// command ends at its 3.5 s deadline (monotonic), and the next call reconnects.
    @Test func oneByteDripEndsAtTheCommandDeadline() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            guard session == 1, command.uppercased().hasPrefix("UID FETCH 7 BODY.PEEK[]") else { return Self.normal(tag, command) }
            return [.text("* 1 FETCH (UID 7 BODY[] {100}\r\n"), .drip(String(repeating: "x", count: 100) + ")\r\n\(tag) OK done\r\n", every: 1)]
        }
        defer { server.stop() }
        let box = try Self.mailbox(server, transferTimeout: 2, commandTimeout: 3.5)
        #expect(try box.uids(above: 0) == [7])
        let (error, _, seconds) = Self.fault(server: server) { _ = try box.fetch(uid: 7) }
        guard case .commandTimeout(_, let limit)? = error else {
            Issue.record("expected a command timeout, got \(String(describing: error))")
            return
        }
        #expect(limit == 3.5)
        #expect(seconds >= 3.4 && seconds < 5.5, "took \(seconds) s")
        try Self.expectRecovered(box, server, connections: 2)
    }

    /// The same drip on the IDLE watcher's EXAMINE: the wait fails at the deadline instead of hanging.
    @Test func oneByteDripOnIdleWatcherEndsAtTheCommandDeadline() throws {
        let server = try ScriptedIMAPServer { session, tag, command in
            let upper = command.uppercased()
            if upper.hasPrefix("CAPABILITY") { return [.text("* CAPABILITY IMAP4rev1 IDLE\r\n\(tag) OK done\r\n")] }
            guard upper.hasPrefix("EXAMINE") else { return Self.normal(tag, command) }
            return [.drip("* 1 EXISTS\r\n* 2 EXISTS\r\n* 3 EXISTS\r\n\(tag) OK done\r\n", every: 0.5)]
        }
        defer { server.stop() }
        let watcher = try IMAPIdleWatcher(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(server.port)/INBOX", username: "u", password: "pw", connectTimeout: 5,
            transferTimeout: 2, allowInsecureLoopback: true, commandTimeout: 3))
        let (error, _, seconds) = Self.fault(server: server) { _ = try watcher.waitForChange(timeout: 60) }
        guard case .commandTimeout? = error else {
            Issue.record("expected a command timeout, got \(String(describing: error))")
            return
        }
        #expect(seconds >= 2.9 && seconds < 5, "took \(seconds) s")
    }
}
