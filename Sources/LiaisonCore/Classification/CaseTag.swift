/// A case number in square brackets in a subject: `[EC20261110-002]`, also in full-width
/// brackets `【EC20261110-002】`. The number is one to four capital letters, eight digits, a
/// hyphen and three or more digits (shared/docs/semantics.md, `caseTag`).
public enum CaseTag {
    /// The first case tag in the subject, without brackets.
    public static func find(in subject: String) -> String? {
        var s = Substring(subject)
        while let open = s.firstIndex(where: { $0 == "[" || $0 == "【" }) {
            let after = s[s.index(after: open)...]
            if let (number, _) = number(at: after) { return number }
            s = after
        }
        return nil
    }

    /// The range of a tag at the very start of `s`, brackets included.
    static func leadingTagRange(in s: Substring) -> Range<Substring.Index>? {
        guard let f = s.first, f == "[" || f == "【" else { return nil }
        let after = s[s.index(after: s.startIndex)...]
        guard let (_, end) = number(at: after) else { return nil }
        return s.startIndex..<end
    }

    /// A number followed by a closing bracket at the start of `s`: the number and the index past the bracket.
    static func number(at s: Substring) -> (String, Substring.Index)? {
        var i = s.startIndex
        var letters = 0, digits = 0, serial = 0
        while i < s.endIndex, let a = s[i].asciiValue, a >= 0x41, a <= 0x5A { letters += 1; i = s.index(after: i) }
        guard (1...4).contains(letters) else { return nil }
        while i < s.endIndex, let a = s[i].asciiValue, a >= 0x30, a <= 0x39 { digits += 1; i = s.index(after: i) }
        guard digits == 8, i < s.endIndex, s[i] == "-" else { return nil }
        i = s.index(after: i)
        while i < s.endIndex, let a = s[i].asciiValue, a >= 0x30, a <= 0x39 { serial += 1; i = s.index(after: i) }
        guard serial >= 3, i < s.endIndex, s[i] == "]" || s[i] == "】" else { return nil }
        return (String(s[s.startIndex..<i]), s.index(after: i))
    }
}
