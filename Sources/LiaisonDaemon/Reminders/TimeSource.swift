import Foundation

/// Where the daemon asks the time: the system clock in production, a fixed or stepped clock in
/// tests and for `--now` ("what would happen at…"). Named apart from Swift's `Clock`, which
/// measures durations; this answers "what instant is it".
public protocol TimeSource: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that says what it is told: for tests and `--now`.
public final class ManualTime: TimeSource, @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { lock.withLock { instant } }
    public func set(_ instant: Date) { lock.withLock { self.instant = instant } }
    public func advance(by seconds: TimeInterval) { lock.withLock { instant += seconds } }
}

/// A `TimeSource` over a closure (`liaison serve --now` gives a clock that starts at an instant and runs on).
public struct ClosureTime: TimeSource {
    private let clock: @Sendable () -> Date
    public init(_ clock: @escaping @Sendable () -> Date) { self.clock = clock }
    public func now() -> Date { clock() }
}
