import Foundation

/// Writes RFC 5322 §3.3 `date-time`, e.g. `Mon, 23 Nov 2026 18:21:53 +0800`, with English day and
/// month names whatever the locale (computed by hand: no Calendar, no DateFormatter).
public enum DateHeaderWriter {
    static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `date` as seen at `offsetSeconds` east of UTC. The offset is cut to whole minutes; one
    /// that RFC 5322 cannot write (beyond ±23:59) falls back to +0000, the instant unchanged.
    public static func format(_ date: Date, offsetSeconds: Int) -> String {
        var offsetMinutes = offsetSeconds / 60
        if abs(offsetMinutes) >= 24 * 60 { offsetMinutes = 0 }
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(offsetMinutes) * 60
        let dayNumber = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - dayNumber * 86_400
        let (year, month, day) = civil(fromDays: dayNumber)
        let weekday = days[Int(((dayNumber % 7) + 7) % 7)]
        let sign = offsetMinutes < 0 ? "-" : "+"
        let off = abs(offsetMinutes)
        return "\(weekday), \(day) \(months[month - 1]) \(pad(year, 4)) "
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)) "
            + "\(sign)\(pad(Int64(off / 60), 2))\(pad(Int64(off % 60), 2))"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(abs(n))
        return (n < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    static func civil(fromDays z0: Int64) -> (Int64, Int, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), Int(m), d)
    }
}
