import Foundation

/// Where a case stands (shared/docs/semantics.md, "Vocabulary": case).
public enum CaseStatus: String, Sendable, Codable, CaseIterable {
    case open, resolved, closed
}

/// The outside party of a case: its organisation (the outside mail domain) and the outside
/// addresses that wrote or were written to. For an internal (`NC…`) case both are empty.
public struct Counterparty: Sendable, Codable, Equatable {
    /// The outside domain, lowercased, e.g. `huadong-precision.example`; nil for internal cases.
    public var organization: String?
    /// Outside addresses, lowercased, in the order first seen.
    public var contacts: [String]
    public init(organization: String?, contacts: [String]) {
        self.organization = organization
        self.contacts = contacts
    }
}

/// One matter with one counterparty (沟通事项), numbered e.g. `EC20261116-001`.
public struct Case: Sendable, Codable, Equatable {
    public var number: String
    /// True for `NC…` cases: every participant was staff.
    public var isInternal: Bool
    public var counterparty: Counterparty
    /// The staff address answerable for the case.
    public var owner: String?
    public var category: CaseCategory
    public var status: CaseStatus
    public var openedAt: Date
    public var resolvedAt: Date?
    /// Its reminders are silent until then (`#静默`); nil: not muted.
    public var mutedUntil: Date?

    public init(number: String, isInternal: Bool, counterparty: Counterparty, owner: String?, category: CaseCategory,
                status: CaseStatus = .open, openedAt: Date, resolvedAt: Date? = nil, mutedUntil: Date? = nil) {
        self.mutedUntil = mutedUntil
        self.number = number
        self.isInternal = isInternal
        self.counterparty = counterparty
        self.owner = owner
        self.category = category
        self.status = status
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
    }
}

/// Which way a filed message went: outbound when the sender is trusted staff.
public enum Direction: String, Sendable, Codable {
    case inbound, outbound
}

/// A filed message (往来邮件): the raw bytes are kept as they arrived.
public struct Correspondence: Sendable, Equatable {
    /// The store's identifier; nil before filing.
    public var id: Int64?
    public var caseNumber: String
    /// With angle brackets, as in the header; nil when the message has none.
    public var messageID: String?
    public var direction: Direction
    public var kind: MessageKind
    public var date: Date?
    public var subject: String?
    public var threadSubject: String
    /// The From address, lowercased.
    public var sender: String?
    /// SHA-256 of the raw bytes, hex (see `ContentHash`).
    public var contentHash: String
    public var raw: [UInt8]

    public init(id: Int64? = nil, caseNumber: String, messageID: String?, direction: Direction, kind: MessageKind,
                date: Date?, subject: String?, threadSubject: String, sender: String?, contentHash: String, raw: [UInt8]) {
        self.id = id
        self.caseNumber = caseNumber
        self.messageID = messageID
        self.direction = direction
        self.kind = kind
        self.date = date
        self.subject = subject
        self.threadSubject = threadSubject
        self.sender = sender
        self.contentHash = contentHash
        self.raw = raw
    }
}

/// Why a message could neither join nor open a case (semantics.md, "Who may do what").
public enum HoldReason: String, Sendable, Codable, Equatable {
    /// The subject carries a case tag naming no case.
    case unknownCaseTag = "unknown case tag"
    /// An internal-domain sender that failed authentication.
    case unauthenticatedInternalSender = "internal sender not authenticated"
    /// An outsider writing to no staff address (only the tracking address).
    case noStaffRecipient = "no staff recipient"
    /// An auto-reply or bounce whose thread is not on file; these never open a case.
    case noThread = "automatic message with no thread on file"
    /// Not read: the reader crashed on it, ran past its time budget, or its filing kept failing
    /// (issue 11, containment). Kept as raw bytes only; the detail says which.
    case unprocessable = "unprocessable"
    /// It would open a case past a rate cap (`RateCaps`): too many new cases from its sender or
    /// for its owner in the window.
    case rateLimited = "rate-limited"
}

/// A message held for review, never silently dropped.
public struct HeldMessage: Sendable, Equatable {
    public var id: Int64
    public var reason: HoldReason
    /// Extra words for the reviewer, e.g. the unknown tag.
    public var detail: String?
    public var messageID: String?
    public var subject: String?
    public var sender: String?
    public var date: Date?
    public var contentHash: String
    public var raw: [UInt8]
    /// When it was held (the `now` of the filing that held it).
    public var heldAt: Date?

    public init(id: Int64, reason: HoldReason, detail: String?, messageID: String?, subject: String?, sender: String?,
                date: Date?, contentHash: String, raw: [UInt8], heldAt: Date? = nil) {
        self.heldAt = heldAt
        self.id = id
        self.reason = reason
        self.detail = detail
        self.messageID = messageID
        self.subject = subject
        self.sender = sender
        self.date = date
        self.contentHash = contentHash
        self.raw = raw
    }
}

/// How far a mailbox has been read (RFC 9051 §2.3.1.1: a UID is meaningful only with its UIDVALIDITY).
public struct MailboxCheckpoint: Sendable, Equatable, Codable {
    public var mailbox: String
    public var uidValidity: UInt32
    public var lastUID: UInt32
    public init(mailbox: String, uidValidity: UInt32, lastUID: UInt32) {
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.lastUID = lastUID
    }
}
