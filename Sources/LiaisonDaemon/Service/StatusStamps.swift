import Foundation
import LiaisonCore

/// The wall-clock stamps of the STATUS line (`polled 12:00:05`, `next check 11-24 09:00:00`),
/// read on every watchdog tick: arithmetic on `WallClock.local`, never a `DateFormatter`, which
/// would load ICU's locale and calendar data into the idle daemon (docs/benchmarks.md).
extension WallClock {
    /// `HH:MM:SS` on the wall clock at an instant (seconds rounded down).
    public func timeOfDay(_ instant: Date) -> String {
        let s = local(instant).secondsIntoDay
        return "\(Self.two(s / 3600)):\(Self.two(s / 60 % 60)):\(Self.two(s % 60))"
    }

    /// `MM-DD HH:MM:SS` on the wall clock at an instant.
    public func monthDayTime(_ instant: Date) -> String {
        let day = local(instant).day
        return "\(Self.two(day.month))-\(Self.two(day.day)) \(timeOfDay(instant))"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
