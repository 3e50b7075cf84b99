/// A deadline phrase prepared for reading: one normalised `Character` per original `Character`,
/// so a position found in the normalised text maps straight back to the original string.
///
/// Normalisation: full-width ASCII (`１７：００`, `（`, `，`) becomes ASCII, the ideographic space
/// a space, ASCII letters lower case, and the traditional characters deadline phrases use become
/// simplified (`內→内`, `週→周`, `點→点`, `個→个`, `後→后`, `時→时`, `號→号` …).
struct DeadlineText {
    let chars: [Character]
    /// `indices[i]` is where normalised character `i` starts in the original; one extra at the end.
    let indices: [String.Index]

    init(_ original: String) {
        var chars: [Character] = []
        var indices: [String.Index] = []
        var i = original.startIndex
        while i < original.endIndex {
            indices.append(i)
            chars.append(DeadlineText.normalise(original[i]))
            i = original.index(after: i)
        }
        indices.append(original.endIndex)
        self.chars = chars
        self.indices = indices
    }

    var count: Int { chars.count }

    subscript(_ i: Int) -> Character? { i >= 0 && i < chars.count ? chars[i] : nil }

    private static let traditional: [Character: Character] = [
        "內": "内", "週": "周", "點": "点", "個": "个", "後": "后", "時": "时", "號": "号", "當": "当",
        "兩": "两", "鐘": "钟", "禮": "礼", "這": "这", "於": "于", "為": "为", "間": "间", "幾": "几",
        "請": "请", "頭": "头",
    ]

    static func normalise(_ c: Character) -> Character {
        let scalars = c.unicodeScalars
        if scalars.count == 1, let s = scalars.first {
            switch s.value {
            case 0xFF01...0xFF5E:
                let ascii = Unicode.Scalar(s.value - 0xFEE0)!
                return Character(ascii).isUppercase ? Character(String(ascii).lowercased()) : Character(ascii)
            case 0x3000: return " "
            case 0x41...0x5A: return Character(Unicode.Scalar(s.value + 0x20)!)
            default: break
            }
        }
        return traditional[c] ?? c
    }

    // MARK: - Matching primitives. Each returns the index just past what it matched, or nil.

    /// `word` at `i`, character for character.
    func literal(_ word: String, at i: Int) -> Int? {
        var j = i
        for c in word {
            guard self[j] == c else { return nil }
            j += 1
        }
        return j
    }

    /// The longest of `words` at `i`, with the word.
    func longest(_ words: [String], at i: Int) -> (word: String, end: Int)? {
        var best: (String, Int)?
        for w in words {
            if let e = literal(w, at: i), e > (best?.1 ?? i) { best = (w, e) }
        }
        return best.map { (word: $0.0, end: $0.1) }
    }

    /// An English word (or words) at `i`, not inside a longer word of letters.
    func englishWord(_ word: String, at i: Int) -> Int? {
        // A word that begins with an ASCII letter can only start where one is: refused here
        // without walking its characters (most positions of a Chinese text are not letters).
        if let b = word.utf8.first, DeadlineText.isASCIILetter(b), !isLetter(i) { return nil }
        guard !isLetter(i - 1), let e = literal(word, at: i), !isLetter(e) else { return nil }
        return e
    }

    static func isASCIILetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }

    /// The longest of `words` as an English word at `i`.
    func englishWords(_ words: [String], at i: Int) -> (word: String, end: Int)? {
        if !isLetter(i), words.allSatisfy({ $0.utf8.first.map(DeadlineText.isASCIILetter) ?? false }) { return nil }
        var best: (String, Int)?
        for w in words {
            if let e = englishWord(w, at: i), e > (best?.1 ?? i) { best = (w, e) }
        }
        return best.map { (word: $0.0, end: $0.1) }
    }

    func isLetter(_ i: Int) -> Bool {
        guard let c = self[i], c.isASCII else { return false }
        return c.isLetter
    }

    func isDigit(_ i: Int) -> Bool {
        guard let c = self[i], c.isASCII else { return false }
        return c.isNumber
    }

    func isChineseNumeral(_ i: Int) -> Bool {
        guard let c = self[i] else { return false }
        return DeadlineText.chineseDigits[c] != nil || c == "十"
    }

    /// Skips spaces (and tabs, line breaks) from `i`.
    func skipSpaces(_ i: Int) -> Int {
        var j = i
        while let c = self[j], c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{A0}" { j += 1 }
        return j
    }

    /// ASCII digits at `i` (at most `maxDigits`, not preceded or followed by another digit).
    func digits(at i: Int, maxDigits: Int = 4) -> (value: Int, end: Int, count: Int)? {
        guard !isDigit(i - 1) else { return nil }
        var j = i
        var v = 0
        while isDigit(j) {
            guard j - i < maxDigits, let d = self[j]?.wholeNumberValue else { return nil }
            v = v * 10 + d
            j += 1
        }
        return j > i ? (v, j, j - i) : nil
    }

    static let chineseDigits: [Character: Int] = [
        "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    ]

    /// A number in ASCII digits or Chinese numerals (一 … 九十九, 两; a run of three or more
    /// numeral digits without 十, such as 二〇二六, reads positionally).
    func number(at i: Int, maxDigits: Int = 4) -> (value: Int, end: Int)? {
        if isDigit(i) {
            return digits(at: i, maxDigits: maxDigits).map { ($0.value, $0.end) }
        }
        guard !isChineseNumeral(i - 1), isChineseNumeral(i) else { return nil }
        var j = i
        var run: [Int] = []
        var sawTen = false
        while let c = self[j] {
            if c == "十" { sawTen = true; run.append(-1) } else if let d = DeadlineText.chineseDigits[c] { run.append(d) } else { break }
            j += 1
        }
        if !sawTen {
            if run.count == 1 { return (run[0], j) }
            guard run.count >= 3, run.count <= maxDigits else { return nil }
            return (run.reduce(0) { $0 * 10 + $1 }, j)
        }
        // [d]十[d]
        switch run.count {
        case 1 where run[0] == -1: return (10, j)
        case 2 where run[0] == -1 && run[1] > 0: return (10 + run[1], j)
        case 2 where run[1] == -1 && run[0] > 1: return (run[0] * 10, j)
        case 3 where run[1] == -1 && run[0] > 1 && run[2] > 0: return (run[0] * 10 + run[2], j)
        default: return nil
        }
    }

    /// The English number words deadline phrases use ("within two hours", "an hour").
    static let englishNumbers: [String: Int] = [
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty-four": 24,
        "forty-eight": 48, "seventy-two": 72,
    ]
}
