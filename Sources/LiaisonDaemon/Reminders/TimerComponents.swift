import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTransport
import Logging
import ServiceLifecycle
import Synchronization

/// The reminder scheduler as a daemon part: one `StoreTimer` at the earliest pending reminder;
/// when it fires, the due reminders become outbox rows (`ReminderEngine.fireDue`) and the outbox
/// is poked. After a restart it re-arms from the store; what fell due meanwhile fires at once,
/// flagged late. SIGHUP reloads `[reminders]` and the templates. Its loop is `StoreTimer.run()`
/// (waits on `clock`, due times judged by `now`); graceful shutdown ends it after the firing in
/// hand committed. Tests drive it with a manual clock and a manual "now".
public final class SchedulerComponent: DaemonComponent, Sendable {
    public let name = "scheduler"
    public let engine: ReminderEngine
    public let timer: StoreTimer
    private let lane = BlockingLane(label: "liaison.once.scheduler")
    private let afterFiring: @Sendable () -> Void
    private let organization: Organization
    /// The weekly check (`attachWeekly`): composed outside `fireDue`'s transactions.
    public let weekly = WeeklyCheckHook()
    /// `[retention]` (`attachRetention`): applied once a day, after the reminders and the weekly check.
    public let retention = RetentionHook()

    /// Where fired and late reminders are counted, and the pending ones gauged.
    public let metrics: ServiceMetrics

    /// `afterFiring`: called when reminders fired (poke the outbox). `metrics`: each reminder
    /// fired counted (late ones, `engine.lateAfter` past their time, also as late); the pending
    /// count read after every check, with the next due time.
    public init(engine: ReminderEngine, organization: Organization, now: Now = .system,
                clock: any Clock<Duration> = LoopClock(), safetyInterval: Duration = .seconds(60), logger: Logger,
                metrics: ServiceMetrics = .off, afterFiring: @escaping @Sendable () -> Void = {}) {
        self.engine = engine
        self.organization = organization
        self.afterFiring = afterFiring
        self.metrics = metrics
        let store = engine.store
        let weekly = self.weekly, retention = self.retention
        timer = StoreTimer(name: "scheduler", now: now, clock: clock, safetyInterval: safetyInterval, logger: logger,
                           next: {
                               metrics.remindersPending(try store.pendingReminderCount())
                               return try store.nextReminderTime()
                           },
                           work: { now in
                               try Self.work(now: now, engine: engine, weekly: weekly, metrics: metrics, afterFiring: afterFiring)
                               try retention.runIfDue(now: now)
                           })
    }

    /// The digest scheduled, due reminders fired, then the weekly check (after them: a failing
    /// check does not hold the other reminders back); the outbox poked when mail was queued.
    static func work(now: Date, engine: ReminderEngine, weekly: WeeklyCheckHook, metrics: ServiceMetrics,
                     afterFiring: @Sendable () -> Void) throws {
        try engine.ensureDigest(now: now)
        let firedReminders = try engine.fireDue(now: now)
        for r in firedReminders { metrics.reminderFired(late: r.late) }
        let fired = !firedReminders.isEmpty
        let weeklyQueued: Bool
        do { weeklyQueued = try weekly.fireDue(now: now) } catch {
            if fired { afterFiring() }
            throw error
        }
        if fired || weeklyQueued { afterFiring() }
    }

    /// Runs the weekly check on this scheduler (serve).
    public func attachWeekly(_ runner: WeeklyCheckRunner) { weekly.attach(runner) }

    /// Applies `[retention]` daily on this scheduler (serve).
    public func attachRetention(_ runner: RetentionRunner) { retention.attach(runner) }

    public func run() async throws {
        let timer = self.timer
        // Returns after a firing in progress committed.
        await withGracefulShutdownHandler { await timer.run() } onGracefulShutdown: { timer.stop() }
    }

    /// Fires what is due at `now` (`--once`), on the timer's lane.
    public func runOnce(now: Date) async throws {
        let (engine, weekly, afterFiring, retention, metrics) = (self.engine, self.weekly, self.afterFiring, self.retention, self.metrics)
        try await lane.run {
            try Self.work(now: now, engine: engine, weekly: weekly, metrics: metrics, afterFiring: afterFiring)
            try retention.runIfDue(now: now)
            metrics.remindersPending(try engine.store.pendingReminderCount())
        }
    }

    /// Re-reads the earliest reminder (after filing added some).
    public func poke() { timer.poke() }

