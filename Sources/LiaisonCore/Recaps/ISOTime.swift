import Foundation

/// ISO 8601 (RFC 3339 §5.6) timestamps in the organisation's zone, with that zone's offset at the
/// instant: `2026-11-17T23:59:59+08:00`.
public enum ISOTime {
    /// The instant as local time in `zone`, with its offset.
    public static func string(_ instant: Date, in zone: TimeZone) -> String {
        let (day, seconds) = WallClock(timeZone: zone).local(instant)
        let offset = zone.secondsFromGMT(for: instant)
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", day.year, day.month, day.day,
                      seconds / 3600, seconds % 3600 / 60, seconds % 60)
            + sign + String(format: "%02d:%02d", o / 3600, o % 3600 / 60)
    }
}
