/// Which week a weekday is in.
enum WeekRef: Equatable {
    /// No 本/下: the next such day on or after the message's day (the same day counts).
    case onOrAfter
    /// 本周, 这周, this: in the message's week (Monday first), even when already past.
    case thisWeek
    /// 下周, 下个星期, next: in the week after the message's week.
    case nextWeek
}

/// The day part of an expression, before it is placed on the calendar.
enum DaySpec: Equatable {
    /// The message's day plus `n` days (今天 0, 明天 1, 后天 2, 大后天 3).
    case relative(Int)
    /// ISO weekday 1 (Monday) … 7 (Sunday). 周末 and 本周内 are the week's Sunday.
    case weekday(Int, WeekRef)
    /// A calendar date; without a year, the year that puts it nearest the message's day.
    case date(year: Int?, month: Int, day: Int)
    /// The last day of a month: 本月底/月底 (offset 0), 下月底 (offset 1), 11月底 (month 11, the
    /// year nearest the message's day), end of the month.
    case monthEnd(month: Int?, offset: Int)
}

/// A day part read at a position.
struct DayRead {
    var spec: Result<DaySpec, PhraseError>
    var end: Int
    /// A part of the day the word itself implies (今晚, 明早, tonight).
    var period: DayPeriod? = nil
}

