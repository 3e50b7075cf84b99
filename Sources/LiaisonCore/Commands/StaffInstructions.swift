import Foundation

// What trusted staff write back by mail (semantics.md "Staff acting by mail", issue 14): commands
// at the top of the message (`#结案`, `#完成 2`, `#延期 2 12月10日` …) and natural replies (第1项已完成,
// 改到下周三, item 2 done). This file holds the values; `StaffInstructionReader` reads them. Pure:
// no store, no clock (relative dates resolve from the `sentAt` the caller passes), no trust
// decision (the caller applies instructions only from a trusted sender, semantics.md "Who may do
// what") and no lookup (an item number or an owner's name is checked against the case by the
// caller, who answers what it cannot apply).

/// Which action item an instruction concerns.
public enum ItemReference: Sendable, Equatable, Hashable, Codable {
    /// The item numbered so on the case (第1项, 第三点, ①, item 2, `#完成 2`).
    case number(Int)
    /// No number given: the item of the Liaison notice or reminder this mail replies to. The
    /// caller refuses it (`StaffRefusal.Reason.noItem`) when the mail replies to no such notice.
    case repliedTo
}

/// Whom a case is handed to (`#转交 王芳`, `#owner wang.fang@example.com`), as written: the
/// caller looks the name up in the staff directory.
public enum OwnerReference: Sendable, Equatable, Codable {
    /// A bare address, lowercased (`MailAddressCheck.isPlain`).
    case address(String)
    /// A name as written (`王芳`, `售后部/王芳`, `Wang Fang`).
    case name(String)
}

/// A new date read for an item or a mute: the instant, how it was read, and the words.
public struct StaffDate: Sendable, Equatable, Codable {
    /// When it falls.
    public var instant: Date
    /// How the words were read (`Deadline.description`, e.g. `end of 2026-12-10 (23:59:59)`).
    public var reading: String
    /// The words as written (`12月10日`, `下周三`, `Dec 10`, `3天`).
    public var words: String

    public init(instant: Date, reading: String, words: String) {
        self.instant = instant
        self.reading = reading
        self.words = words
    }

    init(_ deadline: Deadline, words: String) {
        self.init(instant: deadline.instant, reading: deadline.reading.description, words: words)
    }
}

/// One thing staff asked for.
public enum StaffInstruction: Sendable, Equatable, Codable {
    /// The item is done (已完成, done, `#完成 2`).
    case itemDone(ItemReference)
    /// The item's new due (延期至12月10日, postpone to Friday, `#延期 2 12月10日`).
    case itemRescheduled(ItemReference, due: StaffDate)
    /// The item is dropped (`#取消 3`; never read from prose).
    case itemCancelled(ItemReference)
    /// `#结案`, `#resolve`.
    case resolveCase
    /// `#重开`, `#reopen`.
    case reopenCase
    /// `#转交 王芳`, `#owner wang.fang@…`.
    case assignCase(OwnerReference)
    /// `#静默 3天`, `#mute until Dec 10`: the case's reminders are muted until `until.instant`.
    case muteCase(until: StaffDate)

    /// The item it concerns, for the item instructions.
    public var item: ItemReference? {
        switch self {
        case .itemDone(let r), .itemRescheduled(let r, _), .itemCancelled(let r): return r
        case .resolveCase, .reopenCase, .assignCase, .muteCase: return nil
        }
    }
}

/// Where an instruction was read.
public enum StaffInstructionOrigin: Sendable, Equatable, Codable {
    /// A command line at the top of the message (as written, trimmed).
    case command(line: String)
    /// A sentence of the message's prose (trimmed).
    case natural(sentence: String)
}

/// An instruction with where it was read.
public struct ReadInstruction: Sendable, Equatable {
    public var instruction: StaffInstruction
    public var origin: StaffInstructionOrigin

    public init(_ instruction: StaffInstruction, origin: StaffInstructionOrigin) {
        self.instruction = instruction
        self.origin = origin
    }
}

/// A command line that cannot be applied as written, and why. The caller answers it with the
/// reason (`english`/`chinese`) and changes nothing for that line.
public struct StaffRefusal: Sendable, Equatable {
    /// Why a command cannot be applied. The reader produces all but `noItem`, `noSuchItem` and
    /// `notTrusted`, which the caller uses with the same wording when it applies the instructions.
    public enum Reason: Sendable, Equatable {
        /// `#` and a word that is no command (`#finish`, `#关闭提醒`).
        case unknownCommand(String)
        /// A command that takes no argument was given one (`#结案 谢谢`).
        case unexpectedWords(String)
        /// An item number the reader cannot read (`#完成 x`, `#完成 0`, `#完成 1-3`).
        case unreadableItems(String)
        /// `#延期 2` without a date, `#静默` without a duration, `#转交` without a name.
        case missingArgument
        /// A date or duration that does not read (`#延期 2 13月5日`): the words and the reason.
        case unreadableDate(words: String, why: String)
        /// A relative date (明天, 周五, 12月10日 without a year) in a message without a readable Date.
        case noMessageDate(words: String)
        /// The new date is not after the message (`#延期 2 昨天`).
        case dateInPast(words: String)
        /// An owner that is neither a plain address nor a name (`#转交 <a@b`, a name of 60 chars).
        case unreadableOwner(String)
        /// More command lines than the reader takes (`StaffInstructionReader.maxCommands`).
        case tooManyCommands
        /// (Caller) the mail names no item and replies to no item notice.
        case noItem
        /// (Caller) the case has no item with that number.
        case noSuchItem(Int)
        /// (Caller) the sender is not trusted staff: nothing changes.
        case notTrusted

