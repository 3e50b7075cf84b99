/// Item numbers as staff write them, in prose (第1项, 第1、3项, 第一至三点, ①②, item 2, items 1 and
/// 3, #2, 事项2) and after a command word (`2`, `1,3`, `1、3`, `①③`, `2-4`). Works on folded,
/// lowercased characters (full-width digits already ASCII). Linear in the characters. Pure.
enum ItemNumbers {
    /// The largest item number read (a recap has no more; a bigger number is something else).
    static let maxItem = 99
    /// The widest range expanded (`第1至5项`); a wider one is refused as unreadable.
    static let maxRange = 20

    static let units: Set<Character> = ["项", "項", "点", "點", "条", "條", "个", "個", "件", "款"]
    static let listSeparators: Set<Character> = ["、", ",", "，", "和", "及", "与", "與", "跟", "/", "&", "+", ";", "；"]
    static let rangeMarks: [String] = ["-", "~", "～", "—", "–", "至", "到"]
    static let englishItemWords: [String] = ["action items", "action item", "items", "item", "points", "point", "tasks", "task"]
    /// Words that name all or several items without numbers: a clause with them is ambiguous.
    static let collectiveWords: [String] = ["所有", "全部事项", "全部事項", "各项", "各項", "其余", "其餘", "其他", "其它",
                                            "all items", "all the items", "every item", "each item", "the rest", "remaining",
                                            "both", "others", "everything"]

    /// What a clause names.
    struct Named: Equatable {
        /// In the order written, each once.
        var numbers: [Int] = []
        /// Something item-like that does not read (第几项, item x, a range too wide, 所有事项):
        /// the clause names items, but not which.
        var ambiguous = false
    }

    // MARK: - Prose

    /// The items a clause of prose names.
    static func inProse(_ c: [Character]) -> Named {
        var out = Named()
        var i = 0
        func add(_ ns: [Int]) { for n in ns where !out.numbers.contains(n) { out.numbers.append(n) } }
        while i < c.count {
            let ch = c[i]
            if let n = ActionItemReader.circledValue(ch) {
                add([n]); i += 1; continue
            }
            if ch == "第" {
                if let (ns, e) = list(c, from: i + 1, ordinal: true), let u = at(c, e), units.contains(u) {
                    if ns.isEmpty { out.ambiguous = true } else { add(ns) }
                    i = e + 1
                    continue
                }
                if let next = at(c, i + 1), next == "几" || next == "幾" { out.ambiguous = true }
                i += 1
                continue
            }
            if matches(c, i, "事项") || matches(c, i, "事項") {
                if let (ns, e) = list(c, from: skipSpaces(c, i + 2), ordinal: false), !ns.isEmpty { add(ns); i = e; continue }
                i += 2
                continue
            }
            if ch == "#", let (ns, e) = list(c, from: i + 1, ordinal: false, hashes: true), !ns.isEmpty {
                add(ns); i = e; continue
            }
            if ch.isASCII, ch.isLetter, i == 0 || !isLetter(at(c, i - 1)) {
                if let w = englishItemWords.first(where: { word(c, i, $0) }) {
                    var j = skipSpaces(c, i + w.count)
                    if word(c, j, "no") || word(c, j, "number") { j = skipSpaces(c, j + (word(c, j, "no") ? 2 : 6)) }
                    if at(c, j) == "." { j = skipSpaces(c, j + 1) }
                    if at(c, j) == "#" { j += 1 }
                    if let (ns, e) = list(c, from: j, ordinal: false, english: true, hashes: true), !ns.isEmpty {
                        add(ns); i = e; continue
                    }
                    // "the items", "items are done": items, but not which.
                    if w.hasSuffix("s") { out.ambiguous = true }
                    i += w.count
                    continue
                }
                while i < c.count, isLetter(c[i]) { i += 1 }
                continue
            }
            i += 1
        }
        if !out.ambiguous, collectiveWords.contains(where: { contains(c, $0) }) { out.ambiguous = true }
        return out
    }

    // MARK: - After a command word

