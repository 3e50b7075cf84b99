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
        var w = Writer(timeZone: timeZone)
        for r in table.rows { w.add(r) }
        return w.bytes
    }

    /// The same text built row by row (`liaison export --format csv` adds each row as the store
    /// reads the next case): the byte-order mark and the header at once, then `add` per row.
    public struct Writer {
        public private(set) var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        let timeZone: TimeZone

        public init(timeZone: TimeZone) {
            self.timeZone = timeZone
            line(FollowUpTable.columns)
        }

        public mutating func add(_ r: FollowUpTable.Row) {
            let date = r.date.map { localMinute($0, timeZone) } ?? "", next = r.nextContact.map { localMinute($0, timeZone) } ?? ""
            line([r.number, date, r.counterparty, r.ourContact, r.type, r.need, r.progress, next, r.owner, r.status])
        }

        mutating func line(_ fields: [String]) {
            for (i, f) in fields.enumerated() {
                if i > 0 { bytes.append(0x2C) }
                FollowUpCSV.append(f, to: &bytes)
            }
            bytes.append(13)
            bytes.append(10)
        }
    }

    /// One field: neutralised if it could start a formula, then quoted per RFC 4180 if needed.
    public static func field(_ s: String) -> String {
        var out: [UInt8] = []
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `field(s)`'s bytes appended to `out`, without building the field as a string.
    static func append(_ s: String, to out: inout [UInt8]) {
        let u = s.utf8
        // `=`, `+`, `-`, `@`, tab, CR: each one byte in UTF-8, so the first byte tells.
        let neutralise = u.first.map { $0 == 0x3D || $0 == 0x2B || $0 == 0x2D || $0 == 0x40 || $0 == 0x09 || $0 == 0x0D } ?? false
        let quote = u.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        if quote { out.append(0x22) }
        if neutralise { out.append(0x27) }
        if quote {
            for b in u {
                out.append(b)
                if b == 0x22 { out.append(0x22) }
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: u)
        }
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
