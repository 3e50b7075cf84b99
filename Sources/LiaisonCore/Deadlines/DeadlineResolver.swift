import Foundation

/// Resolves the deadline expressions of recaps (semantics.md "The objection window" and "Action
/// items") against a message's `Date`, in the organisation's time zone, with its workday end and
/// working-day calendar. Pure: no clock, no files; the message's Date is the only "now".
///
/// Rules (simplified Chinese, traditional Chinese and English; ASCII or full-width digits,
/// colons and brackets alike):
/// - 今日内, 今天内, 当日内, today, by end of today → 23:59:59 of the message's day.
/// - 今天下班前, 下班前, by close of business, COB, EOD, end of day → `workdayEnd` of that day.
/// - N小时内, 半小时内, N个半小时内, within N hours → Date + N hours (elapsed time); N分钟内 alike.
/// - N个工作日内, within N working/business days → 23:59:59 of the Nth working day after the
///   message's day (`WorkCalendar.nthWorkingDay`).
/// - N天内, N日内, within N days → 23:59:59 of the Nth *calendar* day after the message's day
///   (counted like working days, so 1天内 is tomorrow's end, not 24 h); N周内 is 7·N days.
/// - 明天/明日 +1 day, 后天 +2, 大后天 +3; 今晚/明晚, 明早 imply 晚上/上午.
/// - A weekday (周三, 星期三, 週三, 礼拜三, Wednesday, Wed) is the next such day on or after the
///   message's day (the same day counts); 本周/这周/this the one in the message's week (Monday
///   first); 下周/下个星期/next the one in the following week. 周末 and 本周内 are the week's Sunday.
///   下下周 and further, and 上周, are unreadable.
/// - Dates: 2026-11-20, 2026/11/20, 2026年11月20日, 11月19日, 11月19号, 十一月十九日, 11/20
///   (month first), Nov 20, 20 November 2026. Without a year: the year that puts it nearest the
///   message's day (1月3日 written on 12月28日 is next January). An impossible date is unreadable.
///   A weekday written beside a date (11月25日(周三), 周三(11月25日), Fri 20 Nov) must agree with
///   it. 月底/本月底 → the month's last day, 下月底 the next month's, 11月底 November's (nearest
///   year), end of the month alike.
/// - Clock: 17:00, 17:00:00, 5pm, 5:30 PM, noon, N点[半|一刻|三刻|M分], N时[M分]; 上午/早上 keep
///   0–12, 中午 12 (1–2 → 13–14), 下午 1–11 → 13–23, 晚上/傍晚 5–11 → 17–23 and 12 → 24:00,
///   凌晨 0–5. A period alone: 上午/中午 → 12:00, 下午 → `workdayEnd` (周三下午 is "by Wednesday
///   afternoon's close"), 晚上 → 23:59:59. A clock time without a day is on the message's day,
///   even when it has passed (moving it would be a guess). An hour 1–6 with no period or am/pm
///   (3点, 5:00) is unreadable: 03:00 is no deadline anyone means and 15:00 would be a guess.
/// - A routine (每周一9点, 每天, every Monday) is not a deadline: unreadable.
/// - A day without a clock time is due at 23:59:59; 前/之前/以前/内/为止 after a day do not move it.
/// Anything else, or a recognised phrase that names no real day or time (13月5日, 2月30日, 25:00,
/// 上午15点), is `.unreadable(reason)`: never a silent guess.
public struct DeadlineResolver: Sendable {
    /// The organisation's time zone.
    public let wallClock: WallClock
    /// The organisation's `workday_end`.
    public let workdayEnd: ClockTime
    /// Working days for N个工作日内.
    public let calendar: WorkCalendar

    /// A resolver for one organisation's zone, workday end and calendar.
    public init(timeZone: TimeZone, workdayEnd: ClockTime, calendar: WorkCalendar = .mainlandChina) {
        self.wallClock = WallClock(timeZone: timeZone)
        self.workdayEnd = workdayEnd
        self.calendar = calendar
    }

