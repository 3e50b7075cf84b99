import Foundation

/// What the planner may read about cases while a filing or a firing is in progress. The store
/// implements it over the transaction that is open, so what it answers is what will be
/// committed with the follow-up (no race between reading and writing).
public protocol CaseView {
    func caseWithNumber(_ number: String) throws -> Case?
    /// Cases, newest first, optionally of one status and/or owner.
    func cases(status: CaseStatus?, owner: String?) throws -> [Case]
    /// The recaps filed on a case, oldest first.
    func recaps(caseNumber: String) throws -> [RecapRecord]
    /// A recap by id (its message's correspondence id).
    func recap(id: Int64) throws -> RecapRecord?
    /// Reminders of a case (nil: case-less reminders), in fire order, optionally of one status.
    func reminders(caseNumber: String?, status: ReminderStatus?) throws -> [Reminder]
    /// The thread subject and Message-ID of the case's first message (for notice subjects and threading).
    func caseThread(_ number: String) throws -> (subject: String, firstMessageID: String?)?
}

/// A recap's new state, to store (the matching `CaseEvent` is written by the planner).
public struct RecapStateChange: Sendable, Equatable {
    public var recapID: Int64
    public var state: RecapState
    public init(recapID: Int64, state: RecapState) { self.recapID = recapID; self.state = state }
}

/// An action item's new state, to store (the matching `CaseEvent` is written by the planner).
public struct ItemStateChange: Sendable, Equatable {
    /// The recap that carries the item, and its number there.
    public var recapID: Int64
    public var number: Int
    public var status: ItemStatus
    /// The item's due after the change (a rescheduled item's new one).
    public var due: Date?
    public var doneAt: Date?
    public var doneBy: String?
    public init(recapID: Int64, number: Int, status: ItemStatus, due: Date?, doneAt: Date? = nil, doneBy: String? = nil) {
        self.recapID = recapID
        self.number = number
        self.status = status
        self.due = due
        self.doneAt = doneAt
        self.doneBy = doneBy?.lowercased()
    }
}

/// A case's owner or mute, to store.
public struct CaseAttributeChange: Sendable, Equatable {
    public enum Attribute: Sendable, Equatable {
        /// A new owner (lowercased address).
        case owner(String)
        /// Reminders silent until then.
        case mutedUntil(Date)
    }
    public var caseNumber: String
    public var attribute: Attribute
    public init(caseNumber: String, _ attribute: Attribute) {
        self.caseNumber = caseNumber
        if case .owner(let o) = attribute { self.attribute = .owner(o.lowercased()) } else { self.attribute = attribute }
    }
}

/// What the store writes, in the transaction that files a message or fires a reminder, besides
/// the message or the reminder's own status.
public struct FollowUp: Sendable, Equatable {
    /// The filed message is a recap: store it (with its items) as pending.
    public var recap: NewRecap?
    public var recapStates: [RecapStateChange]
    public var reminders: [NewReminder]
    public var cancellations: [ReminderCancellation]
    public var events: [CaseEvent]
    /// Mails to put in the outbox, built already (a recap `liaison recap` composed).
    public var mails: [OutgoingMail]
    /// Notices to put in the outbox as data: rendered into mails after the transaction commits,
    /// on the outbox's side (`OutboxSender`), never while the store's write lock is held.
    public var notices: [PlannedNotice]
    /// A case's new status (e.g. resolved by hand).
    public var statusChanges: [(caseNumber: String, status: CaseStatus)]
    /// Action items done, cancelled or rescheduled.
    public var itemStates: [ItemStateChange]
    /// Cases handed to another owner, or muted.
    public var caseAttributes: [CaseAttributeChange]

    public init(recap: NewRecap? = nil, recapStates: [RecapStateChange] = [], reminders: [NewReminder] = [],
                cancellations: [ReminderCancellation] = [], events: [CaseEvent] = [], mails: [OutgoingMail] = [],
                notices: [PlannedNotice] = [], statusChanges: [(caseNumber: String, status: CaseStatus)] = [],
                itemStates: [ItemStateChange] = [], caseAttributes: [CaseAttributeChange] = []) {
        self.itemStates = itemStates
        self.caseAttributes = caseAttributes
        self.notices = notices
        self.recap = recap
        self.recapStates = recapStates
        self.reminders = reminders
        self.cancellations = cancellations
        self.events = events
        self.mails = mails
        self.statusChanges = statusChanges
    }

    public static func == (a: FollowUp, b: FollowUp) -> Bool {
        a.recap == b.recap && a.recapStates == b.recapStates && a.reminders == b.reminders
            && a.cancellations == b.cancellations && a.events == b.events && a.mails == b.mails && a.notices == b.notices
            && a.statusChanges.map(\.caseNumber) == b.statusChanges.map(\.caseNumber)
            && a.statusChanges.map(\.status) == b.statusChanges.map(\.status)
            && a.itemStates == b.itemStates && a.caseAttributes == b.caseAttributes
    }

    /// Appends `other`'s parts (a second instruction's plan after the first's).
    public mutating func append(_ other: FollowUp) {
        if recap == nil { recap = other.recap }
        recapStates += other.recapStates
        reminders += other.reminders
        cancellations += other.cancellations
        events += other.events
        mails += other.mails
        notices += other.notices
        statusChanges += other.statusChanges
        itemStates += other.itemStates
        caseAttributes += other.caseAttributes
    }

    public var isEmpty: Bool { self == FollowUp() }
}

