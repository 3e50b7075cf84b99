/// A part of the day that shifts a following clock hour (下午3点 = 15:00) or, alone, stands for
/// a time of its own (see `ClockSpec`).
enum DayPeriod: Equatable {
    case morning     // 上午, 早上, 早晨, 清晨, morning: hours 0–12 as written; alone 12:00
    case noon        // 中午: 11, 12 as written, 1–2 → 13–14; alone 12:00
    case afternoon   // 下午, afternoon: 1–11 → 13–23; alone the workday end
    case evening     // 晚上, 傍晚, 夜里, 夜间, evening, tonight: 5–11 → 17–23, 12 → 24:00; alone 23:59:59
    case smallHours  // 凌晨: 0–5 as written, 12 → 00:00

    /// The 24-hour hour a clock `hour` in this period means, or nil when it cannot be in it.
    func hour(_ hour: Int) -> Int? {
        switch self {
        case .morning: return (0...12).contains(hour) ? hour : nil
        case .noon:
            if hour == 11 || hour == 12 || hour == 13 || hour == 14 { return hour }
            return (1...2).contains(hour) ? hour + 12 : nil
        case .afternoon:
            if (1...11).contains(hour) { return hour + 12 }
            return (12...23).contains(hour) ? hour : nil
        case .evening:
            if (5...11).contains(hour) { return hour + 12 }
            if hour == 12 { return 24 }
            return (17...24).contains(hour) ? hour : nil
        case .smallHours:
            if hour == 12 { return 0 }
            return (0...5).contains(hour) ? hour : nil
        }
    }

    /// What the period means with no clock time.
    var alone: ClockSpec {
        switch self {
        case .morning, .noon: return .time(ClockTime(hour: 12)!)
        case .afternoon: return .workdayEnd
        case .evening: return .endOfDay
        case .smallHours: return .time(ClockTime(hour: 5)!)
        }
    }

    static let chinese: [(String, DayPeriod)] = [
        ("上午", .morning), ("早上", .morning), ("早晨", .morning), ("清晨", .morning), ("中午", .noon),
        ("下午", .afternoon), ("傍晚", .evening), ("晚上", .evening), ("晚间", .evening), ("夜里", .evening),
        ("夜间", .evening), ("凌晨", .smallHours),
    ]
    static let english: [(String, DayPeriod)] = [
        ("morning", .morning), ("afternoon", .afternoon), ("evening", .evening), ("night", .evening),
    ]
}

/// The time-of-day part of an expression.
enum ClockSpec: Equatable {
    case time(ClockTime)
    /// The organisation's `workday_end` (下班前, close of business, COB, EOD, 下午 alone).
    case workdayEnd
    /// 23:59:59 (晚上 alone, "end of today").
    case endOfDay
}

/// A clock part read at a position: what it says (or why it is wrong) and where it ends.
struct ClockRead {
    var spec: Result<ClockSpec, PhraseError>
    var end: Int
}

/// Why a recognised phrase cannot be a deadline.
struct PhraseError: Error, Equatable {
    let reason: String
}

extension DeadlineText {
    /// Reads a clock part at `i`: `[period] (HH:MM[:SS] | N点[半|一刻|三刻|M分] | N时[M分]) [am|pm]`,
    /// `N am/pm`, `noon`, a period alone, 下班前, or close of business / COB / EOD / end of day.
    /// `period` is one already implied by the day (今晚, 明早, tonight).
    func clockPart(at i: Int, period implied: DayPeriod? = nil) -> ClockRead? {
        if let e = workdayEndWords(at: i) { return ClockRead(spec: .success(.workdayEnd), end: e) }
        var j = i
        var period = implied
        var periodEnd: Int?
        if let (word, e) = longest(DayPeriod.chinese.map(\.0), at: j) {
            period = DayPeriod.chinese.first { $0.0 == word }!.1
            periodEnd = e
            j = skipSpaces(e)
            if let e2 = workdayEndWords(at: j), period == .afternoon || period == .evening {
                return ClockRead(spec: .success(.workdayEnd), end: e2)  // 下午下班前
            }
        } else if let (word, e) = englishWords(DayPeriod.english.map(\.0) + ["noon", "midday"], at: j) {
            if word == "noon" || word == "midday" { return ClockRead(spec: .success(.time(ClockTime(hour: 12)!)), end: e) }
            period = DayPeriod.english.first { $0.0 == word }!.1
            return ClockRead(spec: .success(period!.alone), end: e)
        }
        if let read = hourAndMinute(at: j, period: period) { return read }
        if let period, let periodEnd { return ClockRead(spec: .success(period.alone), end: periodEnd) }
        return nil
    }

