import Foundation
import LiaisonCore
import Testing

/// The weekly check's planner (issue 15 part 3): when it fires, which week it reports, and which
/// open cases go on which owner's list — each with an answer worked out by hand.
@Suite("weekly check planner")
struct WeeklyCheckTests {
    static let tz = TimeZone(identifier: "Asia/Shanghai")!
    static let org = Organization(name: "示例科技", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                                  authservID: "mx.corp.example")

    static func at(_ s: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: s)!
    }

    @Test func nextIsMondayNineInTheOrganisationsZone() throws {
        // Wed 2026-11-25 10:00 → Mon 2026-11-30 09:00 (+08:00), keyed by that day.
        let r = try #require(WeeklyCheck.next(after: Self.at("2026-11-25 10:00"), rule: .defaults, organization: Self.org))
        #expect(r.fireAt == Self.at("2026-11-30 09:00"))
        #expect(r.key == "weekly-check:2026-11-30")
        #expect(r.kind == .weeklyCheck && r.caseNumber == nil)
        // Exactly at the time: strictly after, so next week.
        let same = try #require(WeeklyCheck.next(after: Self.at("2026-11-30 09:00"), rule: .defaults, organization: Self.org))
        #expect(same.fireAt == Self.at("2026-12-07 09:00"))
        // Monday 08:59: today.
        let early = try #require(WeeklyCheck.next(after: Self.at("2026-11-30 08:59"), rule: .defaults, organization: Self.org))
        #expect(early.fireAt == Self.at("2026-11-30 09:00"))
        // Another weekday and time.
        let fri = WeeklyCheck.Rule(weekday: 5, at: ClockTime(hour: 16, minute: 30)!)
        #expect(WeeklyCheck.next(after: Self.at("2026-11-25 10:00"), rule: fri, organization: Self.org)?.fireAt == Self.at("2026-11-27 16:30"))
        // Off: nothing.
        #expect(WeeklyCheck.next(after: Self.at("2026-11-25 10:00"), rule: WeeklyCheck.Rule(enabled: false), organization: Self.org) == nil)
    }

    @Test func aHolidayMondayMovesToTheNextWorkingDay() throws {
        // 2026-10-05 (Monday) is in the National Day holiday (Oct 1–7); Oct 8 is the first working day.
        let r = try #require(WeeklyCheck.next(after: Self.at("2026-10-02 12:00"), rule: .defaults, organization: Self.org))
        #expect(r.key == "weekly-check:2026-10-05")
        #expect(r.fireAt == Self.at("2026-10-08 09:00"))
        // Its week is still the seven days before the nominal Monday.
        let w = WeeklyCheck.week(nominal: try #require(WeeklyCheck.nominalDay(key: r.key)), organization: Self.org)
        #expect(w.start == Self.at("2026-09-28 00:00") && w.end == Self.at("2026-10-05 00:00"))
        #expect("\(w.firstDay)" == "2026-09-28" && "\(w.lastDay)" == "2026-10-04")
    }

    static func item(_ n: Int, due: String?) -> ReportItem {
        ReportItem(number: n, owner: "王芳", task: "事项\(n)", due: due.map(at))
    }

    /// Cases at Monday 2026-11-30 09:00, quiet_days 3. Working days before it: Nov 23–27.
    static let cases: [ReportCase] = [
        // a: a recap on Tue 24th named a call on Thu 26th 10:00; no recap since → no recap after the
        // call. Mail sent Fri 27th → 0 full working days (not quiet). Its item is due Dec 3 (open).
        ReportCase(number: "EC1", owner: "a@corp.example", category: "request", status: .open, openedAt: at("2026-11-20 09:00"),
                   firstSubject: "询价", lastOutboundAt: at("2026-11-27 17:00"),
                   recaps: [ReportRecap(sentAt: at("2026-11-24 10:00"), author: "a@corp.example", state: "confirmed",
                                        nextContact: at("2026-11-26 10:00"), items: [item(1, due: "2026-12-03 17:00")])]),
        // a: the call on Wed 25th has a recap after it (Wed 25th 15:00) → fine; item ② overdue
        // (due Fri 27th) → listed; last mail Wed 25th 15:00 → Nov 26, 27 = 2 working days (not quiet).
        ReportCase(number: "EC2", owner: "a@corp.example", category: "complaint", status: .open, openedAt: at("2026-11-16 09:00"),
                   firstSubject: "投诉", lastOutboundAt: at("2026-11-25 15:00"),
                   recaps: [ReportRecap(sentAt: at("2026-11-20 10:00"), author: "a@corp.example", state: "confirmed",
                                        nextContact: at("2026-11-25 10:00"), items: []),
                            ReportRecap(sentAt: at("2026-11-25 15:00"), author: "a@corp.example", state: "pending",
                                        nextContact: nil, items: [item(1, due: "2026-12-01 17:00"), item(2, due: "2026-11-27 17:00")])]),
        // b: last mail Mon 23rd → Nov 24–27 = 4 working days ≥ 3 → quiet.
        ReportCase(number: "EC3", owner: "b@corp.example", category: "delivery", status: .open, openedAt: at("2026-11-10 09:00"),
                   firstSubject: "交期", lastOutboundAt: at("2026-11-23 09:30")),
        // b: never answered, opened Tue 24th → Nov 25–27 = 3 → quiet (exactly the threshold).
        ReportCase(number: "EC4", owner: "b@corp.example", category: "general", status: .open, openedAt: at("2026-11-24 11:00"),
                   firstSubject: "新事项"),
        // b: resolved: never listed, whatever else holds.
        ReportCase(number: "EC5", owner: "b@corp.example", category: "general", status: .resolved, openedAt: at("2026-11-01 09:00"),
                   resolvedAt: at("2026-11-20 09:00"), firstSubject: "已结"),
        // c: answered Thu 26th, no recap: nothing → c gets no list at all.
        ReportCase(number: "EC6", owner: "c@corp.example", category: "general", status: .open, openedAt: at("2026-11-26 09:00"),
                   firstSubject: "安静", lastOutboundAt: at("2026-11-26 10:00")),
        // No owner: nobody to tell.
        ReportCase(number: "EC7", owner: nil, category: "general", status: .open, openedAt: at("2026-10-01 09:00")),
    ]

    @Test func ownerListsHaveKnownAnswers() throws {
        let lists = WeeklyCheck.ownerLists(Self.cases, asOf: Self.at("2026-11-30 09:00"), rule: .defaults, organization: Self.org)
        #expect(lists.map(\.owner) == ["a@corp.example", "b@corp.example"])
        let a = lists[0].entries, b = lists[1].entries
        #expect(a.map(\.caseNumber) == ["EC1", "EC2"])
        #expect(a[0].reasons == [.noRecapAfterCall])
        #expect(a[0].missedCall == Self.at("2026-11-26 10:00"))
        #expect(a[1].reasons == [.overdueItem])
        #expect(a[1].overdueItems.map(\.number) == [2])
        #expect(b.map(\.caseNumber) == ["EC3", "EC4"])
        #expect(b[0].reasons == [.quiet] && b[0].quietWorkingDays == 4 && b[0].lastOutbound == Self.at("2026-11-23 09:30"))
        #expect(b[1].reasons == [.quiet] && b[1].quietWorkingDays == 3 && b[1].lastOutbound == nil)
    }

    @Test func quietDaysFollowTheWorkingCalendar() throws {
        // With 5 quiet days nothing of b's is quiet any more.
        let five = WeeklyCheck.ownerLists(Self.cases, asOf: Self.at("2026-11-30 09:00"), rule: WeeklyCheck.Rule(quietDays: 5),
                                          organization: Self.org)
        #expect(five.map(\.owner) == ["a@corp.example"])
        // Across the National Day holiday (Oct 1–7, Oct 10 a working Saturday): last mail Tue Sep 29 →
        // Sep 30, Oct 8, 9, 10 (调休), 12 (Mon) before Tue Oct 13 = 5 working days.
        let d = WeeklyCheck.workingDays(after: LocalDate(year: 2026, month: 9, day: 29)!, before: LocalDate(year: 2026, month: 10, day: 13)!,
                                        calendar: Self.org.calendar, atMost: 100)
        #expect(d == 5)
        // Bounded: a case quiet for years counts no further than asked.
        let far = WeeklyCheck.workingDays(after: LocalDate(year: 2000, month: 1, day: 1)!, before: LocalDate(year: 2026, month: 1, day: 1)!,
                                          calendar: Self.org.calendar, atMost: 10)
        #expect(far == 10)
    }

    @Test func aCallStillAheadOrARecapAfterItIsNotMissing() throws {
        // At Thu 26th 09:00 the call of 10:00 has not happened: EC1 is not listed for it.
        let lists = WeeklyCheck.ownerLists([Self.cases[0]], asOf: Self.at("2026-11-26 09:00"), rule: .defaults, organization: Self.org)
        #expect(lists.isEmpty)
    }
}
