import Foundation

/// What a recap says (semantics.md "The objection window", "Action items"): its objection window,
/// next contact and action items, with instants resolved against the message's Date.
public struct Recap: Sendable, Equatable {
    /// The words that state the window's time (`如有异议请于今日内回复`).
    public var windowWords: String?
    /// When the objection window closes; nil when it names no time or cannot be read.
    public var objectionDeadline: Deadline?
    /// Why `objectionDeadline` is nil.
    public var objectionDeadlineNote: String?
    /// 下次沟通时间 / next call, resolved.
    public var nextContact: Deadline?
    /// Why `nextContact` is nil although a next-contact label was written.
    public var nextContactNote: String?
    /// The numbered lines, in order.
    public var actionItems: [ActionItem]
}

/// Reads a recap from a message's text. Pure: the message's Date is the only "now".
public enum RecapReader {
    static let nextContactLabels = ["下次沟通时间", "下次溝通時間", "下次沟通", "下次溝通", "下次会议时间", "下次會議時間",
                                    "下次会议", "下次會議", "下次通话时间", "下次通話時間", "下次通话", "下次通話", "下次联系时间",
                                    "next call", "next meeting", "next contact", "next check-in"]
    /// `nextContactLabels` prepared once for `LiteralSearch`.
    static let nextContactNeedles = nextContactLabels.map(LiteralSearch.Needle.init)

    /// The recap in `text` (the message's own text: quotes are stripped here), or nil when it
    /// states no objection window. Trust and kind are the caller's concern (`MessageFacts`).
    public static func read(text: String, sentAt: Date?, resolver: DeadlineResolver,
                            staff: [String: String]) -> Recap? {
        let own = TextFold.fold(QuotedText.strip(text))
        guard let found = ObjectionWindow.find(in: own),
              ObjectionWindow.statesWindow(found, resolver: resolver, sentAt: sentAt) else { return nil }
        var recap = Recap(windowWords: found.invitation, objectionDeadline: nil, objectionDeadlineNote: nil,
                          nextContact: nil, nextContactNote: nil, actionItems: [])
        if let sentAt {
            let (d, words, note) = ObjectionWindow.deadline(found, resolver: resolver, sentAt: sentAt)
            recap.objectionDeadline = d
            recap.windowWords = words
            recap.objectionDeadlineNote = note
        } else {
            recap.objectionDeadlineNote = "objection window not resolved: the message has no readable Date"
        }
        (recap.nextContact, recap.nextContactNote) = nextContact(in: own, resolver: resolver, sentAt: sentAt)
        recap.actionItems = items(in: own, staff: staff, resolver: resolver, sentAt: sentAt)
        return recap
    }

    /// The action items of a recap's own text, in the order written: the numbered lines, and the
    /// rows of an item table (`TableItemReader`) whose lines are then not read as numbered lines.
    static func items(in own: String, staff: [String: String], resolver: DeadlineResolver, sentAt: Date?) -> [ActionItem] {
        let lines = own.split(separator: "\n", omittingEmptySubsequences: false)
        var fromTables: [Int: ActionItem] = [:]
        var tableLines = Set<Int>()
        for table in TableItemReader.tables(in: lines) {
            tableLines.insert(table.rows[0].line - 1)   // the header row
            for (k, row) in table.rows.enumerated() {
                tableLines.insert(row.line)
                if let item = TableItemReader.item(row, columns: table.columns, ordinal: k + 1, staff: staff,
                                                   resolver: resolver, sentAt: sentAt) {
                    fromTables[row.line] = item
                }
            }
        }
        if tableLines.isEmpty {
            return ActionItemReader.numberedLines(own).map {
                ActionItemReader.read(number: $0.number, body: $0.body, staff: staff, resolver: resolver, sentAt: sentAt)
            }
        }
        var out: [ActionItem] = []
        for (k, line) in lines.enumerated() {
            if let item = fromTables[k] { out.append(item); continue }
            if tableLines.contains(k) { continue }
            out += ActionItemReader.numberedLines(String(line)).map {
                ActionItemReader.read(number: $0.number, body: $0.body, staff: staff, resolver: resolver, sentAt: sentAt)
            }
        }
        return out
    }

    /// The value after the first next-contact label, up to its sentence end, resolved.
    static func nextContact(in text: String, resolver: DeadlineResolver, sentAt: Date?) -> (Deadline?, String?) {
        let lower = text.lowercased()
        let hay = LiteralSearch.Haystack(lower)
        let hits = nextContactNeedles.compactMap { l in LiteralSearch.range(of: l, in: hay).map { ($0, l.string) } }
        guard let (r, _) = hits.min(by: { $0.0.lowerBound < $1.0.lowerBound || ($0.0.lowerBound == $1.0.lowerBound && $0.1.count > $1.1.count) })
        else { return (nil, nil) }
        let offset = lower.distance(from: lower.startIndex, to: r.upperBound)
        var rest = Substring(text.dropFirst(offset)).drop(while: { $0 == " " })
        let explicit = rest.first == ":"
        rest = rest.drop(while: { $0 == ":" || $0 == " " || $0 == "为" || $0 == "是" || $0 == "在" })
        let value = ActionItemReader.trimEnd(String(rest.prefix(while: { !"。;\n".contains($0) }))
            .trimmingCharacters(in: .whitespaces))
        // 下次沟通时我们再确认 mentions the next call without stating it: no fact, no note. A label
        // with a colon (下次沟通时间:另行通知) states one, and an unreadable value is noted.
        if !explicit, resolver.find(in: value, sentAt: sentAt ?? Date(timeIntervalSince1970: 0)).isEmpty { return (nil, nil) }
        let (d, note) = ActionItemReader.resolveDue(value, resolver: resolver, sentAt: sentAt, what: "next contact")
        return (d, note.map { $0.replacingOccurrences(of: "due date", with: "next contact") })
    }
}
