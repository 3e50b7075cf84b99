import Testing
@testable import LiaisonTransport

@Suite struct TransportPolicyTests {
    @Test func urlParsing() throws {
        let u = try MailServerURL(parsing: "IMAPS://mail.corp.example:993/INBOX", schemes: ["imap", "imaps"])
        #expect(u.scheme == "imaps" && u.host == "mail.corp.example" && u.port == 993 && u.path == "INBOX")
        let v6 = try MailServerURL(parsing: "imap://[::1]:10143/INBOX", schemes: ["imap", "imaps"])
        #expect(v6.host == "::1" && v6.port == 10143 && v6.origin == "imap://[::1]:10143")
        #expect(throws: MailURLError.credentialsInURL) { try MailServerURL(parsing: "imaps://u:p@h/INBOX", schemes: ["imaps"]) }
        #expect(throws: MailURLError.unsupportedScheme("http", allowed: ["imap", "imaps"])) {
            try MailServerURL(parsing: "http://h/", schemes: ["imap", "imaps"])
        }
        #expect(throws: MailURLError.self) { try MailServerURL(parsing: "imaps://h:99999/", schemes: ["imaps"]) }
        #expect(throws: MailURLError.self) { try MailServerURL(parsing: "mail.corp.example", schemes: ["imaps"]) }
    }

    @Test func loopbackAddresses() {
        for host in ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST.", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"] {
            #expect(TransportSecurity.isLoopback(host), "\(host)")
        }
        for host in ["128.0.0.1", "10.0.0.1", "127.0.0", "127.0.0.1.example.com", "localhost.evil.example", "::2", "::", "mail.corp.example", "0.0.0.0"] {
            #expect(!TransportSecurity.isLoopback(host), "\(host)")
        }
    }

    @Test func securityDecision() throws {
        func decide(_ url: String, _ allow: Bool) throws -> TransportSecurity {
            try TransportSecurity.decide(for: MailServerURL(parsing: url, schemes: ["imap", "imaps", "smtp", "smtps"]), allowInsecureLoopback: allow)
        }
        #expect(try decide("imaps://mail.corp.example/INBOX", false) == .implicitTLS)
        #expect(try decide("imaps://127.0.0.1/INBOX", true) == .implicitTLS)
        #expect(try decide("imap://mail.corp.example/INBOX", false) == .startTLS)
        #expect(try decide("smtp://mail.corp.example:587", false) == .startTLS)
        #expect(try decide("imap://127.0.0.1:10143/INBOX", true) == .plaintextLoopback)
        #expect(try decide("smtp://[::1]:25", true) == .plaintextLoopback)
        #expect(throws: MailURLError.plaintextNotLoopback(host: "mail.corp.example")) {
            try decide("imap://mail.corp.example/INBOX", true)
        }
    }

    @Test func mailboxConstructionRejectsBadURLsWithoutConnecting() {
        #expect(throws: MailURLError.self) {
            try IMAPMailbox(settings: IMAPSettings(url: "imap://10.1.2.3/INBOX", username: "u", password: "p", allowInsecureLoopback: true))
        }
        #expect(throws: MailURLError.self) {
            try SMTPSender(settings: SMTPSettings(url: "imaps://h/INBOX"))
        }
        #expect(throws: MailURLError.credentialsInURL) {
            try IMAPMailbox(settings: IMAPSettings(url: "imaps://track:secret@h/INBOX", username: "u", password: "p"))
        }
    }

    @Test func folderNamesWithLineBreaksAreRefusedBeforeAnyIO() throws {
        let box = try IMAPMailbox(settings: IMAPSettings(url: "imaps://127.0.0.1:1/INBOX", username: "u", password: "p"))
        #expect(throws: MailboxError.invalidFolderName("a\r\nA1 DELETE INBOX")) { try box.move(uid: 1, to: "a\r\nA1 DELETE INBOX") }
        #expect(throws: MailboxError.invalidFolderName("")) { try box.move(uid: 1, to: "") }
        #expect(IMAPMailbox.quoted(#"a"b\c"#) == #""a\"b\\c""#)
    }

    @Test func settingsDescriptionsHideThePassword() {
        let s = IMAPSettings(url: "imaps://h/INBOX", username: "track@corp.example", password: "hunter2-secret")
        #expect(!"\(s)".contains("hunter2"))
        let t = SMTPSettings(url: "smtps://h", username: "u", password: "hunter2-secret")
        #expect(!"\(t)".contains("hunter2"))
    }

    @Test func curlErrorDescriptionNamesEverything() {
        let e = CurlError(code: 67, message: "Login denied", detail: "Access denied: 67", serverResponse: "A001 NO [AUTHENTICATIONFAILED] Authentication failed.", operation: "IMAP STATUS")
        #expect(e.description == "IMAP STATUS: curl error 67 (Login denied): Access denied: 67; server said: A001 NO [AUTHENTICATIONFAILED] Authentication failed.")
        #expect(e.isLoginDenied && !e.isTimeout)
    }
}
