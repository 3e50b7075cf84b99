import Foundation

/// What a deadline expression resolved to (semantics.md "The objection window" and "Action
/// items"): an instant and how it was read, or the reason it could not be read. There is no third
/// case: an expression is never guessed silently.
public enum DeadlineResolution: Sendable, Equatable, CustomStringConvertible {
    case resolved(Deadline)
    case unreadable(String)

    /// The instant, when resolved.
    public var instant: Date? {
        if case .resolved(let d) = self { return d.instant }
        return nil
    }

    /// The reading, or `unreadable: reason`.
    public var description: String {
        switch self {
        case .resolved(let d): return d.description
        case .unreadable(let reason): return "unreadable: \(reason)"
        }
    }
}

/// A resolved deadline: the instant and the rule that produced it, for explanations in a case.
public struct Deadline: Sendable, Equatable, CustomStringConvertible {
    /// When the deadline passes.
    public let instant: Date
    /// The rule and the local day that gave `instant`.
    public let reading: DeadlineReading

    /// A deadline from its parts.
    public init(instant: Date, reading: DeadlineReading) {
        self.instant = instant
        self.reading = reading
    }

    /// The reading in words, e.g. `workday end of 2026-11-17 (18:00)`.
    public var description: String { reading.description }
}

/// How an expression was read, in the organisation's wall time.
public enum DeadlineReading: Sendable, Equatable, CustomStringConvertible {
    /// A day without a clock time (今日内, 周三前, 11月20日): 23:59:59 of `day`.
    case endOfDay(LocalDate)
    /// The workday end of `day` (今天下班前, close of business, 周三下午).
    case workdayEnd(LocalDate, ClockTime)
    /// An explicit clock time on `day` (明天上午10点, 11月19日17:00).
    case clockTime(LocalDate, ClockTime)
    /// The message's Date plus elapsed time (N小时内, within N hours).
    case elapsed(seconds: Int)
    /// 23:59:59 of the `count`th working day after the message's day (N个工作日内).
    case workingDays(count: Int, day: LocalDate)
    /// 23:59:59 of the `count`th calendar day after the message's day (N天内; N周内 as 7·N days).
    case calendarDays(count: Int, day: LocalDate)

    /// In words, for the case history.
    public var description: String {
        switch self {
        case .endOfDay(let d): return "end of \(d) (23:59:59)"
        case .workdayEnd(let d, let t): return "workday end of \(d) (\(t))"
        case .clockTime(let d, let t): return "\(d) \(t)"
        case .elapsed(let s):
            return s % 3600 == 0 ? "\(s / 3600) h after the message" : "\(s / 60) min after the message"
        case .workingDays(let n, let d): return "end of working day \(n) after the message's day: \(d) (23:59:59)"
        case .calendarDays(let n, let d): return "end of day \(n) after the message's day: \(d) (23:59:59)"
        }
    }
}

/// One deadline expression found inside a longer text by `DeadlineResolver.find(in:sentAt:)`.
public struct DeadlineMatch: Sendable, Equatable {
    /// Where the expression is in the searched string.
    public let range: Range<String.Index>
    /// The expression as written.
    public let text: String
    /// What it resolved to, or why it could not be read.
    public let resolution: DeadlineResolution
    /// True when the expression itself marks a limit (前/之前/以前/内/以内/为止, 下班前, a
    /// duration with 内 or "within", or English by/before/until/no later than): stronger evidence of
    /// a deadline than a bare day such as 今天 in "根据今天电话沟通内容".
    public let isBounded: Bool
    /// True when a due label stands right before it (截止时间, 截止, 截至, 期限, 下次沟通时间, due,
    /// deadline): the item's stated deadline, preferred over a day named in its task text.
    public let isLabelled: Bool
}
