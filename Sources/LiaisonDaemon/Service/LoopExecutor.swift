import Dispatch
import ServiceLifecycle
import Synchronization

/// Where the daemon's async loops run: a serial Dispatch queue of their own, as a Swift task
/// executor (`withTaskExecutorPreference`), not Swift's cooperative pool. The pool has as many
/// threads as cores; anything else in the process that holds them (a long computation, a test
/// suite running beside the daemon's in one parallel run) would otherwise delay the poller's
/// next pass, a due reminder or the watchdog ping. The loops' jobs are short (every blocking call
/// runs on a `BlockingLane`), so one serial queue per loop is plenty. Child tasks (the waits in
/// `Wakeup`) inherit the preference; a resumed continuation or an ended sleep comes back here.
public final class LoopExecutor: TaskExecutor {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The daemon's clock for waits: `ContinuousClock`'s time (monotonic, so a wall-clock jump moves
/// no wait), with each sleep timed by Dispatch on a queue of its own that then resumes the
/// sleeping task, on its `LoopExecutor`. `Task.sleep` on `ContinuousClock` would fire through
/// the cooperative pool, and a loop must not wait for that pool to be free to learn that its
/// wait is over.
public struct LoopClock: Clock {
    public typealias Duration = Swift.Duration
    public typealias Instant = ContinuousClock.Instant

    public init() {}

    public var now: Instant { ContinuousClock.now }
    public var minimumResolution: Duration { ContinuousClock().minimumResolution }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await Self.wait(until: deadline, Sleeper())
    }

    /// Sleeps `duration`, or less: returns at once when graceful shutdown begins (or has begun);
    /// throws `CancellationError` when the task is cancelled. For a loop that must notice shutdown
    /// between its steps. ServiceLifecycle's `cancelWhenGracefulShutdown` would do the same, but
    /// every time the sleep ends before shutdown it ends its other child through an unstructured
    /// `Task` (CancellationWaiter), which runs on the cooperative pool and so waits for a free
    /// thread of it: with the pool held by long computations the loop stood still (the
    /// supervisor's watchdog pings stopped for a minute in DaemonNotifyTests). Here the timer,
    /// cancellation and the shutdown handler each resume the sleep directly.
    public func sleepUnlessShuttingDown(for duration: Duration) async throws {
        let sleeper = Sleeper()
        try await withGracefulShutdownHandler {
            try await Self.wait(until: now.advanced(by: duration), sleeper)
        } onGracefulShutdown: {
            sleeper.resume(nil)
        }
    }

    /// Returns when graceful shutdown begins (or at once when it has begun); throws
    /// `CancellationError` when the task is cancelled first. ServiceLifecycle's
    /// `gracefulShutdown()` waits through the same `CancellationWaiter` as
    /// `cancelWhenGracefulShutdown` (see above): its shutdown handler resumes it from an
    /// unstructured `Task` on the cooperative pool, so with the pool held by long computations
    /// shutdown did not reach the waiter for a minute (the daemon's STOPPING=1 in
    /// DaemonNotifyTests, 3 Dec 2026). Here the handler resumes the wait directly.
    public func waitForGracefulShutdown() async throws {
        while !Task.isShuttingDownGracefully {
            try await sleepUnlessShuttingDown(for: .seconds(3600))
        }
    }

    /// Waits for `deadline` on the timer queue; cancellation ends the wait with `CancellationError`,
    /// and whoever else holds `sleeper` may end it first.
    private static func wait(until deadline: Instant, _ sleeper: Sleeper) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                guard sleeper.install(c) else { return }
                timers.asyncAfter(deadline: .now() + dispatchDelay(until: deadline)) { sleeper.resume(nil) }
            }
        } onCancel: {
            sleeper.resume(CancellationError())
        }
    }

    private static func dispatchDelay(until deadline: Instant) -> DispatchTimeInterval {
        let left = ContinuousClock.now.duration(to: deadline).components
        let nanoseconds = left.seconds < 0 ? 0 : min(Int64(left.seconds), 1 << 32) * 1_000_000_000 + left.attoseconds / 1_000_000_000
        return .nanoseconds(Int(max(0, nanoseconds)))
    }

    private static let timers = DispatchQueue(label: "liaison.clock.timers")

    /// One sleep's continuation, resumed once: by its timer or by cancellation.
    private final class Sleeper: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, any Error>?
            var outcome: (any Error)??
        }
        private let state = Mutex(State())

        /// Keeps the continuation; false when the sleep already ended (cancelled first).
        func install(_ c: CheckedContinuation<Void, any Error>) -> Bool {
            let ended: (any Error)?? = state.withLock { s in
                if let outcome = s.outcome { return .some(outcome) }
                s.continuation = c
                return nil
            }
            guard let ended else { return true }
            if let error = ended { c.resume(throwing: error) } else { c.resume() }
            return false
        }

        /// Ends the sleep: nil when its time came, else the error to throw.
        func resume(_ error: (any Error)?) {
            let c: CheckedContinuation<Void, any Error>? = state.withLock { s in
                guard s.outcome == nil else { return nil }
                s.outcome = .some(error)
                defer { s.continuation = nil }
                return s.continuation
            }
            if let error { c?.resume(throwing: error) } else { c?.resume() }
        }
    }
}
