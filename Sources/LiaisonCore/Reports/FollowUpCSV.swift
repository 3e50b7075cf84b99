import Foundation
import LiaisonMail

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

    /// `2026-11-16 09:12` in `tz` (proleptic Gregorian, through `CivilCalendar`),
    /// without a DateFormatter per cell.
    static func localMinute(_ d: Date, _ tz: TimeZone) -> String {
        let t = Int((d.timeIntervalSince1970 + Double(tz.secondsFromGMT(for: d))).rounded(.down))
        let days = CivilCalendar.floorDiv(t, 86_400)
        let secs = t - days * 86_400
        let (year, month, day) = CivilCalendar.civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(secs / 3600)):\(two(secs % 3600 / 60))"
    }
}
