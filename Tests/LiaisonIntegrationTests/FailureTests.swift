import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

/// Measures how long `body` takes; returns its error.
private func timedError(_ body: () throws -> Void) -> (Error?, Double) {
    let start = Date()
    do { try body() } catch { return (error, Date().timeIntervalSince(start)) }
    return (nil, Date().timeIntervalSince(start))
}

extension RigTests {
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct RigFailureTests {
        @Test func wrongPasswordIsLoginDenied() throws {
            var settings = Rig.imapSettings(timeout: 10)
            settings.password = "not-the-password"
            let mailbox = try IMAPMailbox(settings: settings)
            let (error, seconds) = timedError { _ = try mailbox.status() }
            let curl = try #require(error as? CurlError, "got \(String(describing: error))")
            #expect(curl.code == 67 && curl.isLoginDenied, "\(curl)")
            #expect(curl.description.contains("Login denied"))
            #expect(!curl.description.contains("not-the-password"))
            #expect(seconds < 15)

            let smtp = try SMTPSender(settings: SMTPSettings(
                url: Rig.submissionURL, username: "track@corp.example", password: "not-the-password", caFile: Rig.ca,
                connectTimeout: 10, responseTimeout: 10))
            let result = smtp.send(envelopeFrom: "track@corp.example", recipients: ["zhang.wei@corp.example"], message: Array("Subject: x\r\n\r\nx\r\n".utf8))
            guard case .permanent(let reason, _) = result else { Issue.record("got \(result)"); return }
            #expect(reason.hasPrefix("535"), "\(reason)")
        }

        @Test func untrustedCertificateFailsVerification() throws {
            // No CA given: the system's CAs, which do not include the rig's own CA.
            for url in [Rig.imapsURL, Rig.imapURL] {
                var settings = Rig.imapSettings(url, timeout: 10)
                settings.caFile = nil
                let mailbox = try IMAPMailbox(settings: settings)
                let (error, seconds) = timedError { _ = try mailbox.status() }
                let curl = try #require(error as? CurlError, "got \(String(describing: error))")
                #expect(curl.code == 60 && curl.isTLSFailure, "\(url): \(curl)")
                #expect(curl.description.lowercased().contains("certificate"), "\(curl)")
                #expect(seconds < 15)
            }
            let smtp = try SMTPSender(settings: SMTPSettings(url: Rig.smtpURL, connectTimeout: 10, responseTimeout: 10))
            let result = smtp.send(envelopeFrom: "a@client.example", recipients: ["track@corp.example"], message: Array("Subject: x\r\n\r\nx\r\n".utf8))
            guard case .transient(let reason, _) = result else { Issue.record("got \(result)"); return }
            #expect(reason.contains("curl error 60"), "\(reason)")
        }
    }
}

/// Failures that need no rig: nothing listening, and a server that accepts and goes silent.
@Suite struct NetworkFailureTests {
    @Test func closedPortFailsFast() throws {
        let port = try SilentServer.closedPort()
        let mailbox = try IMAPMailbox(settings: IMAPSettings(
            url: "imaps://127.0.0.1:\(port)/INBOX", username: "u", password: "p", connectTimeout: 5, transferTimeout: 5))
        let (error, seconds) = timedError { _ = try mailbox.status() }
        let curl = try #require(error as? CurlError)
        #expect(curl.code == 7 && curl.isNetwork, "\(curl)")
        #expect(seconds < 5)
        let smtp = try SMTPSender(settings: SMTPSettings(url: "smtp://127.0.0.1:\(port)", connectTimeout: 5, responseTimeout: 5))
        let result = smtp.send(envelopeFrom: "a@b.example", recipients: ["c@d.example"], message: Array("x\r\n".utf8))
        guard case .transient(let reason, let r) = result else { Issue.record("got \(result)"); return }
        #expect(reason.contains("curl error 7"))
        #expect(r.map(\.outcome) == [.transient])
    }

    /// A server that accepts the connection and never speaks: the IMAP greeting (imap://), the
    /// TLS handshake (imaps://) and the SMTP greeting each time out within the configured limit.
    @Test(arguments: ["imap", "imaps", "smtp"])
    func silentServerTimesOut(scheme: String) throws {
        let server = try SilentServer()
        defer { server.stop() }
        let limit = 2.0
        if scheme == "smtp" {
            let smtp = try SMTPSender(settings: SMTPSettings(url: "smtp://127.0.0.1:\(server.port)", connectTimeout: limit, responseTimeout: limit))
            let start = Date()
            let result = smtp.send(envelopeFrom: "a@b.example", recipients: ["c@d.example"], message: Array("x\r\n".utf8))
            let seconds = Date().timeIntervalSince(start)
            guard case .transient(let reason, _) = result else { Issue.record("got \(result)"); return }
            #expect(reason.contains("curl error 28"), "\(reason)")
            #expect(seconds >= limit - 0.5 && seconds < limit * 2 + 1, "took \(seconds)s")
            return
        }
        let mailbox = try IMAPMailbox(settings: IMAPSettings(
            url: "\(scheme)://127.0.0.1:\(server.port)/INBOX", username: "u", password: "p",
            connectTimeout: limit, transferTimeout: limit))
        let (error, seconds) = timedError { _ = try mailbox.status() }
        let curl = try #require(error as? CurlError, "got \(String(describing: error))")
        #expect(curl.code == 28 && curl.isTimeout, "\(curl)")
        #expect(seconds >= limit - 0.5 && seconds < limit * 2 + 1, "took \(seconds)s")
    }

    /// A server that does not offer STARTTLS on imap:// or smtp:// is refused before any
    /// credential is sent (CURLUSESSL_ALL → CURLE_USE_SSL_FAILED, 64).
    @Test func serverWithoutSTARTTLSIsRefused() throws {
        let imap = try NoTLSServer(.imap)
        defer { imap.stop() }
        let mailbox = try IMAPMailbox(settings: IMAPSettings(
            url: "imap://127.0.0.1:\(imap.port)/INBOX", username: "u", password: "secret", connectTimeout: 5, transferTimeout: 5))
        let (error, _) = timedError { _ = try mailbox.status() }
        let curl = try #require(error as? CurlError, "got \(String(describing: error))")
        #expect(curl.code == 64, "\(curl)")
        #expect(curl.description.contains("STARTTLS"), "\(curl)")

        let smtpServer = try NoTLSServer(.smtp)
        defer { smtpServer.stop() }
        let smtp = try SMTPSender(settings: SMTPSettings(url: "smtp://127.0.0.1:\(smtpServer.port)", username: "u", password: "secret", connectTimeout: 5, responseTimeout: 5))
        let result = smtp.send(envelopeFrom: "a@b.example", recipients: ["c@d.example"], message: Array("x\r\n".utf8))
        guard case .transient(let reason, _) = result else { Issue.record("got \(result)"); return }
        #expect(reason.contains("curl error 64"), "\(reason)")
    }
}
