import Foundation

/// A value handed to a mail template: text, a flag, a list of records, or a record. Every text
/// is made safe for any place before a template sees it (`TemplateValue.flatten`): control
/// characters and line breaks become one space, bidi overrides are dropped, and it is bounded, so
/// a value can neither start a header line nor forge a numbered line of a recap. HTML escaping
/// is the HTML rendering's (Mustache `{{name}}` in the `HTML` content type).
public indirect enum TemplateValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case text(String)
    case flag(Bool)
    case list([[String: TemplateValue]])
    case record([String: TemplateValue])

    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .flag(value) }

    /// The longest text a value may carry, in characters; longer text is cut and ends with `…`.
    public static let maxLength = 2_000

    /// `text` on one line: C0/C1 controls, DEL, and the Unicode line and paragraph separators
    /// (each run) become one space; bidi embedding/override/isolate controls are removed; the
    /// ends are trimmed; at most `maxLength` characters.
    public static func flatten(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in text.unicodeScalars {
            switch u.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029:
                pendingSpace = true
            case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                continue
            default:
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(u)
            }
        }
        var s = String(out).trimmingCharacters(in: .whitespaces)
        if s.count > maxLength { s = String(s.prefix(maxLength - 1)) + "…" }
        return s
    }

    /// The object Mustache renders: strings flattened; empty texts and empty lists are left out,
    /// so `{{#name}}…{{/name}}` shows only what is there.
    var mustacheObject: Any? {
        switch self {
        case .text(let s):
            let f = Self.flatten(s)
            return f.isEmpty ? nil : f
        case .flag(let b): return b
        case .list(let rows): return rows.isEmpty ? nil : rows.map(Self.object)
        case .record(let r): return Self.object(r)
        }
    }

    static func object(_ record: [String: TemplateValue]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in record { if let o = v.mustacheObject { out[k] = o } }
        return out
    }
}

extension Optional where Wrapped == String {
    /// `.text` of the string, or an empty text (left out of the template's view).
    var templateValue: TemplateValue { .text(self ?? "") }
}
