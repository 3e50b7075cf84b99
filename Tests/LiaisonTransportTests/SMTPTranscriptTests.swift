import Testing
@testable import LiaisonTransport

private func session(_ lines: [String]) -> [SMTPTranscriptEvent] {
    lines.map { $0.hasPrefix("> ") ? .sent(String($0.dropFirst(2))) : .received(String($0.dropFirst(2)) + "\r\n") }
}

private let greeting = [
    "< 220 mx.corp.example ESMTP Postfix", "> EHLO gw", "< 250-mx.corp.example", "< 250-PIPELINING",
    "< 250-STARTTLS", "< 250 8BITMIME", "> STARTTLS", "< 220 2.0.0 Ready to start TLS", "> EHLO gw",
    "< 250-mx.corp.example", "< 250 AUTH PLAIN LOGIN", "> AUTH", "< 235 2.7.0 Authentication successful",
]

@Suite struct SMTPTranscriptTests {
    @Test func oneRefusedOneAcceptedIsAcceptedWithDetail() {
        let t = session(greeting + [
            "> MAIL FROM:<track@corp.example>", "< 250 2.1.0 Ok",
            "> RCPT TO:<nobody@corp.example>", "< 550 5.1.1 <nobody@corp.example>: Recipient address rejected",
            "> RCPT TO:<zhang.wei@corp.example>", "< 250 2.1.5 Ok",
            "> RCPT TO:<busy@corp.example>", "< 450 4.2.0 <busy@corp.example>: try later",
            "> DATA", "< 354 End data with <CR><LF>.<CR><LF>", "< 250 2.0.0 Ok: queued as 4ABC",
        ])
        let result = SMTPTranscriptParser.outcome(
            transcript: t, recipients: ["nobody@corp.example", "zhang.wei@corp.example", "busy@corp.example"],
            curlSucceeded: true, curlFailure: "")
        #expect(result.isAccepted)
        #expect(result.recipients.map(\.outcome) == [.permanent, .accepted, .transient])
        #expect(result.recipients[0].reply == "550 5.1.1 <nobody@corp.example>: Recipient address rejected")
        #expect(result.recipients[1].address == "zhang.wei@corp.example")
        #expect(result.recipients[2].reply.hasPrefix("450 4.2.0"))
    }

    @Test func everyRecipientRefusedPermanently() {
        let t = session(greeting + [
            "> MAIL FROM:<a@corp.example>", "< 250 2.1.0 Ok",
            "> RCPT TO:<x@corp.example>", "< 550 5.1.1 unknown",
            "> RCPT TO:<y@corp.example>", "< 553 5.1.3 bad",
        ])
        let result = SMTPTranscriptParser.outcome(transcript: t, recipients: ["x@corp.example", "y@corp.example"], curlSucceeded: false, curlFailure: "curl error 55")
        guard case .permanent(let reason, let r) = result else { Issue.record("got \(result)"); return }
        #expect(reason.contains("553 5.1.3 bad"))
        #expect(r.map(\.outcome) == [.permanent, .permanent])
    }

    @Test func everyRecipientRefusedOneTransientlyIsTransient() {
        let t = session(greeting + [
            "> MAIL FROM:<a@corp.example>", "< 250 2.1.0 Ok",
            "> RCPT TO:<x@corp.example>", "< 550 5.1.1 unknown",
            "> RCPT TO:<y@corp.example>", "< 451 4.3.0 greylisted",
        ])
        let result = SMTPTranscriptParser.outcome(transcript: t, recipients: ["x@corp.example", "y@corp.example"], curlSucceeded: false, curlFailure: "curl error 55")
        guard case .transient(_, let r) = result else { Issue.record("got \(result)"); return }
        #expect(r.map(\.outcome) == [.permanent, .transient])
    }

    @Test func mailFromRefusedAndDataRefused() {
        var t = session(greeting + ["> MAIL FROM:<a@corp.example>", "< 553 5.7.1 sender rejected"])
        var result = SMTPTranscriptParser.outcome(transcript: t, recipients: ["x@corp.example"], curlSucceeded: false, curlFailure: "e")
        guard case .permanent(let reason, let r) = result else { Issue.record("got \(result)"); return }
        #expect(reason == "553 5.7.1 sender rejected")
        #expect(r.map(\.outcome) == [.permanent])

        t = session(greeting + [
            "> MAIL FROM:<a@corp.example>", "< 250 ok", "> RCPT TO:<x@corp.example>", "< 250 ok",
            "> DATA", "< 354 go ahead", "< 452 4.3.1 Insufficient system storage",
        ])
        result = SMTPTranscriptParser.outcome(transcript: t, recipients: ["x@corp.example"], curlSucceeded: false, curlFailure: "e")
        guard case .transient(let reason2, let r2) = result else { Issue.record("got \(result)"); return }
        #expect(reason2.hasPrefix("452"))
        #expect(r2.map(\.outcome) == [.transient])
    }

    @Test func networkFailureIsTransientAndAuthRefusalPermanent() {
        var result = SMTPTranscriptParser.outcome(transcript: [], recipients: ["x@y"], curlSucceeded: false, curlFailure: "curl error 7 (Couldn't connect to server)")
        #expect(result == .transient(reason: "curl error 7 (Couldn't connect to server)", recipients: [
            RecipientResult(address: "x@y", outcome: .transient, reply: "not attempted: curl error 7 (Couldn't connect to server)")
        ]))
        let t = session(Array(greeting.dropLast()) + ["< 535 5.7.8 Error: authentication failed"])
        result = SMTPTranscriptParser.outcome(transcript: t, recipients: ["x@y"], curlSucceeded: false, curlFailure: "e")
        guard case .permanent(let reason, _) = result else { Issue.record("got \(result)"); return }
        #expect(reason.hasPrefix("535"))
    }

    @Test func reusedConnectionPairsFromTheLastMailFrom() {
        // Second send on a kept connection: no greeting, straight to MAIL FROM.
        let t = session([
            "> MAIL FROM:<a@corp.example>", "< 250 2.1.0 Ok", "> RCPT TO:<x@corp.example>", "< 250 2.1.5 Ok",
            "> DATA", "< 354 go", "< 250 2.0.0 Ok: queued as X",
        ])
        let result = SMTPTranscriptParser.outcome(transcript: t, recipients: ["x@corp.example"], curlSucceeded: true, curlFailure: "")
        #expect(result == .accepted([RecipientResult(address: "x@corp.example", outcome: .accepted, reply: "250 2.1.5 Ok")]))
    }

    @Test func multilineRepliesGroupAndAuthDataIsRedacted() {
        let x = SMTPTranscriptParser.exchanges(session(greeting))
        #expect(x.count == 5)
        #expect(x[0].command == nil && x[0].reply.code == 220)
        #expect(x[1].command == "EHLO gw" && x[1].reply.lines.count == 4)
        #expect(SMTPTranscriptEvent.sanitizedCommand("AUTH PLAIN AHRyYWNrAHNlY3JldA==\r\n") == "AUTH")
        #expect(SMTPTranscriptEvent.sanitizedCommand("c2VjcmV0\r\n") == "[redacted]")
        #expect(SMTPTranscriptEvent.sanitizedCommand("RCPT TO:<a@b>\r\n") == "RCPT TO:<a@b>")
    }
}
