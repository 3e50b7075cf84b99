import Foundation
import Testing
@testable import LiaisonCore

private func day(_ y: Int, _ m: Int, _ d: Int) -> LocalDate { LocalDate(year: y, month: m, day: d)! }

// MARK: - LocalDate

@Test func daysFromCivilKnownValues() {
    #expect(day(1970, 1, 1).daysSince1970 == 0)
    #expect(day(2000, 3, 1).daysSince1970 == 11_017)
    #expect(day(1969, 12, 31).daysSince1970 == -1)
    #expect(day(2026, 11, 17).daysSince1970 == 20_774)
    #expect(LocalDate(daysSince1970: 20_774) == day(2026, 11, 17))
}

@Test func daysFromCivilRoundTripsEveryDayOver200Years() {
    var previous = day(1899, 12, 31).daysSince1970
    for y in 1900...2100 {
        for m in 1...12 {
            for d in 1...LocalDate.daysIn(month: m, year: y) {
                let date = day(y, m, d)
                #expect(date.daysSince1970 == previous + 1)
                previous = date.daysSince1970
                if d == 1 { #expect(LocalDate(daysSince1970: previous) == date) }
            }
        }
    }
}

@Test func weekdaysAreISO() {
    #expect(day(2026, 11, 16).weekday == 1)  // Monday
    #expect(day(2026, 11, 17).weekday == 2)
    #expect(day(2026, 11, 22).weekday == 7)  // Sunday
    #expect(day(1970, 1, 1).weekday == 4)    // Thursday
    #expect(day(1969, 12, 28).weekday == 7)
    #expect(day(2026, 11, 22).mondayOfWeek == day(2026, 11, 16))
}

@Test func invalidDatesAreRejected() {
    #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
    #expect(LocalDate(year: 2024, month: 2, day: 29) != nil)
    #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)
    #expect(LocalDate(year: 2000, month: 2, day: 29) != nil)
    #expect(LocalDate(year: 2026, month: 13, day: 1) == nil)
    #expect(LocalDate(year: 2026, month: 4, day: 31) == nil)
    #expect(LocalDate(year: 2026, month: 1, day: 0) == nil)
    #expect(LocalDate(iso: "2026-11-17") == day(2026, 11, 17))
    #expect(LocalDate(iso: "2026-1-17") == nil)
    #expect(LocalDate(iso: "2026-02-30") == nil)
}

@Test func dayArithmeticCrossesMonthsAndYears() {
    #expect(day(2026, 12, 30).adding(days: 3) == day(2027, 1, 2))
    #expect(day(2026, 1, 31).adding(days: 1) == day(2026, 2, 1))
    #expect(day(2024, 2, 28).adding(days: 1) == day(2024, 2, 29))
    #expect(day(2026, 3, 1).adding(days: -1) == day(2026, 2, 28))
    #expect(day(2026, 11, 17).days(to: day(2027, 1, 3)) == 47)
    #expect(day(2026, 11, 17).description == "2026-11-17")
}

@Test func clockTimes() {
    #expect(ClockTime(parsing: "18:00") == ClockTime(hour: 18))
    #expect(ClockTime(parsing: "9:30") == ClockTime(hour: 9, minute: 30))
    #expect(ClockTime(parsing: "24:00") == ClockTime(hour: 24))
    #expect(ClockTime(parsing: "24:01") == nil)
    #expect(ClockTime(parsing: "18:0") == nil)
    #expect(ClockTime(parsing: "6pm") == nil)
    #expect(ClockTime.endOfDay.description == "23:59:59")
}

// MARK: - WallClock

@Test func wallClockShanghai() {
    let wc = WallClock(timeZoneIdentifier: "Asia/Shanghai")!
    let t = Date(timeIntervalSince1970: 1_794_901_200)  // 2026-11-17T07:40:00Z
    #expect(wc.local(t).day == day(2026, 11, 17))
    #expect(wc.local(t).secondsIntoDay == 15 * 3600 + 40 * 60)
    #expect(wc.instant(day(2026, 11, 17), ClockTime(hour: 15, minute: 40)!) == t)
    #expect(wc.instant(day(2026, 11, 17), ClockTime(hour: 24)!) == wc.instant(day(2026, 11, 18), ClockTime(hour: 0)!))
    #expect(WallClock(timeZoneIdentifier: "Nowhere/Else") == nil)
}

@Test func wallClockAcrossDaylightSaving() {
    let ny = WallClock(timeZoneIdentifier: "America/New_York")!
    // 2026-03-08 02:30 does not exist (02:00 → 03:00): it reads as 03:30 EDT = 07:30Z.
    #expect(ny.instant(day(2026, 3, 8), ClockTime(hour: 2, minute: 30)!) == Date(timeIntervalSince1970: 1_772_955_000))
    // 2026-11-01 01:30 happens twice: the first, EDT = 05:30Z.
    #expect(ny.instant(day(2026, 11, 1), ClockTime(hour: 1, minute: 30)!) == Date(timeIntervalSince1970: 1_793_511_000))
    // Before and after a transition, the wall time round-trips.
    for (d, h) in [(day(2026, 3, 7), 23), (day(2026, 3, 8), 4), (day(2026, 11, 1), 3), (day(2026, 10, 31), 23)] {
        let i = ny.instant(d, ClockTime(hour: h)!)
        #expect(ny.local(i).day == d)
        #expect(ny.local(i).secondsIntoDay == h * 3600)
    }
    // Before 1970: negative instants floor to the right day.
    let utc = WallClock(timeZoneIdentifier: "UTC")!
    #expect(utc.local(Date(timeIntervalSince1970: -1)).day == day(1969, 12, 31))
    #expect(utc.local(Date(timeIntervalSince1970: -1)).secondsIntoDay == 86_399)
}

// MARK: - WorkCalendar

@Test(arguments: [
    (day(2026, 11, 17), true), (day(2026, 11, 21), false), (day(2026, 11, 22), false),
    (day(2026, 10, 1), false), (day(2026, 10, 7), false), (day(2026, 10, 8), true),
    (day(2026, 10, 10), true),   // Saturday worked for National Day
    (day(2026, 9, 20), true),    // Sunday worked
    (day(2026, 2, 14), true), (day(2026, 2, 28), true), (day(2026, 2, 23), false),
    (day(2026, 1, 1), false), (day(2026, 1, 2), false), (day(2026, 1, 4), true),
    (day(2026, 9, 25), false),   // Mid-autumn, a Friday
    (day(2025, 9, 28), true), (day(2025, 10, 8), false), (day(2025, 10, 11), true), (day(2025, 10, 6), false),
    (day(2015, 9, 3), false),    // the one-off Anti-Fascist 70th anniversary holiday
])
func mainlandChinaWorkingDays(_ date: LocalDate, _ working: Bool) {
    #expect(WorkCalendar.mainlandChina.isWorkingDay(date) == working)
}

@Test func unpublishedYearsFallBackToMondayToFriday() {
    let cal = WorkCalendar.mainlandChina
    let first = cal.coveredYears!.lowerBound
    #expect(first == 2004)
    #expect(cal.coveredYears!.upperBound >= 2026)
    let before = day(first - 1, 10, 1)  // 2003-10-01, a Wednesday: National Day, but not in the data
    #expect(before.weekday == 3 && cal.isWorkingDay(before))
    let limited = WorkCalendar(holidays: [day(2026, 10, 1)], adjustedWorkingDays: [day(2026, 10, 10)], coveredYears: 2026...2026)
    #expect(limited.isWorkingDay(day(2027, 1, 1)))   // a Friday, New Year's Day, but 2027 is not covered
    #expect(!limited.isWorkingDay(day(2027, 1, 2)))
    #expect(limited.nthWorkingDay(after: day(2026, 12, 30), n: 2) == day(2027, 1, 1))
}

@Test(arguments: [
    (day(2026, 11, 17), 3, day(2026, 11, 20)), (day(2026, 11, 20), 1, day(2026, 11, 23)),
    (day(2026, 9, 30), 1, day(2026, 10, 8)), (day(2026, 9, 30), 3, day(2026, 10, 10)),
    (day(2026, 9, 30), 4, day(2026, 10, 12)), (day(2026, 2, 13), 2, day(2026, 2, 24)),
    (day(2025, 12, 31), 1, day(2026, 1, 4)), (day(2026, 11, 17), 0, day(2026, 11, 17)),
])
func nthWorkingDay(_ from: LocalDate, _ n: Int, _ expected: LocalDate) {
    #expect(WorkCalendar.mainlandChina.nthWorkingDay(after: from, n: n) == expected)
}

@Test func mondayToFridayHasNoHolidays() {
    #expect(!WorkCalendar.mondayToFriday.isWorkingDay(day(2026, 10, 10)))
    #expect(WorkCalendar.mondayToFriday.isWorkingDay(day(2026, 10, 1)))
}

/// The shipped calendar file and the built-in data come from the same run of scripts/update-calendar.
@Test func shippedCalendarFileMatchesBuiltInData() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent("deploy/calendar-cn.txt"), encoding: .utf8)
    let parsed = try WorkCalendar(parsing: text)
    #expect(parsed == WorkCalendar.mainlandChina)
    #expect(parsed.holidays.count > 600)
    #expect(text.contains(WorkCalendar.mainlandChinaSource))
}

