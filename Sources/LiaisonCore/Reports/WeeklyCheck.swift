import Foundation

/// The weekly check (每周检查, issue 15 part 3): when it is due and what each recipient is told.
/// Pure: instants and cases in, decisions out; the daemon reads the store and writes the mails.
///
/// - **When.** Once a week on `rule.weekday` at `rule.at` in the organisation's zone (default
///   Monday 09:00). A nominal day that is not a working day (a public holiday) moves to the next
///   working day. The reminder is case-less, keyed `weekly-check:<nominal day>`, so scheduling it
///   twice adds one row.
/// - **The week reported.** The seven days before the nominal day, [nominal − 7 d 00:00,
///   nominal 00:00) in the organisation's zone, whenever the check actually fires (a check fired
///   late still reports its own week).
/// - **Managers** get the week's figures and follow-up table.
/// - **Owners** get the open cases they own that (any of):
///   - *lack a recap after a call*: the latest recap named a next call (下次沟通时间) that has
///     passed, and no recap was sent at or after it (the only record of a call Liaison has is
///     the call a recap agreed);
///   - *have an overdue item*: an action item of the latest recap whose due instant passed and
///     the case is still open (`ItemProgress.overdue`);
///   - *are quiet*: no outbound mail (nor, when there is none, since the case opened) for
///     `quietDays` full working days: working days strictly after the day of the last outbound
///     mail and strictly before the day of the check.
///   An owner with nothing on the list gets no mail.
public enum WeeklyCheck {
    /// `[reminders] weekly_check`: on/off, the weekday and time, and the quiet days.
    public struct Rule: Sendable, Equatable {
        public var enabled: Bool
        /// ISO weekday, Monday = 1 … Sunday = 7.
        public var weekday: Int
        public var at: ClockTime
        /// Working days without outbound mail before an open case is listed (≥ 1).
        public var quietDays: Int
        public init(enabled: Bool = true, weekday: Int = 1, at: ClockTime = ClockTime(hour: 9)!, quietDays: Int = 3) {
            self.enabled = enabled
            self.weekday = weekday
            self.at = at
            self.quietDays = quietDays
        }
        public static let defaults = Rule()
    }

    /// Why a case is on an owner's list.
    public enum Reason: String, Sendable, Equatable, CaseIterable, Comparable {
        case noRecapAfterCall = "no-recap-after-call"
        case overdueItem = "overdue-item"
        case quiet = "quiet"
        public static func < (a: Reason, b: Reason) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    /// One case on an owner's list.
    public struct Entry: Sendable, Equatable {
        public var caseNumber: String
        public var subject: String
        public var reasons: [Reason]
        /// The next call that has no recap after it (for `noRecapAfterCall`).
        public var missedCall: Date?
        /// The overdue items (for `overdueItem`).
        public var overdueItems: [ReportItem]
        /// The last outbound mail, nil when none was ever sent (for `quiet`).
        public var lastOutbound: Date?
        /// Full working days since then (for `quiet`).
        public var quietWorkingDays: Int?
    }

    /// One owner's list: cases in case-number order.
    public struct OwnerList: Sendable, Equatable {
        public var owner: String
        public var entries: [Entry]
    }

    /// The reminder key of the check on nominal day `day`.
    public static func key(_ day: LocalDate) -> String { "weekly-check:\(day)" }

    /// The nominal day a key names, nil for any other key.
    public static func nominalDay(key: String) -> LocalDate? {
        guard key.hasPrefix("weekly-check:") else { return nil }
        return LocalDate(iso: key.dropFirst("weekly-check:".count))
    }

