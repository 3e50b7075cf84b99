import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTransport
import Logging
import ServiceLifecycle

/// The reminder scheduler as a daemon part: one `StoreTimer` at the earliest pending reminder;
/// when it fires, the due reminders become outbox rows (`ReminderEngine.fireDue`) and the outbox
/// is poked. After a restart it re-arms from the store; what fell due meanwhile fires at once,
/// flagged late. SIGHUP reloads `[reminders]` and the templates.
public final class SchedulerComponent: DaemonComponent, @unchecked Sendable {
    public let name = "scheduler"
    public let engine: ReminderEngine
    public let timer: StoreTimer
    private let afterFiring: @Sendable () -> Void
    private let organization: Organization
    /// The weekly check (`attachWeekly`): composed outside `fireDue`'s transactions.
    public let weekly = WeeklyCheckHook()

    /// `afterFiring`: called when reminders fired (poke the outbox).
    public init(engine: ReminderEngine, organization: Organization, time: any TimeSource, logger: Logger,
                afterFiring: @escaping @Sendable () -> Void = {}) {
        self.engine = engine
        self.organization = organization
        self.afterFiring = afterFiring
        let store = engine.store
        let weekly = self.weekly
        timer = StoreTimer(name: "scheduler", time: time, logger: logger,
                           next: { try store.nextReminderTime() },
                           work: { now in try Self.work(now: now, engine: engine, weekly: weekly, afterFiring: afterFiring) })
    }

    /// The digest scheduled, due reminders fired, then the weekly check (after them: a failing
    /// check does not hold the other reminders back); the outbox poked when mail was queued.
    static func work(now: Date, engine: ReminderEngine, weekly: WeeklyCheckHook, afterFiring: @Sendable () -> Void) throws {
        try engine.ensureDigest(now: now)
        let fired = !(try engine.fireDue(now: now)).isEmpty
        let weeklyQueued: Bool
        do { weeklyQueued = try weekly.fireDue(now: now) } catch {
            if fired { afterFiring() }
            throw error
        }
        if fired || weeklyQueued { afterFiring() }
    }

    /// Runs the weekly check on this scheduler (serve).
    public func attachWeekly(_ runner: WeeklyCheckRunner) { weekly.attach(runner) }

    public func run() async throws {
        timer.start()
        defer { timer.stop() }   // waits for a firing in progress to commit
        try? await gracefulShutdown()
    }

    public func runOnce(now: Date) async throws {
        try Self.work(now: now, engine: engine, weekly: weekly, afterFiring: afterFiring)
    }

    /// Re-reads the earliest reminder (after filing added some).
    public func poke() { timer.poke() }

    public func status() -> ComponentStatus {
        let next = timer.armedForNow()
        let zone = organization.timeZone
        var summary: [String] = []
        if let next {
            let f = DateFormatter()
            f.timeZone = zone
            f.dateFormat = "MM-dd HH:mm:ss"
            summary.append("next check \(f.string(from: next))")
        }
        return ComponentStatus(summary: summary, fault: timer.currentError.map { "scheduler: \($0)" })
    }

    public func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? {
        let org = try config.organization()
        let (planner, renderer) = try ReminderAssembly.parts(config: config, organization: org)
        let caps = try config.rateCaps()
        let engine = self.engine
        let weeklyRunner = weekly.attached
        let weeklyComposer = try weeklyRunner.map { r in
            try WeeklyCheckRunner.composer(config: config, organization: org, renderXLSX: r.current.renderXLSX)
        }
        return {
            engine.reload(planner: planner, renderer: renderer); engine.noticeCaps = caps
            if let weeklyRunner, let weeklyComposer { weeklyRunner.reload(weeklyComposer) }
            self.timer.poke()
        }
    }
}

/// The outbox sender as a daemon part: one `StoreTimer` at the earliest pending attempt; sends
/// through SMTP with back-off. SIGHUP reloads `[smtp]`.
public final class OutboxComponent: DaemonComponent, @unchecked Sendable {
    public let name = "outbox"
    private let lock = NSLock()
    private var sender: OutboxSender
    private let store: any ReminderStore
    private let makeSender: @Sendable (LiaisonConfig) throws -> OutboxSender
    public private(set) var timer: StoreTimer!

    /// `makeSender` builds the sender from a configuration (at start and on reload).
    public init(store: any ReminderStore, config: LiaisonConfig, time: any TimeSource, logger: Logger,
                makeSender: @escaping @Sendable (LiaisonConfig) throws -> OutboxSender) throws {
        self.store = store
        self.makeSender = makeSender
        self.sender = try makeSender(config)
        timer = StoreTimer(name: "outbox", time: time, logger: logger,
                           next: { [unowned self] in try self.current.nextAttempt() },
                           work: { [unowned self] now in try self.current.drain(now: now) })
    }

    private var current: OutboxSender { lock.withLock { sender } }

    public func run() async throws {
        timer.start()
        defer { timer.stop() }   // waits for the mail being sent
        try? await gracefulShutdown()
    }

    public func runOnce(now: Date) async throws {
        try current.drain(now: now)
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
        return { self.lock.withLock { self.sender = next }; self.timer.poke() }
    }
}
