#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a connection is protected, decided from the URL scheme and the loopback rule.
/// Certificates are verified in every TLS mode (RFC 8314 §5 for implicit TLS, RFC 3207 and
/// RFC 2595 for STARTTLS).
public enum TransportSecurity: Sendable, Equatable {
    /// imaps:// or smtps://: TLS from the first byte (RFC 8314 §3).
    case implicitTLS
    /// imap:// or smtp:// upgraded with STARTTLS, which is mandatory (CURLUSESSL_ALL).
    case startTLS
    /// Plain text, only to a loopback address and only when explicitly allowed (tests).
    case plaintextLoopback

    /// Decides the security for `url`: imaps/smtps → implicit TLS; imap/smtp → STARTTLS, which
    /// is mandatory, except that `allowInsecureLoopback` turns a plain scheme into plain text —
    /// and is refused with an error for any host that is not a loopback address.
    public static func decide(for url: MailServerURL, allowInsecureLoopback: Bool) throws(MailURLError) -> TransportSecurity {
        if url.scheme.hasSuffix("s") { return .implicitTLS }
        if !allowInsecureLoopback { return .startTLS }
        guard isLoopback(url.host) else { throw .plaintextNotLoopback(host: url.host) }
        return .plaintextLoopback
    }

    /// True for `localhost`, any IPv4 address in 127.0.0.0/8 and the IPv6 loopback `::1`
    /// (in any spelling, including `::ffff:127.x.y.z`). Purely syntactic: no name resolution.
    public static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name == "localhost" { return true }
        var v4 = in_addr()
        if name.split(separator: ".").count == 4, inet_pton(AF_INET, name, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return bytes[0] == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            // IPv4-mapped ::ffff:127.0.0.0/104
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return bytes[12] == 127 }
        }
        return false
    }
}