    /// From the organisation's zone and `workdayEnd` (resolved when the configuration loaded).
    public init(organization: Organization, calendar: WorkCalendar = .mainlandChina) {
        self.init(timeZone: organization.timeZone, workdayEnd: organization.workdayEnd, calendar: calendar)
    }

    /// Resolves one expression (an objection-window phrase, a 截止时间/due value, a task text).
    /// When it holds several expressions, those that mark a limit (前, 内, by …) are preferred; if
    /// they disagree, or one of them is unreadable, the whole is unreadable.
    public func resolve(_ expression: String, sentAt: Date) -> DeadlineResolution {
        let matches = find(in: expression, sentAt: sentAt)
        guard !matches.isEmpty else { return .unreadable("no date, weekday, time or limit found") }
        let labelled = matches.filter(\.isLabelled)
        let bounded = matches.filter(\.isBounded)
        let considered = !labelled.isEmpty ? labelled : !bounded.isEmpty ? bounded : matches
        for m in considered {
            if case .unreadable = m.resolution { return m.resolution }
        }
        let instants = Set(considered.compactMap(\.resolution.instant))
        guard instants.count == 1 else {
            return .unreadable("\(instants.count) different deadlines in one expression")
        }
        return considered[0].resolution
    }

    /// Resolves how long something lasts from the message (a mute: `#静默 3天`, `#mute 2 weeks`):
    /// a bare duration (3天, 两周, 48小时, 3 days, for a week; no 内/within needed) counted as the
    /// deadline rules count it (N天 → 23:59:59 of the Nth calendar day after the message's day,
    /// N小时 → the Date plus N hours), or else any deadline expression (至12月10日, until Friday)
    /// read by `resolve`.
    public func resolveSpan(_ expression: String, sentAt: Date) -> DeadlineResolution {
        let t = DeadlineText(expression)
        var i = t.skipSpaces(0)
        if let (_, e) = t.englishWords(["for"], at: i) ?? t.longest(["直到", "至", "到"], at: i) { i = t.skipSpaces(e) }
        if let d = t.duration(at: i, bare: true) {
            var end = t.skipSpaces(d.end)
            while let c = t[end], ".。!！".contains(c) { end = t.skipSpaces(end + 1) }
            if end == t.count {
                switch d.spec {
                case .success(let spec): return resolveMeaning(.duration(spec), sentAt: sentAt)
                case .failure(let e): return .unreadable(e.reason)
                }
            }
        }
        return resolve(expression, sentAt: sentAt)
    }

    /// Every deadline expression in `text`, left to right, each with its range and resolution
    /// (an expression recognised but impossible, such as 2月30日, comes back `.unreadable`).
    public func find(in text: String, sentAt: Date) -> [DeadlineMatch] {
        let t = DeadlineText(text)
        var matches: [DeadlineMatch] = []
        var i = 0
        while i < t.count {
            let startsWord = !(t.isLetter(i) && t.isLetter(i - 1)) && !(t.isDigit(i) && t.isDigit(i - 1))
            if startsWord, let phrase = parsePhrase(t, at: i) {
                let range = t.indices[i]..<t.indices[phrase.end]
                let resolution: DeadlineResolution
                switch phrase.meaning {
                case .success(let meaning): resolution = resolveMeaning(meaning, sentAt: sentAt)
                case .failure(let error): resolution = .unreadable(error.reason)
                }
                let before = limitWordBefore(t, i)
                matches.append(DeadlineMatch(range: range, text: String(text[range]), resolution: resolution,
                                             isBounded: phrase.bounded || before != .none,
                                             isLabelled: before == .label))
                i = max(phrase.end, i + 1)
            } else {
                i += 1
            }
        }
        return matches
    }

    // MARK: - Reading

