import Foundation
/// The subject a thread is known by: reply and forward prefixes removed, repeatedly, in the
/// languages staff and counterparties write (shared/docs/semantics.md, "Threads and cases").
///
///     "RE: 回复：Fwd: 会议纪要" → "会议纪要"
public enum ThreadSubject {
    /// Prefix words, compared case-insensitively; each must be followed by `:` or `：`
    /// (with any spacing, and an optional counter such as `Re[2]:`).
    static let prefixes = ["re", "fw", "fwd", "aw", "wg", "sv", "vs", "tr", "antw",
                           "回复", "回覆", "答复", "答覆", "转发", "轉寄", "转寄", "轉發", "自动回复", "自動回覆",
                           "automatic reply", "auto"]

    public static func of(_ subject: String) -> String {
        var s = Substring(collapse(subject))
        var changed = true
        while changed {
            changed = false
            s = s.drop { $0 == " " }
            // A leading case tag such as [EC20261116-001] belongs to the case, not the thread.
            if let tag = CaseTag.leadingTagRange(in: s) {
                s = s[tag.upperBound...]
                changed = true
                continue
            }
            for p in prefixes {
                guard s.count > p.count, s.prefix(p.count).lowercased() == p else { continue }
                var rest = s.dropFirst(p.count)
                // Re[2]: / Re(2):
                if let f = rest.first, f == "[" || f == "(" {
                    let close: Character = f == "[" ? "]" : ")"
                    if let end = rest.firstIndex(of: close), rest[rest.index(after: rest.startIndex)..<end].allSatisfy(\.isNumber) {
                        rest = rest[rest.index(after: end)...]
                    }
                }
                rest = rest.drop { $0 == " " }
                if let c = rest.first, c == ":" || c == "：" {
                    s = rest.dropFirst()
                    changed = true
                    break
                }
            }
        }
        return String(s).trimmingCharacters(in: .whitespaces)
    }

    /// Runs of white space (including full-width spaces) become one space.
    static func collapse(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var lastSpace = false
        for ch in s {
            if ch.isWhitespace {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(ch)
                lastSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
