import Foundation
import Synchronization

/// Whether a loop is still making progress, on the monotonic clock (a wall-clock jump neither
/// fakes nor hides a stall). The loop calls `expect(within:)` before each step that may take a
/// while (a blocking IMAP call, a filing, a sleep of known length); the watchdog asks `isStalled`
/// and stops its pings when the promise was broken, so systemd restarts the service.
public final class ProgressMonitor: Sendable {
    private let deadline: Mutex<ContinuousClock.Instant>

    /// Starts with `initial` to make the first promise.
    public init(initial: Duration = .seconds(300)) {
        deadline = Mutex(ContinuousClock.now + initial)
    }

    /// The loop promises its next sign of life within `duration` from now.
    public func expect(within duration: Duration) {
        let next = ContinuousClock.now + duration
        deadline.withLock { $0 = next }
    }

    /// The promised time passed without a new promise.
    public func isStalled(at now: ContinuousClock.Instant = .now) -> Bool {
        deadline.withLock { now > $0 }
    }

    /// How far past the promise the loop is (zero when not stalled).
    public func overdue(at now: ContinuousClock.Instant = .now) -> Duration {
        deadline.withLock { now > $0 ? now - $0 : .zero }
    }
}