    enum Meaning: Equatable {
        case duration(DurationSpec)
        /// A day (nil: the message's day) and a clock part (nil: 23:59:59); `weekdayCheck` is a
        /// weekday written beside a date, which must agree with it.
        case dayAndTime(DaySpec?, ClockSpec?, weekdayCheck: Int?)
    }

    struct Phrase {
        var meaning: Result<Meaning, PhraseError>
        var end: Int
        var bounded: Bool
    }

    private func parsePhrase(_ t: DeadlineText, at i: Int) -> Phrase? {
        if let d = t.duration(at: i) {
            return Phrase(meaning: d.spec.map { .duration($0) }, end: d.end, bounded: true)
        }
        // "end of today", "by the end of Friday": 23:59:59 of the day ("end of day" is EOD, below).
        if t.workdayEndWords(at: i) == nil, let (_, e) = t.englishWords(["end of", "the end of"], at: i),
           let day = t.dayPart(at: t.skipSpaces(e)) {
            return Phrase(meaning: day.spec.map { .dayAndTime($0, .endOfDay, weekdayCheck: nil) }, end: day.end, bounded: true)
        }
        if let recurring = recurring(t, at: i) {
            return Phrase(meaning: .failure(PhraseError(reason: "a recurring time is not a deadline")), end: recurring, bounded: false)
        }
        if var day = t.dayPart(at: i) {
            var end = day.end
            var check: Int?
            if case .success(.date) = day.spec, let (n, e) = weekdayBeside(t, at: end) {
                check = n
                end = e
            } else if case .success(.weekday(let n, _)) = day.spec, let (date, e) = dateBeside(t, at: end) {
                // 周三(11月25日), Friday, November 20: the date decides, the weekday must agree.
                check = n
                day = date
                end = e
            }
            var clock: ClockRead?
            if let c = t.clockPart(at: separated(t, end), period: day.period) {
                clock = c
                end = c.end
            }
            let (suffixEnd, bounded) = suffix(t, end)
            let hasLimit = bounded || clock.map { isWorkdayEnd($0) } == true
            let meaning: Result<Meaning, PhraseError>
            switch (day.spec, clock?.spec) {
            case (.failure(let e), _), (_, .failure(let e)?): meaning = .failure(e)
            case (.success(let d), .success(let c)?): meaning = .success(.dayAndTime(d, c, weekdayCheck: check))
            case (.success(let d), nil): meaning = .success(.dayAndTime(d, day.period?.alone, weekdayCheck: check))
            }
            return Phrase(meaning: meaning, end: suffixEnd, bounded: hasLimit)
        }
        if let clock = t.clockPart(at: i) {
            var end = clock.end
            var daySpec: Result<DaySpec, PhraseError>?
            let k = separated(t, end, allowOn: true)
            if k > end || t.isLetter(k), let day = t.dayPart(at: k) {
                daySpec = day.spec
                end = day.end
            }
            let (suffixEnd, bounded) = suffix(t, end)
            let meaning: Result<Meaning, PhraseError>
            switch (clock.spec, daySpec) {
            case (.failure(let e), _), (_, .failure(let e)?): meaning = .failure(e)
            case (.success(let c), .success(let d)?): meaning = .success(.dayAndTime(d, c, weekdayCheck: nil))
            case (.success(let c), nil): meaning = .success(.dayAndTime(nil, c, weekdayCheck: nil))
            }
            return Phrase(meaning: meaning, end: suffixEnd, bounded: bounded || isWorkdayEnd(clock))
        }
        return nil
    }

    private func isWorkdayEnd(_ c: ClockRead) -> Bool {
        if case .success(.workdayEnd) = c.spec { return true }
        return false
    }

    /// A weekday written right after a date: `11月25日(周三)`, `11月25日 星期三`, `Nov 25 (Wed)`.
    private func weekdayBeside(_ t: DeadlineText, at i: Int) -> (Int, Int)? {
        var j = t.skipSpaces(i)
        let open = t[j] == "("
        if open { j = t.skipSpaces(j + 1) }
        guard let w = t.weekday(at: j), case .success(.weekday(let n, .onOrAfter)) = w.spec else { return nil }
        var end = w.end
        if open {
            let k = t.skipSpaces(end)
            guard t[k] == ")" else { return nil }
            end = k + 1
        }
        return (n, end)
    }

