import Foundation

/// When a transiently failed mail is tried again: exponential back-off with jitter, capped, and a
/// maximum age after which the failure is treated as permanent (the SMTP server down for an hour
/// loses nothing; one down for days is reported to the case owner instead of retried forever).
public struct RetryPolicy: Sendable, Equatable {
    /// The first wait.
    public var initial: TimeInterval
    /// The longest wait between two attempts.
    public var cap: TimeInterval
    /// ± this fraction of each wait is random, so that many rows do not retry in lockstep.
    public var jitter: Double
    /// A mail still failing this long after it was queued fails permanently.
    public var maxAge: TimeInterval

    public init(initial: TimeInterval = 30, cap: TimeInterval = 900, jitter: Double = 0.2, maxAge: TimeInterval = 3 * 86_400) {
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
        self.maxAge = maxAge
    }

    /// The wait after the `attempts`-th failed attempt (1 = the first failure), before jitter.
    public func baseDelay(afterAttempts attempts: Int) -> TimeInterval {
        min(cap, initial * pow(2, Double(max(0, min(attempts - 1, 30)))))
    }

    /// When to try again after `attempts` failures, or nil when the mail has been failing for
    /// longer than `maxAge` (then it fails permanently). `unit` is a random number in [0, 1).
    public func retryAt(now: Date, createdAt: Date, attempts: Int, unit: Double) -> Date? {
        if now.timeIntervalSince(createdAt) >= maxAge { return nil }
        let base = baseDelay(afterAttempts: attempts)
        let spread = base * jitter * (2 * unit - 1)
        return now + max(1, base + spread)
    }
}
