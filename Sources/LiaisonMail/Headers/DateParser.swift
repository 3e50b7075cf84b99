/// RFC 5322 §3.3 dates, with the obsolete zones of §4.3 and the sloppy forms real mail carries.
///
/// Read: `Mon, 16 Nov 2026 09:12:33 +0800` with or without a weekday (a wrong weekday is
/// ignored), one-digit days, 2-digit years (<50 → 20xx, else 19xx) and 3-digit years (+1900)
/// (§4.3), missing seconds, `UT`/`GMT`/`UTC`/`Z`, the US zones of §4.3, military letters (read as
/// +0000, §4.3), a few unambiguous zone abbreviations (CET, JST, HKT…), `+08:00`, `+8`, `+800`,
/// `GMT+0800`, zone names in comments (ignored: the offset decides), full and lowercase month
/// names, `16-Nov-2026`, RFC 850 `16-Nov-26`, ISO 8601 (`2026-11-16T09:12:33+08:00`,
/// `2026-11-16 09:12:33 +0800`, fractions, `Z`), asctime `Mon Nov 16 09:12:33 2026`, `AM`/`PM`,
/// stray dots and commas.
///
/// Decisions: a date with no zone at all is read at offset 0 (RFC 5322 requires a zone; common
/// mail readers assume UTC, and asctime dates are UTC). `-0000` and unknown zone names are +0000
/// (§4.3); so is an unsigned `0800` after the time, whose sign is unknown. The first numeric
/// offset wins over any zone name. A leap second 60 becomes 59. A date without a time of day, a numeric day-month order
/// (`11/16/2026`), or any field out of range (month 13, 31 Feb, hour 25, offset beyond ±18:00)
/// gives nil: no date is invented or wrapped.
///
/// A hand-written scanner over UTF-8 bytes: no `DateFormatter`, no regular expressions, no
/// `Calendar`, no allocation beyond one small token array; linear in the input.
public enum DateParser {
    /// nil when the value cannot be read: no date is ever invented.
    public static func parse(_ value: String) -> MailDate? {
        var v = value
        return v.withUTF8 { DateScanner.parse($0) }
    }
}

/// One lexical piece of a date: a digit run, a letter run, or one punctuation byte.
struct DateToken {
    enum Kind { case number, word, symbol }
    var kind: Kind
    /// A number's value (its first 9 digits), or a symbol's byte.
    var value: Int
    /// A number's digit count, or a word's letter count.
    var length: Int
    /// Where a word starts in the input.
    var start: Int
    /// Whitespace (or a comment) comes right before it.
    var spaceBefore: Bool
}

enum DateScanner {
    /// Past this many tokens the rest of the value is ignored (a date needs about 15).
    static let maxTokens = 40