    public func status() -> ComponentStatus {
        let next = timer.armedFor
        var summary: [String] = []
        if let next {
            // Read on every watchdog tick: arithmetic, never a DateFormatter (ICU) at idle.
            summary.append("next check \(WallClock(timeZone: organization.timeZone).monthDayTime(next))")
        }
        return ComponentStatus(summary: summary, fault: timer.currentError.map { "scheduler: \($0)" })
    }

    public func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? {
        let org = try config.organization()
        let (planner, renderer) = try ReminderAssembly.parts(config: config, organization: org)
        let caps = try config.rateCaps()
        let engine = self.engine
        let weeklyRunner = weekly.attached
        let retentionRunner = retention.attached
        let retentionPolicy = try config.retentionPolicy()
        let weeklyComposer = try weeklyRunner.map { r in
            try WeeklyCheckRunner.composer(config: config, organization: org, renderXLSX: r.current.renderXLSX)
        }
        return {
            engine.reload(planner: planner, renderer: renderer); engine.noticeCaps = caps
            if let weeklyRunner, let weeklyComposer { weeklyRunner.reload(weeklyComposer) }
            retentionRunner?.reload(retentionPolicy)
            self.timer.poke()
        }
    }
}

/// The outbox sender as a daemon part: one `StoreTimer` at the earliest pending attempt; sends
/// through SMTP with back-off. SIGHUP reloads `[smtp]`. Its loop is `StoreTimer.run()`, as the
/// scheduler's; graceful shutdown ends it after the mail being sent.
public final class OutboxComponent: DaemonComponent, Sendable {
    public let name = "outbox"
    /// The sender in use: replaced whole by a reload.
    private final class Slot: Sendable {
        let sender: Mutex<OutboxSender>
        init(_ s: OutboxSender) { sender = Mutex(s) }
        var current: OutboxSender { sender.withLock { $0 } }
    }
    private let slot: Slot
    private let store: any ReminderStore
    private let makeSender: @Sendable (LiaisonConfig) throws -> OutboxSender
    public let timer: StoreTimer
    private let lane = BlockingLane(label: "liaison.once.outbox")

    /// Where the pending rows are gauged (sent and failed mails are counted by the sender).
    public let metrics: ServiceMetrics

    /// `makeSender` builds the sender from a configuration (at start and on reload); `now` and
    /// `clock` as `StoreTimer`'s. `metrics`: the pending rows counted after every check.
    public init(store: any ReminderStore, config: LiaisonConfig, now: Now = .system, clock: any Clock<Duration> = LoopClock(),
                safetyInterval: Duration = .seconds(60), logger: Logger, metrics: ServiceMetrics = .off,
                makeSender: @escaping @Sendable (LiaisonConfig) throws -> OutboxSender) throws {
        self.store = store
        self.makeSender = makeSender
        self.metrics = metrics
        let slot = Slot(try makeSender(config))
        self.slot = slot
        timer = StoreTimer(name: "outbox", now: now, clock: clock, safetyInterval: safetyInterval, logger: logger,
                           next: {
                               metrics.outboxPending(try store.outboxCounts()[.pending] ?? 0)
                               return try slot.current.nextAttempt()
                           },
                           work: { now in try slot.current.drain(now: now) })
    }

    public func run() async throws {
        let timer = self.timer
        // Returns after the mail being sent.
        await withGracefulShutdownHandler { await timer.run() } onGracefulShutdown: { timer.stop() }
    }

    /// Sends what is due at `now` (`--once`), on a lane of its own.
    public func runOnce(now: Date) async throws {
        let (sender, store, metrics) = (slot.current, self.store, self.metrics)
        try await lane.run {
            _ = try sender.drain(now: now)
            metrics.outboxPending(try store.outboxCounts()[.pending] ?? 0)
        }
    }

    public func poke() { timer.poke() }

    public func status() -> ComponentStatus {
        let counts = (try? store.outboxCounts()) ?? [:]
        let pending = counts[.pending] ?? 0
        let failed = counts[.failed] ?? 0
        return ComponentStatus(summary: ["outbox \(pending)" + (failed > 0 ? " (\(failed) failed)" : "")],
                               fault: timer.currentError.map { "outbox: \($0)" })
    }

    public func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? {
        let next = try makeSender(config)
        return { self.slot.sender.withLock { $0 = next }; self.timer.poke() }
    }
}
