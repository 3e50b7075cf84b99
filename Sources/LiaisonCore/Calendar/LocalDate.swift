import LiaisonMail
/// A day on the proleptic Gregorian calendar, without a time zone: what a wall calendar in the
/// organisation's office shows. Day arithmetic is pure integer arithmetic (Howard Hinnant's
/// days-from-civil), so no `Foundation.Calendar` is needed in hot paths.
///
/// ```swift
/// let d = LocalDate(year: 2026, month: 12, day: 30)!
/// d.adding(days: 3)   // 2027-01-02
/// d.weekday           // 3 (Wednesday; ISO 8601: Monday = 1 … Sunday = 7)
/// ```
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 1…9999 for a date built from its parts.
    public let year: Int
    /// 1…12.
    public let month: Int
    /// 1…28/29/30/31, as the month has.
    public let day: Int

    /// A valid date, or nil (`2月30日`, month 13, day 0 …). Years 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    public init(daysSince1970 days: Int) {
        (year, month, day) = CivilCalendar.civilFromDays(days)
    }

    /// Days since 1970-01-01 (days_from_civil).
    public var daysSince1970: Int { CivilCalendar.daysFromCivil(year: year, month: month, day: day) }

    /// ISO 8601 weekday: Monday = 1 … Sunday = 7.
    public var weekday: Int {
        let w = (daysSince1970 + 3) % 7  // 1970-01-01 was a Thursday (3 days after a Monday)
        return (w < 0 ? w + 7 : w) + 1
    }

    /// Monday to Friday.
    public var isWeekday: Bool { weekday <= 5 }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate { LocalDate(daysSince1970: daysSince1970 + days) }

    /// Days from `self` to `other` (positive when `other` is later).
    public func days(to other: LocalDate) -> Int { other.daysSince1970 - daysSince1970 }

    /// The Monday of this date's week (weeks run Monday to Sunday).
    public var mondayOfWeek: LocalDate { adding(days: 1 - weekday) }

    /// 28–31: the length of `month` in `year` (Gregorian leap years).
    public static func daysIn(month: Int, year: Int) -> Int { CivilCalendar.daysInMonth(year: year, month: month) }

    /// Gregorian leap year: divisible by 4, except centuries not divisible by 400.
    public static func isLeap(_ year: Int) -> Bool { CivilCalendar.isLeap(year) }

    /// Earlier dates first.
    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Reads `YYYY-MM-DD` exactly (the calendar file's format); nil for anything else.
    public init?(iso text: Substring) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}

/// A wall-clock time of day, `00:00:00` … `24:00:00` (24:00 is the end of the day, i.e. the next
/// day's midnight).
public struct ClockTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 0…24 (24 only as 24:00:00).
    public let hour: Int
    /// 0…59.
    public let minute: Int
    /// 0…59.
    public let second: Int

    /// A valid time of day, or nil (25:00, 17:60, 24:01).
    public init?(hour: Int, minute: Int = 0, second: Int = 0) {
        guard (0...24).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              hour < 24 || (minute == 0 && second == 0) else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Reads `H:MM` or `HH:MM` (the configuration's `workday_end`); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(hour: h, minute: m)
    }

    /// A time of day as the configuration writes one (`workday_start`, `workday_end`): 24-hour
    /// `HH:MM`, the hour one or two digits, 00:00–23:59 (no 24:00, no seconds); nil otherwise.
    public init?(timeOfDay text: String) {
        guard let t = ClockTime(parsing: text), t.hour < 24 else { return nil }
        self = t
    }

    /// 23:59:59, the last second of a day: when "a day without a clock time" is due.
    public static let endOfDay = ClockTime(hour: 23, minute: 59, second: 59)!

    /// Seconds since midnight (86 400 for 24:00).
    public var secondsIntoDay: Int { hour * 3600 + minute * 60 + second }

    /// Earlier times first.
    public static func < (a: ClockTime, b: ClockTime) -> Bool { a.secondsIntoDay < b.secondsIntoDay }

    /// `HH:MM` or `HH:MM:SS`.
    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return second == 0 ? "\(two(hour)):\(two(minute))" : "\(two(hour)):\(two(minute)):\(two(second))"
    }
}
