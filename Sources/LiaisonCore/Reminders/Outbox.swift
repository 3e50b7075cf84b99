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
    /// What it is: a reminder kind's raw value, or `recap` for `liaison recap`.
    public var purpose: String
    /// The reminder that produced it, if any.
    public var reminderID: Int64?

    public init(caseNumber: String?, messageID: String, envelopeFrom: String, recipients: [String], raw: [UInt8],
                purpose: String, reminderID: Int64? = nil) {
        self.caseNumber = caseNumber
        self.messageID = messageID
        self.envelopeFrom = envelopeFrom
        self.recipients = recipients.map { $0.lowercased() }
        self.raw = raw
        self.purpose = purpose
        self.reminderID = reminderID
    }
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

    public init(id: Int64, mail: OutgoingMail, status: OutboxStatus, attempts: Int, nextAttemptAt: Date,
                lastError: String?, createdAt: Date, sentAt: Date?) {
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
