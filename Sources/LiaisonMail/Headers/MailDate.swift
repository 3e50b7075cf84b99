import Foundation

/// An instant with the UTC offset it was written in (RFC 5322 §3.3 `date-time`).
///
/// `Mon, 16 Nov 2026 09:12:33 +0800` is the instant 2026-11-16 01:12:33 UTC with offset +28800;
/// `iso8601` prints it back as `2026-11-16T09:12:33+08:00`.
public struct MailDate: Sendable, Equatable, Hashable {
    public var date: Date
    /// The zone offset as written, in seconds east of UTC.
    public var offsetSeconds: Int
    public init(date: Date, offsetSeconds: Int) { self.date = date; self.offsetSeconds = offsetSeconds }

    /// The instant of a wall-clock time at `offsetSeconds` (proleptic Gregorian calendar, no
    /// leap seconds); nil when a field is out of range (month 13, 31 Feb, hour 24, second 60),
    /// never a wrapped date. Pure arithmetic: no `Calendar`, no locale.
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetSeconds: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              abs(offsetSeconds) < 86_400
        else { return nil }
        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        let local = days * 86_400 + hour * 3_600 + minute * 60 + second
        self.init(date: Date(timeIntervalSince1970: TimeInterval(local - offsetSeconds)), offsetSeconds: offsetSeconds)
    }

    /// The wall-clock fields in the message's own offset. `weekday` is 0 for Sunday … 6 for Saturday.
    public var local: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        let ti = date.timeIntervalSince1970
        let clamped = ti.isFinite ? min(max(ti, -1e15), 1e15) : 0  // no trap on absurd dates
        let t = Int(clamped.rounded(.down)) + offsetSeconds
        let days = CivilCalendar.floorDiv(t, 86_400)
        let secs = t - days * 86_400
        let (y, m, d) = CivilCalendar.civilFromDays(days)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        return (y, m, d, secs / 3_600, (secs % 3_600) / 60, secs % 60, weekday)
    }

    /// ISO 8601 in the message's own offset, e.g. `2026-11-16T09:12:33+08:00`. Seconds are always
    /// present and UTC is written `+00:00`, never `Z`.
    public var iso8601: String {
        let l = local
        var out: [UInt8] = []
        out.reserveCapacity(25)
        func put(_ v: Int, _ width: Int) {
            var digits: [UInt8] = []
            var x = abs(v)
            repeat { digits.append(UInt8(ascii: "0") + UInt8(x % 10)); x /= 10 } while x > 0
            if v < 0 { out.append(UInt8(ascii: "-")) }
            for _ in digits.count..<max(width, digits.count) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: digits.reversed())
        }
        put(l.year, 4); out.append(UInt8(ascii: "-")); put(l.month, 2); out.append(UInt8(ascii: "-")); put(l.day, 2)
        out.append(UInt8(ascii: "T"))
        put(l.hour, 2); out.append(UInt8(ascii: ":")); put(l.minute, 2); out.append(UInt8(ascii: ":")); put(l.second, 2)
        out.append(offsetSeconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let off = abs(offsetSeconds)
        put(off / 3_600, 2); out.append(UInt8(ascii: ":")); put((off % 3_600) / 60, 2)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Proleptic Gregorian arithmetic on day numbers (days since 1970-01-01), after Howard
/// Hinnant's `days_from_civil` / `civil_from_days`. Exact for all years, no tables, no locale.