/// A mail the planner wants sent: what it is about, for the templates to render
/// (Templates/<kind>.<locale>.mustache). The daemon renders notices into `OutgoingMail`s.
public struct Notice: Sendable, Equatable, Codable {
    public var kind: ReminderKind
    /// Lowercased addresses.
    public var recipients: [String]
    public var caseNumber: String?
    /// The case's thread subject.
    public var caseSubject: String?
    /// The counterparty organisation (outside domain) or first contact.
    public var counterparty: String?
    /// The case owner's address.
    public var caseOwner: String?
    /// The deadline it concerns.
    public var about: Date?
    /// For item reminders: the item.
    public var item: ActionItemRecord?
    /// For recap notices: the recap, with its state (confirmed/disputed) at the time of the notice.
    public var recap: RecapRecord?
    /// It fired late (the service was stopped when it came due).
    public var late: Bool
    /// For the digest: the recipient's open cases and items.
    public var digest: [DigestLine]
    /// Free words: the reason of a delivery failure, the rule that applies.
    public var detail: String?
    public var reminderID: Int64?
    /// The Message-ID to thread on (In-Reply-To), e.g. the recap or the case's first message.
    public var inReplyTo: String?
    /// For a confirmation: what the staff mail changed, and what it asked that could not be done (with why).
    public var changes: [NoticeLine]?
    public var refusals: [NoticeLine]?

    public init(kind: ReminderKind, recipients: [String], caseNumber: String? = nil, caseSubject: String? = nil,
                counterparty: String? = nil, caseOwner: String? = nil, about: Date? = nil, item: ActionItemRecord? = nil,
                recap: RecapRecord? = nil, late: Bool = false, digest: [DigestLine] = [], detail: String? = nil,
                reminderID: Int64? = nil, inReplyTo: String? = nil, changes: [NoticeLine]? = nil, refusals: [NoticeLine]? = nil) {
        self.changes = changes
        self.refusals = refusals
        self.kind = kind
        self.recipients = recipients.map { $0.lowercased() }
        self.caseNumber = caseNumber
        self.caseSubject = caseSubject
        self.counterparty = counterparty
        self.caseOwner = caseOwner
        self.about = about
        self.item = item
        self.recap = recap
        self.late = late
        self.digest = digest
        self.detail = detail
        self.reminderID = reminderID
        self.inReplyTo = inReplyTo
    }
}

/// A line of a notice in English and in Chinese (the template's locale picks one).
public struct NoticeLine: Sendable, Equatable, Codable {
    public var en: String
    public var zh: String
    public init(en: String, zh: String) {
        self.en = en
        self.zh = zh
    }
}

/// One case in an owner's daily digest.
public struct DigestLine: Sendable, Equatable, Codable {
    public var caseNumber: String
    public var subject: String
    public var status: CaseStatus
    /// Open action items of the case owned by the digest's recipient, due soonest first.
    public var items: [ActionItemRecord]
    /// Its items done on the digest's day (of the recipient's, as `items`), by number.
    public var doneToday: [ActionItemRecord]
    public init(caseNumber: String, subject: String, status: CaseStatus, items: [ActionItemRecord], doneToday: [ActionItemRecord] = []) {
        self.caseNumber = caseNumber
        self.subject = subject
        self.status = status
        self.items = items
        self.doneToday = doneToday
    }

    private enum CodingKeys: String, CodingKey { case caseNumber, subject, status, items, doneToday }

    /// Digests recorded before `doneToday` read with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(caseNumber: try c.decode(String.self, forKey: .caseNumber), subject: try c.decode(String.self, forKey: .subject),
                  status: try c.decode(CaseStatus.self, forKey: .status), items: try c.decode([ActionItemRecord].self, forKey: .items),
                  doneToday: try c.decodeIfPresent([ActionItemRecord].self, forKey: .doneToday) ?? [])
    }
}

/// What the planner decided: the follow-up to store, plus notices still to be rendered into mails.
public struct Plan: Sendable, Equatable {
    public var followUp: FollowUp
    public var notices: [Notice]
    public init(followUp: FollowUp = FollowUp(), notices: [Notice] = []) {
        self.followUp = followUp
        self.notices = notices
    }
}

/// A notice as the outbox records it in the planning transaction: the notice's data and the
/// Message-ID fixed when it was planned, so rendering it again gives the same mail identity.
public struct PlannedNotice: Sendable, Equatable {
    public var notice: Notice
    /// With angle brackets.
    public var messageID: String
    public init(notice: Notice, messageID: String) {
        self.notice = notice
        self.messageID = messageID
    }
}

/// A recorded notice not yet rendered into a mail (an outbox row, `OutboxStore.unrenderedNotices`).
public struct PendingNotice: Sendable, Equatable {
    /// The outbox row.
    public var id: Int64
    public var planned: PlannedNotice
    /// When it was planned: the time its mail is dated.
    public var createdAt: Date
    public init(id: Int64, planned: PlannedNotice, createdAt: Date) {
        self.id = id
        self.planned = planned
        self.createdAt = createdAt
    }
}

extension RecapState: Codable {
    private enum Keys: String, CodingKey { case state, at, objectedItems }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .state) {
        case "pending": self = .pending
        case "confirmed": self = .confirmed(at: try c.decode(Date.self, forKey: .at))
        case "disputed": self = .disputed(at: try c.decode(Date.self, forKey: .at),
                                          objectedItems: try c.decode([Int].self, forKey: .objectedItems))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .state, in: c, debugDescription: "unknown recap state \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .pending:
            try c.encode("pending", forKey: .state)
        case .confirmed(let at):
            try c.encode("confirmed", forKey: .state)
            try c.encode(at, forKey: .at)
        case .disputed(let at, let items):
            try c.encode("disputed", forKey: .state)
            try c.encode(at, forKey: .at)
            try c.encode(items, forKey: .objectedItems)
        }
    }
}