    /// A date written right after a weekday: `周三(11月25日)`, `Fri 20 Nov`, `Friday, November 20`.
    private func dateBeside(_ t: DeadlineText, at i: Int) -> (DayRead, Int)? {
        var j = t.skipSpaces(i)
        if t[j] == "," { j = t.skipSpaces(j + 1) }
        let open = t[j] == "("
        if open { j = t.skipSpaces(j + 1) }
        guard let d = t.dayPart(at: j) else { return nil }
        switch d.spec {
        case .success(.date), .failure: break
        default: return nil
        }
        var end = d.end
        if open {
            let k = t.skipSpaces(end)
            guard t[k] == ")" else { return nil }
            end = k + 1
        }
        return (d, end)
    }

    /// 每周三, 每天, 每日, 每个工作日, every Monday: a routine, not a deadline. Returns where it
    /// (with a following clock time) ends.
    private func recurring(_ t: DeadlineText, at i: Int) -> Int? {
        var end: Int?
        if let e = t.literal("每", at: i) {
            if let (_, e2) = t.longest(["天", "日", "晚", "个工作日", "工作日"], at: e) {
                end = e2
            } else if let (_, e2) = t.longest(["周", "星期", "礼拜", "个星期", "个礼拜"], at: e),
                      let c = t[e2], DeadlineText.chineseWeekdays[c] != nil {
                end = e2 + 1
            }
        } else if let (_, e) = t.englishWords(["every", "each"], at: i), let w = t.weekday(at: t.skipSpaces(e)) {
            end = w.end
        } else if let (_, e) = t.englishWords(["every day", "daily", "each day"], at: i) {
            end = e
        }
        guard var e = end else { return nil }
        if let c = t.clockPart(at: separated(t, e)) { e = c.end }
        return e
    }

    /// Skips what may stand between a day and its time: spaces, 的, a comma, "at", "@" ("on" too
    /// between a time and its day).
    private func separated(_ t: DeadlineText, _ i: Int, allowOn: Bool = false) -> Int {
        var j = t.skipSpaces(i)
        if t[j] == "的" || t[j] == "," || t[j] == "@" {
            j = t.skipSpaces(j + 1)
        }
        let words = allowOn ? ["at", "on"] : ["at"]
        if let (_, e) = t.englishWords(words, at: j) { j = t.skipSpaces(e) }
        return j
    }

    /// 前, 之前, 以前, 内, 之内, 以内, 为止, 止 after an expression.
    private func suffix(_ t: DeadlineText, _ i: Int) -> (Int, Bool) {
        if let (_, e) = t.longest(["前", "之前", "以前", "内", "之内", "以内", "为止", "止"], at: i) { return (e, true) }
        return (i, false)
    }

    private enum LimitWord { case none, limit, label }

    /// What stands just before `i` (past spaces, colons, commas): a due label (截止时间, 截止,
    /// 截至, 期限, 下次沟通时间, due, deadline) or a limit word (by, before, until, 于, 最晚 …).
    private func limitWordBefore(_ t: DeadlineText, _ i: Int) -> LimitWord {
        var j = i - 1
        while let c = t[j], c == " " || c == ":" || c == "," { j -= 1 }
        func endsWith(_ w: String) -> Bool {
            let start = j - w.count + 1
            return start >= 0 && t.literal(w, at: start) == j + 1 && !(w.first!.isASCII && t.isLetter(start - 1))
        }
        let labels = ["截止时间", "截止日期", "截止", "截至", "期限", "完成时间", "下次沟通时间", "due", "due date", "deadline"]
        if labels.contains(where: endsWith) { return .label }
        let limits = ["by", "before", "until", "till", "no later than", "于", "请在", "最晚", "最迟"]
        return limits.contains(where: endsWith) ? .limit : .none
    }

