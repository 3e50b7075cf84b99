import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// libcurl against a scripted server: the plaintext-loopback mode, the COPY/STORE/EXPUNGE move
/// for servers without MOVE, and a tricky FETCH literal travelling through libcurl's header stream.
@Suite struct ScriptedIMAPTests {
    static let literal = Array((
        "Subject: tricky\r\n\r\n* 5 FETCH (UID 99 BODY[] {3}\r\nabc)\r\n)\r\n\r\n"
        + "a line that is long " + String(repeating: "x", count: 20_000) + "\r\nno newline at end").utf8)

    static func respond(_ tag: String, _ command: String) -> String {
        let upper = command.uppercased()
        switch true {
        case upper.hasPrefix("CAPABILITY"): return "* CAPABILITY IMAP4rev1 UIDPLUS\r\n\(tag) OK done\r\n"
        case upper.hasPrefix("LOGIN"): return "\(tag) OK logged in\r\n"
        case upper.hasPrefix("SELECT"):
            return "* 1 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 8] ok\r\n\(tag) OK [READ-WRITE] done\r\n"
        case upper.hasPrefix("UID SEARCH"): return "* SEARCH 7\r\n\(tag) OK done\r\n"
        case upper.hasPrefix("UID FETCH 7 BODY.PEEK[]"):
            return "* 1 FETCH (UID 7 BODY[] {\(literal.count)}\r\n" + String(decoding: literal, as: UTF8.self) + ")\r\n\(tag) OK done\r\n"
        case upper.hasPrefix("UID COPY"): return "\(tag) OK [COPYUID 42 7 1] done\r\n"
        case upper.hasPrefix("CREATE"): return "\(tag) OK created\r\n"
        case upper.hasPrefix("UID STORE"): return "\(tag) OK stored\r\n"
        case upper.hasPrefix("UID EXPUNGE"): return "* 1 EXPUNGE\r\n\(tag) OK expunged\r\n"
        case upper.hasPrefix("LOGOUT"): return "* BYE bye\r\n\(tag) OK bye\r\n"
        default: return "\(tag) BAD unknown\r\n"
        }
    }

