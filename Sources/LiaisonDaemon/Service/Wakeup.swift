import Foundation
import Synchronization

/// A wait that ends early when signalled: the poller sleeps between passes on one of these, the
/// scheduler and outbox timers between checks, and shutdown, a configuration reload, a poke or a
/// test wakes it. A signal given while nobody waits is kept (one) for the next wait. The wait is
/// measured on a Swift `Clock` (monotonic `ContinuousClock` in production, a manual one in
/// tests): a wall-clock jump moves no wait. Nothing here blocks a thread.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    /// Ends the current wait (or the next one).
    public func signal() {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { s in
            if s.waiters.isEmpty { s.pending = true; return [] }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for c in woken { c.resume() }
    }

    /// A signal is kept for the next wait.
    public var isSignalled: Bool { state.withLock { $0.pending } }

    /// Waits `duration` on the monotonic clock (`LoopClock`) or until signalled; true when signalled.
    public func wait(for duration: Duration) async -> Bool {
        await wait(for: duration, on: LoopClock())
    }

    /// Waits `duration` on `clock` or until signalled; true when signalled. Returns at once when
    /// cancelled.
    public func wait(for duration: Duration, on clock: any Clock<Duration>) async -> Bool {
        if state.withLock({ s in defer { s.pending = false }; return s.pending }) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do { try await clock.sleep(for: duration) } catch { return false }
                return false
            }
            group.addTask { [self] in
                await waitForSignal()
                return !Task.isCancelled
            }
            var signalled = await group.next() ?? false
            group.cancelAll()
            for await r in group { signalled = signalled || r }
            return signalled
        }
    }

    private func waitForSignal() async {
        let id: UInt64 = state.withLock { s in s.nextID += 1; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { s in
                    if s.pending { s.pending = false; return true }
                    if Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s in s.waiters.removeValue(forKey: id) }
            c?.resume()
        }
    }
}