    // MARK: - Placing on the calendar

    private func resolveMeaning(_ meaning: Meaning, sentAt: Date) -> DeadlineResolution {
        let today = wallClock.local(sentAt).day
        switch meaning {
        case .duration(.seconds(let s)):
            return .resolved(Deadline(instant: sentAt.addingTimeInterval(TimeInterval(s)), reading: .elapsed(seconds: s)))
        case .duration(.workingDays(let n)):
            let day = calendar.nthWorkingDay(after: today, n: n)
            return .resolved(Deadline(instant: wallClock.instant(day, .endOfDay), reading: .workingDays(count: n, day: day)))
        case .duration(.calendarDays(let n)):
            let day = today.adding(days: n)
            return .resolved(Deadline(instant: wallClock.instant(day, .endOfDay), reading: .calendarDays(count: n, day: day)))
        case .dayAndTime(let spec, let clock, let check):
            let day: LocalDate
            switch place(spec, today: today) {
            case .success(let d): day = d
            case .failure(let e): return .unreadable(e.reason)
            }
            if let check, check != day.weekday {
                return .unreadable("\(day) is weekday \(day.weekday), not the weekday \(check) written beside it")
            }
            switch clock {
            case nil, .endOfDay?:
                return .resolved(Deadline(instant: wallClock.instant(day, .endOfDay), reading: .endOfDay(day)))
            case .workdayEnd?:
                return .resolved(Deadline(instant: wallClock.instant(day, workdayEnd), reading: .workdayEnd(day, workdayEnd)))
            case .time(let time)?:
                return .resolved(Deadline(instant: wallClock.instant(day, time), reading: .clockTime(day, time)))
            }
        }
    }

    private func place(_ spec: DaySpec?, today: LocalDate) -> Result<LocalDate, PhraseError> {
        switch spec {
        case nil: return .success(today)
        case .relative(let n)?: return .success(today.adding(days: n))
        case .weekday(let w, .onOrAfter)?: return .success(today.adding(days: (w - today.weekday + 7) % 7))
        case .weekday(let w, .thisWeek)?: return .success(today.mondayOfWeek.adding(days: w - 1))
        case .weekday(let w, .nextWeek)?: return .success(today.mondayOfWeek.adding(days: 7 + w - 1))
        case .date(let year?, let month, let day)?:
            guard let d = LocalDate(year: year, month: month, day: day) else {
                return .failure(PhraseError(reason: "\(year) has no \(month)/\(day)"))
            }
            return .success(d)
        case .monthEnd(nil, let offset)?:
            let months = today.year * 12 + (today.month - 1) + offset
            let (y, m) = (months / 12, months % 12 + 1)
            guard let last = LocalDate(year: y, month: m, day: LocalDate.daysIn(month: m, year: y)) else {
                return .failure(PhraseError(reason: "the month is out of the calendar's range"))
            }
            return .success(last)
        case .monthEnd(let month?, _)?:
            let candidates = (today.year - 1...today.year + 1).compactMap {
                LocalDate(year: $0, month: month, day: LocalDate.daysIn(month: month, year: $0))
            }
            guard let best = candidates.min(by: { abs(today.days(to: $0)) < abs(today.days(to: $1)) }) else {
                return .failure(PhraseError(reason: "the month is out of the calendar's range"))
            }
            return .success(best)
        case .date(nil, let month, let day)?:
            let candidates = (today.year - 1...today.year + 1).compactMap { LocalDate(year: $0, month: month, day: day) }
            // Nearest to the message's day; on a tie, the later one.
            guard let best = candidates.min(by: { a, b in
                let da = abs(today.days(to: a)), db = abs(today.days(to: b))
                return da != db ? da < db : a > b
            }) else {
                return .failure(PhraseError(reason: "no year near the message has \(month)/\(day)"))
            }
            return .success(best)
        }
    }
}
