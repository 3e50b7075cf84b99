/// A limit counted from the message: N小时内, N个工作日内, N天内, within N hours.
enum DurationSpec: Equatable {
    /// Elapsed time after the message's Date (hours, minutes).
    case seconds(Int)
    /// 23:59:59 of the Nth working day after the message's day.
    case workingDays(Int)
    /// 23:59:59 of the Nth calendar day after the message's day (N天内, N日内; N周内 = 7·N days).
    case calendarDays(Int)
}

struct DurationRead {
    var spec: Result<DurationSpec, PhraseError>
    var end: Int
}

private enum DurationUnit {
    case hour, minute, workingDay, day, week
}

extension DeadlineText {
    private static let chineseUnits: [(String, DurationUnit)] = [
        ("小时", .hour), ("钟头", .hour), ("h", .hour), ("分钟", .minute), ("工作日", .workingDay),
        ("工作天", .workingDay), ("天", .day), ("日", .day), ("周", .week), ("星期", .week), ("礼拜", .week),
    ]
    private static let englishUnits: [(String, DurationUnit)] = [
        ("hours", .hour), ("hour", .hour), ("hrs", .hour), ("hr", .hour), ("h", .hour),
        ("minutes", .minute), ("minute", .minute), ("mins", .minute), ("min", .minute),
        ("working days", .workingDay), ("working day", .workingDay), ("business days", .workingDay),
        ("business day", .workingDay), ("workdays", .workingDay), ("workday", .workingDay),
        ("days", .day), ("day", .day), ("calendar days", .day), ("weeks", .week), ("week", .week),
    ]

    /// Reads a duration limit at `i`: `(N|半)[个][半](小时|分钟|工作日|天|周…)(内|之内|以内)`, or
    /// `(within|in) [the next] N (hours|working days|business days|days|weeks…)`, `within half an hour`.
    /// Chinese needs 内/之内/以内: a bare "3天" or "3天后" is not a limit. With `bare` (a span,
    /// `DeadlineResolver.resolveSpan`), neither 内 nor "within" is needed: 3天, 3 days.
    func duration(at i: Int, bare: Bool = false) -> DurationRead? {
        chineseDuration(at: i, bare: bare) ?? englishDuration(at: i, bare: bare)
    }

    private func chineseDuration(at i: Int, bare: Bool) -> DurationRead? {
        guard self[i - 1] != "第" else { return nil }
        var j = i
        var count = 0
        var half = false
        if let e = literal("半", at: i) {
            half = true
            j = e
        } else if let (n, e) = number(at: i, maxDigits: 4) {
            count = n
            j = e
        } else {
            return nil
        }
        if let e = literal("个", at: j) { j = e }
        if !half, let e = literal("半", at: j) { half = true; j = e }
        guard let (word, e) = longest(DeadlineText.chineseUnits.map(\.0), at: j) else { return nil }
        if word == "h", isLetter(e) { return nil }
        let unit = DeadlineText.chineseUnits.first { $0.0 == word }!.1
        guard let suffix = longest(["内", "之内", "以内"], at: e) else {
            return bare ? make(count: count, half: half, unit: unit, end: e) : nil
        }
        return make(count: count, half: half, unit: unit, end: suffix.end)
    }

    private func englishDuration(at i: Int, bare: Bool) -> DurationRead? {
        var j: Int
        if let (_, e0) = englishWords(["within", "in", "within the next", "in the next"], at: i) {
            j = skipSpaces(e0)
        } else if bare {
            j = i
        } else {
            return nil
        }
        if let e = englishWord("half an hour", at: j) ?? englishWord("half hour", at: j) {
            return make(count: 0, half: true, unit: .hour, end: e)
        }
        let count: Int
        if let (n, e, _) = digits(at: j, maxDigits: 4) {
            count = n
            j = skipSpaces(e)
        } else if let (w, e) = englishWords(Array(DeadlineText.englishNumbers.keys), at: j) {
            count = DeadlineText.englishNumbers[w]!
            j = skipSpaces(e)
        } else {
            return nil
        }
        var half = false
        if let e = englishWord("and a half", at: j) { half = true; j = skipSpaces(e) }
        guard let (word, e) = englishWords(DeadlineText.englishUnits.map(\.0), at: j) else { return nil }
        let unit = DeadlineText.englishUnits.first { $0.0 == word }!.1
        return make(count: count, half: half, unit: unit, end: e)
    }

    private func make(count: Int, half: Bool, unit: DurationUnit, end: Int) -> DurationRead {
        func fail(_ reason: String) -> DurationRead { DurationRead(spec: .failure(PhraseError(reason: reason)), end: end) }
        switch unit {
        case .hour, .minute:
            let perUnit = unit == .hour ? 3600 : 60
            let seconds = count * perUnit + (half ? perUnit / 2 : 0)
            guard seconds > 0 else { return fail("a limit of no time is not a deadline") }
            guard seconds <= 400 * 86_400 else { return fail("a limit of more than 400 days is not read") }
            return DurationRead(spec: .success(.seconds(seconds)), end: end)
        case .workingDay, .day, .week:
            guard !half else { return fail("half a day is not a day count") }
            guard count > 0 else { return fail("a limit of 0 days is not a deadline") }
            let days = unit == .week ? count * 7 : count
            guard days <= 400 else { return fail("a limit of more than 400 days is not read") }
            return DurationRead(spec: .success(unit == .workingDay ? .workingDays(count) : .calendarDays(days)), end: end)
        }
    }
}
