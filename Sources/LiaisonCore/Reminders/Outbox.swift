import Foundation

/// One mail Liaison will send: built bytes plus the envelope. Every outgoing mail is first a row
/// of the outbox (architecture.md "Nothing lost, nothing twice").
public struct OutgoingMail: Sendable, Equatable {
    /// The case it is about, if any.
    public var caseNumber: String?
    /// With angle brackets; a Liaison Message-ID (`<liaison.CASE.….@domain>`) where there is a case.
    public var messageID: String
    /// Envelope sender (MAIL FROM), a bare address.
    public var envelopeFrom: String
    /// Envelope recipients (RCPT TO), bare lowercased addresses.
    public var recipients: [String]
    /// The message exactly as it will be uploaded (CRLF, 7-bit).
    public var raw: [UInt8]
    /// What it is: a notice of a reminder kind, or the recap `liaison recap` sends.
    public var purpose: MailPurpose
    /// The reminder that produced it, if any.
    public var reminderID: Int64?

    public init(caseNumber: String?, messageID: String, envelopeFrom: String, recipients: [String], raw: [UInt8],
                purpose: MailPurpose, reminderID: Int64? = nil) {
        self.caseNumber = caseNumber
        self.messageID = messageID
        self.envelopeFrom = envelopeFrom
        self.recipients = recipients.map { $0.lowercased() }
        self.raw = raw
        self.purpose = purpose
        self.reminderID = reminderID
    }
}

/// What an outgoing mail is. Stored as its name (`rawValue`: the reminder kind's name for a
/// notice, `recap` for a recap), compared as a type: e.g. a `delivery-failed` notice that fails
/// is never answered with another (`OutboxSender`, `BounceMatch`).
public enum MailPurpose: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// A notice the planner decided (reminders, recap notices, digests, delivery failures…).
    case notice(ReminderKind)
    /// A recap composed by `liaison recap`.
    case recap
    /// A name this version does not know (written by another one): kept as read.
    case other(String)

    public init(rawValue: String) {
        if rawValue == "recap" { self = .recap }
        else if let kind = ReminderKind(rawValue: rawValue) { self = .notice(kind) }
        else { self = .other(rawValue) }
    }

    public var rawValue: String {
        switch self {
        case .notice(let kind): return kind.rawValue
        case .recap: return "recap"
        case .other(let name): return name
        }
    }

    public var description: String { rawValue }
}

/// Where an outbox row stands: `pending` (waiting for its next attempt), `sent` (the server
/// accepted it), `failed` (a permanent failure, or too many attempts: recorded on the case).
public enum OutboxStatus: String, Sendable, Codable, CaseIterable {
    case pending, sent, failed
}

/// A stored outbox row.
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var mail: OutgoingMail
    public var status: OutboxStatus
    public var attempts: Int
    /// When the sender should try next (pending rows).
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?
    /// The notice it was rendered from (its case and item), for a notice row; nil for other mail.
    public var notice: Notice?

    public init(id: Int64, mail: OutgoingMail, status: OutboxStatus, attempts: Int, nextAttemptAt: Date,
                lastError: String?, createdAt: Date, sentAt: Date?, notice: Notice? = nil) {
        self.notice = notice
        self.id = id
        self.mail = mail
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}
