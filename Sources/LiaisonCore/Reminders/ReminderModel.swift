import Foundation

/// What a reminder is about: the deadlines of shared/docs/semantics.md ("Deadlines the source
/// documents set") and of recap action items. The raw value is the name shown by
/// `liaison reminders list` and stored in the database.
public enum ReminderKind: String, Sendable, Codable, CaseIterable {
    /// To the item's owner, on the morning of the due day and a configurable time before.
    case itemDue = "item-due"
    /// To the item's owner and the case owner, after the due instant passed.
    case itemOverdue = "item-overdue"
    /// To the recap's author (and case owner), before the next contact (下次沟通时间).
    case nextContact = "next-contact"
    /// A complaint's first response (24小时内响应): cancelled by a staff reply on the case.
    case complaintResponse = "complaint-response"
    /// A complaint's solution (48小时内给出解决方案): cancelled when the case is resolved.
    case complaintSolution = "complaint-solution"
    /// The recap's objection window closes: confirmed or disputed notice to its author.
    case recapWindow = "recap-window"
    /// An objection arrived inside the window: at once, to the recap's author.
    case recapDisputed = "recap-disputed"
    /// Satisfaction follow-up (回访), one working day after the case is resolved.
    case satisfaction = "satisfaction"
    /// Weekly progress check on a filing with an agency (每周1次查询审核进度).
    case filingCheck = "filing-check"
    /// 17:00 each working day: each owner's open cases and items due (每日17:00同步进展).
    case digest = "digest"
    /// Monday 09:00: the week's figures and follow-up table to each manager, and to each owner
    /// the cases that need attention (每周检查; `WeeklyCheck`, composed outside `fireDue`).
    case weeklyCheck = "weekly-check"
    /// An outbox mail failed permanently or bounced: tell the case owner.
    case deliveryFailed = "delivery-failed"
    /// An objection came from someone who does not speak for the counterparty: at once, to the
    /// case owner and the recap's author (not applied; recorded on the case).
    case objectionIgnored = "objection-ignored"
    /// Messages that would open cases were held past a rate cap: one summary per recipient and
    /// hour, to the would-be owner or `[limits] notify` (never stored as a reminder).
    case rateLimited = "rate-limited"
    /// What a trusted staff member's mail changed (or could not change), to that sender only,
    /// threaded on their mail (never stored as a reminder).
    case confirmation = "confirmation"
}

/// A reminder's life: `pending` until it fires or is cancelled.
public enum ReminderStatus: String, Sendable, Codable, CaseIterable {
    case pending, fired, cancelled
}

/// A reminder to schedule. Adding one whose (`caseNumber`, `key`) already exists does nothing, so
/// filing the same facts twice (a refetch, a restart) never schedules twice.
public struct NewReminder: Sendable, Equatable {
    /// The case it belongs to; nil for reminders of no case (the daily digest).
    public var caseNumber: String?
    public var kind: ReminderKind
    public var fireAt: Date
    /// The deadline it concerns (an item's due, a window's close, 24 h after a complaint), if any.
    public var about: Date?
    /// Lowercased addresses.
    public var recipients: [String]
    /// Unique within the case (or among case-less reminders), e.g. `item-due:812:3:morning`.
    public var key: String
    /// The recap it concerns (`RecapRecord.id`), if any.
    public var recapID: Int64?
    /// The action item number on that recap, if any.
    public var itemNumber: Int?
    /// Free words for the notice (the task, the rule), never a message body.
    public var detail: String?

    public init(caseNumber: String?, kind: ReminderKind, fireAt: Date, about: Date? = nil, recipients: [String],
                key: String, recapID: Int64? = nil, itemNumber: Int? = nil, detail: String? = nil) {
        self.caseNumber = caseNumber
        self.kind = kind
        self.fireAt = fireAt
        self.about = about
        self.recipients = recipients.map { $0.lowercased() }
        self.key = key
        self.recapID = recapID
        self.itemNumber = itemNumber
        self.detail = detail
    }
}

/// A stored reminder.
public struct Reminder: Sendable, Equatable {
    public var id: Int64
    public var caseNumber: String?
    public var kind: ReminderKind
    public var fireAt: Date
    public var about: Date?
    public var recipients: [String]
    public var key: String
    public var recapID: Int64?
    public var itemNumber: Int?
    public var detail: String?
    public var status: ReminderStatus
    /// When it fired or was cancelled.
    public var doneAt: Date?
    /// It fired later than its time by more than the scheduler's tolerance (the service was down).
    public var late: Bool
    /// Why it was cancelled (`staff replied`, `case resolved`, `cancelled by hand`).
    public var cancelReason: String?

