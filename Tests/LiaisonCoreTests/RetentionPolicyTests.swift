import Foundation
import Testing
@testable import LiaisonCore

/// `[retention]` periods and what expires when (issue 18): whole days in the organisation's zone.
@Suite("Retention policy")
struct RetentionPolicyTests {
    let shanghai = WallClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    func at(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    @Test(arguments: [
        ("24 months", 24, RetentionPeriod.Unit.months), ("5 years", 5, .years), ("1 year", 1, .years), ("90 days", 90, .days),
        ("2 weeks", 2, .weeks), ("24个月", 24, .months), ("5年", 5, .years), ("30天", 30, .days), ("2周", 2, .weeks),
        ("  3 Months ", 3, .months), ("18 個月", 18, .months),
    ])
    func readsPeriods(text: String, count: Int, unit: RetentionPeriod.Unit) {
        #expect(RetentionPeriod.parse(text) == RetentionPeriod(count: count, unit: unit))
    }

    @Test(arguments: ["", "24", "months", "24 mnths", "-3 days", "1.5 years", "0 days", "24 months 3 days", "二十四个月",
                      "101 years", "9999999 days", "24months!", "P2Y", "forever"])
    func refusesAnythingElse(text: String) {
        #expect(RetentionPeriod.parse(text) == nil)
    }

    @Test func monthsEndOnTheLastDayWhenTheDayIsMissing() {
        let p = RetentionPeriod.parse("1 month")!
        #expect(p.after(LocalDate(year: 2027, month: 1, day: 31)!) == LocalDate(year: 2027, month: 2, day: 28)!)
        #expect(RetentionPeriod.parse("1 year")!.after(LocalDate(year: 2028, month: 2, day: 29)!) == LocalDate(year: 2029, month: 2, day: 28)!)
        #expect(RetentionPeriod.parse("24 months")!.after(LocalDate(year: 2026, month: 11, day: 20)!) == LocalDate(year: 2028, month: 11, day: 20)!)
    }

    @Test func expiresAtTheStartOfTheLocalDayNeverBefore() {
        let policy = RetentionPolicy(bodies: RetentionPeriod.parse("24 months"), cases: RetentionPeriod.parse("5 years"))
        // Resolved 20 Nov 2026 23:30 in Shanghai (15:30 UTC): bodies go on 20 Nov 2028, Shanghai.
        let resolved = at("2026-11-20T15:30:00Z")
        #expect(policy.decide(resolvedAt: resolved, now: at("2028-11-19T15:59:59Z"), clock: shanghai) == .keep)
        #expect(policy.decide(resolvedAt: resolved, now: at("2028-11-19T16:00:00Z"), clock: shanghai) == .removeBodies)
        #expect(policy.decide(resolvedAt: resolved, now: at("2031-11-19T15:59:59Z"), clock: shanghai) == .removeBodies)
        #expect(policy.decide(resolvedAt: resolved, now: at("2031-11-19T16:00:00Z"), clock: shanghai) == .eraseCase)
        #expect(policy.decide(resolvedAt: nil, now: at("2040-01-01T00:00:00Z"), clock: shanghai) == .keep)
        #expect(RetentionPolicy().decide(resolvedAt: resolved, now: at("2040-01-01T00:00:00Z"), clock: shanghai) == .keep)
    }
}