    /// The next check strictly after `now`, nil when the rule is off.
    public static func next(after now: Date, rule: Rule, organization: Organization) -> NewReminder? {
        guard rule.enabled, (1...7).contains(rule.weekday) else { return nil }
        let clock = WallClock(timeZone: organization.timeZone)
        var nominal = clock.local(now).day
        nominal = nominal.adding(days: (rule.weekday - nominal.weekday + 7) % 7)
        // At most a few weeks ahead: the fire day of this week's nominal day may already be past.
        for _ in 0..<60 {
            let fire = clock.instant(fireDay(nominal, calendar: organization.calendar), rule.at)
            if fire > now {
                return NewReminder(caseNumber: nil, kind: .weeklyCheck, fireAt: fire, recipients: [], key: key(nominal),
                                   detail: "每周检查")
            }
            nominal = nominal.adding(days: 7)
        }
        return nil
    }

    /// The day a check of nominal day `day` fires: that day, or the next working day.
    public static func fireDay(_ day: LocalDate, calendar: WorkCalendar) -> LocalDate {
        calendar.isWorkingDay(day) ? day : calendar.nthWorkingDay(after: day, n: 1)
    }

    /// The week a check reports: [nominal − 7 days, nominal) at midnight in the organisation's zone.
    public static func week(nominal: LocalDate, organization: Organization) -> (start: Date, end: Date, firstDay: LocalDate, lastDay: LocalDate) {
        let clock = WallClock(timeZone: organization.timeZone)
        let first = nominal.adding(days: -7)
        return (clock.instant(first, ClockTime(hour: 0)!), clock.instant(nominal, ClockTime(hour: 0)!), first, nominal.adding(days: -1))
    }

    /// The owners' lists at `asOf` from the cases (only open ones count), in owner order; owners
    /// with nothing listed are left out.
    public static func ownerLists(_ cases: [ReportCase], asOf: Date, rule: Rule, organization: Organization) -> [OwnerList] {
        let clock = WallClock(timeZone: organization.timeZone)
        let today = clock.local(asOf).day
        var byOwner: [String: [Entry]] = [:]
        for c in cases where !c.isSettled && c.openedAt <= asOf {
            guard let owner = c.owner?.lowercased(), !owner.isEmpty else { continue }
            var entry = Entry(caseNumber: c.number, subject: c.firstSubject ?? "", reasons: [], missedCall: nil, overdueItems: [],
                              lastOutbound: c.lastOutboundAt, quietWorkingDays: nil)
            let sent = c.recaps.filter { $0.sentAt.map { $0 <= asOf } ?? true }
            if let latest = sent.last {
                if let call = latest.nextContact, call <= asOf,
                   !sent.contains(where: { r in r.sentAt.map { $0 >= call } ?? false }) {
                    entry.reasons.append(.noRecapAfterCall)
                    entry.missedCall = call
                }
                let overdue = latest.items.filter { ItemProgress.of($0, in: c, asOf: asOf).progress == .overdue }
                if !overdue.isEmpty {
                    entry.reasons.append(.overdueItem)
                    entry.overdueItems = overdue
                }
            }
            let since = clock.local(min(c.lastOutboundAt ?? c.openedAt, asOf)).day
            let quiet = workingDays(after: since, before: today, calendar: organization.calendar, atMost: rule.quietDays + 366)
            if quiet >= rule.quietDays {
                entry.reasons.append(.quiet)
                entry.quietWorkingDays = quiet
            }
            if !entry.reasons.isEmpty { byOwner[owner, default: []].append(entry) }
        }
        return byOwner.keys.sorted().map { o in OwnerList(owner: o, entries: byOwner[o]!.sorted { $0.caseNumber < $1.caseNumber }) }
    }

    /// Working days strictly between two days, counting at most `atMost` (a case quiet for years
    /// costs no more than that).
    public static func workingDays(after first: LocalDate, before last: LocalDate, calendar: WorkCalendar, atMost: Int) -> Int {
        var n = 0
        var d = first.adding(days: 1)
        while d < last, n < atMost {
            if calendar.isWorkingDay(d) { n += 1 }
            d = d.adding(days: 1)
        }
        return n
    }
}