    /// The item list at the start of a command's argument (from `from`), and where it ends. A
    /// number that begins a date or a duration (`12月10日`, `3天`, `10 Dec`, `5pm`) ends the list
    /// and is not read. `nil` numbers: a token there that is no item number (`0`, `100`, `1-30`).
    static func atCommandStart(_ c: [Character], from: Int) -> (numbers: [Int]?, end: Int) {
        var i = skipSpaces(c, from)
        if let (ns, e) = list(c, from: i, ordinal: false, english: true, hashes: true, bare: true) {
            return (ns.isEmpty ? nil : ns, e)
        }
        // `第2项`, `item 2`
        if at(c, i) == "第", let (ns, e) = list(c, from: i + 1, ordinal: true), let u = at(c, e), units.contains(u) {
            return (ns.isEmpty ? nil : ns, e + 1)
        }
        if let w = englishItemWords.first(where: { word(c, i, $0) }) {
            i = skipSpaces(c, i + w.count)
            if at(c, i) == "#" { i += 1 }
            if let (ns, e) = list(c, from: i, ordinal: false, english: true, hashes: true), !ns.isEmpty { return (ns, e) }
            return (nil, i)
        }
        return ([], from)
    }

    // MARK: - Lists

    /// `N (sep N)*` with ranges `N-M`, from `from`. `ordinal`: after 第 (a `第` may repeat: 第1、第3项).
    /// `bare`: a command's list, where a number that begins a date ends it. Returns nil when no
    /// number starts there; numbers empty when a number is out of range (ambiguous).
    static func list(_ c: [Character], from: Int, ordinal: Bool, english: Bool = false, hashes: Bool = false,
                     bare: Bool = false) -> ([Int], Int)? {
        var out: [Int] = []
        var bad = false
        var i = skipSpaces(c, from)
        var end = i
        var first = true
        while true {
            var j = i
            if !first, ordinal, at(c, j) == "第" { j += 1 }
            if !first, hashes, at(c, j) == "#" { j += 1 }
            if let n = ActionItemReader.circledValue(at(c, j) ?? " ") {
                out.append(n)
                var k = j + 1
                while let m = ActionItemReader.circledValue(at(c, k) ?? " ") { out.append(m); k += 1 }
                end = k
            } else if let (n, e) = number(c, j) {
                if bare, beginsDate(c, at: e) {
                    if first { return nil }   // `#延期 12月10日`: the date, no item
                    break
                }
                var value = [n]
                var k = e
                // A range: 1-3, 一至三, 1 to 3.
                let r = skipSpaces(c, e)
                let mark = rangeMarks.first(where: { matches(c, r, $0) }).map { ($0, r + $0.count) }
                    ?? (english && word(c, r, "to") ? ("to", r + 2) : nil)
                if let (_, me) = mark, let (m, e2) = number(c, skipSpaces(c, me)), !(bare && beginsDate(c, at: e2)) {
                    if m >= n, m - n < maxRange { value = Array(n...m) } else { bad = true }
                    k = e2
                }
                if value.contains(where: { $0 < 1 || $0 > maxItem }) { bad = true }
                out += value
                end = k
            } else {
                if first { return nil }
                break
            }
            first = false
            // A separator, then another number.
            var s = skipSpaces(c, end)
            if let sc = at(c, s), listSeparators.contains(sc) {
                s = skipSpaces(c, s + 1)
            } else if english, let w = ["and", "or"].first(where: { word(c, s, $0) }) {
                s = skipSpaces(c, s + w.count)
            } else if bare || ordinal, s > end {
                // `#完成 1 3`, `第1 3项`: numbers apart by spaces.
            } else {
                break
            }
            // `items 1 and item 3`
            if english, let w = englishItemWords.first(where: { word(c, s, $0) }) { s = skipSpaces(c, s + w.count) }
            let next = ordinal && at(c, s) == "第" ? s + 1 : hashes && at(c, s) == "#" ? s + 1 : s
            guard ActionItemReader.circledValue(at(c, next) ?? " ") != nil || number(c, next) != nil else { break }
            if bare, let (_, e) = number(c, next), beginsDate(c, at: e) { break }
            i = s
        }
        // A number run on into letters or more digits ("2x", "1234") is no item number.
        if let n = at(c, end), n.isASCII, n.isLetter || n.isNumber { bad = true }
        return (bad ? [] : out, end)
    }