    public init(id: Int64, caseNumber: String?, kind: ReminderKind, fireAt: Date, about: Date?, recipients: [String],
                key: String, recapID: Int64?, itemNumber: Int?, detail: String?, status: ReminderStatus,
                doneAt: Date?, late: Bool, cancelReason: String?) {
        self.id = id
        self.caseNumber = caseNumber
        self.kind = kind
        self.fireAt = fireAt
        self.about = about
        self.recipients = recipients
        self.key = key
        self.recapID = recapID
        self.itemNumber = itemNumber
        self.detail = detail
        self.status = status
        self.doneAt = doneAt
        self.late = late
        self.cancelReason = cancelReason
    }
}

/// Cancels the pending reminders of one case that match: of one of `kinds` (empty: any kind)
/// and, when set, whose key starts with `keyPrefix`.
public struct ReminderCancellation: Sendable, Equatable {
    public var caseNumber: String
    public var kinds: [ReminderKind]
    public var keyPrefix: String?
    public var reason: String
    /// When set: only the reminders of this item (its recap and number).
    public var item: (recapID: Int64, number: Int)?
    /// When not empty: only these reminders.
    public var ids: [Int64]
    public init(caseNumber: String, kinds: [ReminderKind], keyPrefix: String? = nil, reason: String,
                item: (recapID: Int64, number: Int)? = nil, ids: [Int64] = []) {
        self.caseNumber = caseNumber
        self.kinds = kinds
        self.keyPrefix = keyPrefix
        self.reason = reason
        self.item = item
        self.ids = ids
    }

    public static func == (a: ReminderCancellation, b: ReminderCancellation) -> Bool {
        a.caseNumber == b.caseNumber && a.kinds == b.kinds && a.keyPrefix == b.keyPrefix && a.reason == b.reason
            && a.item?.recapID == b.item?.recapID && a.item?.number == b.item?.number && a.ids == b.ids
    }
}

/// Where an action item stands (semantics.md "Staff acting by mail"). Stored by its name.
public enum ItemStatus: String, Sendable, Codable, CaseIterable {
    /// Still to do, at its first due.
    case open
    /// Done (`doneAt`, `doneBy`): its reminders are cancelled.
    case done
    /// No longer to do: its reminders are cancelled.
    case cancelled
    /// Still to do, at a new `due`; its reminders re-planned.
    case rescheduled

    /// Open or rescheduled: still to do.
    public var isPending: Bool { self == .open || self == .rescheduled }
}

/// One action item as stored with its recap (semantics.md "Action items").
public struct ActionItemRecord: Sendable, Equatable, Codable {
    public var number: Int
    public var owner: String?
    public var department: String?
    /// The owner's address from the staff directory, lowercased; nil when the name is not in it.
    public var ownerAddress: String?
    public var task: String
    /// The current due (a rescheduled item's new one).
    public var due: Date?
    /// Why `due` is nil although a deadline was written (never guessed).
    public var dueNote: String?
    public var status: ItemStatus
    /// When it was done (or cancelled), and by whom (an address, or `cli`).
    public var doneAt: Date?
    public var doneBy: String?

    public init(number: Int, owner: String?, department: String?, ownerAddress: String?, task: String, due: Date?, dueNote: String?,
                status: ItemStatus = .open, doneAt: Date? = nil, doneBy: String? = nil) {
        self.number = number
        self.owner = owner
        self.department = department
        self.ownerAddress = ownerAddress?.lowercased()
        self.task = task
        self.due = due
        self.dueNote = dueNote
        self.status = status
        self.doneAt = doneAt
        self.doneBy = doneBy
    }

    private enum CodingKeys: String, CodingKey { case number, owner, department, ownerAddress, task, due, dueNote, status, doneAt, doneBy }