extension DeadlineText {
    static let chineseWeekdays: [Character: Int] = [
        "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "末": 7,
        "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
    ]
    static let englishWeekdays: [(String, Int)] = [
        ("monday", 1), ("mon", 1), ("tuesday", 2), ("tues", 2), ("tue", 2), ("wednesday", 3), ("wed", 3),
        ("thursday", 4), ("thurs", 4), ("thur", 4), ("thu", 4), ("friday", 5), ("fri", 5),
        ("saturday", 6), ("sat", 6), ("sunday", 7), ("sun", 7),
    ]
    static let englishMonths: [(String, Int)] = [
        ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3), ("april", 4),
        ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7), ("august", 8), ("aug", 8),
        ("september", 9), ("sept", 9), ("sep", 9), ("october", 10), ("oct", 10), ("november", 11), ("nov", 11),
        ("december", 12), ("dec", 12),
    ]

    /// Reads a day part at `i`: a relative day, a weekday or a date.
    func dayPart(at i: Int) -> DayRead? {
        relativeDay(at: i) ?? monthEnd(at: i) ?? weekday(at: i) ?? numericDate(at: i) ?? englishDate(at: i)
    }

    // MARK: - 月底, 本月底, 下个月底, 11月底, end of the month

    private func monthEnd(at i: Int) -> DayRead? {
        let words: [(String, Int)] = [("本月底", 0), ("这个月底", 0), ("当月底", 0), ("月底", 0), ("下月底", 1), ("下个月底", 1)]
        if let (w, e) = longest(words.map(\.0), at: i) {
            if w == "月底", let p = self[i - 1], p.isNumber || isChineseNumeral(i - 1) || "个本这当下上".contains(p) { return nil }
            return DayRead(spec: .success(.monthEnd(month: nil, offset: words.first { $0.0 == w }!.1)), end: e)
        }
        if !isDigit(i - 1), !isChineseNumeral(i - 1), let (m, e1) = number(at: i, maxDigits: 2), let e2 = literal("月底", at: e1) {
            guard (1...12).contains(m) else {
                return DayRead(spec: .failure(PhraseError(reason: "there is no month \(m)")), end: e2)
            }
            return DayRead(spec: .success(.monthEnd(month: m, offset: 0)), end: e2)
        }
        if let (w, e) = englishWords(["end of the month", "end of month", "end of this month", "end of next month"], at: i) {
            return DayRead(spec: .success(.monthEnd(month: nil, offset: w.hasSuffix("next month") ? 1 : 0)), end: e)
        }
        return nil
    }

    // MARK: - 今天, 明天, 后天, today, tomorrow

    private func relativeDay(at i: Int) -> DayRead? {
        let words: [(String, Int, DayPeriod?)] = [
            ("今天", 0, nil), ("今日", 0, nil), ("本日", 0, nil), ("今晚", 0, .evening), ("今早", 0, .morning),
            ("明天", 1, nil), ("明日", 1, nil), ("明早", 1, .morning), ("明晨", 1, .morning), ("明晚", 1, .evening),
            ("后天", 2, nil), ("后日", 2, nil), ("大后天", 3, nil),
        ]
        if let (w, e) = longest(words.map(\.0), at: i) {
            if w.hasPrefix("后"), let p = self[i - 1], "然之以最其此随落大".contains(p) { return nil }
            let entry = words.first { $0.0 == w }!
            return DayRead(spec: .success(.relative(entry.1)), end: e, period: entry.2)
        }
        // 当天/当日 only as a limit: 当日内, 当天下班前 (bare 当天 is often "the day of shipping").
        if let (_, e) = longest(["当天", "当日"], at: i),
           longest(["内", "之内", "以内", "下班"], at: e) != nil {
            return DayRead(spec: .success(.relative(0)), end: e)
        }
        let english: [(String, Int, DayPeriod?)] = [
            ("today", 0, nil), ("tonight", 0, .evening), ("tomorrow", 1, nil),
            ("the day after tomorrow", 2, nil), ("day after tomorrow", 2, nil),
        ]
        if let (w, e) = englishWords(english.map(\.0), at: i) {
            let entry = english.first { $0.0 == w }!
            return DayRead(spec: .success(.relative(entry.1)), end: e, period: entry.2)
        }
        return nil
    }

    // MARK: - 周三, 本週五, 下周一, 星期天, 礼拜三, Wednesday, next Fri

    func weekday(at i: Int) -> DayRead? {
        var j = i
        var ref = WeekRef.onOrAfter
        var nexts = 0
        while self[j] == "下" { nexts += 1; j += 1 }
        if nexts > 0 {
            if self[i - 1] == "上" { return nil }
            if let e = literal("个", at: j) { j = e } else if let e = literal("一个", at: j) { j = e }
            ref = .nextWeek
        } else if let (_, e) = longest(["这个", "这", "本"], at: j) {
            ref = .thisWeek
            j = e
        } else if let (_, e) = longest(["上个", "上"], at: j), unitEnd(at: e) != nil {
            return DayRead(spec: .failure(PhraseError(reason: "a day in a past week is not a deadline")),
                           end: unitEnd(at: e)!)
        } else if let p = self[i - 1], "每个上下本这第隔两几".contains(p) || isChineseNumeral(i - 1) || isDigit(i - 1) {
            if unitEnd(at: i) != nil { return nil }
        }
        if let e = unitEnd(at: j) {
            if nexts > 1 {
                let end = self[e].flatMap { DeadlineText.chineseWeekdays[$0] } != nil ? e + 1 : e
                return DayRead(spec: .failure(PhraseError(reason: "\(String(repeating: "下", count: nexts))周 is too far to read")), end: end)
            }
            if let c = self[e], let d = DeadlineText.chineseWeekdays[c] {
                if c.isASCII && isDigit(e + 1) { return nil }
                return DayRead(spec: .success(.weekday(d, ref)), end: e + 1)
            }
            if ref != .onOrAfter, longest(["内", "之内", "以内"], at: e) != nil {
                return DayRead(spec: .success(.weekday(7, ref)), end: e)  // 本周内: by the week's end
            }
            return nil
        }
        // English: [this|next] weekday
        var k = i
        var englishRef = WeekRef.onOrAfter
        if let (w, e) = englishWords(["this", "next", "this coming", "coming"], at: i) {
            englishRef = w == "next" ? .nextWeek : .thisWeek
            if w.contains("coming") { englishRef = .onOrAfter }
            k = skipSpaces(e)
        }
        if let (w, e) = englishWords(DeadlineText.englishWeekdays.map(\.0), at: k) {
            var end = e
            if w.count <= 4, self[e] == "." { end += 1 }
            return DayRead(spec: .success(.weekday(DeadlineText.englishWeekdays.first { $0.0 == w }!.1, englishRef)), end: end)
        }
        return nil
    }

    /// 周 / 星期 / 礼拜 at `i`.
    private func unitEnd(at i: Int) -> Int? { longest(["周", "星期", "礼拜"], at: i)?.end }

    // MARK: - 2026-11-20, 2026/11/20, 2026年11月20日, 11月19日, 十一月十九号, 11/20

    private func numericDate(at i: Int) -> DayRead? {
        guard !isDigit(i - 1), self[i - 1] != "/", self[i - 1] != "-", self[i - 1] != "." else { return nil }
        // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD
        if let (y, e1, yc) = digits(at: i, maxDigits: 4), yc == 4, let sep = self[e1], "-/.".contains(sep),
           let (m, e2, _) = digits(at: e1 + 1, maxDigits: 2), self[e2] == sep,
           let (d, e3, _) = digits(at: e2 + 1, maxDigits: 2), !isDigit(e3) {
            return validated(year: y, month: m, day: d, end: e3)
        }
        // [YYYY年]M月D[日|号]
        var j = i
        var year: Int?
        if let (y, e) = number(at: i, maxDigits: 4), y >= 1000, let e2 = literal("年", at: e) {
            year = y
            j = e2
        }
        if let (m, e1) = number(at: j, maxDigits: 2), let e2 = literal("月", at: e1), let (d, e3) = number(at: e2, maxDigits: 2) {
            if let e4 = longest(["日", "号"], at: e3)?.end {
                return validated(year: year, month: m, day: d, end: e4)
            }
            // 11月19 without 日: only when no other word of count follows (11月19个 is not a date).
            if let c = self[e3], c.isLetter && !c.isASCII && !"前内下上中晚早凌傍".contains(c) { return nil }
            return validated(year: year, month: m, day: d, end: e3)
        }
        if year != nil { return nil }
        // M/D (month first, as staff write it)
        if let (m, e1, _) = digits(at: i, maxDigits: 2), self[e1] == "/", let (d, e2, _) = digits(at: e1 + 1, maxDigits: 2),
           self[e2] != "/", !isDigit(e2) {
            return validated(year: nil, month: m, day: d, end: e2)
        }
        return nil
    }

    // MARK: - Nov 20, November 20th, 2026; 20 Nov 2026

    private func englishDate(at i: Int) -> DayRead? {
        let names = DeadlineText.englishMonths.map(\.0)
        if let (w, e) = englishWords(names, at: i) {
            var j = e
            if self[j] == "." { j += 1 }
            j = skipSpaces(j)
            guard let (d, e2, _) = digits(at: j, maxDigits: 2) else { return nil }
            var end = ordinal(at: e2) ?? e2
            if isLetter(end) { return nil }
            let year = englishYear(at: end)
            if let y = year { end = y.end }
            return validated(year: year?.value, month: DeadlineText.englishMonths.first { $0.0 == w }!.1, day: d, end: end)
        }
        if !isLetter(i - 1), let (d, e1, _) = digits(at: i, maxDigits: 2) {
            let j = skipSpaces(ordinal(at: e1) ?? e1)
            guard j > e1 || ordinal(at: e1) != nil || isLetter(j), let (w, e2) = englishWords(names, at: j) else { return nil }
            var end = self[e2] == "." ? e2 + 1 : e2
            if let y = englishYear(at: end) { end = y.end; return validated(year: y.value, month: DeadlineText.englishMonths.first { $0.0 == w }!.1, day: d, end: end) }
            return validated(year: nil, month: DeadlineText.englishMonths.first { $0.0 == w }!.1, day: d, end: end)
        }
        return nil
    }

    private func ordinal(at i: Int) -> Int? {
        for s in ["st", "nd", "rd", "th"] { if let e = literal(s, at: i), !isLetter(e) { return e } }
        return nil
    }

    /// `[,] YYYY` after an English day and month.
    private func englishYear(at i: Int) -> (value: Int, end: Int)? {
        var j = i
        if self[j] == "," { j += 1 }
        j = skipSpaces(j)
        guard let (y, e, c) = digits(at: j, maxDigits: 4), c == 4, self[e] != ":" else { return nil }
        return (y, e)
    }

    private func validated(year: Int?, month: Int, day: Int, end: Int) -> DayRead {
        guard (1...12).contains(month) else {
            return DayRead(spec: .failure(PhraseError(reason: "there is no month \(month)")), end: end)
        }
        guard day >= 1, day <= LocalDate.daysIn(month: month, year: year ?? 2000) else {
            return DayRead(spec: .failure(PhraseError(reason: "month \(month) has no day \(day)")), end: end)
        }
        if let year, LocalDate(year: year, month: month, day: day) == nil {
            return DayRead(spec: .failure(PhraseError(reason: "\(year) has no \(month)/\(day)")), end: end)
        }
        return DayRead(spec: .success(.date(year: year, month: month, day: day)), end: end)
    }
}