    func mailbox(_ server: ScriptedIMAPServer) throws -> IMAPMailbox {
        try IMAPMailbox(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(server.port)/INBOX", username: "u", password: "pw", connectTimeout: 5,
            transferTimeout: 5, allowInsecureLoopback: true))
    }

    @Test func plaintextLoopbackSessionAndExactLiteral() throws {
        let server = try ScriptedIMAPServer(respond: Self.respond)
        defer { server.stop() }
        let box = try mailbox(server)
        #expect(try box.status() == MailboxStatus(uidValidity: 42, uidNext: 8, messages: 1))
        #expect(try box.uids(above: 0) == [7])
        #expect(try box.uids(above: 7) == [])
        let body = try box.fetch(uid: 7)
        #expect(body.count == Self.literal.count)
        #expect(body == Self.literal)
        #expect(!server.commands.contains { $0.uppercased().hasPrefix("STARTTLS") })
        #expect(server.commands.contains { $0.hasPrefix("LOGIN") })
        #expect(server.commands.contains("UID FETCH 7 BODY.PEEK[]"))
    }

    @Test func moveWithoutMOVECapabilityCopiesFlagsAndExpunges() throws {
        let server = try ScriptedIMAPServer(respond: Self.respond)
        defer { server.stop() }
        try mailbox(server).move(uid: 7, to: "已处理")
        let sent = server.commands
        let copy = try #require(sent.firstIndex(of: "UID COPY 7 \"&XfJZBHQG-\""), "\(sent)")
        let store = try #require(sent.firstIndex(of: "UID STORE 7 +FLAGS.SILENT (\\Deleted)"), "\(sent)")
        let expunge = try #require(sent.firstIndex(of: "UID EXPUNGE 7"), "\(sent)")
        #expect(copy < store && store < expunge)
        #expect(!sent.contains { $0.hasPrefix("UID MOVE") })
    }

    /// A server without MOVE whose target folder is missing: the session (after libcurl's
    /// CAPABILITY and LOGIN) is exactly SELECT, CAPABILITY, UID COPY refused with [TRYCREATE],
    /// CREATE, UID COPY, UID STORE +FLAGS.SILENT (\Deleted), UID EXPUNGE — the name quoted, in
    /// modified UTF-7, and only the moved UID expunged.
    @Test func moveFallbackCreatesTheFolderThenCopiesFlagsAndExpunges() throws {
        final class Created: @unchecked Sendable {
            let lock = NSLock()
            var folder = false
        }
        let created = Created()
        let server = try ScriptedIMAPServer { tag, command in
            let upper = command.uppercased()
            if upper.hasPrefix("UID COPY") {
                return created.lock.withLock { created.folder }
                    ? "\(tag) OK [COPYUID 42 7 1] done\r\n" : "\(tag) NO [TRYCREATE] Mailbox doesn't exist\r\n"
            }
            if upper.hasPrefix("CREATE") { created.lock.withLock { created.folder = true } }
            return Self.respond(tag, command)
        }
        defer { server.stop() }
        let box = try mailbox(server)
        try box.move(uid: 7, to: "Filed \"2026\"/已处理")
        // Read while the mailbox lives: its deinit says LOGOUT.
        let sent = withExtendedLifetime(box) { server.commands }
        let login = try #require(sent.firstIndex { $0.hasPrefix("LOGIN") }, "\(sent)")
        let target = #""Filed \"2026\"/&XfJZBHQG-""#
        #expect(Array(sent[(login + 1)...]) == [
            "SELECT \"INBOX\"", "CAPABILITY", "UID COPY 7 \(target)", "CREATE \(target)", "UID COPY 7 \(target)",
            "UID STORE 7 +FLAGS.SILENT (\\Deleted)", "UID EXPUNGE 7",
        ])
    }

    /// The messages of the batch tests: UID 8 is gone (expunged); UID 9 holds a FETCH lookalike.
    static let batchMessages: [UInt32: [UInt8]] = [
        7: Array("Subject: seven\r\n\r\nbody 7\r\n".utf8),
        9: literal,
        10: [],
    ]

    /// The UIDs of a UID set such as `7:9,10` (no `*`).
    static func uidSet(_ text: Substring) -> [UInt32] {
        text.split(separator: ",").flatMap { part -> [UInt32] in
            let ends = part.split(separator: ":").compactMap { UInt32($0) }
            guard let low = ends.first else { return [] }
            return Array(low...(ends.last ?? low))
        }
    }

    /// Answers `UID FETCH set (RFC822.SIZE)` and `UID FETCH set (UID BODY.PEEK[])` from
    /// `batchMessages`, the bodies in DESCENDING UID order with an unsolicited FLAGS response
    /// between them, so only the UID items can tell which literal is which.
    static func respondBatch(_ tag: String, _ command: String) -> String {
        respondBatch(batchMessages, tag, command)
    }

    static func respondBatch(_ batchMessages: [UInt32: [UInt8]], _ tag: String, _ command: String) -> String {
        let words = command.split(separator: " ", maxSplits: 3)
        guard words.count == 4, words[0] == "UID", words[1] == "FETCH" else { return respond(tag, command) }
        let present = uidSet(words[2]).filter { batchMessages[$0] != nil }
        var out = ""
        switch words[3] {
        case "(RFC822.SIZE)":
            for uid in present { out += "* \(uid - 6) FETCH (UID \(uid) RFC822.SIZE \(batchMessages[uid]!.count))\r\n" }
        case "(UID BODY.PEEK[])":
            for uid in present.reversed() {
                let body = batchMessages[uid]!
                out += "* \(uid - 6) FETCH (UID \(uid) BODY[] {\(body.count)}\r\n" + String(decoding: body, as: UTF8.self) + ")\r\n"
                out += "* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\n"
            }
        default: return "\(tag) BAD unknown\r\n"
        }
        return out + "\(tag) OK Fetch completed\r\n"
    }

    @Test(arguments: [500, 1])
    func batchThroughLibcurlMatchesLiteralsByUID(maxCount: Int) throws {
        let server = try ScriptedIMAPServer(respond: Self.respondBatch)
        defer { server.stop() }
        let box = try IMAPMailbox(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(server.port)/INBOX", username: "u", password: "pw", connectTimeout: 5,
            transferTimeout: 5, allowInsecureLoopback: true), fetchPlan: IMAPFetchPlan(maxCount: maxCount, maxBytes: 1 << 20))
        var got: [(uid: UInt32, bytes: [UInt8])] = []
        try box.fetch(uids: [10, 9, 8, 7]) { got.append(($0, $1)) }
        #expect(got.map(\.uid) == [7, 9, 10])
        #expect(got.first { $0.uid == 7 }?.bytes == Self.batchMessages[7])
        #expect(got.first { $0.uid == 9 }?.bytes == Self.literal)
        #expect(got.first { $0.uid == 10 }?.bytes == [])
        let fetches = server.commands.filter { $0.hasPrefix("UID FETCH") }
        if maxCount == 500 {
            #expect(fetches == ["UID FETCH 7:10 (RFC822.SIZE)", "UID FETCH 7,9:10 (UID BODY.PEEK[])"])
        } else {
            #expect(fetches == ["UID FETCH 7:10 (RFC822.SIZE)", "UID FETCH 7 (UID BODY.PEEK[])",
                                "UID FETCH 9 (UID BODY.PEEK[])", "UID FETCH 10 (UID BODY.PEEK[])"])
        }
    }

    /// Two 200 KB messages in one batch (beyond the 300 KiB of server lines after which
    /// libcurl 7.88 fails a transfer with error 56): one command, both whole, nothing split.
    @Test func largeBatchIsOneCommandAndWhole() throws {
        let big: [UInt32: [UInt8]] = [
            7: Array(("Subject: a\r\n\r\n" + String(repeating: String(repeating: "a", count: 98) + "\r\n", count: 2000)).utf8),
            8: Array(("Subject: b\r\n\r\n" + String(repeating: String(repeating: "b", count: 98) + "\r\n", count: 2000)).utf8),
        ]
        let server = try ScriptedIMAPServer { tag, command in Self.respondBatch(big, tag, command) }
        defer { server.stop() }
        let box = try IMAPMailbox(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(server.port)/INBOX", username: "u", password: "pw", connectTimeout: 5,
            transferTimeout: 5, allowInsecureLoopback: true), fetchPlan: IMAPFetchPlan(maxCount: 10, maxBytes: 1 << 20))
        let got = try box.fetch(uids: [7, 8])
        #expect(got.map(\.uid) == [7, 8])
        #expect(got.map(\.bytes) == [big[7]!, big[8]!])
        #expect(server.commands.filter { $0.hasPrefix("UID FETCH") } == ["UID FETCH 7:8 (RFC822.SIZE)", "UID FETCH 7:8 (UID BODY.PEEK[])"])
    }

    /// The server answers the login and SELECT, then goes silent on FETCH: the call fails with a
    /// timeout within the configured limit instead of hanging.
    @Test func serverSilentMidSessionTimesOut() throws {
        let server = try ScriptedIMAPServer { tag, command in
            command.uppercased().hasPrefix("UID FETCH") ? "" : Self.respond(tag, command)
        }
        defer { server.stop() }
        let box = try IMAPMailbox(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(server.port)/INBOX", username: "u", password: "pw", connectTimeout: 2,
            transferTimeout: 2, allowInsecureLoopback: true))
        #expect(try box.uids(above: 0) == [7])
        let start = Date()
        do {
            _ = try box.fetch(uid: 7)
            Issue.record("fetch from a silent server returned")
        } catch let error as CurlError {
            #expect(error.isTimeout, "\(error)")
        }
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds >= 1.5 && seconds < 5, "took \(seconds)s")
    }

    /// A stopped server lets go of everything before `stop()` returns: the session it was serving
    /// ends (the client reads EOF), the port refuses new connections, and its thread has closed
    /// its descriptors, so it can never accept on a descriptor number the kernel later reuses for
    /// another test's listener (which once let a "silent" server's client be answered by the
    /// literal-serving script of an earlier test).
    @Test func stopEndsTheSessionAndReleasesTheListener() throws {
        let server = try ScriptedIMAPServer(respond: Self.respond)
        let client = try RawClient(port: server.port)
        defer { client.close() }
        #expect(try client.readLine() == "* OK scripted IMAP ready\r\n")
        client.send("a1 CAPABILITY\r\n")
        #expect(try client.readLine() == "* CAPABILITY IMAP4rev1 UIDPLUS\r\n")
        #expect(try client.readLine() == "a1 OK done\r\n")
        #expect(server.stop(timeout: 10), "the server thread did not finish")
        #expect(try client.readLine() == nil, "the session outlived stop()")
        #expect(server.stop(timeout: 1), "a second stop() must return at once")
        do {
            let late = try RawClient(port: server.port)
            late.close()
            Issue.record("a stopped server's port accepted a connection")
        } catch let error as RawClient.Failure {
            #expect(error.errno == ECONNREFUSED, "\(error)")
        }
        #expect(server.commands == ["CAPABILITY"])
    }

    /// The silent server follows the same rule: `stop()` ends the session it holds (EOF, or a
    /// reset for a client still in the backlog, never a read timeout), its thread is finished
    /// when `stop()` returns, and its port refuses connections afterwards.
    @Test func silentServerStopEndsTheSessionAndReleasesTheListener() throws {
        let server = try SilentServer()
        let client = try RawClient(port: server.port)
        defer { client.close() }
        client.send("a1 CAPABILITY\r\n")
        #expect(server.stop(timeout: 10), "the server thread did not finish")
        do {
            #expect(try client.readLine() == nil, "a silent server said something")
        } catch let error as RawClient.Failure {
            #expect(error.errno == ECONNRESET, "the session outlived stop(): \(error)")
        }
        #expect(server.stop(timeout: 1), "a second stop() must return at once")
        do {
            let late = try RawClient(port: server.port)
            late.close()
            Issue.record("a stopped server's port accepted a connection")
        } catch let error as RawClient.Failure {
            #expect(error.errno == ECONNREFUSED, "\(error)")
        }
    }
}

/// A blocking TCP client for talking to the scripted server byte by byte; reads time out after 5 s.
private final class RawClient {
    struct Failure: Error { var what: String; var errno: Int32 }
    private let fd: Int32

    init(port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket", errno: Glibc.errno) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            let code = Glibc.errno
            Glibc.close(fd)
            throw Failure(what: "connect", errno: code)
        }
        self.fd = fd
    }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// The next line, CRLF included; nil at EOF. Throws on a timeout or a socket error.
    func readLine() throws -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if n < 0 { throw Failure(what: "recv", errno: Glibc.errno) }
            line.append(byte)
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
        }
    }

    func close() { Glibc.close(fd) }
}
