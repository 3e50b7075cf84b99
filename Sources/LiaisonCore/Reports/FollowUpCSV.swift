import Foundation

/// The follow-up table as CSV that Excel opens with Chinese intact: UTF-8 with a byte-order mark,
/// CRLF line ends, RFC 4180 quoting (a field with a comma, quote, CR or LF is quoted, quotes
/// doubled). Dates as `2026-11-16 09:12` in the organisation's time zone.
///
/// Formula injection (OWASP "CSV Injection"): a cell that begins with `=`, `+`, `-`, `@`, a tab
/// or a CR is written with a leading apostrophe `'`, so a spreadsheet shows it as text and never
/// evaluates it; the apostrophe is visible in the cell (a tab would be invisible, and is dropped
/// by some importers), which tells the reader that the text was neutralised.
public enum FollowUpCSV {
    public static func render(_ table: FollowUpTable, timeZone: TimeZone) -> [UInt8] {
        func d(_ x: Date?) -> String { x.map { localMinute($0, timeZone) } ?? "" }
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        func line(_ fields: [String]) {
            out += Array(fields.map(field).joined(separator: ",").utf8)
            out += [13, 10]
        }
        line(FollowUpTable.columns)
        for r in table.rows {
            line([r.number, d(r.date), r.counterparty, r.ourContact, r.type, r.need, r.progress, d(r.nextContact), r.owner, r.status])
        }
        return out
    }

    /// One field: neutralised if it could start a formula, then quoted per RFC 4180 if needed.
    public static func field(_ s: String) -> String {
        var v = s
        if let first = v.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { v = "'" + v }
        if v.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    /// `2026-11-16 09:12` in `tz` (proleptic Gregorian; days from civil, H. Hinnant's algorithm),
    /// without a DateFormatter per cell.
    static func localMinute(_ d: Date, _ tz: TimeZone) -> String {
        let t = Int((d.timeIntervalSince1970 + Double(tz.secondsFromGMT(for: d))).rounded(.down))
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(secs / 3600)):\(two(secs % 3600 / 60))"
    }
}