    /// 下班前/下班之前/下班以前/下班时, close of business, COB, EOD, end of (the) (business|working) day.
    func workdayEndWords(at i: Int) -> Int? {
        if let e = literal("下班", at: i) {
            return longest(["前", "之前", "以前", "时"], at: e)?.end ?? e
        }
        let english = ["cob", "eod", "eob", "close of business", "close of play", "end of business",
                       "end of day", "end of the day", "end of business day", "end of the business day",
                       "end of the working day", "end of the workday", "end of working day", "end of workday"]
        return englishWords(english, at: i)?.end
    }

    /// The clock forms proper, with a period applied.
    private func hourAndMinute(at i: Int, period: DayPeriod?) -> ClockRead? {
        // 第3点, 以下3点: an item number or a count of points, not a time.
        if let p = self[i - 1], "第几共这那".contains(p) { return nil }
        if ["以下", "如下", "下列", "下面"].contains(where: { literal($0, at: i - 2) == i }) { return nil }
        // HH:MM[:SS]
        if let (h, e1) = digits(at: i, maxDigits: 2).map({ ($0.value, $0.end) }), self[e1] == ":",
           let (m, e2, mc) = digits(at: e1 + 1, maxDigits: 2), mc == 2 {
            var end = e2
            var second = 0
            if self[e2] == ":", let (s, e3, sc) = digits(at: e2 + 1, maxDigits: 2), sc == 2 {
                second = s
                end = e3
            }
            if self[end] == ":" || isDigit(end) { return nil }
            let written = h.description + ":" + (m < 10 ? "0" : "") + m.description
            return finish(hour: h, minute: m, second: second, period: period, written: written, end: end)
        }
        // N点 / N时 …
        if let (h, e1) = number(at: i, maxDigits: 2),
           let unit = longest(["点钟", "点", "时"], at: e1) {
            if unit.word == "时", literal("时间", at: e1) != nil { return nil }
            var end = unit.end
            var minute = 0
            if let e = literal("半", at: end) {
                minute = 30; end = e
            } else if let q = longest(["一刻", "三刻"], at: end) {
                minute = q.word == "一刻" ? 15 : 45; end = q.end
            } else if let (m, e) = number(at: end, maxDigits: 2), (literal("分", at: e) != nil || isDigit(end)) {
                minute = m
                end = literal("分", at: e) ?? e
                if let (s, e3) = number(at: end, maxDigits: 2), let e4 = literal("秒", at: e3), s < 60 {
                    end = e4
                }
            }
            return finish(hour: h, minute: minute, second: 0, period: period, written: "\(h)点", end: end)
        }
        // N am/pm
        if let (h, e1, _) = digits(at: i, maxDigits: 2), meridiem(at: skipSpaces(e1)) != nil {
            return finish(hour: h, minute: 0, second: 0, period: period, written: "\(h)", end: e1)
        }
        return nil
    }

    /// am / pm / a.m. / p.m. at `i`: (is pm, end).
    private func meridiem(at i: Int) -> (Bool, Int)? {
        guard !isLetter(i - 1) else { return nil }
        for (w, pm) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)] {
            if let e = literal(w, at: i), !isLetter(e) { return (pm, e) }
        }
        return nil
    }

    /// Applies am/pm (written after the time) or the period (written before it) to a clock hour.
    private func finish(hour: Int, minute: Int, second: Int, period: DayPeriod?, written: String, end: Int) -> ClockRead {
        func fail(_ reason: String, _ end: Int) -> ClockRead { ClockRead(spec: .failure(PhraseError(reason: reason)), end: end) }
        var h = hour
        var end = end
        if let (pm, e) = meridiem(at: skipSpaces(end)) {
            end = e
            guard (1...12).contains(hour), period == nil else { return fail("\(written) \(pm ? "pm" : "am") is not a clock time", end) }
            h = hour % 12 + (pm ? 12 : 0)
        } else if let period {
            guard let shifted = period.hour(hour) else { return fail("\(written) is not in that part of the day", end) }
            h = shifted
        } else if (1...6).contains(hour) {
            // 3点, 5:00 with no 上午/下午/am/pm: 03:00 is no deadline anyone means, 15:00 would be a guess.
            return fail("\(written) without 上午/下午 (am/pm) is ambiguous", end)
        }
        guard let time = ClockTime(hour: h, minute: minute, second: second) else {
            return fail("\(written) is not a clock time", end)
        }
        return ClockRead(spec: .success(.time(time)), end: end)
    }
}
