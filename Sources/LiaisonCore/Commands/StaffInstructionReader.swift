import Foundation

/// Reads what a staff message asks Liaison to do (semantics.md "Staff acting by mail"). Pure and
/// bounded: it reads the top `maxBytes`/`maxLines` of the text, in time linear in them.
///
/// ```swift
/// let reader = StaffInstructionReader(resolver: DeadlineResolver(organization: org))
/// let read = reader.read(QuotedText.strip(body), sentAt: message.date)
/// for r in read.instructions { … r.instruction … r.origin … }
/// for refusal in read.refused { … refusal.line, refusal.reason.chinese … }
/// ```
///
/// **Commands**: the lines at the top of the text (blank lines between them allowed) that start
/// with `#` or `＃` and a command word, case-insensitive, full-width digits and spaces alike:
///
/// | command | words | argument |
/// |---|---|---|
/// | resolve | 结案 結案 resolve close | none |
/// | reopen | 重开 重開 重新打开 reopen re-open | none |
/// | assign | 转交 轉交 移交 转给 交给 owner assign handover transfer | an address or a name |
/// | done | 完成 已完成 办结 辦結 done complete completed finish finished | items (none: `.repliedTo`) |
/// | reschedule | 延期 改期 推迟 推遲 顺延 延后 postpone reschedule defer delay due | items, then a date |
/// | cancel | 取消 撤销 撤銷 cancel drop | items (none: `.repliedTo`) |
/// | mute | 静默 靜默 暂停提醒 免打扰 mute snooze silence | a duration (3天, 2 weeks) or a date (至12月10日) |
///
/// Items: `2`, `1,3`, `1、3`, `1 and 3`, `①③`, `2-4`, `第2项`, `item 2`. Words after a command
/// that contain no digit are a note and ignored (`#结案 客户已确认`); with a digit they are refused
/// (`#结案 2`). A `#` and a word that is no command is refused (`unknownCommand`); `#2 …`, `# …`
/// and any line of prose end the command block, and `#` lines after it are prose.
///
/// **Natural replies**: the rest of the text, sentence by sentence and clause by clause
/// (`StaffReplyReading`): a clause that says items are done (已完成, 已发出, 搞定了, done, shipped …)
/// or moved to a date (延期至…, 改到…, postpone to …) names the items it holds (第1项, ①②, item 2),
/// else those of the clause before it in the sentence, else `.repliedTo`. A negation (还没, 未,
/// not yet, isn't), a question (…了吗？, 是否, is it done?), a condition or a promise (如果, 完成后,
/// 将, once, will, please) makes the clause say nothing, as does an unreadable or a past new
/// date; a done clause with a day after the message's day is a promise. When some clause names
/// items, the clauses naming none are dropped (which item would they mean?); a natural
/// instruction for an item a command also names is dropped, and two natural ones that disagree
/// about an item are both dropped. Never read: quoted text (`QuotedText.strip` runs again here,
/// so `>` lines, `-----原始邮件-----`, `On … wrote:`, `在 … 写道：` and `发件人:` blocks end the text).
public struct StaffInstructionReader: Sendable {
    /// Only the top of a message is read: commands are at its top, and a reply's own words come
    /// before the quote. 16 KiB is pages of prose; a longer own text is read no further.
    public static let maxBytes = 16 * 1024
    /// At most this many lines of the top are read.
    public static let maxLines = 200
    /// At most this many command lines; more are refused (`tooManyCommands`).
    public static let maxCommands = 20

    public let resolver: DeadlineResolver

    public init(resolver: DeadlineResolver) {
        self.resolver = resolver
    }