        /// A stable code for logs, events and tests.
        public var code: String {
            switch self {
            case .unknownCommand: return "unknown-command"
            case .unexpectedWords: return "unexpected-words"
            case .unreadableItems: return "unreadable-items"
            case .missingArgument: return "missing-argument"
            case .unreadableDate: return "unreadable-date"
            case .noMessageDate: return "no-message-date"
            case .dateInPast: return "date-in-past"
            case .unreadableOwner: return "unreadable-owner"
            case .tooManyCommands: return "too-many-commands"
            case .noItem: return "no-item"
            case .noSuchItem: return "no-such-item"
            case .notTrusted: return "not-trusted"
            }
        }

        /// The reason in English, for the reply.
        public var english: String {
            switch self {
            case .unknownCommand(let w): return "“#\(w)” is not a command (commands: #resolve, #reopen, #assign NAME, #done N, #postpone N DATE, #cancel N, #mute DURATION)."
            case .unexpectedWords(let w): return "This command takes nothing after it, but “\(w)” follows; nothing was changed."
            case .unreadableItems(let w): return "“\(w)” is not an item number (write e.g. #done 2 or #done 1,3)."
            case .missingArgument: return "The command needs more: an item and a date (#postpone 2 Dec 10), a duration (#mute 3 days) or an owner (#assign NAME)."
            case .unreadableDate(let w, let why): return "The date “\(w)” cannot be read (\(why))."
            case .noMessageDate(let w): return "“\(w)” is relative, and the message has no readable date to count from: write the full date."
            case .dateInPast(let w): return "“\(w)” is not after the message: write a future date."
            case .unreadableOwner(let w): return "“\(w)” is neither an address nor a name."
            case .tooManyCommands: return "Too many command lines: only the first \(StaffInstructionReader.maxCommands) were read."
            case .noItem: return "The message names no item and replies to no item reminder: write the item number (#done 2)."
            case .noSuchItem(let n): return "The case has no item \(n)."
            case .notTrusted: return "Only authenticated staff mail can change a case: nothing was changed."
            }
        }

        /// The reason in Chinese, for the reply.
        public var chinese: String {
            switch self {
            case .unknownCommand(let w): return "“#\(w)”不是可识别的指令（可用：#结案、#重开、#转交 姓名、#完成 N、#延期 N 日期、#取消 N、#静默 时长）。"
            case .unexpectedWords(let w): return "该指令后不应有其他内容，但写了“\(w)”，未做任何更改。"
            case .unreadableItems(let w): return "“\(w)”不是事项编号（例如 #完成 2 或 #完成 1,3）。"
            case .missingArgument: return "指令缺少内容：事项和日期（#延期 2 12月10日）、时长（#静默 3天）或负责人（#转交 姓名）。"
            case .unreadableDate(let w, let why): return "无法识别日期“\(w)”（\(why)）。"
            case .noMessageDate(let w): return "“\(w)”是相对日期，但邮件没有可读的发送时间，请写完整日期。"
            case .dateInPast(let w): return "“\(w)”早于本邮件，请写将来的日期。"
            case .unreadableOwner(let w): return "“\(w)”既不是邮箱地址也不是姓名。"
            case .tooManyCommands: return "指令行过多：只读取了前\(StaffInstructionReader.maxCommands)行。"
            case .noItem: return "邮件未写明事项，也不是对事项提醒的回复：请写明事项编号（#完成 2）。"
            case .noSuchItem(let n): return "本案件没有第\(n)项。"
            case .notTrusted: return "只有经过认证的本公司员工邮件才能更改案件，未做任何更改。"
            }
        }
    }

    /// The command line as written (trimmed).
    public var line: String
    public var reason: Reason

    public init(line: String, reason: Reason) {
        self.line = line
        self.reason = reason
    }
}

/// What one message's own words ask for: the instructions in the order written (commands first),
/// and the command lines refused.
public struct StaffInstructions: Sendable, Equatable {
    public var instructions: [ReadInstruction]
    public var refused: [StaffRefusal]

    public init(instructions: [ReadInstruction] = [], refused: [StaffRefusal] = []) {
        self.instructions = instructions
        self.refused = refused
    }

    /// Nothing asked and nothing refused.
    public var isEmpty: Bool { instructions.isEmpty && refused.isEmpty }

    /// The instructions alone.
    public var all: [StaffInstruction] { instructions.map(\.instruction) }
}
