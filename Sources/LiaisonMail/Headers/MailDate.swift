// STUB (replaced by the date work): see the doc comments for the contract.
import Foundation

/// An instant with the UTC offset it was written in (RFC 5322 §3.3 `date-time`).
public struct MailDate: Sendable, Equatable, Hashable {
    public var date: Date
    /// The zone offset as written, in seconds east of UTC.
    public var offsetSeconds: Int
    public init(date: Date, offsetSeconds: Int) { self.date = date; self.offsetSeconds = offsetSeconds }

    /// ISO 8601 in the message's own offset, e.g. `2026-11-16T09:12:33+08:00`.
    public var iso8601: String { "" }
}

/// RFC 5322 §3.3 dates, with the obsolete zones of §4.3 and the sloppy forms real mail carries.
public enum DateParser {
    /// nil when the value cannot be read: no date is ever invented.
    public static func parse(_ value: String) -> MailDate? { nil }
}
