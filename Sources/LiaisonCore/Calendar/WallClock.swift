import Foundation

/// Converts instants to the wall time of one time zone and back. Uses only
/// `TimeZone.secondsFromGMT(for:)`, so it is right for zones with daylight saving time too:
/// a wall time that a spring-forward gap skips is moved forward by the gap (02:30 → 03:30);
/// a wall time that a fall-back overlap repeats is its first (earlier) occurrence.
public struct WallClock: Sendable {
    /// The organisation's zone (`[organization] time_zone`).
    public let timeZone: TimeZone

    /// A wall clock in `timeZone`.
    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// nil when the identifier is not an IANA zone Foundation knows.
    public init?(timeZoneIdentifier: String) {
        guard let tz = TimeZone(identifier: timeZoneIdentifier) else { return nil }
        self.timeZone = tz
    }

    /// The local day and the seconds since its midnight (wall clock) at an instant.
    public func local(_ instant: Date) -> (day: LocalDate, secondsIntoDay: Int) {
        let utc = Int(instant.timeIntervalSince1970.rounded(.down))
        let wall = utc + timeZone.secondsFromGMT(for: instant)
        let days = wall >= 0 ? wall / 86_400 : -((-wall + 86_399) / 86_400)
        return (LocalDate(daysSince1970: days), wall - days * 86_400)
    }

    /// The instant at which the wall clock shows `time` on `day` (24:00 is the next day's 00:00).
    public func instant(_ day: LocalDate, _ time: ClockTime) -> Date {
        let wall = day.daysSince1970 * 86_400 + time.secondsIntoDay
        func offset(_ utc: Int) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
        let before = offset(wall - 86_400)
        let after = offset(wall + 86_400)
        var candidates: [Int] = []
        for o in [before, after] where offset(wall - o) == o { candidates.append(wall - o) }
        if let first = candidates.min() { return Date(timeIntervalSince1970: TimeInterval(first)) }
        // In a gap: read the wall time with the offset in force before it, which lands past the gap.
        return Date(timeIntervalSince1970: TimeInterval(wall - before))
    }
}
