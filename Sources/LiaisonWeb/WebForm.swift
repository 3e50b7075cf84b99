import Foundation

/// An `application/x-www-form-urlencoded` body or query (WHATWG URL §5.1): `+` is a space,
/// `%XX` a byte; invalid UTF-8 is replaced. Bounded by the caller (the body is collected up to
/// `ConsoleLimits.maxFormBytes`); at most 64 fields, each value at most 4,000 characters.
struct WebForm: Sendable {
    private(set) var fields: [String: String] = [:]

    init(_ text: Substring) {
        var count = 0
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            count += 1
            if count > 64 { break }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = String(value.prefix(4_000)) }
        }
    }

    init(bytes: [UInt8]) { self.init(Substring(String(decoding: bytes, as: UTF8.self))) }

    subscript(_ name: String) -> String? { fields[name] }

    /// The value trimmed, nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let v = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    static func decode(_ s: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") { out.append(0x20); continue }
            if b == UInt8(ascii: "%"), it.count >= 2, let h = hexValue(it[it.startIndex]), let l = hexValue(it[it.startIndex + 1]) {
                out.append(h << 4 | l)
                it = it.dropFirst(2)
                continue
            }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// A value for a query string (RFC 3986 unreserved kept, the rest percent-encoded).
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }
}

/// The page language from `Accept-Language` (RFC 9110 §12.5.4): the first of zh-Hans, zh-Hant and
/// en by the client's preference; Chinese first when nothing matches.
enum PageLanguage: String, Sendable {
    case zhHans = "zh-Hans", zhHant = "zh-Hant", en

    static func negotiate(_ header: String?) -> PageLanguage {
        guard let header else { return .zhHans }
        var best: (PageLanguage, Double)?
        for (index, entry) in header.split(separator: ",").prefix(32).enumerated() {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = parts.first, !tag.isEmpty else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            guard q > 0, let lang = match(tag) else { continue }
            // Ties keep the earlier entry.
            let score = q - Double(index) * 1e-6
            if best == nil || score > best!.1 { best = (lang, score) }
        }
        return best?.0 ?? .zhHans
    }

    static func match(_ tag: String) -> PageLanguage? {
        if tag.hasPrefix("zh") {
            if tag.contains("hant") || tag.hasSuffix("-tw") || tag.hasSuffix("-hk") || tag.hasSuffix("-mo") { return .zhHant }
            return .zhHans
        }
        if tag.hasPrefix("en") { return .en }
        return nil
    }
}

/// The console's fixed bounds.
enum ConsoleLimits {
    /// A form body (sign-in, actions).
    static let maxFormBytes = 16 * 1024
    /// The request line plus headers.
    static let maxHeaderBytes = 16 * 1024
    /// A connection idle this long is closed (also a client that sends its request too slowly).
    static let idleTimeoutSeconds: Int64 = 30
    /// Cases on one list page (then next/previous links, keyset pagination).
    static let listLimit = 50
    /// A link is valid this long.
    static let linkMinutes = 15
    /// A session lasts this long from sign-in.
    static let sessionSeconds: TimeInterval = 12 * 3600
    /// Sign-in requests counted over this window…
    static let rateWindow: TimeInterval = 15 * 60
    /// …at most this many per address…
    static let perAddress = 3
    /// …and this many per client (remote address).
    static let perClient = 10
    /// Open connections at once.
    static let maxConnections = 256
}
