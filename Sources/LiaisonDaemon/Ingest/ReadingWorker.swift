import Dispatch
import Foundation

/// Runs a message's reading on a thread of its own and waits at most a time budget for it.
/// The thread is kept for the next reading when this one finished in time (a backlog is read
/// message after message: a new thread per message cost its creation, a fresh stack and TLS,
/// every time); it waits `linger` for one and then ends, so an idle daemon holds no reader.
/// Swift cannot stop a thread, so a reading past its budget is abandoned, not killed: it runs
/// on, its result is dropped. The damage is bounded: `run` reports how many other abandoned
/// readings are still running (the caller ends the process when that is not zero), and a
/// reading still running `grace` budgets after it was abandoned calls `onStuck` (which ends the
/// process: systemd restarts it, and the message was already held, so it is not read again).
///
/// `@unchecked Sendable`: the one mutable field, `abandoned`, is only touched under `lock`.
public final class ReadingWorker: @unchecked Sendable {
    /// How a reading ended.
    public enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        /// Past the budget and abandoned; `othersRunning` abandoned readings were still running.
        case timedOut(othersRunning: Int)
    }

    private let lock = NSLock()
    private var abandoned = 0
    /// A reader thread that finished its reading and waits for the next (at most one).
    private var idle: Reader?
    /// Readings started on a new thread (not handed to a waiting one): for tests.
    private var threadsStarted = 0
    private let onStuck: @Sendable (String) -> Void
    /// Readings may recurse a little (MIME nesting is bounded); give them the main thread's stack.
    private let stackSize: Int
    /// How long a reader thread waits for the next reading before it ends.
    private let linger: Duration

    /// `onStuck` is called (on a Dispatch thread) when an abandoned reading outlives its grace.
    public init(stackSize: Int = 8 << 20, linger: Duration = .seconds(2), onStuck: @escaping @Sendable (String) -> Void) {
        self.stackSize = stackSize
        self.linger = linger
        self.onStuck = onStuck
    }

    /// Threads started so far (a reading handed to a waiting thread starts none).
    public var threadsCreated: Int { lock.withLock { threadsStarted } }

    /// Whether a reader thread waits for the next reading.
    public var readerWaiting: Bool { lock.withLock { idle != nil } }

    /// Calls `onStuck` now (the caller found a second abandoned reading).
    public func stuck(_ reason: String) { onStuck(reason) }

    /// Abandoned readings still running.
    public var abandonedRunning: Int { lock.withLock { abandoned } }

    /// Runs `body` on a reader thread (the waiting one, else a new one); returns its value, or
    /// `.timedOut` after `budget`.
    public func run<T: Sendable>(budget: Duration, grace: Int, label: String, _ body: @escaping @Sendable () -> T) -> Outcome<T> {
        let slot = Slot<T>()
        let done = DispatchSemaphore(value: 0)
        let job: Job = { [self] reader in
            let value = body()
            let wasAbandoned = slot.finish(value)
            lock.withLock {
                // Abandoned earlier: it no longer counts against the limit.
                if wasAbandoned { abandoned -= 1 }
                // Offer the thread for the next reading before the caller hears of this one.
                reader.parked = idle == nil
                if reader.parked { idle = reader }
            }
            done.signal()
        }
        let waiting = lock.withLock { () -> Reader? in
            guard let reader = idle else {
                threadsStarted += 1
                return nil
            }
            idle = nil
            reader.job = job
            return reader
        }
        if let waiting {
            waiting.wake.signal()
        } else {
            let reader = Reader()
            let thread = Thread { [self] in serve(reader, first: job) }
            thread.stackSize = stackSize
            thread.name = "liaison.reader"
            thread.start()
        }
        if done.wait(timeout: .now() + Self.dispatch(budget)) == .success, let value = slot.value {
            return .finished(value)
        }
        // Past the budget: abandon it, unless it finished just now.
        if let value = slot.abandonUnlessFinished() { return .finished(value) }
        let others = lock.withLock { () -> Int in
            abandoned += 1
            return abandoned - 1
        }
        let limit = budget * grace
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.dispatch(limit)) { [onStuck] in
            if !slot.isFinished {
                onStuck("reading \(label) is still running \(limit) after it started")
            }
        }
        return .timedOut(othersRunning: others)
    }

    /// A reader thread's life: its first reading, then each one handed to it while it waited,
    /// until it was not kept (another thread was already waiting) or waited `linger` in vain.
    private func serve(_ reader: Reader, first: Job) {
        var job = first
        while true {
            job(reader)
            guard reader.parked else { return }
            while reader.wake.wait(timeout: .now() + Self.dispatch(linger)) == .timedOut {
                // Still nobody's: leave. Taken meanwhile: the reading's signal is on its way.
                let left = lock.withLock { () -> Bool in
                    guard idle === reader else { return false }
                    idle = nil
                    return true
                }
                if left { return }
            }
            guard let next = lock.withLock({ () -> Job? in defer { reader.job = nil }; return reader.job }) else { return }
            job = next
        }
    }

    static func dispatch(_ d: Duration) -> DispatchTimeInterval {
        let (s, atto) = d.components
        return .nanoseconds(Int(s) * 1_000_000_000 + Int(atto / 1_000_000_000))
    }
}

/// A reading as its thread runs it (the thread passed in, to be offered for the next one).
private typealias Job = @Sendable (Reader) -> Void

/// A reader thread's handle: the reading handed to it, and the signal that wakes it.
/// `@unchecked Sendable`: `job` is read and written under the worker's lock; `parked` only by the
/// reader's own thread.
private final class Reader: @unchecked Sendable {
    let wake = DispatchSemaphore(value: 0)
    var job: Job?
    var parked = false
}

/// One reading's result, handed from the reading thread to the waiting one.
/// `@unchecked Sendable`: every field is read and written under `lock`.
private final class Slot<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    private var finished = false
    private var abandoned = false

    var value: T? { lock.withLock { stored } }
    var isFinished: Bool { lock.withLock { finished } }

    /// Stores the value (drops it when nobody waits for it any more); returns whether the
    /// reading had been abandoned.
    func finish(_ value: T) -> Bool {
        lock.withLock {
            finished = true
            if !abandoned { stored = value }
            return abandoned
        }
    }

    /// Marks the reading abandoned, unless its value is already there (then returns it).
    func abandonUnlessFinished() -> T? {
        lock.withLock {
            if let stored { return stored }
            abandoned = true
            return nil
        }
    }
}
