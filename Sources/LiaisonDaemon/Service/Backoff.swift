/// Exponential back-off with a cap, for retrying a fault: `initial`, then doubled per failed
/// attempt, never above `maximum`. Deterministic (no jitter): one daemon retries one server, so
/// there is no herd to spread, and tests can state the delays exactly.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Int

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300), multiplier: Int = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = max(1, multiplier)
    }

    /// The wait after the `attempt`-th consecutive failure (1-based): initial × multiplier^(attempt−1), capped.
    public func delay(attempt: Int) -> Duration {
        var d = initial
        var n = 1
        while n < attempt && d < maximum {
            d = d * multiplier
            n += 1
        }
        return min(d, maximum)
    }
}
