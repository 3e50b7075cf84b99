import Foundation
import Logging
import Synchronization

/// One timer at the earliest due time that a store query names (architecture.md "One timer, many
/// reminders"): the reminders and the outbox each keep their rows in the store and this timer at
/// the first of them, so memory does not grow with the number of rows.
///
/// Two kinds of time meet here. Due times are *wall* instants in the store, compared with the
/// injected `Now`. The wait between checks is measured on a Swift `Clock` (monotonic
/// `ContinuousClock` in production, a manual clock in tests) and is never longer than
/// `safetyInterval`: after each wait the timer re-reads "now" and the store. So a step of the
/// wall clock moves no wait: a jump forward fires what became due within `safetyInterval`, a
/// jump back fires nothing early (nothing is due yet by the new "now") and nothing twice (a fired
/// row is no longer pending). The same bound catches rows added by another process (a CLI
/// command, a shared store); `poke()` ends the wait at once after something was added here.
///
/// `work(now)` and `next()` run on the timer's own `BlockingLane` (SQLite, SMTP), never on the
/// cooperative pool; an error is a fault of the daemon's usual kind (`FaultTracker`: logged once
/// when it starts and once when it clears, shown in STATUS) retried after the daemon's `Backoff`.
///
/// `run()` is the loop (it returns on `stop()` or cancellation, after the work in hand finished);
/// `step()` is one check, for tests that drive the timer themselves.
public final class StoreTimer: Sendable {
    public let name: String
    private let lane: BlockingLane
    private let next: @Sendable () throws -> Date?
    private let work: @Sendable (Date) throws -> Void
    private let now: Now
    private let clock: any Clock<Duration>
    private let safetyInterval: Duration
    private let faults: FaultTracker
    private let backoff: Backoff
    private let wakeup = Wakeup()
    /// Where the loop itself runs (off the cooperative pool).
    private let executor: LoopExecutor

    private struct State {
        var stopped = false
        /// The wall instant the timer is armed for (what STATUS shows).
        var armedFor: Date?
        /// The loop is waiting (between checks), not checking.
        var parked = false
        /// Pokes asked for, and how many of them the last check covered.
        var pokes: UInt64 = 0
        var seen: UInt64 = 0
        /// The loop started by `start()`, if any.
        var task: Task<Void, Never>?
    }
    private let state = Mutex(State())

    /// `now` gives the wall instant due times are compared with; `clock` measures the waits.
    public init(name: String, now: Now = .system, clock: any Clock<Duration> = LoopClock(),
                safetyInterval: Duration = .seconds(60), logger: Logger,
                backoff: Backoff = Backoff(initial: .seconds(2), maximum: .seconds(300)),
                next: @escaping @Sendable () throws -> Date?, work: @escaping @Sendable (Date) throws -> Void) {
        self.name = name
        self.faults = FaultTracker(component: name, logger: logger, now: now)
        self.backoff = backoff
        self.lane = BlockingLane(label: "liaison.timer.\(name)")
        self.executor = LoopExecutor(label: "liaison.timer.\(name).loop")
        self.now = now
        self.clock = clock
        self.safetyInterval = safetyInterval
        self.next = next
        self.work = work
    }

    /// The loop: a check (what fell due, also while stopped or after a restart, runs at once),
    /// then a wait until the next due time, at most `safetyInterval`, or a poke; until `stop()`
    /// or cancellation. The check in hand is finished before it returns.
    public func run() async {
        await withTaskExecutorPreference(executor) { await loop() }
    }

    private func loop() async {
        while !isStopped && !Task.isCancelled {
            state.withLock { $0.seen = $0.pokes }
            let delay = await step()
            if isStopped || Task.isCancelled { break }
            state.withLock { $0.parked = true }
            _ = await wakeup.wait(for: delay, on: clock)
            state.withLock { $0.parked = false }
        }
        state.withLock { $0.parked = false }
    }

    /// One check: runs what is due at "now", reads the next due time, and returns how long to
    /// wait on the clock (at most `safetyInterval`; the back-off after a fault).
    @discardableResult
    public func step() async -> Duration {
        let (now, next, work) = (self.now, self.next, self.work)
        do {
            let (upcoming, at) = try await lane.run { () throws -> (Date?, Date) in
                try work(now())
                let upcoming = try next()
                return (upcoming, now())
            }
            faults.succeeded()
            let seconds = max(0, (upcoming ?? .distantFuture).timeIntervalSince(at))
            let delay = seconds >= Self.seconds(safetyInterval) ? safetyInterval : .milliseconds(Int64((seconds * 1000).rounded(.up)))
            state.withLock { $0.armedFor = at + Self.seconds(delay) }
            return delay
        } catch {
            let attempts = faults.failed(.store, reason: "\(error)")
            let delay = backoff.delay(attempt: attempts)
            let at = now()
            state.withLock { $0.armedFor = at + Self.seconds(delay) }
            return delay
        }
    }

    /// Starts `run()` in a task of its own (for callers outside a `ServiceGroup`: tools, tests).
    public func start() {
        state.withLock { s in
            guard s.task == nil else { return }
            s.stopped = false
            s.task = Task(executorPreference: executor) { [self] in await run() }
        }
    }

    /// Ends the loop after the check in hand (does not wait; see `finished()`).
    public func stop() {
        state.withLock { $0.stopped = true }
        wakeup.signal()
    }

    /// Waits until a loop started by `start()` has returned.
    public func finished() async {
        let task = state.withLock { $0.task }
        await task?.value
    }

    /// Ends the current wait: re-reads the earliest due time and runs what is already due.
    public func poke() {
        state.withLock { $0.pokes += 1 }
        wakeup.signal()
    }

    /// The wall instant the timer is armed for, as of its last check (for STATUS).
    public var armedFor: Date? { state.withLock { $0.armedFor } }

    /// The loop is waiting with no poke pending: every check asked for so far has run (tests,
    /// benchmarks).
    public var isIdle: Bool { state.withLock { $0.parked && $0.seen == $0.pokes } }

    /// The instant the timer is armed for once the checks asked for so far (`start()`, pokes)
    /// have run; nil when the loop is not running (tests, benchmarks).
    public func armedForNow() async -> Date? {
        while state.withLock({ $0.task != nil && !$0.stopped }) && !isIdle {
            try? await Task.sleep(for: .milliseconds(1))
        }
        return armedFor
    }

    /// The fault in progress (for STATUS), nil while the work succeeds.
    public var currentError: String? { faults.statusText }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    static func seconds(_ d: Duration) -> TimeInterval {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
