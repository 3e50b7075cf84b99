import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore

/// Random tokens (256 bits from `SystemRandomNumberGenerator`, i.e. getrandom(2)), written
/// base64url without padding (43 characters), and what is stored of them: their SHA-256 in hex.
enum WebTokens {
    static func random() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: rng.next() as UInt64) { bytes += $0 } }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token as issued: exactly 43 base64url characters.
    static func isWellFormed(_ s: Substring) -> Bool {
        s.utf8.count == 43 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    static func hash(_ token: String) -> String { hex(SHA256.hash(Array(token.utf8))) }

    /// The session's CSRF token: HMAC-SHA256(session token, "liaison-csrf"), hex. Nothing to
    /// store: the server recomputes it from the session cookie on every POST.
    static func csrf(sessionToken: String) -> String {
        hex(Pseudonym.hmacSHA256(key: Array(sessionToken.utf8), message: Array("liaison-csrf".utf8)))
    }

    /// Equal strings, compared in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Sign-in links an operator issues from the command line (`liaison console-link`): usable in
/// any browser (the link row's browser hash is `unbound`), otherwise as the console's own —
/// once, 15 minutes, mailed through the outbox to an internal address. Whoever can run it can
/// read the store anyway; scripts/demo uses it to hand the newcomer a link from the mailbox.
public enum ConsoleLinks {
    public static let unbound = "unbound"

    /// Queues the mail (sent by `liaison serve`'s outbox); returns the address it goes to.
    @discardableResult
    public static func mailUnboundLink(to address: String, config: LiaisonConfig, store: any WebConsoleStore, now: Date) throws -> String {
        let org = try config.organization()
        let a = address.trimmingCharacters(in: .whitespaces).lowercased()
        guard MailAddressCheck.isPlain(a), org.isInternal(a) else {
            throw ConfigError(key: "(address)", problem: "`\(address)` is not an address of the organisation's internal domains",
                              fix: "give a staff address, e.g. zhang.wei@\(org.internalDomains.first ?? "corp.example")")
        }
        guard let http = try config.httpSettings() else {
            throw ConfigError(key: "http", problem: "there is no [http] section: no console to sign in to", fix: "add [http] (README \"The web console\")")
        }
        let token = WebTokens.random()
        let expires = now.addingTimeInterval(TimeInterval(ConsoleLimits.linkMinutes * 60))
        let mail = try SignInMailComposer.make(config: config, organization: org).compose(
            to: a, link: "\(http.baseURL)/signin/\(token)", validMinutes: ConsoleLimits.linkMinutes, expiresAt: expires, now: now)
        try store.createSignInLink(NewSignInLink(tokenHash: WebTokens.hash(token), address: a, browserHash: unbound, expiresAt: expires),
                                   mail: mail, now: now)
        try store.recordSignIn(SignInEvent(at: now, address: a, client: "cli", outcome: .linkSent, detail: "unbound"))
        return a
    }
}
