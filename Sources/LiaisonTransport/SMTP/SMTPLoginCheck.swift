import CCurl

/// Checks that the submission server can be reached and accepts the login, without sending
/// mail: libcurl with `CURLOPT_CONNECT_ONLY` runs the greeting, EHLO (RFC 5321 §4.1.1.1),
/// STARTTLS (RFC 3207) or implicit TLS (RFC 8314) with certificate verification, and AUTH
/// (RFC 4954) when a username is set, then stops before MAIL FROM and closes. For
/// `liaison check-config`. The password is never part of the result or the error (AUTH lines
/// are dropped from the transcript as they are recorded).
public enum SMTPLoginCheck {
    /// What the check saw.
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        /// `smtp://host:port` without credentials.
        public var server: String
        public var security: TransportSecurity
        /// AUTH was sent and accepted.
        public var authenticated: Bool
        /// The server's greeting line (220 …), when seen.
        public var greeting: String?

        public var description: String {
            let tls: String
            switch security {
            case .implicitTLS: tls = "TLS"
            case .startTLS: tls = "STARTTLS"
            case .plaintextLoopback: tls = "plain text (loopback)"
            }
            return "\(server) over \(tls), " + (authenticated ? "logged in" : "no login (no username, or the server offers no AUTH)")
        }
    }

    /// Connects, logs in and disconnects; throws `CurlError` (e.g. code 67 for a refused login,
    /// with the server's reply) or `MailURLError` for a URL the policy refuses.
    public static func run(settings: SMTPSettings) throws -> Outcome {
        let url = try MailServerURL(parsing: settings.url, schemes: ["smtp", "smtps"])
        let security = try TransportSecurity.decide(for: url, allowInsecureLoopback: settings.allowInsecureLoopback)
        let helo = url.path.isEmpty ? "" : "/\(url.path)"
        let options = CurlSessionOptions(
            url: url.origin + helo, protocols: "smtp,smtps", security: security,
            username: settings.username, password: settings.username == nil ? nil : settings.password,
            caFile: settings.caFile, connectTimeout: settings.connectTimeout,
            responseTimeout: settings.responseTimeout,
            totalTimeout: settings.connectTimeout + 2 * settings.responseTimeout,
            maxConnectionAge: 60, bufferSize: nil)
        let easy = try CurlEasy()
        try options.apply(to: easy)
        try easy.recordTranscript(true)
        try easy.setLong(CURLOPT_CONNECT_ONLY, 1)
        let outcome = easy.perform()
        let transcript = outcome.transfer.transcript
        let lastReply: String? = transcript.reversed().lazy.compactMap { event -> String? in
            if case .received(let line) = event { return line.trimmingCharacters(in: [" ", "\r", "\n", "\r\n"]) }
            return nil
        }.first
        guard outcome.succeeded else {
            throw easy.error(for: outcome, operation: "SMTP login", serverLine: lastReply.map { String($0.prefix(200)) })
        }
        let sentAuth = transcript.contains { if case .sent("AUTH") = $0 { return true } else { return false } }
        let greeting: String? = transcript.lazy.compactMap { event -> String? in
            if case .received(let line) = event, line.hasPrefix("220") { return line.trimmingCharacters(in: [" ", "\r", "\n", "\r\n"]) }
            return nil
        }.first
        return Outcome(server: url.origin, security: security, authenticated: sentAuth, greeting: greeting)
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
