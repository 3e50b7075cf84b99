import Foundation

/// A wait that ends early when signalled: the poller sleeps between passes on one of these, and
/// shutdown, a configuration reload or a test wakes it. A signal given while nobody waits is
/// kept (one) for the next wait. Thread-safe.
public final class Wakeup: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextID: UInt64 = 0

    public init() {}

    /// Ends the current wait (or the next one).
    public func signal() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            if waiters.isEmpty { pending = true; return [] }
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for c in woken { c.resume() }
    }

    /// Waits `duration` or until signalled; true when signalled. Returns at once when cancelled.
    public func wait(for duration: Duration) async -> Bool {
        if lock.withLock({ defer { pending = false }; return pending }) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do { try await Task.sleep(for: duration) } catch { return false }
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
        let id: UInt64 = lock.withLock { nextID += 1; return nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if pending { pending = false; return true }
                    if Task.isCancelled { return true }
                    waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = lock.withLock { waiters.removeValue(forKey: id) }
            c?.resume()
        }
    }
}