    /// Reads `text` (the message's own new words; quoted text removed by the caller, and again
    /// here). `sentAt` is the instant relative dates resolve from; nil: only dates with a year
    /// read (`2026年12月10日`), relative ones are refused (`noMessageDate`).
    public func read(_ text: String, sentAt: Date?) -> StaffInstructions {
        let lines = Self.topLines(of: text)
        var out = StaffInstructions()
        var k = 0
        var commands = 0
        // The command block.
        while k < lines.count {
            let line = lines[k]
            if line.isEmpty { k += 1; continue }
            let parsed = StaffCommandLine.parse(line)
            if case .notACommand = parsed { break }
            commands += 1
            if commands > Self.maxCommands {
                out.refused.append(StaffRefusal(line: line, reason: .tooManyCommands))
                k = lines.count
                break
            }
            switch parsed {
            case .command(let command):
                switch apply(command, sentAt: sentAt) {
                case .success(let instructions):
                    out.instructions += instructions.map { ReadInstruction($0, origin: .command(line: line)) }
                case .failure(let refusal):
                    out.refused.append(StaffRefusal(line: line, reason: refusal.reason))
                }
            case .unknown(let word):
                out.refused.append(StaffRefusal(line: line, reason: .unknownCommand(word)))
            case .notACommand:
                break
            }
            k += 1
        }
        // Prose.
        let prose = lines[k...].joined(separator: "\n")
        let natural = StaffReplyReading(resolver: resolver, sentAt: sentAt).read(prose)
        let commanded = Set(out.instructions.compactMap(\.instruction.item))
        for n in natural where n.instruction.item.map({ !commanded.contains($0) }) ?? true {
            if !out.instructions.contains(where: { $0.instruction == n.instruction }) { out.instructions.append(n) }
        }
        return out
    }

    /// The top of `text` (at most `maxBytes` and `maxLines`), quotes stripped, folded
    /// (full-width to ASCII), each line trimmed.
    static func topLines(of text: String) -> [String] {
        var end = text.utf8.count > maxBytes ? text.utf8.index(text.utf8.startIndex, offsetBy: maxBytes) : text.endIndex
        // Back to a character boundary.
        while end > text.startIndex, end < text.endIndex, end.samePosition(in: text.unicodeScalars) == nil {
            end = text.utf8.index(before: end)
        }
        var lines: [Substring] = []
        var start = text.startIndex
        var i = start
        while i < end, lines.count < maxLines {
            if text.utf8[i] == 0x0A {
                lines.append(text[start..<i])
                start = text.utf8.index(after: i)
            }
            i = text.utf8.index(after: i)
        }
        if lines.count < maxLines, start < end { lines.append(text[start..<end]) }
        let own = QuotedText.strip(lines.joined(separator: "\n"))
        return own.split(separator: "\n", omittingEmptySubsequences: false).map {
            TextFold.fold(String($0)).replacingOccurrences(of: "\r", with: "").trimmingCharacters(in: .whitespaces)
        }
    }

    // MARK: - Commands to instructions

    struct Refused: Error { var reason: StaffRefusal.Reason }

