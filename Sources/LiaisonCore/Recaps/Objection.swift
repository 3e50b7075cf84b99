import Foundation
import LiaisonMail

/// Whether a reply asserts an objection to what it replies to (semantics.md "Replies to a
/// recap"), and which numbered items it names. Disagreement words (有异议, 有異議, 不同意, 不认可,
/// 需修改, 有不同意见, disagree, object to, do not agree …) count unless negated (没有异议, 无异议,
/// 無異議, 无需修改, no objection, don't disagree) or conditional (如有异议 …). Clauses are read one
/// by one, so `第③点有异议…其余无异议` objects and `没有异议` does not. Quoted text is stripped first.
/// Whether the reply came inside the window is decided at filing. Pure.
public enum ObjectionReader {
    /// The assertion read from a reply's text.
    public struct Assertion: Sendable, Equatable {
        /// True when some clause asserts disagreement.
        public var objects: Bool
        /// The numbered items named in objecting clauses (第③点, 第2条, item 3), sorted, unique.
        public var items: [Int]
    }

    static let markersCN = ["异议", "異議", "不同意见", "不同意見", "不同看法", "不同意", "不认可", "不認可", "不接受",
                            "无法接受", "無法接受", "不能接受", "需修改", "需要修改", "需更正", "需要更正", "要修改",
                            "应修改", "應修改", "有误", "有誤", "不正确", "不正確"]
    static let markersEN = [#"\bdisagree(s|d|ment)?\b"#, #"\bobject(s|ed|ing)? to\b"#, #"\bobjections?\b"#,
                            #"\b(do|does|did|can)(\s?not|n't) agree\b"#, #"\bcannot agree\b"#, #"\bnot acceptable\b"#,
                            #"\b(can ?not|can't) accept\b"#, #"\b(is|are) (incorrect|wrong|not correct)\b"#,
                            #"\bneeds? (to be )?(changed|corrected|amended|revised)\b"#,
                            #"\b(have|has|had|raise|raising|with|some|serious|a few|a)\s+(\w+\s+){0,2}concerns?\b"#,
                            #"\bconcerns? (about|regarding|with|over|on)\b"#, #"\bconcerned (about|that|with)\b"#,
                            #"\b(a|one|some|two|few|following|small|minor)\s+corrections?\b"#, #"^\s*corrections?\b"#,
                            #"\bneeds? (a )?correction\b"#, #"\bshould be (corrected|changed|amended)\b"#,
                            #"\bplease (correct|amend|revise)\b"#, #"\b(is|are)(n't| not) (right|accurate|correct)\b"#]
    /// `markersCN` by their first character.
    static let markersByFirst: [Character: [[Character]]] =
        Dictionary(grouping: markersCN.map { Array($0) }, by: { $0[0] })
    static let buTongYi = Array("不同意")
    /// Words just before a marker that negate it.
    static let negatorsCN = ["没有任何", "沒有任何", "无任何", "無任何", "没有什么", "沒有什麼", "并无", "並無", "毫无", "毫無",
                             "不存在", "没有", "沒有", "无需", "無需", "无须", "無須", "不需要", "不需", "不用", "没", "沒",
                             "无", "無", "不"]
    static let negatedEN = #"\b(no|not any|without|don't have any|do not have any|have no)\s+(\w+\s+){0,2}(objections?|concerns?|corrections?)\b|\b(do not|don't|does not|doesn't|not) (disagree|object)\b|\bno disagreement\b|(\bnot|n't|\bno longer) concerned\b|\bnothing to (correct|amend|change)\b"#
    static let conditional = #"(如有|如果|如若|若有|若是|倘若|假如|要是|如对|若对|\bif\b|\bshould you\b|\bin case\b)"#

    /// Reads the assertion in `text` (quotes are stripped here).
    public static func read(_ text: String) -> Assertion {
        let own = TextFold.fold(QuotedText.strip(text))
        var objects = false
        var items: Set<Int> = []
        for sentence in TextFold.sentences(TextFold.unwrap(own)) {
            // A question asserts nothing: 第2项有异议吗？ Any concerns about item 2?
            if sentence.hasSuffix("?") || sentence.hasSuffix("？") { continue }
            let clauses = clauses(of: sentence)
            let colons = colonEnds(of: sentence)
            for (k, clause) in clauses.enumerated() where asserts(clause) {
                objects = true
                var named = itemNumbers(in: clause)
                if named.isEmpty, k > 0 { named = itemNumbers(in: clauses[k - 1]) }
                // "One correction: item 3 …", "有异议：第3项…": after a colon, the items follow the words.
                if named.isEmpty, k + 1 < clauses.count, k < colons.count, colons[k] {
                    named = itemNumbers(in: clauses[k + 1])
                }
                items.formUnion(named)
            }
        }
        return Assertion(objects: objects, items: items.sorted())
    }

    /// For each non-empty clause of `sentence` (as `clauses(of:)` splits it), whether a colon
    /// (`:` `：`) ends it. One pass.
    static func colonEnds(of sentence: String) -> [Bool] {
        var out: [Bool] = []
        var open = false
        for c in sentence {
            if ",:，：".contains(c) {
                if open { out.append(c == ":" || c == "：") }
                open = false
            } else {
                open = true
            }
        }
        if open { out.append(false) }
        return out
    }

    /// A sentence's clauses: split at `,:` and their folded full-width forms (and `，：`).
    static func clauses(of sentence: String) -> [String] {
        sentence.split(whereSeparator: { ",:，：".contains($0) }).map(String.init)
    }

    /// Words one of which every match of a `markersEN` pattern holds (lowercase ASCII): the
    /// word after `\b` in each pattern, or for `(a|b)`, words of every branch ("correct" is in
    /// "incorrect", "corrected" and "corrections"). Checked by `mayAssertEN`.
    static let stemsEN: [[UInt8]] = ["disagree", "object", "agree", "accept", "correct", "wrong", "need", "concern",
                                     "should", "please", "right", "accurate"].map { Array($0.utf8) }

    /// False when no `markersEN` pattern can match `lower` (a lowercased clause): it holds no
    /// stem of `stemsEN`. Only where a byte search answers for the case-insensitive expressions:
    /// when every scalar is `LiteralSearch.isPlain` (ASCII, CJK, full-width forms…: none of them
    /// case-folds to ASCII letters, as ſ, K, ß or ﬁ do); else true, and the expressions decide.
    static func mayAssertEN(_ lower: String) -> Bool {
        guard LiteralSearch.isPlain(lower, needle: false) else { return true }
        return stemsEN.contains { LiteralSearch.firstOffset(of: $0, in: lower) != nil }
    }

    /// True when the clause holds a disagreement word that is neither negated nor conditional.
    /// The expressions (conditional, negations, English markers: ICU through NSString, most of
    /// the reading of a long reply) run only when `mayAssertEN` or a Chinese marker says one of
    /// the markers can be there; without one the answer is false whatever they say.
    static func asserts(_ clause: String) -> Bool {
        let lower = clause.lowercased()
        let markerCN = hasMarkerCN(Array(lower))
        guard markerCN || mayAssertEN(lower) else { return false }
        return assertsByExpressions(lower, markerCN: markerCN)
    }

    /// The expressions' answer for a lowercased clause, with no pre-check (`asserts` asks it only
    /// when a marker can be there; the tests compare the two on every clause). `markerCN`:
    /// `hasMarkerCN` of it, when already known.
    static func assertsByExpressions(_ lower: String, markerCN: Bool? = nil) -> Bool {
        if TextFold.firstMatch(conditional, in: lower) != nil { return false }
        if markerCN ?? hasMarkerCN(Array(lower)) { return true }
        // Both lists come in text order: one sweep per marker pattern (a reply of a million
        // "no objection" is linear, not a million by a million).
        let negatedRanges = TextFold.matches(negatedEN, in: lower)
        for p in markersEN {
            var k = 0
            for r in TextFold.matches(p, in: lower) {
                while k < negatedRanges.count, negatedRanges[k].upperBound <= r.lowerBound { k += 1 }
                // Negations do not overlap one another, so only those from `k` on, starting before
                // `r` ends, can overlap it; the first one of them decides.
                if k < negatedRanges.count, negatedRanges[k].overlaps(r) { continue }
                return true
            }
        }
        return false
    }

    /// Whether the (lowercased) clause holds a Chinese disagreement marker that no negator
    /// just before it takes back.
    static func hasMarkerCN(_ chars: [Character]) -> Bool {
        // One pass over the clause; at each character only the markers starting with it are tried.
        for at in chars.indices {
            guard let candidates = markersByFirst[chars[at]] else { continue }
            for marker in candidates {
                let end = at + marker.count
                guard end <= chars.count, chars[at..<end].elementsEqual(marker) else { continue }
                // 不同意 inside 不同意见 is read as 不同意见.
                if marker == buTongYi, end < chars.count, "见見".contains(chars[end]) { continue }
                let before = String(chars[max(0, at - 8)..<at])
                let withoutYou = before.hasSuffix("有") ? String(before.dropLast()) : before
                if negatorsCN.contains(where: { withoutYou.hasSuffix($0) || before.hasSuffix($0) }) { continue }
                return true
            }
        }
        return false
    }

    /// The first index at or after `from` where `word` starts in `chars`.
    static func find(_ word: [Character], in chars: [Character], from: Int) -> Int? {
        guard let first = word.first, !word.isEmpty else { return nil }
        var i = from
        while i + word.count <= chars.count {
            if chars[i] == first, chars[i..<(i + word.count)].elementsEqual(word) { return i }
            i += 1
        }
        return nil
    }

    /// Item numbers named in a clause: 第③点, 第3条, 第三项, ③, item 3, point 3, #3.
    static func itemNumbers(in clause: String) -> [Int] {
        var out: [Int] = []
        let chars = Array(clause)
        for c in chars { if let n = ActionItemReader.circledValue(c) { out.append(n) } }
        for r in TextFold.matches(#"第\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*(点|點|条|條|项|項|个|個|款)"#, in: clause) {
            let inner = clause[r].dropFirst().drop(while: { $0 == " " })
            let digits = inner.prefix(while: { $0.isASCII && $0.isNumber })
            if let n = Int(digits) { out.append(n) } else if let v = ActionItemReader.chineseNumber(inner) { out.append(v.value) }
        }
        for r in TextFold.matches(#"\b(item|point|action item|no\.?|#)\s*([0-9]{1,2})\b"#, in: clause) {
            if let n = Int(clause[r].reversed().prefix(while: { $0.isNumber }).reversed().map(String.init).joined()) { out.append(n) }
        }
        for r in TextFold.matches(#"#([0-9]{1,2})\b"#, in: clause) {
            if let n = Int(clause[r].dropFirst()) { out.append(n) }
        }
        return out
    }

    /// A reply: `In-Reply-To` or `References` present, or a subject starting Re:/回复:/答复:/回覆:.
    public static func isReply(_ m: Message) -> Bool {
        if !m.inReplyTo.isEmpty || !m.references.isEmpty { return true }
        let s = TextFold.fold(m.subject ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return ["re:", "re :", "回复:", "答复:", "回覆:", "回復:", "aw:"].contains { s.hasPrefix($0) }
    }
}
