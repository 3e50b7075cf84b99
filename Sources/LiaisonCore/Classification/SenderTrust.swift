import Foundation
import LiaisonMail

/// Whether a sender is one of the organisation's own staff, proven by the headers the company's
/// own receiving server wrote (RFC 8601 Authentication-Results), never by `From:` alone.
///
/// Trusted when the From address is in an internal domain **and** an Authentication-Results
/// header whose authserv-id is the organisation's says `dmarc=pass`, or `spf=pass` /
/// `dkim=pass` for the From domain. Headers from any other authserv-id are ignored.
public enum SenderTrust {
    public static func isTrusted(_ message: Message, organization org: Organization) -> Bool {
        guard message.from.count == 1, let from = message.from.first, org.isInternal(from.address),
              let at = from.address.lastIndex(of: "@") else { return false }
        let domain = from.address[from.address.index(after: at)...].lowercased()
        for field in message.header.all("Authentication-Results") {
            guard let results = AuthenticationResults.parse(field.value),
                  results.authservID == org.authservID else { continue }
            for r in results.results where r.result == "pass" {
                switch r.method {
                case "dmarc":
                    if let d = r.properties["header.from"], d.lowercased() != domain { continue }
                    return true
                case "spf":
                    if let mf = r.properties["smtp.mailfrom"] ?? r.properties["smtp.helo"],
                       domainOf(mf) == domain { return true }
                case "dkim":
                    if let d = r.properties["header.d"] ?? r.properties["header.i"].map(domainOf), d.lowercased() == domain {
                        return true
                    }
                default:
                    continue
                }
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
