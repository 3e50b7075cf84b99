import Foundation

/// Small text helpers shared by the recap readers: full-width folding, sentence splitting and
/// pattern search. Pure.
enum TextFold {
    /// Folds full-width ASCII (U+FF01–U+FF5E) to ASCII and the ideographic space to a space, so
    /// `：，；（１）` read like `:,;(1)`. Other characters (。、①) are kept.
    static func fold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if (0xFF01...0xFF5E).contains(u.value), let a = Unicode.Scalar(u.value - 0xFEE0) {
                out.append(a)
            } else if u.value == 0x3000 {
                out.append(" ")
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// Splits text into sentences at 。！？!?; and line ends, and at `.` followed by white space
    /// or the end when it follows a letter (English prose; `1.` and `17.30` are not ends).
    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            current.append(c)
            var end = "。！？!?;；\n".contains(c)
            if c == ".", i > 0, chars[i - 1].isLetter, chars[i - 1].isASCII,
               i + 1 == chars.count || chars[i + 1].isWhitespace { end = true }
            if end {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// Joins hard-wrapped prose lines, so a sentence broken by a mail client still reads as one:
    /// a line ending in a letter is joined to a next line starting with a lowercase ASCII letter
    /// ("please reply by end of" + "today."), and a line ending in a comma (`,` `，`) to the next
    /// line unless that one is a numbered item.
    static func unwrap(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        for (k, line) in lines.enumerated() {
            out += line
            guard k + 1 < lines.count else { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let next = lines[k + 1].drop(while: { $0 == " " })
            let lastChar = trimmed.last
            let joinProse = lastChar.map { $0.isLetter && $0.isASCII } == true
                && next.first.map { $0.isASCII && $0.isLowercase } == true
            let joinComma = (lastChar == "," || lastChar == "，") && !next.isEmpty
                && ActionItemReader.marker(next) == nil && next.first.flatMap(ActionItemReader.circledValue) == nil
            out += joinProse || joinComma ? " " : "\n"
        }
        return out
    }

    /// The first match of a case-insensitive regular expression, as a range of `s`.
    static func firstMatch(_ pattern: String, in s: String) -> Range<String.Index>? {
        guard let re = regex(pattern) else { return nil }
        let ns = NSRange(s.startIndex..., in: s)
        guard let m = re.firstMatch(in: s, range: ns), let r = Range(m.range, in: s) else { return nil }
        return r
    }

    /// Every match of a case-insensitive regular expression, as ranges of `s`.
    static func matches(_ pattern: String, in s: String) -> [Range<String.Index>] {
        guard let re = regex(pattern) else { return [] }
        return re.matches(in: s, range: NSRange(s.startIndex..., in: s)).compactMap { Range($0.range, in: s) }
    }

    /// The compiled expression of `pattern`: compiled once, not once per line or clause (that was
    /// most of the time of reading a long reply).
    private static func regex(_ pattern: String) -> NSRegularExpression? {
        compiled.regex(pattern)
    }

    private static let compiled = RegexCache()
}

/// Compiled case-insensitive expressions by pattern. The patterns are the readers' own constants,
/// so the cache stays small; it is emptied should it ever pass 256 entries.
/// `@unchecked Sendable`: `expressions` is only touched with `lock` held, and an
/// NSRegularExpression is immutable once made, which Foundation documents as safe to share
/// between threads.
private final class RegexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var expressions: [String: NSRegularExpression] = [:]

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let r = expressions[pattern] { return r }
        guard let r = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return nil }
        if expressions.count >= 256 { expressions.removeAll() }
        expressions[pattern] = r
        return r
    }
}
