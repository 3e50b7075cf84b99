/// One line of an SMTP conversation as libcurl's debug callback reports it.
public enum SMTPTranscriptEvent: Sendable, Equatable {
    /// A command the client sent (sanitised: see `sanitizedCommand`).
    case sent(String)
    /// A reply line from the server, CRLF included or not.
    case received(String)

    private static let keptVerbs: Set<String> = ["EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "QUIT", "NOOP", "STARTTLS", "VRFY"]

    /// Keeps commands that carry no secret (MAIL, RCPT, EHLO, DATA…) whole; anything else — AUTH
    /// and its base64 continuation lines — becomes `AUTH` or `[redacted]`.
    public static func sanitizedCommand(_ line: String) -> String {
        let trimmed = line.trimmingTrailingNewline()
        let verb = trimmed.prefix { $0 != " " && $0 != ":" }.uppercased()
        if keptVerbs.contains(verb) { return trimmed }
        if verb == "AUTH" { return "AUTH" }
        return "[redacted]"
    }
}

/// A complete SMTP reply: its code and its lines (RFC 5321 §4.2, multi-line with `-`).
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]
    /// The reply as one line for messages, e.g. `550 5.1.1 <x@y>: Recipient address rejected`.
    public var text: String { lines.last ?? String(code) }
    public var isPositive: Bool { (200..<400).contains(code) }
}

/// A command paired with its reply; `command` is nil for replies no command asked for (the
/// greeting, and the reply to the end of DATA, whose dot libcurl sends as body data).
public struct SMTPExchange: Sendable, Equatable {
    public var command: String?
    public var reply: SMTPReply
}

/// Pairs an SMTP transcript into exchanges and decides the outcome of a send. Pure.
public enum SMTPTranscriptParser {
    /// Groups reply lines into replies and pairs each with the command it answers (libcurl never
    /// pipelines, so replies come in command order).
    public static func exchanges(_ events: [SMTPTranscriptEvent]) -> [SMTPExchange] {
        var pending: [String] = []
        var result: [SMTPExchange] = []
        var lines: [String] = []
        for event in events {
            switch event {
            case let .sent(command):
                pending.append(command)
            case let .received(raw):
                let line = raw.trimmingTrailingNewline()
                lines.append(line)
                let bytes = Array(line.utf8)
                let isLast = bytes.count < 4 || bytes[3] != UInt8(ascii: "-")
                guard isLast else { continue }
                let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)) ?? 0
                let command = pending.isEmpty ? nil : pending.removeFirst()
                result.append(SMTPExchange(command: command, reply: SMTPReply(code: code, lines: lines)))
                lines = []
            }
        }
        return result
    }

    /// The outcome of one send from its transcript, the recipients asked for (in RCPT order) and
    /// libcurl's result (`curlSucceeded`, `curlFailure` describing a failure for the reason text).
    public static func outcome(
        transcript: [SMTPTranscriptEvent], recipients: [String], curlSucceeded: Bool, curlFailure: String
    ) -> SendResult {
        let all = exchanges(transcript)
        // The transaction is everything from the last MAIL FROM on.
        let mailIndex = all.lastIndex { $0.command?.uppercased().hasPrefix("MAIL FROM") == true }
        let tx = mailIndex.map { Array(all[$0...]) } ?? []
        let rcptReplies = tx.filter { $0.command?.uppercased().hasPrefix("RCPT TO") == true }.map(\.reply)
        var perRecipient: [RecipientResult] = []
        for (i, address) in recipients.enumerated() {
            if i < rcptReplies.count {
                let reply = rcptReplies[i]
                perRecipient.append(RecipientResult(address: address, outcome: classify(reply.code), reply: reply.text))
            }
        }
        let dataIndex = tx.firstIndex { $0.command?.uppercased() == "DATA" }
        let dataReply = dataIndex.map { tx[$0].reply }
        let finalReply = dataIndex.flatMap { i in i + 1 < tx.count && tx[i + 1].command == nil ? tx[i + 1].reply : nil }

        func fill(_ outcome: RecipientResult.Outcome, _ why: String) -> [RecipientResult] {
            var filled = perRecipient
            for address in recipients.dropFirst(filled.count) {
                filled.append(RecipientResult(address: address, outcome: outcome, reply: why))
            }
            return filled
        }
        func failure(_ reply: SMTPReply?, _ fallback: String) -> SendResult {
            let reason = reply.map { $0.text } ?? fallback
            let kind: RecipientResult.Outcome = (reply.map { classify($0.code) } ?? .transient) == .permanent ? .permanent : .transient
            // Recipients the server had accepted did not get the message either.
            let detail = fill(kind, "not attempted: \(reason)").map { r -> RecipientResult in
                r.outcome == .accepted ? RecipientResult(address: r.address, outcome: kind, reply: "\(r.reply); then \(reason)") : r
            }
            return kind == .permanent ? .permanent(reason: reason, recipients: detail) : .transient(reason: reason, recipients: detail)
        }

        if curlSucceeded, let finalReply, (200..<300).contains(finalReply.code) {
            return .accepted(fill(.accepted, finalReply.text))
        }
        if curlSucceeded && finalReply == nil && dataReply != nil {
            // libcurl reported success: the end-of-data reply was positive even if not captured.
            return .accepted(fill(.accepted, "accepted"))
        }
        if let finalReply, !(200..<300).contains(finalReply.code) { return failure(finalReply, curlFailure) }
        if let dataReply, dataReply.code != 354 { return failure(dataReply, curlFailure) }
        if dataReply == nil, !rcptReplies.isEmpty, rcptReplies.count >= recipients.count,
            rcptReplies.allSatisfy({ !(200..<300).contains($0.code) })
        {
            // Every recipient refused: transient if any refusal was, so a retry can still succeed.
            let transient = perRecipient.contains { $0.outcome == .transient }
            let reason = "every recipient was refused; last: \(rcptReplies.last!.text)"
            return transient ? .transient(reason: reason, recipients: perRecipient) : .permanent(reason: reason, recipients: perRecipient)
        }
        if let mail = tx.first, !(200..<300).contains(mail.reply.code) { return failure(mail.reply, curlFailure) }
        // No transaction began: a refusal of the greeting, EHLO, STARTTLS or AUTH ends the session.
        if mailIndex == nil, let last = all.last, last.reply.code >= 400 {
            return failure(last.reply, curlFailure)
        }
        // No refusing reply: network failure, timeout, TLS failure — worth retrying.
        return failure(nil, curlFailure)
    }

    /// 2xx/3xx accepted, 4xx transient, 5xx (and anything else) permanent.
    public static func classify(_ code: Int) -> RecipientResult.Outcome {
        switch code {
        case 200..<400: return .accepted
        case 400..<500: return .transient
        default: return .permanent
        }
    }
}

extension String {
    func trimmingTrailingNewline() -> String {
        var s = Substring(self)
        while let last = s.unicodeScalars.last, last == "\n" || last == "\r" { s = Substring(s.unicodeScalars.dropLast()) }
        return String(s)
    }
}
