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
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offsetMinutes * 60
        let dayNumber = CivilCalendar.floorDiv(seconds, 86_400)
        let secondOfDay = seconds - dayNumber * 86_400
        let (year, month, day) = CivilCalendar.civilFromDays(dayNumber)
        let weekday = days[Int(((dayNumber % 7) + 7) % 7)]
        let sign = offsetMinutes < 0 ? "-" : "+"
        let off = abs(offsetMinutes)
        return "\(weekday), \(day) \(months[month - 1]) \(pad(year, 4)) "
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)) "
            + "\(sign)\(pad(off / 60, 2))\(pad(off % 60, 2))"
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(abs(n))
        return (n < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
