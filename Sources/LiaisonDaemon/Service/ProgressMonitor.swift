import Foundation

/// Whether a loop is still making progress, on the monotonic clock (a wall-clock jump neither
/// fakes nor hides a stall). The loop calls `expect(within:)` before each step that may take a
/// while (a blocking IMAP call, a filing, a sleep of known length); the watchdog asks `isStalled`
/// and stops its pings when the promise was broken, so systemd restarts the service.
public final class ProgressMonitor: @unchecked Sendable {
    private let lock = NSLock()
    private var deadline: ContinuousClock.Instant

    /// Starts with `initial` to make the first promise.
    public init(initial: Duration = .seconds(300)) {
        deadline = ContinuousClock.now + initial
    }

    /// The loop promises its next sign of life within `duration` from now.
    public func expect(within duration: Duration) {
        lock.withLock { deadline = ContinuousClock.now + duration }
    }

    /// The promised time passed without a new promise.
    public func isStalled(at now: ContinuousClock.Instant = .now) -> Bool {
        lock.withLock { now > deadline }
    }

    /// How far past the promise the loop is (zero when not stalled).
    public func overdue(at now: ContinuousClock.Instant = .now) -> Duration {
        lock.withLock { now > deadline ? now - deadline : .zero }
    }
}
