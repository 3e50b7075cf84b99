import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import Logging
import Synchronization

/// Runs the weekly check (issue 15 part 3) for the scheduler and for `liaison weekly-check`:
/// keeps one check scheduled (a case-less `weekly-check` reminder), and when one is due reads the
/// snapshot (read transactions), composes the mails (the XLSX built here, outside any write)
/// and fires it in one short write transaction — reminder marked fired, mails queued, next check
/// scheduled (`SQLiteStore.fireWeeklyCheck`).
///
/// Exactly once per week and recipient: the reminder row is fired once (a second run finds it no
/// longer pending and writes nothing); a crash before that transaction commits leaves it pending
/// and the next run composes the same mails again, with the same Message-IDs; a crash after it
/// leaves the mails in the outbox. A service down past a check fires it once, late (flagged in
/// the mails), and schedules the next one after now: weeks missed entirely are not caught up.
public final class WeeklyCheckRunner: Sendable {
    public let store: any WeeklyCheckQueue & ReportQueries
    private let composer: Mutex<WeeklyCheckComposer>
    /// A check that fires more than this after its time is flagged late (as `ReminderEngine.lateAfter`).
    public let lateAfter: TimeInterval = 60
    private let logger: Logger

    public init(store: any WeeklyCheckQueue & ReportQueries, composer: WeeklyCheckComposer, logger: Logger = Logger(label: "liaison.weekly")) {
        self.store = store
        self.composer = Mutex(composer)
        self.logger = logger
    }

    /// The composer for a configuration: managers, `[reminders] weekly_check`, templates, sender.
    public static func composer(config: LiaisonConfig, organization: Organization,
                                renderXLSX: @escaping @Sendable (FollowUpTable, TimeZone) throws -> [UInt8]) throws -> WeeklyCheckComposer {
        let (_, renderer) = try ReminderAssembly.parts(config: config, organization: organization)
        return WeeklyCheckComposer(organization: organization, templates: renderer.templates, templateConfig: renderer.config,
                                   from: renderer.from, managers: try config.managers(), rule: try config.weeklyCheckRule(),
                                   renderXLSX: renderXLSX)
    }

    public var current: WeeklyCheckComposer { composer.withLock { $0 } }

    /// Takes a new configuration's composer (SIGHUP).
    public func reload(_ next: WeeklyCheckComposer) { composer.withLock { $0 = next } }

    /// Schedules the next check when none is pending and the rule is on.
    public func ensureScheduled(now: Date) throws {
        let c = current
        guard c.rule.enabled, !(try store.hasPendingWeeklyCheck()),
              let next = WeeklyCheck.next(after: now, rule: c.rule, organization: c.organization) else { return }
        try store.scheduleWeeklyCheck(next, now: now)
    }

    /// What the check of `nominal` reads: the week's cases (with the table's details) and the
    /// cases open at `now` with their latest outbound mail.
    public func snapshot(nominal: LocalDate, now: Date) throws -> WeeklyCheckSnapshot {
        let week = WeeklyCheck.week(nominal: nominal, organization: current.organization)
        let weekCases = current.managers.isEmpty ? [] : try store.reportCases(from: week.start, to: week.end, owner: nil, details: true)
        let open = try store.reportCases(from: now, to: now.addingTimeInterval(1), owner: nil, details: true, lastOutbound: true)
            .filter { !$0.isSettled }
        return WeeklyCheckSnapshot(weekCases: weekCases, openCases: open)
    }

    /// The mails of the check of `nominal` as of `now`, without writing anything (`--dry-run`).
    public func preview(nominal: LocalDate, now: Date, late: Bool = false) throws -> [OutgoingMail] {
        try current.compose(nominal: nominal, snapshot: try snapshot(nominal: nominal, now: now), now: now, late: late, reminderID: nil)
    }

    /// Fires the checks due at `now` (normally one); returns how many mails were queued. A check
    /// whose rule was switched off meanwhile is fired with no mail.
    @discardableResult
    public func fireDue(now: Date) throws -> Int {
        try ensureScheduled(now: now)
        var queued = 0
        for r in try store.dueWeeklyChecks(now: now) {
            let c = current
            let organization = c.organization
            let nominal = WeeklyCheck.nominalDay(key: r.key) ?? WallClock(timeZone: organization.timeZone).local(r.fireAt).day
            let late = now.timeIntervalSince(r.fireAt) > lateAfter
            let mails = c.rule.enabled
                ? try c.compose(nominal: nominal, snapshot: try snapshot(nominal: nominal, now: now), now: now, late: late, reminderID: r.id)
                : []
            let next = WeeklyCheck.next(after: max(now, r.fireAt), rule: c.rule, organization: organization)
            guard let fired = try store.fireWeeklyCheck(id: r.id, now: now, lateAfter: lateAfter, mails: mails, next: next) else { continue }
            queued += mails.count
            logger.info("weekly check fired", metadata: ["reminder": "\(fired.id)", "week": "\(nominal)", "mails": "\(mails.count)",
                                                         "late": "\(fired.late)"])
        }
        return queued
    }
}

/// The scheduler's hook to the weekly check (`SchedulerComponent.attachWeekly`), swappable.
public final class WeeklyCheckHook: Sendable {
    private let runner = Mutex<WeeklyCheckRunner?>(nil)
    public init() {}
    public func attach(_ r: WeeklyCheckRunner?) { runner.withLock { $0 = r } }
    public var attached: WeeklyCheckRunner? { runner.withLock { $0 } }
    /// True when mails were queued.
    public func fireDue(now: Date) throws -> Bool { (try attached?.fireDue(now: now) ?? 0) > 0 }
}