    func apply(_ command: StaffCommandLine, sentAt: Date?) -> Result<[StaffInstruction], Refused> {
        let c = Array(command.argument.lowercased())
        func noteOnly(_ rest: String) -> Result<Void, Refused> {
            let t = rest.trimmingCharacters(in: .whitespaces)
            return t.contains(where: { $0.isNumber }) ? .failure(Refused(reason: .unexpectedWords(t))) : .success(())
        }
        func items() -> Result<(refs: [ItemReference], rest: String), Refused> {
            let (numbers, end) = ItemNumbers.atCommandStart(c, from: 0)
            let rest = String(command.argument.dropFirst(end)).trimmingCharacters(in: .whitespaces)
            guard let numbers else {
                return .failure(Refused(reason: .unreadableItems(command.argument.trimmingCharacters(in: .whitespaces))))
            }
            return .success((numbers.isEmpty ? [.repliedTo] : numbers.map(ItemReference.number), rest))
        }
        switch command.verb {
        case .resolve, .reopen:
            let instruction: StaffInstruction = command.verb == .resolve ? .resolveCase : .reopenCase
            return noteOnly(command.argument).map { [instruction] }
        case .done, .cancel:
            return items().flatMap { read -> Result<[StaffInstruction], Refused> in
                // `#完成 x`: words where the item number should be.
                if read.refs == [.repliedTo], !read.rest.isEmpty { return .failure(Refused(reason: .unreadableItems(read.rest))) }
                return noteOnly(read.rest).map {
                    read.refs.map { command.verb == .done ? StaffInstruction.itemDone($0) : .itemCancelled($0) }
                }
            }
        case .reschedule:
            return items().flatMap { read -> Result<[StaffInstruction], Refused> in
                guard !read.rest.isEmpty else { return .failure(Refused(reason: .missingArgument)) }
                return date(read.rest, sentAt: sentAt, span: false).map { due in
                    read.refs.map { StaffInstruction.itemRescheduled($0, due: due) }
                }
            }
        case .mute:
            let rest = command.argument.trimmingCharacters(in: .whitespaces)
            guard !rest.isEmpty else { return .failure(Refused(reason: .missingArgument)) }
            return date(rest, sentAt: sentAt, span: true).map { [StaffInstruction.muteCase(until: $0)] }
        case .assign:
            return owner(command.argument).map { [StaffInstruction.assignCase($0)] }
        }
    }

    /// A date (or, with `span`, a duration) after a command, checked to fall after the message.
    func date(_ words: String, sentAt: Date?, span: Bool) -> Result<StaffDate, Refused> {
        StaffDates.resolve(words, sentAt: sentAt, resolver: resolver, span: span)
    }

    /// `#转交 王芳`, `#owner <wang.fang@corp.example>`, `#assign to Wang Fang`.
    func owner(_ argument: String) -> Result<OwnerReference, Refused> {
        var t = argument.trimmingCharacters(in: .whitespaces)
        for lead in ["给", "給", "to ", ":", "："] where t.lowercased().hasPrefix(lead) {
            t = String(t.dropFirst(lead.count)).trimmingCharacters(in: .whitespaces)
        }
        while let last = t.last, "。.,，;；!！".contains(last) { t.removeLast() }
        if t.hasPrefix("<"), t.hasSuffix(">") { t = String(t.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) }
        guard !t.isEmpty else { return .failure(Refused(reason: .missingArgument)) }
        if t.contains("@") {
            let address = t.lowercased()
            return MailAddressCheck.isPlain(address) ? .success(.address(address)) : .failure(Refused(reason: .unreadableOwner(t)))
        }
        // A name as staff directories write it: letters (any script), spaces, `.`, `/`, `-`, `·`.
        let allowed = t.allSatisfy { $0.isLetter || $0 == " " || ".·/-_'".contains($0) }
        guard t.count <= 40, allowed, t.contains(where: \.isLetter) else { return .failure(Refused(reason: .unreadableOwner(t))) }
        return .success(.name(t))
    }
}

/// Reading a new date for staff: from the message's Date when there is one, else only a date that
/// reads the same whatever the reference (one with its year).
enum StaffDates {
    /// Two references a century apart: an absolute date reads alike from both.
    static let references = (Date(timeIntervalSince1970: 978_307_200), Date(timeIntervalSince1970: 4_133_980_800))

    static func resolve(_ words: String, sentAt: Date?, resolver: DeadlineResolver, span: Bool)
        -> Result<StaffDate, StaffInstructionReader.Refused> {
        func refuse(_ r: StaffRefusal.Reason) -> Result<StaffDate, StaffInstructionReader.Refused> {
            .failure(StaffInstructionReader.Refused(reason: r))
        }
        let w = words.trimmingCharacters(in: .whitespaces)
        func read(_ at: Date) -> DeadlineResolution {
            span ? resolver.resolveSpan(w, sentAt: at) : resolver.resolve(w, sentAt: at)
        }
        guard let sentAt else {
            let (a, b) = (read(references.0), read(references.1))
            switch (a, b) {
            case (.unreadable(let why), _): return refuse(.unreadableDate(words: w, why: why))
            case (.resolved(let d1), .resolved(let d2)) where d1.instant == d2.instant:
                return .success(StaffDate(d1, words: w))
            default: return refuse(.noMessageDate(words: w))
            }
        }
        switch read(sentAt) {
        case .unreadable(let why): return refuse(.unreadableDate(words: w, why: why))
        case .resolved(let d):
            guard d.instant > sentAt else { return refuse(.dateInPast(words: w)) }
            return .success(StaffDate(d, words: w))
        }
    }
}

