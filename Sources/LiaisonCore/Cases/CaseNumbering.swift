import Foundation

/// Case numbers from a configurable pattern, default `{E|N}C{yyyyMMdd}-{seq:3}`:
/// `{E|N}` is `E` for an external case and `N` for an internal one, `{yyyyMMdd}` (also `{yyyy}`,
/// `{MM}`, `{dd}`) the opening day in the organisation's time zone, `{seq:N}` a per-day serial
/// zero-padded to N digits. The store counts serials per *template* (the pattern with everything
/// but the serial filled in), so numbering stays atomic with filing.
public struct CaseNumbering: Sendable, Equatable {
    public static let defaultPattern = "{E|N}C{yyyyMMdd}-{seq:3}"
    public var pattern: String
    public init(pattern: String = CaseNumbering.defaultPattern) { self.pattern = pattern }

    /// The pattern with the kind and day filled in, `{seq:N}` left for the store.
    public func template(internal isInternal: Bool, day: LocalDate) -> String {
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return pattern
            .replacingOccurrences(of: "{E|N}", with: isInternal ? "N" : "E")
            .replacingOccurrences(of: "{yyyyMMdd}", with: pad(day.year, 4) + pad(day.month, 2) + pad(day.day, 2))
            .replacingOccurrences(of: "{yyyy}", with: pad(day.year, 4))
            .replacingOccurrences(of: "{MM}", with: pad(day.month, 2))
            .replacingOccurrences(of: "{dd}", with: pad(day.day, 2))
    }

    /// The number for the `seq`-th case of a template: `{seq:N}` (or `{seq}`) replaced.
    public static func render(template: String, seq: Int) -> String {
        guard let open = template.range(of: "{seq") , let close = template[open.upperBound...].firstIndex(of: "}") else {
            return template + "-" + String(seq)
        }
        var width = 0
        let spec = template[open.upperBound..<close]
        if spec.hasPrefix(":"), let w = Int(spec.dropFirst()) { width = w }
        let s = String(seq)
        let padded = String(repeating: "0", count: max(0, width - s.count)) + s
        return template.replacingCharacters(in: open.lowerBound...close, with: padded)
    }
}