    /// A number at `i`: 1–3 ASCII digits, or Chinese numerals up to 九十九.
    static func number(_ c: [Character], _ i: Int) -> (Int, Int)? {
        guard let ch = at(c, i) else { return nil }
        if ch.isASCII, ch.isNumber {
            if let p = at(c, i - 1), p.isASCII, p.isNumber { return nil }
            var j = i
            var v = 0
            while let d = at(c, j), d.isASCII, let x = d.wholeNumberValue {
                guard j - i < 3 else { return (1_000, j + 1) }   // too long: out of range
                v = v * 10 + x
                j += 1
            }
            return (v, j)
        }
        if ActionItemReader.chineseNumerals[ch] != nil {
            let rest = c[i..<min(c.count, i + 3)]
            if let v = ActionItemReader.chineseNumber(Substring(String(rest))) { return (v.value, i + v.length) }
        }
        return nil
    }

    /// After a number: a date or duration unit, so the number is not an item (`12月`, `3天`,
    /// `10 Dec`, `5pm`, `12/10`, `10:00`).
    static func beginsDate(_ c: [Character], at e: Int) -> Bool {
        guard let n = at(c, e) else { return false }
        if "月日号號年天周週点點时時半/:.".contains(n) { return true }
        if n == "小" || n == "个" || n == "個" || n == "分" || n == "星" || n == "礼" || n == "禮" { return true }
        let s = skipSpaces(c, e)
        guard at(c, s).map({ $0.isASCII && $0.isLetter }) == true else { return false }
        // `10 Dec` is a date; in `1 Jan 3` the month has its day after it, so 1 is an item.
        if let month = DeadlineText.englishMonths.map(\.0).first(where: { word(c, s, $0) }) {
            var k = skipSpaces(c, s + month.count + (at(c, s + month.count) == "." ? 1 : 0))
            var digits = 0
            while let d = at(c, k), d.isASCII, d.isNumber { digits += 1; k += 1 }
            return !(1...2).contains(digits)
        }
        // Not a weekday: `#postpone 2 Friday` is item 2.
        let dateWords = ["am", "pm", "a.m.", "p.m.", "st", "nd", "rd", "th", "days", "day", "weeks", "week", "hours", "hour",
               "h", "hrs", "working", "business", "calendar", "minutes", "mins"]
        return dateWords.contains { word(c, s, $0) }
    }

    // MARK: - Character helpers

    static func at(_ c: [Character], _ i: Int) -> Character? { i >= 0 && i < c.count ? c[i] : nil }

    static func isLetter(_ ch: Character?) -> Bool { ch.map { $0.isASCII && $0.isLetter } ?? false }

    static func skipSpaces(_ c: [Character], _ i: Int) -> Int {
        var j = i
        while let ch = at(c, j), ch == " " || ch == "\t" { j += 1 }
        return j
    }

    static func matches(_ c: [Character], _ i: Int, _ w: String) -> Bool {
        var j = i
        for ch in w {
            guard at(c, j) == ch else { return false }
            j += 1
        }
        return true
    }

    /// `w` at `i` as a whole English word (not inside a longer run of letters).
    static func word(_ c: [Character], _ i: Int, _ w: String) -> Bool {
        guard !isLetter(at(c, i - 1)), matches(c, i, w) else { return false }
        return !(w.last.map { $0.isLetter } ?? false) || !isLetter(at(c, i + w.count))
    }

    /// `w` anywhere in `c`, as a whole word when it is English.
    static func contains(_ c: [Character], _ w: String) -> Bool {
        guard let first = w.first else { return false }
        let english = first.isASCII
        var i = 0
        while i < c.count {
            if c[i] == first, english ? word(c, i, w) : matches(c, i, w) { return true }
            i += 1
        }
        return false
    }
}
