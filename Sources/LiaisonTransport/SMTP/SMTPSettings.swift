/// How to reach the submission server (configuration.md `[smtp]`).
public struct SMTPSettings: Sendable {
    /// `smtps://host[:port][/HELO-NAME]` (implicit TLS, RFC 8314) or `smtp://host[:port][/HELO-NAME]`
    /// (STARTTLS required, RFC 3207). The path, when present, is the EHLO name libcurl sends.
    public var url: String
    /// Login name; no AUTH when nil.
    public var username: String?
    /// Never logged.
    public var password: String?
    public var caFile: String?
    public var connectTimeout: Double
    /// Limit for each command's reply (CURLOPT_SERVER_RESPONSE_TIMEOUT) and for a stalled upload.
    public var responseTimeout: Double
    /// Limit for a whole send, 0 for none.
    public var totalTimeout: Double
    public var allowInsecureLoopback: Bool

    public init(
        url: String, username: String? = nil, password: String? = nil, caFile: String? = nil,
        connectTimeout: Double = 15, responseTimeout: Double = 60, totalTimeout: Double = 0,
        allowInsecureLoopback: Bool = false
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.totalTimeout = totalTimeout
        self.allowInsecureLoopback = allowInsecureLoopback
    }
}

extension SMTPSettings: CustomStringConvertible {
    /// Everything but the password.
    public var description: String {
        "SMTPSettings(url: \(url), username: \(username ?? "none"), password: <redacted>, caFile: \(caFile ?? "system"))"
    }
}
