import Foundation

/// A retention period as `[retention]` writes it: a whole number of days, weeks, months or years
/// (`"24 months"`, `"5 years"`, `"90 days"`, `"2 weeks"`; Chinese `"24个月"`, `"5年"`, `"90天"`,
/// `"2周"`). Strict: one number, one unit, nothing else; at most 100 years of any unit.
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable { case days, weeks, months, years }
    public let count: Int
    public let unit: Unit

    public init?(count: Int, unit: Unit) {
        let most: Int = switch unit { case .days: 36_525; case .weeks: 5_218; case .months: 1_200; case .years: 100 }
        guard count >= 1, count <= most else { return nil }
        self.count = count
        self.unit = unit
    }

    public var description: String { "\(count) \(count == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)" }

    /// The unit words, English (singular and plural) and Chinese.
    static let words: [String: Unit] = [
        "day": .days, "days": .days, "d": .days, "天": .days, "日": .days,
        "week": .weeks, "weeks": .weeks, "w": .weeks, "周": .weeks, "星期": .weeks, "个星期": .weeks, "個星期": .weeks,
        "month": .months, "months": .months, "个月": .months, "個月": .months, "月": .months,
        "year": .years, "years": .years, "y": .years, "年": .years,
    ]

    /// Reads `"24 months"`; nil for anything else (no fractions, signs, sums or missing unit).
    public static func parse(_ text: String) -> RetentionPeriod? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count <= 32 else { return nil }
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 6, let n = Int(digits) else { return nil }
        let rest = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = words[rest] else { return nil }
        return RetentionPeriod(count: n, unit: unit)
    }

    /// The day `self` after `day` (a month later from 31 January is the last day of February).
    public func after(_ day: LocalDate) -> LocalDate {
        switch unit {
        case .days: return day.adding(days: count)
        case .weeks: return day.adding(days: 7 * count)
        case .months, .years:
            let months = unit == .months ? count : 12 * count
            let index = day.year * 12 + (day.month - 1) + months
            let (y, m) = (index / 12, index % 12 + 1)
            return LocalDate(year: y, month: m, day: min(day.day, LocalDate.daysIn(month: m, year: y)))!
        }
    }
}

/// How long resolved cases keep their mail (`[retention]`, issue 18): `bodies` — the raw bytes and
/// readable text of a resolved or closed case's messages (attachments included) — and `cases` —
/// the whole case. Both count from the day the case was resolved, in the organisation's time
/// zone; nil keeps forever. What expires goes on the local day the period after the day of
/// resolution begins, whatever the hour: never on the day before.
public struct RetentionPolicy: Sendable, Equatable {
    public var bodies: RetentionPeriod?
    public var cases: RetentionPeriod?

    public init(bodies: RetentionPeriod? = nil, cases: RetentionPeriod? = nil) {
        self.bodies = bodies
        self.cases = cases
    }

    public var keepsEverything: Bool { bodies == nil && cases == nil }

    /// The instant `period` after an event at `at` expires: the start of the local day.
    public static func expiry(of at: Date, after period: RetentionPeriod, clock: WallClock) -> Date {
        clock.instant(period.after(clock.local(at).day), ClockTime(hour: 0, minute: 0)!)
    }

    /// What happens at `now` to a case resolved at `resolvedAt` (nil: still open, kept).
    public func decide(resolvedAt: Date?, now: Date, clock: WallClock) -> RetentionDecision {
        guard let resolvedAt else { return .keep }
        if let cases, now >= Self.expiry(of: resolvedAt, after: cases, clock: clock) { return .eraseCase }
        if let bodies, now >= Self.expiry(of: resolvedAt, after: bodies, clock: clock) { return .removeBodies }
        return .keep
    }

    /// A held message no longer awaiting review (rejected, accepted, filed) loses its body `bodies`
    /// after it was held; one still pending is kept for the reviewer.
    public func heldBodyExpired(heldAt: Date, now: Date, clock: WallClock) -> Bool {
        guard let bodies else { return false }
        return now >= Self.expiry(of: heldAt, after: bodies, clock: clock)
    }
}

/// One case's fate under a `RetentionPolicy`.
public enum RetentionDecision: Sendable, Equatable {
    case keep
    /// Raw bytes and text of its messages go; the case, its metadata, recaps, items and events stay.
    case removeBodies
    /// The whole case goes.
    case eraseCase
}

extension CaseEventKind {
    /// Retention removed the bodies of a case's messages (detail: how many, under which period).
    public static let bodiesRemoved = CaseEventKind(rawValue: "bodies-removed")
    /// A person's address and name were replaced by a pseudonym (who ran it, how many messages).
    public static let personErased = CaseEventKind(rawValue: "person-erased")
}
