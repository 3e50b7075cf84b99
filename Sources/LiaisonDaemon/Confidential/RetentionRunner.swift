import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import Synchronization

/// `[retention]` applied by `liaison serve` (issue 18): once per local day of the organisation,
/// at the scheduler's first check of that day (the scheduler checks at least every minute), and
/// once at start. Runs on the scheduler's lane after the reminders and the weekly check, with
/// the scheduler's "now", so a test moves it with a manual clock.
public final class RetentionRunner: Sendable {
    private struct State {
        var policy: RetentionPolicy
        var lastDay: LocalDate?
    }
    private let state: Mutex<State>
    private let store: any RetentionStore
    private let clock: WallClock
    private let logger: Logger

    public init(store: any RetentionStore, policy: RetentionPolicy, timeZone: TimeZone, logger: Logger) {
        self.store = store
        self.clock = WallClock(timeZone: timeZone)
        self.logger = logger
        state = Mutex(State(policy: policy, lastDay: nil))
    }

    /// Takes effect at the next check; a changed policy runs again the same day.
    public func reload(_ policy: RetentionPolicy) {
        state.withLock { s in
            if s.policy != policy { s.lastDay = nil }
            s.policy = policy
        }
    }

    public var policy: RetentionPolicy { state.withLock { $0.policy } }

    /// Applies the policy unless it ran on `now`'s local day already; returns the report, or
    /// nil when it did not run. A failure is thrown and retried at the next check.
    @discardableResult
    public func runIfDue(now: Date) throws -> RetentionReport? {
        let day = clock.local(now).day
        // The day is claimed before the run (a second caller the same day does nothing) and
        // given back if the run fails, so the next check tries again.
        let claimed: (policy: RetentionPolicy, previous: LocalDate?)? = state.withLock { s in
            guard !s.policy.keepsEverything, s.lastDay != day else { return nil }
            defer { s.lastDay = day }
            return (s.policy, s.lastDay)
        }
        guard let claimed else { return nil }
        let report: RetentionReport
        do {
            report = try store.applyRetention(claimed.policy, clock: clock, now: now, dryRun: false)
        } catch {
            state.withLock { s in if s.lastDay == day { s.lastDay = claimed.previous } }
            throw error
        }
        if !report.isEmpty {
            let bodies = report.cases.filter { $0.action == .bodies }, erased = report.cases.filter { $0.action == .erase }
            logger.info("retention applied", metadata: [
                "bodies_cases": "\(bodies.count)", "bodies_messages": "\(bodies.reduce(0) { $0 + $1.messages })",
                "erased_cases": "\(erased.count)", "held": "\(report.held)",
            ])
        }
        return report
    }
}

/// The scheduler's slot for a `RetentionRunner` (`SchedulerComponent.attachRetention`).
public final class RetentionHook: Sendable {
    private let runner = Mutex<RetentionRunner?>(nil)
    public init() {}
    public func attach(_ r: RetentionRunner?) { runner.withLock { $0 = r } }
    public var attached: RetentionRunner? { runner.withLock { $0 } }
    public func runIfDue(now: Date) throws { try attached?.runIfDue(now: now) }
}
