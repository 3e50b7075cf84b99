/// A mail server URL as Liaison accepts it: `scheme://host[:port][/path]`, with no user
/// information (credentials never go in a URL). RFC 5092 (IMAP URL) and the smtp:// form
/// libcurl reads; only what libcurl needs is parsed here. Pure: no I/O.
public struct MailServerURL: Sendable, Equatable {
    /// Lower-cased scheme: imap, imaps, smtp, smtps.
    public var scheme: String
    /// Host name or address literal (IPv6 without brackets).
    public var host: String
    public var port: Int?
    /// The path after the first `/`, still percent-encoded as written ("" when absent).
    public var path: String

    /// Parses `text`, accepting only the given schemes.
    public init(parsing text: String, schemes: [String]) throws(MailURLError) {
        guard let sep = text.range(of: "://") else { throw .malformed(text, "no scheme:// prefix") }
        let scheme = text[..<sep.lowerBound].lowercased()
        guard schemes.contains(scheme) else { throw .unsupportedScheme(scheme, allowed: schemes) }
        let rest = text[sep.upperBound...]
        let authority: Substring
        let path: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
            path = ""
        }
        if authority.contains("@") { throw .credentialsInURL }
        if path.contains("?") || path.contains("#") { throw .malformed(text, "queries and fragments are not supported") }
        var host: Substring
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed(text, "unclosed [ in host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .malformed(text, "text after ]") }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        if host.isEmpty { throw .malformed(text, "no host") }
        var port: Int? = nil
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw .malformed(text, "bad port \(portText)") }
            port = p
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.path = String(path)
    }

    /// The host as it goes back into a URL (IPv6 literals bracketed).
    public var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    /// `scheme://host[:port]`.
    public var origin: String {
        var s = "\(scheme)://\(hostForURL)"
        if let port { s += ":\(port)" }
        return s
    }
}

/// Why a mail server URL or its security settings were refused.
public enum MailURLError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String, String)
    case unsupportedScheme(String, allowed: [String])
    case credentialsInURL
    case plaintextRefused(host: String, scheme: String)
    case plaintextNotLoopback(host: String)

    public var description: String {
        switch self {
        case let .malformed(url, why): return "malformed mail server URL \(url): \(why)"
        case let .unsupportedScheme(s, allowed): return "unsupported URL scheme \(s)://; use one of \(allowed.map { "\($0)://" }.joined(separator: ", "))"
        case .credentialsInURL: return "the URL contains user information (user@host); give the username and password as settings, never in the URL"
        case let .plaintextRefused(host, scheme):
            return "plaintext \(scheme):// to \(host) is refused: \(scheme):// upgrades with STARTTLS unless allow_insecure_loopback is set for a loopback host"
        case let .plaintextNotLoopback(host):
            return "allow_insecure_loopback permits plaintext only to a loopback address (127.0.0.0/8, ::1, localhost), not \(host)"
        }
    }
}