/// One command line: its verb and the words after it.
struct StaffCommandLine: Equatable {
    enum Verb: Equatable { case resolve, reopen, assign, done, reschedule, cancel, mute }

    /// What a line starting with `#` is.
    enum Parsed: Equatable {
        case command(StaffCommandLine)
        /// `#` and at once a word that is no command word (`#finalise`, `#关闭提醒`).
        case unknown(String)
        /// `#2 done`, `# heading`, `##`: prose.
        case notACommand
    }

    var verb: Verb
    /// The words after the command word (folded, as written otherwise).
    var argument: String

    static let verbs: [(String, Verb)] = [
        ("结案", .resolve), ("結案", .resolve), ("resolve", .resolve), ("close", .resolve),
        ("重开", .reopen), ("重開", .reopen), ("重新打开", .reopen), ("重新打開", .reopen), ("reopen", .reopen), ("re-open", .reopen),
        ("转交", .assign), ("轉交", .assign), ("移交", .assign), ("转给", .assign), ("轉給", .assign), ("交给", .assign),
        ("交給", .assign), ("owner", .assign), ("assign", .assign), ("handover", .assign), ("hand over", .assign),
        ("transfer", .assign),
        ("完成", .done), ("已完成", .done), ("办结", .done), ("辦結", .done), ("已办结", .done), ("已辦結", .done),
        ("done", .done), ("complete", .done), ("completed", .done), ("finish", .done), ("finished", .done),
        ("延期", .reschedule), ("改期", .reschedule), ("推迟", .reschedule), ("推遲", .reschedule), ("顺延", .reschedule),
        ("順延", .reschedule), ("延后", .reschedule), ("延後", .reschedule), ("postpone", .reschedule),
        ("reschedule", .reschedule), ("defer", .reschedule), ("delay", .reschedule), ("due", .reschedule),
        ("取消", .cancel), ("撤销", .cancel), ("撤銷", .cancel), ("cancel", .cancel), ("drop", .cancel),
        ("静默", .mute), ("靜默", .mute), ("暂停提醒", .mute), ("暫停提醒", .mute), ("免打扰", .mute), ("免打擾", .mute),
        ("mute", .mute), ("snooze", .mute), ("silence", .mute),
    ]

    /// An unknown word is reported up to this many characters.
    static let maxReportedWord = 30

    /// Reads a (folded, trimmed) line that starts with `#`. Command words are matched
    /// case-insensitively, the longest first; an English one must end at a non-letter.
    static func parse(_ line: String) -> Parsed {
        let chars = Array(line)
        guard chars.first == "#" else { return .notACommand }
        let lower = chars.map { Character($0.lowercased()) }
        let start = ItemNumbers.skipSpaces(lower, 1)
        var best: (Verb, Int)?
        for (w, v) in verbs where ItemNumbers.matches(lower, start, w) {
            let end = start + w.count
            if w.first!.isASCII, ItemNumbers.isLetter(ItemNumbers.at(lower, end)) { continue }
            if end > (best?.1 ?? 0) { best = (v, end) }
        }
        if let (verb, end) = best {
            return .command(StaffCommandLine(verb: verb, argument: String(chars[end...])))
        }
        // `#` and a word at once: a command that is not one of ours.
        if chars.count > 1, chars[1].isLetter {
            let word = chars.dropFirst().prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            return .unknown(String(word.prefix(maxReportedWord)))
        }
        return .notACommand
    }
}