@Test func parsesTheLineFormat() throws {
    let cal = try WorkCalendar(parsing: """
        # a comment
        years 2030-2030

        2030-10-01 holiday 国庆节
        2030-10-12 workday 国庆节   # Saturday worked
        \t
        """)
    #expect(cal.coveredYears == 2030...2030)
    #expect(cal.holidays == [day(2030, 10, 1)])
    #expect(cal.adjustedWorkingDays == [day(2030, 10, 12)])
    #expect(!cal.isWorkingDay(day(2030, 10, 1)))
    #expect(cal.isWorkingDay(day(2030, 10, 12)))
    let derived = try WorkCalendar(parsing: "2031-01-01 holiday 元旦\r\n2032-02-01 holiday x\r\n")
    #expect(derived.coveredYears == 2031...2032)
    #expect(try WorkCalendar(parsing: "") == WorkCalendar.mondayToFriday)
}

@Test(arguments: [
    ("2030-13-01 holiday x", 1), ("2030-10-01 vacation x", 1), ("2030-10-01", 1),
    ("years 2030-2030\n2031-01-01 holiday x", 2), ("2030-10-01 holiday\n2030-10-01 workday", 2),
    ("years 2030\n", 1), ("years 2030-2031\nyears 2030-2031", 2), ("2030/10/01 holiday", 1),
])
func rejectsMalformedCalendarLines(_ text: String, _ line: Int) {
    #expect(throws: WorkCalendar.ParseError.self) { try WorkCalendar(parsing: text) }
    do {
        _ = try WorkCalendar(parsing: text)
    } catch {
        #expect(error.line == line, "\(error)")
    }
}