    /// Notices recorded before items had a status read as open.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(number: try c.decode(Int.self, forKey: .number), owner: try c.decodeIfPresent(String.self, forKey: .owner),
                  department: try c.decodeIfPresent(String.self, forKey: .department),
                  ownerAddress: try c.decodeIfPresent(String.self, forKey: .ownerAddress), task: try c.decode(String.self, forKey: .task),
                  due: try c.decodeIfPresent(Date.self, forKey: .due), dueNote: try c.decodeIfPresent(String.self, forKey: .dueNote),
                  status: try c.decodeIfPresent(ItemStatus.self, forKey: .status) ?? .open,
                  doneAt: try c.decodeIfPresent(Date.self, forKey: .doneAt), doneBy: try c.decodeIfPresent(String.self, forKey: .doneBy))
    }

    /// The stored form of a read item.
    public init(_ item: ActionItem) {
        self.init(number: item.number, owner: item.owner, department: item.department, ownerAddress: item.ownerAddress,
                  task: item.task, due: item.due?.instant, dueNote: item.dueNote)
    }
}

/// A recap to store with the message that carries it.
public struct NewRecap: Sendable, Equatable, Codable {
    public var messageID: String?
    /// The staff address that sent it, lowercased.
    public var author: String?
    /// Outside addresses it was sent to (To/Cc): the ones whose reply may object. Lowercased.
    public var counterparty: [String]
    public var sentAt: Date?
    public var windowCloses: Date?
    /// Why `windowCloses` is nil (unreadable window).
    public var windowNote: String?
    public var nextContact: Date?
    public var nextContactNote: String?
    public var items: [ActionItemRecord]

    public init(messageID: String?, author: String?, counterparty: [String], sentAt: Date?, windowCloses: Date?,
                windowNote: String?, nextContact: Date?, nextContactNote: String?, items: [ActionItemRecord]) {
        self.messageID = messageID
        self.author = author?.lowercased()
        self.counterparty = counterparty.map { $0.lowercased() }
        self.sentAt = sentAt
        self.windowCloses = windowCloses
        self.windowNote = windowNote
        self.nextContact = nextContact
        self.nextContactNote = nextContactNote
        self.items = items
    }
}

/// A stored recap: its id is the correspondence id of the message that carries it.
public struct RecapRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var caseNumber: String
    public var recap: NewRecap
    public var state: RecapState

    public init(id: Int64, caseNumber: String, recap: NewRecap, state: RecapState) {
        self.id = id
        self.caseNumber = caseNumber
        self.recap = recap
        self.state = state
    }
}

/// What kind of thing happened to a case. Stored as its name (`rawValue`, e.g. `recap-filed`);
/// compared as a type. A name written by another version is kept as read.
public struct CaseEventKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static let recapFiled = CaseEventKind(rawValue: "recap-filed")
    public static let recapConfirmed = CaseEventKind(rawValue: "recap-confirmed")
    public static let recapDisputed = CaseEventKind(rawValue: "recap-disputed")
    public static let dueUnreadable = CaseEventKind(rawValue: "due-unreadable")
    public static let reminderCancelled = CaseEventKind(rawValue: "reminder-cancelled")
    public static let reminderFired = CaseEventKind(rawValue: "reminder-fired")
    public static let deliveryFailed = CaseEventKind(rawValue: "delivery-failed")
    public static let statusChanged = CaseEventKind(rawValue: "status-changed")
    /// A notice could not be rendered into a mail (recorded instead of sending it).
    public static let noticeFailed = CaseEventKind(rawValue: "notice-failed")
    /// Lifecycle changes (`ReminderPlanner.planChange`): by mail from trusted staff or by the CLI.
    public static let itemDone = CaseEventKind(rawValue: "item-done")
    public static let itemCancelled = CaseEventKind(rawValue: "item-cancelled")
    public static let itemRescheduled = CaseEventKind(rawValue: "item-rescheduled")
    public static let caseReopened = CaseEventKind(rawValue: "case-reopened")
    public static let caseAssigned = CaseEventKind(rawValue: "case-assigned")
    public static let caseMuted = CaseEventKind(rawValue: "case-muted")
    /// A staff instruction that could not be applied (the reason; nothing changed).
    public static let instructionRefused = CaseEventKind(rawValue: "instruction-refused")
}

/// Something that happened to a case, recorded with its instant: a recap filed, confirmed or
/// disputed, a due date that could not be read, a reminder cancelled, a mail that failed.
public struct CaseEvent: Sendable, Equatable, Codable {
    public var caseNumber: String
    public var at: Date
    public var kind: CaseEventKind
    /// Words for people; never a message body or a secret.
    public var detail: String

    public init(caseNumber: String, at: Date, kind: CaseEventKind, detail: String) {
        self.caseNumber = caseNumber
        self.at = at
        self.kind = kind
        self.detail = detail
    }

    /// The event kinds (`CaseEvent.Kind.recapFiled`…).
    public typealias Kind = CaseEventKind
}
