import Foundation

/// The one source of "now" for the domain: the wall-clock instant that filings, firings,
/// sendings and their records are judged and stamped by. Injected everywhere a component needs
/// the time (`PollerService`, `StoreTimer`, `OutboxSender`, the CLI's `--now`); nothing in the
/// daemon calls `Date()` for a domain instant.
///
/// It answers "what instant is it", which a wall-clock step (NTP, suspend, an operator) moves.
/// How long to wait is a different question, answered by a Swift `Clock` (monotonic,
/// `ContinuousClock` in production): see `StoreTimer` and `Wakeup`.
public struct Now: Sendable {
    private let read: @Sendable () -> Date

    /// A "now" that asks `read` (tests pass a settable one).
    public init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    /// The current instant.
    public func callAsFunction() -> Date { read() }

    /// The system's wall clock.
    public static let system = Now { Date() }

    /// Always `instant` (a command's `--now` that does not run on, e.g. `liaison recap`).
    public static func fixed(_ instant: Date) -> Now { Now { instant } }

    /// `liaison serve --now T`: starts at `start` and runs on with the system clock (a fixed
    /// offset from it, so a step of the system clock moves it too, as it moves `system`).
    public static func runningOn(from start: Date) -> Now {
        let offset = start.timeIntervalSinceNow
        return Now { Date().addingTimeInterval(offset) }
    }

    /// How far this "now" is ahead of the system clock, in seconds (below one second: zero).
    /// `liaison serve --now` moves our MX's arrival stamps by it.
    public func offsetFromSystem() -> TimeInterval {
        let offset = read().timeIntervalSince(Date())
        return abs(offset) < 1 ? 0 : offset
    }
}
