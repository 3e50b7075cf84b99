import Foundation
import LiaisonTransport
import Testing

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
}
