import Dispatch
import Foundation

/// Runs a message's reading on a thread of its own and waits at most a time budget for it.
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
    private let onStuck: @Sendable (String) -> Void
    /// Readings may recurse a little (MIME nesting is bounded); give them the main thread's stack.
    private let stackSize: Int

    /// `onStuck` is called (on a Dispatch thread) when an abandoned reading outlives its grace.
    public init(stackSize: Int = 8 << 20, onStuck: @escaping @Sendable (String) -> Void) {
        self.stackSize = stackSize
        self.onStuck = onStuck
    }

    /// Calls `onStuck` now (the caller found a second abandoned reading).
    public func stuck(_ reason: String) { onStuck(reason) }

    /// Abandoned readings still running.
    public var abandonedRunning: Int { lock.withLock { abandoned } }

    /// Runs `body` on a new thread; returns its value, or `.timedOut` after `budget`.
    public func run<T: Sendable>(budget: Duration, grace: Int, label: String, _ body: @escaping @Sendable () -> T) -> Outcome<T> {
        let slot = Slot<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            let value = body()
            if slot.finish(value) {
                // Abandoned earlier: it no longer counts against the limit.
                lock.withLock { abandoned -= 1 }
            }
            done.signal()
        }
        thread.stackSize = stackSize
        thread.name = "liaison.reader"
        thread.start()
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

    static func dispatch(_ d: Duration) -> DispatchTimeInterval {
        let (s, atto) = d.components
        return .nanoseconds(Int(s) * 1_000_000_000 + Int(atto / 1_000_000_000))
    }
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
