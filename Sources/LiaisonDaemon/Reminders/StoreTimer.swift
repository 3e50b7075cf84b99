import Dispatch
import Foundation
import Logging

/// One Dispatch timer armed for the earliest due time that a store query names
/// (architecture.md "One timer, many reminders"): the reminders and the outbox each keep their
/// rows in the store and this timer at the first of them, so memory does not grow with the
/// number of rows. `poke()` re-arms after something was added; the timer also wakes every
/// `safetyInterval` so that rows added by another process (a shared PostgreSQL store, a CLI
/// command) or a clock jump are never missed by more than that.
///
/// `work(now)` runs on the timer's serial queue and does what is due at `now`; an error is a
/// fault of the daemon's usual kind (`FaultTracker`: logged once when it starts and once when it
/// clears, shown in STATUS) retried after the daemon's `Backoff`.
public final class StoreTimer: @unchecked Sendable {
    public let name: String
    private let queue: DispatchQueue
    private let next: @Sendable () throws -> Date?
    private let work: @Sendable (Date) throws -> Void
    private let time: any TimeSource
    private let safetyInterval: TimeInterval
    private var timer: DispatchSourceTimer?
    private let faults: FaultTracker
    private let backoff: Backoff
    private var stopped = true
    /// The instant the timer is armed for (read through `armedForNow()`).
    private var armedFor: Date?

    public init(name: String, time: any TimeSource, safetyInterval: TimeInterval = 60, logger: Logger,
                backoff: Backoff = Backoff(initial: .seconds(2), maximum: .seconds(300)),
                next: @escaping @Sendable () throws -> Date?, work: @escaping @Sendable (Date) throws -> Void) {
        self.name = name
        self.faults = FaultTracker(component: name, logger: logger)
        self.backoff = backoff
        self.queue = DispatchQueue(label: "liaison.timer.\(name)")
        self.time = time
        self.safetyInterval = safetyInterval
        self.next = next
        self.work = work
    }

    /// Arms the timer from the store (also after a restart: what fell due while stopped runs now).
    public func start() {
        queue.sync { stopped = false }
        poke()
    }

    /// Re-reads the earliest due time and re-arms; runs what is already due.
    public func poke() {
        queue.async { [self] in
            guard !stopped else { return }
            tick()
        }
    }

    /// Cancels the timer; waits for a run in progress to finish.
    public func stop() {
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
            armedFor = nil
        }
    }

    /// The instant the timer is armed for, after pending pokes have run (for STATUS and tests).
    public func armedForNow() -> Date? { queue.sync { armedFor } }

    /// The fault in progress (for STATUS), nil while the work succeeds.
    public var currentError: String? { faults.statusText }

    /// Runs what is due, then arms for the next due time (or the safety interval).
    private func tick() {
        var delay: TimeInterval
        do {
            try work(time.now())
            let upcoming = try next()
            faults.succeeded()
            let now = time.now()
            delay = min(safetyInterval, max(0, (upcoming ?? .distantFuture).timeIntervalSince(now)))
            armedFor = now + delay
        } catch {
            let attempts = faults.failed(.store, reason: "\(error)")
            let wait = backoff.delay(attempt: attempts).components
            delay = Double(wait.seconds) + Double(wait.attoseconds) / 1e18
            armedFor = time.now() + delay
        }
        arm(after: delay)
    }

    private func arm(after delay: TimeInterval) {
        timer?.cancel()
        let t = DispatchSource.makeTimerSource(queue: queue)
        // Wall-clock deadline: a clock step (NTP, suspend) moves the firing with it.
        t.schedule(wallDeadline: .now() + max(0, delay), leeway: .milliseconds(20))
        t.setEventHandler { [weak self] in
            guard let self, !self.stopped else { return }
            self.tick()
        }
        timer = t
        t.resume()
    }
}
