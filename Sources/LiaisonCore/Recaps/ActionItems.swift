import Foundation

/// One action item of a recap (semantics.md "Action items"): who does what by when.
public struct ActionItem: Sendable, Equatable {
    /// The item's number as written (③ → 3, `(2)` → 2, 一、 → 1).
    public var number: Int
    /// The person after 负责人/owner, without a leading department.
    public var owner: String?
    /// The department written before the person (`售后部王芳` → `售后部`).
    public var department: String?
    /// The owner's address from the staff directory, when the name is in it.
    public var ownerAddress: String?
    /// The item's text up to the owner/deadline part.
    public var task: String
    /// The due deadline, when stated and readable.
    public var due: Deadline?
    /// Why there is no `due` (none stated, or unreadable and why): never guessed silently.
    public var dueNote: String?

    /// An item from its parts.
    public init(number: Int, owner: String?, department: String?, ownerAddress: String?, task: String,
                due: Deadline?, dueNote: String?) {
        self.number = number; self.owner = owner; self.department = department; self.ownerAddress = ownerAddress
        self.task = task; self.due = due; self.dueNote = dueNote
    }
}

/// Reads the numbered lines of a recap into action items. Pure; works on folded text.
///
/// Numbering: ①…⑳, ⑴…⒇, ❶…❿, `1.` `1、` `1)` `(1)` `（1）` (folded), `一、`. Circled numbers also
/// split one line holding several items. Owner labels: 负责人/負責人/责任人/責任人/执行人/對接人/
/// owner/responsible/assignee, and `by NAME` after a separator. Due labels: 截止时间/截止時間/截止日期/
/// 截止/完成时间/完成時間/期限/due/deadline. Separators `:,;()/|` and their full-width forms,
/// 、 and dashes, alike.
public enum ActionItemReader {
    static let ownerLabels = ["负责人", "負責人", "责任人", "責任人", "执行人", "執行人", "对接人", "對接人",
                              "owner", "responsible", "assignee", "person in charge"]
    static let dueLabels = ["截止时间", "截止時間", "截止日期", "截止", "截至", "完成时间", "完成時間", "完成日期",
                            "期限", "时限", "時限", "due date", "due", "deadline"]
    static let separators: Set<Character> = [",", ";", ":", "(", ")", "[", "]", "/", "|", "，", "；", "：", "（", "）",
                                             "【", "】", "、", "—", "–", "-", " ", "\t", "。"]
    /// Separators that end an owner's or a due's value.
    static let valueEnds: Set<Character> = [",", ";", "(", ")", "[", "]", "|", "，", "；", "（", "）", "【", "】", "。", "\n"]
    static let departmentSuffixes = ["部门", "部", "组", "組", "处", "處", "中心", "科", "室", "团队", "團隊", "小组",
                                     "小組", "课", "課", " team", " dept", " department", "team", "dept"]
    static let chineseNumerals: [Character: Int] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                                                    "八": 8, "九": 9, "十": 10]

    /// The numbered lines of `text`: each item's number and its text after the marker.
    public static func numberedLines(_ text: String) -> [(number: Int, body: String)] {
        var out: [(Int, String)] = []
        for rawLine in text.split(separator: "\n") {
            var line = Substring(rawLine.drop(while: { $0 == " " || $0 == "\t" || $0 == "•" || $0 == "*" }))
            if let (n, rest) = circled(line) {
                // One line may hold several circled items: ①…;②…;③…
                var current = n
                var body = ""
                for c in rest {
                    if let m = circledValue(c) {
                        out.append((current, body))
                        current = m
                        body = ""
                    } else {
                        body.append(c)
                    }
                }
                out.append((current, body))
                continue
            }
            if let (n, rest) = marker(line) {
                line = rest
                out.append((n, String(line)))
            }
        }
        return out.map { ($0.0, $0.1.trimmingCharacters(in: .whitespaces)) }.filter { !$0.1.isEmpty }
    }

    static func circledValue(_ c: Character) -> Int? {
        guard let u = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return nil }
        switch u.value {
        case 0x2460...0x2473: return Int(u.value - 0x2460) + 1   // ①–⑳
        case 0x2474...0x2487: return Int(u.value - 0x2474) + 1   // ⑴–⒇
        case 0x2776...0x277F: return Int(u.value - 0x2776) + 1   // ❶–❿
        default: return nil
        }
    }

    static func circled(_ line: Substring) -> (Int, Substring)? {
        guard let c = line.first, let n = circledValue(c) else { return nil }
        return (n, line.dropFirst())
    }

    /// `1.` `1、` `1)` `(1)` `一、` at the start of a line (folded: full-width already ASCII).
    static func marker(_ line: Substring) -> (Int, Substring)? {
        var s = line
        let parenthesised = s.first == "("
        if parenthesised { s = s.dropFirst() }
        var n: Int?
        let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
        if (1...2).contains(digits.count) {
            n = Int(digits)
            s = s.dropFirst(digits.count)
        } else if let v = chineseNumber(s) {
            n = v.value
            s = s.dropFirst(v.length)
        }
        guard let number = n, number > 0, let c = s.first else { return nil }
        if parenthesised {
            guard c == ")" else { return nil }
            return (number, s.dropFirst())
        }
        switch c {
        case "、": return (number, s.dropFirst())
        case ")": return digits.isEmpty ? nil : (number, s.dropFirst())
        case ".":
            // `1.` but not `1.5` or a date `11.20`.
            guard !digits.isEmpty, !(s.dropFirst().first?.isNumber ?? false) else { return nil }
            return (number, s.dropFirst())
        default: return nil
        }
    }

    /// 一 … 十九, 二十: (value, characters read).
    static func chineseNumber(_ s: Substring) -> (value: Int, length: Int)? {
        let chars = Array(s.prefix(3))
        guard let first = chars.first, let a = chineseNumerals[first] else { return nil }
        if a == 10 {
            if chars.count > 1, let b = chineseNumerals[chars[1]], b < 10 { return (10 + b, 2) }
            return (10, 1)
        }
        if chars.count > 1, chars[1] == "十" {
            if chars.count > 2, let b = chineseNumerals[chars[2]], b < 10 { return (a * 10 + b, 3) }
            return (a * 10, 2)
        }
        return (a, 1)
    }

    /// Longer task texts are not searched for a date (no item is that long; hostile text is).
    static let maxTaskLengthForDates = 2_000

    /// Reads one item's text. `staff` is the directory (name → address).
    public static func read(number: Int, body: String, staff: [String: String],
                            resolver: DeadlineResolver, sentAt: Date?) -> ActionItem {
        let chars = Array(body)
        let owners = labelPositions(chars, ownerLabels, byIsOwner: true, resolver: resolver)
        let dues = labelPositions(chars, dueLabels, byIsOwner: false, resolver: resolver)
        let starts = (owners + dues).map(\.start)
        var taskEnd = starts.min() ?? chars.count
        // Back over the separators and the bracket that open the owner/deadline part.
        while taskEnd > 0, separators.contains(chars[taskEnd - 1]) || chars[taskEnd - 1] == "(" { taskEnd -= 1 }
        var task = String(chars[..<taskEnd]).trimmingCharacters(in: .whitespaces)
        if starts.isEmpty { task = trimEnd(task) }

        var owner: String?, department: String?, address: String?
        if let o = owners.first {
            let raw = value(chars, from: o.valueStart, stopAt: starts.filter { $0 > o.start })
            if !raw.isEmpty {
                (owner, department) = splitOwner(raw, staff: staff)
                address = owner.flatMap { lookUp($0, staff) }
            }
        }

        var due: Deadline?
        var note: String?
        if let d = dues.first {
            let raw = value(chars, from: d.valueStart, stopAt: starts.filter { $0 > d.start }, allowColon: true)
            (due, note) = resolveDue(raw, resolver: resolver, sentAt: sentAt, what: "the due date")
        } else if task.count > maxTaskLengthForDates {
            note = "no due date read: the item's text is longer than \(maxTaskLengthForDates) characters"
        } else {
            (due, note) = resolveDue(task, resolver: resolver, sentAt: sentAt, what: "the task")
        }
        return ActionItem(number: number, owner: owner, department: department, ownerAddress: address,
                          task: task, due: due, dueNote: note)
    }

    static func resolveDue(_ text: String, resolver: DeadlineResolver, sentAt: Date?, what: String) -> (Deadline?, String?) {
        let probe = sentAt ?? Date(timeIntervalSince1970: 0)
        if resolver.find(in: text, sentAt: probe).isEmpty {
            return (nil, text.isEmpty || what == "the task" ? "no due date stated" : "due date unreadable: “\(text)”")
        }
        guard let sentAt else { return (nil, "due date not resolved: the message has no readable Date") }
        switch resolver.resolve(text, sentAt: sentAt) {
        case .resolved(let d): return (d, nil)
        case .unreadable(let why): return (nil, "due date unreadable: “\(text)”: \(why)")
        }
    }

    struct Label { var start: Int; var valueStart: Int }

    /// Where labels stand at the start of a segment (after a separator or at the start), and
    /// where their values start (past `:` `为` `是` `=` and spaces).
    static func labelPositions(_ chars: [Character], _ labels: [String], byIsOwner: Bool,
                               resolver: DeadlineResolver) -> [Label] {
        let lower = chars.map { $0.isASCII && $0.isUppercase ? Character($0.lowercased()) : $0 }
        let longestFirst = labels.sorted(by: { $0.count > $1.count })
        var out: [Label] = []
        var byProbes = 0
        var i = 0
        // The first two labels are all the reader uses (the label, and where its value must stop).
        while i < chars.count, out.count < 2 {
            let atSegmentStart = i == 0 || separators.contains(chars[i - 1])
            var matched: Int?
            if atSegmentStart {
                var j = i - 1
                while j >= 0, chars[j] == " " { j -= 1 }
                let afterRealSeparator = j < 0 || separators.contains(chars[j])
                for l in longestFirst where matches(lower, l, at: i) {
                    let end = i + l.count
                    if l.first!.isASCII {
                        // English words need a boundary after them, and a separator before them or a
                        // colon after them: "owner: Li Lei", "(due Friday)", not "the owner manual".
                        if end < chars.count, chars[end].isLetter { continue }
                        var k = end
                        while k < chars.count, chars[k] == " " { k += 1 }
                        if !afterRealSeparator, !(k < chars.count && chars[k] == ":") { continue }
                    }
                    matched = end
                    break
                }
                if matched == nil, byIsOwner, afterRealSeparator, byProbes < 20, matches(lower, "by ", at: i) {
                    byProbes += 1
                    // Only the words right after "by" decide (bounded, so a long line stays linear).
                    let rest = String(chars[(i + 3)..<min(chars.count, i + 43)])
                    let startsWithDeadline = resolver.find(in: rest, sentAt: Date(timeIntervalSince1970: 0))
                        .first.map { $0.range.lowerBound == rest.startIndex } ?? false
                    if !startsWithDeadline { matched = i + 2 }
                }
            }
            if let end = matched {
                var v = end
                while v < chars.count, chars[v] == ":" || chars[v] == " " || chars[v] == "=" || chars[v] == "为" || chars[v] == "為"
                    || chars[v] == "是" { v += 1 }
                out.append(Label(start: i, valueStart: v))
                i = end
            } else {
                i += 1
            }
        }
        return out
    }

    static func matches(_ chars: [Character], _ word: String, at i: Int) -> Bool {
        var k = i
        for c in word {
            guard k < chars.count, chars[k] == c else { return false }
            k += 1
        }
        return true
    }

    /// A label's value: up to the next value separator or the next label.
    static func value(_ chars: [Character], from start: Int, stopAt next: [Int], allowColon: Bool = false) -> String {
        var end = min(next.min() ?? chars.count, chars.count)
        if let stop = chars[start..<end].firstIndex(where: { valueEnds.contains($0) }) { end = stop }
        return trimEnd(String(chars[start..<max(start, end)]).trimmingCharacters(in: .whitespaces))
    }

    static func trimEnd(_ s: String) -> String {
        var t = s
        while let last = t.last, "。.;,:、 -–—/|".contains(last) { t.removeLast() }
        return t
    }

    /// Splits `售后部王芳` into person and department: a staff name that ends the text decides;
    /// else the last department word (部, 组, 中心, 科, 室, 团队, Team …) that leaves a name after it.
    /// The source documents' tables write `部门/姓名` and `部门 姓名`: a `/` splits department from
    /// person (unless the part before it is itself a staff name: `王芳/李明` is two people, kept
    /// whole), and two Chinese words split by a space are department and person.
    public static func splitOwner(_ raw: String, staff: [String: String]) -> (owner: String, department: String?) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if lookUp(text, staff) != nil { return (text, nil) }
        if let slash = text.lastIndex(where: { $0 == "/" || $0 == "／" }) {
            let dept = text[..<slash].trimmingCharacters(in: .whitespaces)
            let person = text[text.index(after: slash)...].trimmingCharacters(in: .whitespaces)
            if dept.isEmpty || person.isEmpty || lookUp(dept, staff) != nil { return (text, nil) }
            return (person, dept)
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.count == 2, words.allSatisfy({ $0.allSatisfy(isHan) }), (2...4).contains(words[1].count),
           lookUp(String(words[0]), staff) == nil {
            return (String(words[1]), String(words[0]))
        }
        let names = staff.keys.filter { !$0.isEmpty && text.lowercased().hasSuffix($0.lowercased()) && $0.count < text.count }
        if let name = names.max(by: { $0.count < $1.count }) {
            let dept = String(text.dropLast(name.count)).trimmingCharacters(in: .whitespaces)
            return (String(text.suffix(name.count)), dept.isEmpty ? nil : dept)
        }
        let lower = text.lowercased()
        var best: String.Index?
        for suffix in departmentSuffixes {
            var search = lower.startIndex..<lower.endIndex
            while let r = lower.range(of: suffix, range: search) {
                let rest = lower[r.upperBound...].trimmingCharacters(in: .whitespaces)
                if !rest.isEmpty, r.lowerBound > lower.startIndex, best.map({ r.upperBound > $0 }) ?? true {
                    best = r.upperBound
                }
                search = r.upperBound..<lower.endIndex
            }
        }
        if let cut = best {
            let offset = lower.distance(from: lower.startIndex, to: cut)
            let i = text.index(text.startIndex, offsetBy: offset)
            let person = text[i...].trimmingCharacters(in: .whitespaces)
            let dept = text[..<i].trimmingCharacters(in: .whitespaces)
            return (person, dept)
        }
        return (text, nil)
    }

    /// A CJK unified ideograph.
    static func isHan(_ c: Character) -> Bool {
        guard let u = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return false }
        return (0x4E00...0x9FFF).contains(u.value) || (0x3400...0x4DBF).contains(u.value)
    }

    /// The staff address for a name: exact, else case-insensitive, else ignoring spaces.
    static func lookUp(_ name: String, _ staff: [String: String]) -> String? {
        if let a = staff[name] { return a }
        let key = name.lowercased().replacingOccurrences(of: " ", with: "")
        return staff.first { $0.key.lowercased().replacingOccurrences(of: " ", with: "") == key }?.value
    }
}
