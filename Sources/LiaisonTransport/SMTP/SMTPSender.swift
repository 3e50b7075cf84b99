import CCurl
import Foundation
import Logging

/// Submits messages over SMTP (RFC 5321, STARTTLS RFC 3207, AUTH RFC 4954) through libcurl.
///
/// Threading rule: one easy handle per instance, calls serialised by a lock; the connection is
/// kept between sends so a batch goes over one session (libcurl goes straight to MAIL FROM).
/// Every send ends as a `SendResult`; per-recipient replies are read from libcurl's debug
/// stream (commands and replies in order), from which AUTH data is dropped on arrival.
public final class SMTPSender: MailSending, @unchecked Sendable {
    private let lock = NSLock()
    private let logger: Logger
    private let endpoint: MailServerURL
    private let security: TransportSecurity
    private let options: CurlSessionOptions
    private var easy: CurlEasy?

    /// Validates the URL and the TLS rule; connects lazily on the first send.
    public init(settings: SMTPSettings, logger: Logger = Logger(label: "liaison.smtp")) throws {
        let url = try MailServerURL(parsing: settings.url, schemes: ["smtp", "smtps"])
        self.security = try TransportSecurity.decide(for: url, allowInsecureLoopback: settings.allowInsecureLoopback)
        self.endpoint = url
        self.logger = logger
        let helo = url.path.isEmpty ? "" : "/\(url.path)"
        self.options = CurlSessionOptions(
            url: url.origin + helo, protocols: "smtp,smtps", security: security,
            username: settings.username, password: settings.username == nil ? nil : settings.password,
            caFile: settings.caFile, connectTimeout: settings.connectTimeout,
            responseTimeout: settings.responseTimeout, totalTimeout: settings.totalTimeout,
            maxConnectionAge: 300, bufferSize: nil)
    }

    public func send(envelopeFrom: String, recipients: [String], message: [UInt8]) -> SendResult {
        lock.lock()
        defer { lock.unlock() }
        guard !recipients.isEmpty else {
            return .permanent(reason: "no recipients", recipients: [])
        }
        for address in [envelopeFrom] + recipients where address.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" }) {
            return .permanent(reason: "invalid address \(address.debugDescription)", recipients: [])
        }
        do {
            let easy = try handle()
            try easy.setString(CURLOPT_MAIL_FROM, "<\(envelopeFrom)>")
            try easy.setList(CURLOPT_MAIL_RCPT, recipients.map { "<\($0)>" })
            try easy.setLong(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1)
            try easy.setLong(CURLOPT_UPLOAD, 1)
            try easy.setOffset(CURLOPT_INFILESIZE_LARGE, Int64(message.count))
            var outcome = easy.perform(upload: message)
            let started = SMTPTranscriptParser.exchanges(outcome.transfer.transcript).contains {
                $0.command?.uppercased().hasPrefix("MAIL FROM") == true && $0.reply.code > 0
            }
            if !outcome.succeeded && [8, 52, 55, 56].contains(outcome.code) && !started {
                // A reused connection died before the transaction began: re-make it once.
                logger.info("smtp connection lost; reconnecting once", metadata: ["curl": "\(outcome.code)"])
                try easy.setLong(CURLOPT_FRESH_CONNECT, 1)
                outcome = easy.perform(upload: message)
                try easy.setLong(CURLOPT_FRESH_CONNECT, 0)
            }
            if easy.newConnections() > 0 {
                logger.info("smtp connected", metadata: ["server": "\(endpoint.origin)", "tls": "\(security)"])
            }
            let failure = outcome.succeeded ? "" : easy.error(
                for: outcome, operation: "SMTP send",
                serverLine: SMTPTranscriptParser.exchanges(outcome.transfer.transcript).last?.reply.text
            ).description
            let result = SMTPTranscriptParser.outcome(
                transcript: outcome.transfer.transcript, recipients: recipients,
                curlSucceeded: outcome.succeeded, curlFailure: failure)
            log(result, bytes: message.count)
            return result
        } catch {
            logger.error("smtp setup failed", metadata: ["error": "\(error)"])
            return .transient(reason: "\(error)", recipients: [])
        }
    }

    private func log(_ result: SendResult, bytes: Int) {
        let refused = result.recipients.filter { $0.outcome != .accepted }.count
        switch result {
        case .accepted(let r):
            logger.info("smtp accepted", metadata: ["recipients": "\(r.count)", "refused": "\(refused)", "bytes": "\(bytes)"])
        case .transient(let reason, _):
            logger.warning("smtp transient failure", metadata: ["reason": "\(reason)"])
        case .permanent(let reason, _):
            logger.error("smtp permanent failure", metadata: ["reason": "\(reason)"])
        }
    }

    private func handle() throws -> CurlEasy {
        if let easy { return easy }
        let made = try CurlEasy()
        try options.apply(to: made)
        try made.recordTranscript(true)
        easy = made
        return made
    }
}
