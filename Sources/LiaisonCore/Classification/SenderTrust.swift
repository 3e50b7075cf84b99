import Foundation
import LiaisonMail

/// Whether a sender is one of the organisation's own staff, proven by the header the company's
/// own receiving server wrote (RFC 8601 Authentication-Results), never by `From:` alone.
///
/// Only the **topmost** Authentication-Results whose authserv-id is the organisation's counts:
/// its MX prepends its header above everything that came with the message (RFC 8601 §5 and §7.1),
/// so any header with the same id below it was written by the sender. A `fail` (or anything short
/// of a pass for the From domain) in that header is final; headers with other authserv-ids are
/// ignored wherever they stand. Trusted when the From address is in an internal domain **and** the
/// verdict says `dmarc=pass` (for the From domain when `header.from` is given), or `spf=pass` /
/// `dkim=pass` for the From domain. The MX must strip or rename incoming headers claiming its id
/// (README "Trust and the MX"): without that a message that reaches us without passing through
/// the MX's authentication step could carry its own.
public enum SenderTrust {
    /// How many Authentication-Results fields are looked at before giving up (a message with
    /// thousands of them must not cost more than a handful).
    public static let maxFields = 64

    public static func isTrusted(_ message: Message, organization org: Organization) -> Bool {
        guard message.from.count == 1, let from = message.from.first, org.isInternal(from.address),
              !org.authservID.isEmpty, let at = from.address.lastIndex(of: "@") else { return false }
        let domain = from.address[from.address.index(after: at)...].lowercased()
        guard let verdict = verdict(message, authservID: org.authservID) else { return false }
        return passes(verdict, domain: domain)
    }

    /// The topmost Authentication-Results field carrying `authservID`, parsed: the organisation's
    /// own verdict. nil when there is none among the first `maxFields`.
    public static func verdict(_ message: Message, authservID: String) -> AuthenticationResults? {
        let id = authservID.lowercased()
        var seen = 0
        for field in message.header.fields where field.name.lowercased() == "authentication-results" {
            seen += 1
            if seen > maxFields { return nil }
            guard let results = AuthenticationResults.parse(field.value) else {
                // Unreadable but naming our id: the verdict is unknown, and nothing below may stand in.
                let head = AuthenticationResults.stripComments(field.value).split(separator: ";").first
                if head?.split(whereSeparator: { $0 == " " || $0 == "\t" }).first?.lowercased() == id { return nil }
                continue
            }
            if results.authservID == id { return results }
        }
        return nil
    }

    /// Whether one verdict passes the From domain.
    static func passes(_ results: AuthenticationResults, domain: String) -> Bool {
        for r in results.results where r.result == "pass" {
            switch r.method {
            case "dmarc":
                if let d = r.properties["header.from"], d.lowercased() != domain { continue }
                return true
            case "spf":
                if let mf = r.properties["smtp.mailfrom"] ?? r.properties["smtp.helo"], domainOf(mf) == domain { return true }
            case "dkim":
                if let d = r.properties["header.d"] ?? r.properties["header.i"].map(domainOf), d.lowercased() == domain {
                    return true
                }
            default:
                continue
            }
        }
        return false
    }

    static func domainOf(_ v: String) -> String {
        if let at = v.lastIndex(of: "@") { return v[v.index(after: at)...].lowercased() }
        return v.lowercased()
    }
}

/// An Authentication-Results header (RFC 8601 §2.2), read leniently.
///
///     mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example
public struct AuthenticationResults: Sendable, Equatable {
    public struct Result: Sendable, Equatable {
        public var method: String
        public var result: String
        public var properties: [String: String]
    }
    public var authservID: String
    public var results: [Result]

    public static func parse(_ value: String) -> AuthenticationResults? {
        let cleaned = stripComments(value)
        var statements = cleaned.split(separator: ";", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !statements.isEmpty else { return nil }
        // authserv-id, optionally followed by a version number.
        let idPart = statements.removeFirst()
        guard let id = idPart.split(separator: " ").first, !id.contains("=") else { return nil }
        var results: [Result] = []
        for st in statements {
            let tokens = st.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = tokens.first, let eq = first.firstIndex(of: "=") else { continue }
            var method = first[..<eq].lowercased()
            if let slash = method.firstIndex(of: "/") { method = String(method[..<slash]) }
            let result = first[first.index(after: eq)...].lowercased()
            var props: [String: String] = [:]
            for t in tokens.dropFirst() {
                guard let e = t.firstIndex(of: "=") else { continue }
                props[t[..<e].lowercased()] = String(t[t.index(after: e)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            results.append(Result(method: method, result: result, properties: props))
        }
        return AuthenticationResults(authservID: id.lowercased(), results: results)
    }

    static func stripComments(_ s: String) -> String {
        var out = ""
        var depth = 0
        for ch in s {
            if ch == "(" { depth += 1; continue }
            if ch == ")" { depth = max(0, depth - 1); continue }
            if depth == 0 { out.append(ch) }
        }
        return out
    }
}
