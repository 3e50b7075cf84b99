import Foundation
import LiaisonTransport
import Testing
import LiaisonTestSupport

extension RigTests {
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct SMTPRigTests {
        /// Every corpus message sent through Postfix (port 25 style, STARTTLS, no AUTH) on one
        /// connection, then found over IMAP: the original bytes whole at the end, Postfix's and
        /// Dovecot's trace fields before them. 8-bit bodies included: libcurl never sends
        /// BODY=8BITMIME and Postfix passes the bytes through.
        @Test func corpusThroughPostfixArrivesIntact() throws {
            try Rig.resetAll()
            let files = Rig.corpus
            let smtp = try SMTPSender(settings: SMTPSettings(url: Rig.smtpURL, caFile: Rig.ca, connectTimeout: 10, responseTimeout: 30))
            for file in files {
                let result = smtp.send(envelopeFrom: "sender@client.example", recipients: ["track@corp.example"], message: Rig.bytes(file))
                #expect(result.isAccepted, "\(file): \(result)")
                #expect(result.recipients.map(\.outcome) == [.accepted])
            }
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings())
            let uids = try Rig.eventually { () -> [UInt32]? in
                let u = try mailbox.uids(above: 0)
                return u.count >= files.count ? u : nil
            }
            let got = try #require(uids, "not all \(files.count) messages arrived")
            let fetched = try got.map { try mailbox.fetch(uid: $0) }
            for file in files {
                let original = Rig.bytes(file)
                #expect(fetched.contains { isOriginalWithTracePrefix($0, original: original) }, "\(file) changed in transit")
            }
        }

        /// One hand-built message to two mailboxes over submission (STARTTLS + AUTH), read back from both.
        @Test func oneMessageToTwoMailboxes() throws {
            try Rig.resetAll()
            let id = "\(UUID().uuidString)@gw.corp.example"
            let message = Array((
                "From: Liaison <track@corp.example>\r\nTo: zhang.wei@corp.example, wang.fang@corp.example\r\n"
                + "Subject: =?UTF-8?B?5o+Q6YaS?=\r\nDate: Mon, 23 Nov 2026 18:00:00 +0800\r\nMessage-ID: <\(id)>\r\n"
                + "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n5L2g5aW9Cg==\r\n.\r\n..leading dots survive\r\n"
            ).utf8)
            let smtp = try SMTPSender(settings: SMTPSettings(
                url: Rig.submissionURL + "/gw.corp.example", username: "track@corp.example", password: Rig.password,
                caFile: Rig.ca, connectTimeout: 10, responseTimeout: 30))
            let result = smtp.send(envelopeFrom: "track@corp.example", recipients: ["zhang.wei@corp.example", "wang.fang@corp.example"], message: message)
            #expect(result.isAccepted, "\(result)")
            #expect(result.recipients.map(\.outcome) == [.accepted, .accepted])
            for user in ["zhang.wei@corp.example", "wang.fang@corp.example"] {
                let mailbox = try IMAPMailbox(settings: Rig.imapSettings(user: user))
                let found = try Rig.eventually { () -> [UInt8]? in
                    for uid in try mailbox.uids(above: 0) {
                        let bytes = try mailbox.fetch(uid: uid)
                        if isOriginalWithTracePrefix(bytes, original: message) { return bytes }
                    }
                    return nil
                }
                #expect(found != nil, "\(user) did not get the message byte for byte")
                // The EHLO name came from the URL path; Postfix records it in its Received field.
                #expect(found.map { String(decoding: $0.prefix(2000), as: UTF8.self).contains("from gw.corp.example") } == true)
            }
            // The same sender, same connection: a second send in the batch works too.
            let again = smtp.send(envelopeFrom: "track@corp.example", recipients: ["zhang.wei@corp.example"], message: message)
            #expect(again.isAccepted, "\(again)")
        }

        /// Implicit TLS from the first byte (RFC 8314) with AUTH on the rig's smtps listener:
        /// accepted, delivered, read back byte for byte; a wrong password is a permanent 535.
        @Test func smtpsSendsAndIsReadBack() throws {
            guard let url = Rig.smtpsURL else {
                if Rig.required { Issue.record("LIAISON_RIG_SMTPS_URL unset: run scripts/mailrig start (it adds smtps to a running rig)") }
                return
            }
            try Rig.resetAll()
            let id = "\(UUID().uuidString)@gw.corp.example"
            let message = Array((
                "From: Liaison <track@corp.example>\r\nTo: li.na@corp.example\r\nSubject: smtps\r\n"
                + "Message-ID: <\(id)>\r\n\r\nsent over implicit TLS\r\n").utf8)
            let smtp = try SMTPSender(settings: SMTPSettings(
                url: url, username: "track@corp.example", password: Rig.password, caFile: Rig.ca,
                connectTimeout: 10, responseTimeout: 30))
            let result = smtp.send(envelopeFrom: "track@corp.example", recipients: ["li.na@corp.example"], message: message)
            #expect(result.isAccepted, "\(result)")
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings(user: "li.na@corp.example"))
            let found = try Rig.eventually { () -> [UInt8]? in
                for uid in try mailbox.uids(above: 0) {
                    let bytes = try mailbox.fetch(uid: uid)
                    if isOriginalWithTracePrefix(bytes, original: message) { return bytes }
                }
                return nil
            }
            let bytes = try #require(found, "li.na did not get the message byte for byte")
            // Postfix records the TLS of the session it received over.
            #expect(String(decoding: bytes.prefix(3000), as: UTF8.self).contains("using TLS"))
            let wrong = try SMTPSender(settings: SMTPSettings(
                url: url, username: "track@corp.example", password: "wrong-\(Rig.password)", caFile: Rig.ca,
                connectTimeout: 10, responseTimeout: 30))
            guard case .permanent(let reason, _) = wrong.send(envelopeFrom: "track@corp.example", recipients: ["li.na@corp.example"], message: message) else {
                Issue.record("a wrong password over smtps was not a permanent failure")
                return
            }
            #expect(reason.hasPrefix("535"), "\(reason)")
        }

        /// One recipient refused with 5xx, one accepted: accepted overall, the refusal permanent.
        @Test func partialRefusalIsAcceptedWithDetail() throws {
            try Rig.resetAll()
            let smtp = try SMTPSender(settings: SMTPSettings(url: Rig.smtpURL, caFile: Rig.ca, connectTimeout: 10, responseTimeout: 30))
            let message = Array("From: a@client.example\r\nTo: track@corp.example\r\nSubject: partial\r\n\r\nbody\r\n".utf8)
            let result = smtp.send(
                envelopeFrom: "a@client.example",
                recipients: ["no.such.user@corp.example", "track@corp.example", "someone@elsewhere.example"],
                message: message)
            #expect(result.isAccepted, "\(result)")
            let r = result.recipients
            #expect(r.map(\.address) == ["no.such.user@corp.example", "track@corp.example", "someone@elsewhere.example"])
            #expect(r[1].outcome == .accepted)
            #expect(r[0].outcome == .permanent && r[0].reply.hasPrefix("5"), "\(r[0])")
            #expect(r[2].outcome == .permanent && r[2].reply.hasPrefix("5"), "\(r[2])")
            // Every recipient refused: a permanent failure with the detail.
            let none = smtp.send(envelopeFrom: "a@client.example", recipients: ["no.such.user@corp.example"], message: message)
            guard case .permanent(_, let detail) = none else { Issue.record("got \(none)"); return }
            #expect(detail.map(\.outcome) == [.permanent])
        }
    }
}
