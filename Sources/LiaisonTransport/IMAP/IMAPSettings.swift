/// How to reach and log in to the tracking mailbox (configuration.md `[imap]`).
public struct IMAPSettings: Sendable {
    /// `imaps://host[:port]/MAILBOX` (implicit TLS) or `imap://host[:port]/MAILBOX` (STARTTLS
    /// required). The mailbox is written in Unicode (percent-encoded where needed); Liaison
    /// encodes it in modified UTF-7 itself. Defaults to INBOX when the path is empty.
    public var url: String
    public var username: String
    /// Never logged, never put in a URL.
    public var password: String
    /// PEM file of the CA(s) to trust; the system's CAs when nil.
    public var caFile: String?
    /// Limit for TCP connect plus TLS handshake, in seconds.
    public var connectTimeout: Double
    /// Limit for the server being silent: no byte for this long (and no reply to a command) fails.
    public var transferTimeout: Double
    /// Permits plain `imap://` without STARTTLS to a loopback address only (tests).
    public var allowInsecureLoopback: Bool
    /// A session idle for longer than this (seconds) is replaced by a new one before the next
    /// command; set it above the poll interval so one connection serves every poll.
    public var maxConnectionAge: Double
    /// At most this many bytes (lines and literals, untagged data included) in the responses to
    /// one command, and so in one response or literal: a little above the largest message the
    /// mailbox may hold. A server that sends more fails the command (`MailboxError.boundExceeded`).
    public var maxResponseBytes: Int
    /// At most this many seconds for one command from its sending to its tagged response, on a
    /// monotonic clock, however steadily the server sends (`MailboxError.commandTimeout`).
    public var commandTimeout: Double

    /// 64 MiB: above the message size limit of common servers (Postfix 10 MB, Dovecot and
    /// Exchange 35–50 MB), far below a memory problem.
    public static let defaultMaxResponseBytes = 64 * 1024 * 1024
    /// 5 minutes: a 64 MiB message at 250 kB/s.
    public static let defaultCommandTimeout: Double = 300

    public init(
        url: String, username: String, password: String, caFile: String? = nil,
        connectTimeout: Double = 15, transferTimeout: Double = 60,
        allowInsecureLoopback: Bool = false, maxConnectionAge: Double = 600,
        maxResponseBytes: Int = IMAPSettings.defaultMaxResponseBytes,
        commandTimeout: Double = IMAPSettings.defaultCommandTimeout
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.transferTimeout = transferTimeout
        self.allowInsecureLoopback = allowInsecureLoopback
        self.maxConnectionAge = maxConnectionAge
        self.maxResponseBytes = maxResponseBytes
        self.commandTimeout = commandTimeout
    }
}

extension IMAPSettings: CustomStringConvertible {
    /// Everything but the password.
    public var description: String {
        "IMAPSettings(url: \(url), username: \(username), password: <redacted>, caFile: \(caFile ?? "system"))"
    }
}