    static func tokens(_ b: UnsafeBufferPointer<UInt8>) -> [DateToken] {
        var toks: [DateToken] = []
        toks.reserveCapacity(20)
        var space = true
        var i = 0
        let n = b.count
        while i < n, toks.count < maxTokens {
            let c = b[i]
            if c >= 0x30, c <= 0x39 {
                let s = i
                var v = 0
                while i < n, b[i] >= 0x30, b[i] <= 0x39 {
                    if i - s < 9 { v = v * 10 + Int(b[i] - 0x30) }
                    i += 1
                }
                toks.append(DateToken(kind: .number, value: v, length: i - s, start: s, spaceBefore: space))
                space = false
            } else if (c | 0x20) >= 0x61, (c | 0x20) <= 0x7A {
                let s = i
                while i < n, (b[i] | 0x20) >= 0x61, (b[i] | 0x20) <= 0x7A { i += 1 }
                toks.append(DateToken(kind: .word, value: 0, length: i - s, start: s, spaceBefore: space))
                space = false
            } else if c == UInt8(ascii: "(") {
                // A comment (RFC 5322 §3.2.2), nested by a counter: zone names here are ignored.
                var depth = 0
                while i < n {
                    let d = b[i]
                    if d == UInt8(ascii: "\\") { i = min(i + 2, n); continue }
                    if d == UInt8(ascii: "(") { depth += 1 } else if d == UInt8(ascii: ")") { depth -= 1 }
                    i += 1
                    if depth == 0 { break }
                }
                space = true
            } else if c <= 0x20 || c >= 0x7F {
                space = true
                i += 1
            } else {
                toks.append(DateToken(kind: .symbol, value: Int(c), length: 1, start: i, spaceBefore: space))
                space = false
                i += 1
            }
        }
        return toks
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> MailDate? {
        let t = tokens(b)
        let n = t.count
        var i = 0

        func isSym(_ k: Int, _ c: Unicode.Scalar) -> Bool {
            k < n && t[k].kind == .symbol && t[k].value == Int(UInt8(ascii: c))
        }
        func isNum(_ k: Int, _ digits: ClosedRange<Int>) -> Bool {
            k < n && t[k].kind == .number && digits.contains(t[k].length)
        }
        func monthAt(_ k: Int) -> Int? { k < n && t[k].kind == .word ? monthNumber(t[k], b) : nil }
        func skip(_ symbols: String) {
            while i < n, t[i].kind == .symbol, symbols.utf8.contains(UInt8(t[i].value)) { i += 1 }
        }

        // A weekday (any word that is not a month: a wrong weekday does not matter) and punctuation.
        while i < n, (t[i].kind == .word && monthAt(i) == nil) || isSym(i, ",") || isSym(i, ".") { i += 1 }

        var year = -1, yearDigits = 0, month = 0, day = 0
        var yearAfterTime = false
        /// After day and month: the year, unless a clock time comes first (`Nov 16 09:12:33 2026`).
        func readYearUnlessTimeFollows() -> Bool {
            if isNum(i, 1...2), isSym(i + 1, ":") {
                yearAfterTime = true
                return true
            }
            guard isNum(i, 2...4) else { return false }
            year = t[i].value; yearDigits = t[i].length
            i += 1
            return true
        }
        if isNum(i, 4...4), isSym(i + 1, "-") || isSym(i + 1, "/"), isNum(i + 2, 1...2),
           i + 3 < n, t[i + 3].kind == .symbol, t[i + 3].value == t[i + 1].value, isNum(i + 4, 1...2) {
            // ISO 8601 `2026-11-16`, then `T` or a space.
            year = t[i].value; yearDigits = 4; month = t[i + 2].value; day = t[i + 4].value
            i += 5
            if i < n, t[i].kind == .word, t[i].length == 1, b[t[i].start] | 0x20 == UInt8(ascii: "t") { i += 1 }
        } else if isNum(i, 1...2) {
            // RFC 5322 `16 Nov 2026`, and `16-Nov-2026`, `16. Nov. 2026`.
            day = t[i].value
            i += 1
            skip("-.,/")
            guard let m = monthAt(i) else { return nil }
            month = m
            i += 1
            skip("-.,/")
            guard readYearUnlessTimeFollows() else { return nil }
        } else if let m = monthAt(i) {
            // asctime `Nov 16 09:12:33 2026`, and `Nov 16, 2026 09:12:33`.
            month = m
            i += 1
            skip(".,")
            guard isNum(i, 1...2) else { return nil }
            day = t[i].value
            i += 1
            skip(".,")
            guard readYearUnlessTimeFollows() else { return nil }
        } else {
            return nil
        }

        // The time of day: `09:12`, `09:12:33`, `09:12:33.250`.
        skip(".,")
        guard isNum(i, 1...2), isSym(i + 1, ":"), isNum(i + 2, 1...2) else { return nil }
        var hour = t[i].value
        let minute = t[i + 2].value
        var second = 0
        i += 3
        if isSym(i, ":"), isNum(i + 1, 1...2) {
            second = t[i + 1].value
            i += 2
            if isSym(i, ".") || isSym(i, ","), i + 1 < n, t[i + 1].kind == .number, !t[i + 1].spaceBefore, !t[i].spaceBefore {
                i += 2  // a fraction of a second
            }
        }

        // The zone, and for asctime the year; AM/PM.
        var numeric: Int?
        var named: Int?
        var meridiem: UInt8 = 0
        while i < n {
            let x = t[i]
            switch x.kind {
            case .symbol where x.value == Int(UInt8(ascii: "+")) || x.value == Int(UInt8(ascii: "-")):
                guard i + 1 < n, t[i + 1].kind == .number, !t[i + 1].spaceBefore || t[i + 1].length == 4 else {
                    i += 1
                    continue
                }
                let num = t[i + 1]
                var h: Int, m = 0
                var used = 2
                switch num.length {
                case 1, 2:
                    h = num.value  // `+8`, `+08`, `+08:00`
                    if isSym(i + 2, ":"), isNum(i + 3, 2...2) { m = t[i + 3].value; used = 4 }
                case 3, 4:
                    h = num.value / 100; m = num.value % 100  // `+0800`, `+800`
                default:
                    return nil
                }
                guard m <= 59, h * 60 + m <= 18 * 60 else { return nil }  // ±18:00 at most (`+1815` is no zone)
                if numeric == nil { numeric = (x.value == Int(UInt8(ascii: "-")) ? -1 : 1) * (h * 3_600 + m * 60) }
                i += used
            case .word:
                if x.length == 2, b[x.start + 1] | 0x20 == UInt8(ascii: "m"), b[x.start] | 0x20 == UInt8(ascii: "a") || b[x.start] | 0x20 == UInt8(ascii: "p") {
                    meridiem = b[x.start] | 0x20
                } else if named == nil, let z = zone(x, b) {
                    named = z
                }
                i += 1
            case .number:
                if yearAfterTime, year < 0, (2...4).contains(x.length) { year = x.value; yearDigits = x.length }
                i += 1
            default:
                i += 1
            }
        }

        switch yearDigits {
        case 2: year += year < 50 ? 2000 : 1900
        case 3: year += 1900
        case 4: break
        default: return nil
        }
        if meridiem != 0 {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == UInt8(ascii: "p") ? 12 : 0)
        }
        guard second <= 60 else { return nil }
        if second == 60 { second = 59 }  // a leap second
        return MailDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                        offsetSeconds: numeric ?? named ?? 0)
    }

    // MARK: - Names

    static let monthNames: [[UInt8]] = [
        "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december",
    ].map { Array($0.utf8) }

    /// 1…12 for a month name, abbreviated to three letters or more, any case; else nil.
    static func monthNumber(_ w: DateToken, _ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard w.length >= 3 else { return nil }
        let c0 = b[w.start] | 0x20, c1 = b[w.start + 1] | 0x20, c2 = b[w.start + 2] | 0x20
        for (index, name) in monthNames.enumerated() where name[0] == c0 && name[1] == c1 && name[2] == c2 {
            guard w.length <= name.count else { return nil }
            for k in 3..<w.length where b[w.start + k] | 0x20 != name[k] { return nil }
            return index + 1
        }
        return nil
    }

    /// The lowercase letters of a word of up to 4 letters packed into an integer, for matching.
    static func key(_ w: DateToken, _ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var k: UInt32 = 0
        for j in 0..<w.length { k = k << 8 | UInt32(b[w.start + j] | 0x20) }
        return k
    }

    static func key(_ s: StaticString) -> UInt32 {
        var k: UInt32 = 0
        for j in 0..<s.utf8CodeUnitCount { k = k << 8 | UInt32(s.utf8Start[j]) }
        return k
    }

    /// Zone abbreviations with their offsets in seconds: those of RFC 5322 §4.3, and a few in
    /// wide use that mean one thing only. `CST` is the RFC's US Central (-0600).
    static let zones: [UInt32: Int] = {
        let hours: [(StaticString, Int)] = [
            ("ut", 0), ("utc", 0), ("gmt", 0), ("z", 0),
            ("est", -5), ("edt", -4), ("cst", -6), ("cdt", -5),
            ("mst", -7), ("mdt", -6), ("pst", -8), ("pdt", -7),
            ("wet", 0), ("west", 1), ("cet", 1), ("cest", 2), ("eet", 2), ("eest", 3), ("msk", 3),
            ("hkt", 8), ("sgt", 8), ("jst", 9), ("kst", 9),
            ("aest", 10), ("aedt", 11), ("nzst", 12), ("nzdt", 13),
        ]
        var table: [UInt32: Int] = [:]
        for (name, h) in hours { table[key(name)] = h * 3_600 }
        return table
    }()

    /// A zone name's offset; military letters (all but `J`) are +0000 (RFC 5322 §4.3); nil for
    /// anything else.
    static func zone(_ w: DateToken, _ b: UnsafeBufferPointer<UInt8>) -> Int? {
        if w.length == 1 { return b[w.start] | 0x20 == UInt8(ascii: "j") ? nil : 0 }
        guard w.length <= 4 else { return nil }
        return zones[key(w, b)]
    }
}
