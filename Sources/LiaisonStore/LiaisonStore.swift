import Foundation
import LiaisonCore

/// One message ready to be filed: what the store keeps of it, whatever its destination.
public struct IncomingMessage: Sendable, Equatable {
    public var messageID: String?
    public var date: Date?
    public var subject: String?
    public var threadSubject: String
    /// The From address, lowercased.
    public var sender: String?
    public var kind: MessageKind
    public var direction: Direction
    /// In-Reply-To and References, as written.
    public var references: [String]
    /// Further Message-IDs that should thread to this message's case, e.g. a forwarded original's.
    public var alsoKnownAs: [String]
    /// Addresses that tie later mail to the case (see `CaseMatcher.counterpartyAddresses`).
    public var addresses: [String]
    /// Outside addresses, added to the case's counterparty contacts when filed.
    public var contacts: [String]
    public var raw: [UInt8]
    public var contentHash: String

    public init(messageID: String?, date: Date?, subject: String?, threadSubject: String, sender: String?,
                kind: MessageKind, direction: Direction, references: [String] = [], alsoKnownAs: [String] = [],
                addresses: [String] = [], contacts: [String] = [], raw: [UInt8], contentHash: String? = nil) {
        self.messageID = messageID
        self.date = date
        self.subject = subject
        self.threadSubject = threadSubject
        self.sender = sender?.lowercased()
        self.kind = kind
        self.direction = direction
        self.references = references
        self.alsoKnownAs = alsoKnownAs
        self.addresses = addresses.map { $0.lowercased() }
        self.contacts = contacts.map { $0.lowercased() }
        self.raw = raw
        self.contentHash = contentHash ?? ContentHash.of(raw)
    }
}

/// One filing request: the message, where the matcher decided it goes, and the mailbox
/// position it came from. The store does all of it in one transaction.
public struct Filing: Sendable, Equatable {
    public var message: IncomingMessage
    public var decision: FilingDecision
    /// Advanced with the filing (also when the message turns out to be a duplicate).
    public var checkpoint: MailboxCheckpoint?
    /// The in-progress record of this message (`ContainmentStore`), cleared in the same transaction.
    public var marker: ProcessingMarker?
    /// For a decision to open a case for an outsider: the caps to check, counted inside the
    /// filing transaction; past one the message is held as `rateLimited` instead (nil: no caps).
    public var rateGate: RateGate?
    public init(message: IncomingMessage, decision: FilingDecision, checkpoint: MailboxCheckpoint? = nil,
                marker: ProcessingMarker? = nil) {
        self.message = message
        self.decision = decision
        self.checkpoint = checkpoint
        self.marker = marker
    }
}

/// Where an earlier arrival of the same message is.
public enum ExistingMessage: Sendable, Equatable {
    case filed(caseNumber: String, correspondenceID: Int64)
    case held(heldID: Int64)
}

/// What filing did.
public enum FilingOutcome: Sendable, Equatable {
    /// Filed on `caseNumber`; `openedCase` when this message opened it.
    case filed(caseNumber: String, correspondenceID: Int64, openedCase: Bool)
    case held(heldID: Int64, reason: HoldReason)
    /// The same message was filed or held before; nothing was added (the checkpoint still advanced).
    case duplicate(ExistingMessage)
}

/// Errors a store reports for requests that cannot be met.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Cases, correspondence, held messages and mailbox checkpoints behind one protocol
/// (shared/docs/architecture.md). SQLite is the default backend; every backend passes the
/// conformance suite in Tests/LiaisonStoreTests.
///
/// Identity: a message is the same as one already stored when its content hash (`ContentHash`)
/// matches, or when its Message-ID matches and so do its Date, sender and subject (so a mailer
/// that reuses Message-IDs for different messages does not lose mail).
public protocol LiaisonStore: CaseLookup, Sendable {
    /// Files, holds or recognises as duplicate one message, and advances the checkpoint, atomically.
    func file(_ filing: Filing) throws -> FilingOutcome
    /// Opens a case without a message (e.g. a case created by hand or imported).
    func openCase(_ newCase: NewCase) throws -> Case
    /// Opens a case with a given number; fails if the number is taken.
    func openCase(_ newCase: NewCase, number: String) throws -> Case
    /// Cases, newest first, optionally only of one status and/or owner.
    func cases(status: CaseStatus?, owner: String?) throws -> [Case]
    /// The correspondence of one case in date order (arrival order among equal dates).
    func correspondence(caseNumber: String) throws -> [Correspondence]
    /// Messages held for review and not yet accepted or rejected, oldest first.
    func heldMessages() throws -> [HeldMessage]
    /// Files a held message on an existing case.
    func accept(heldID: Int64, caseNumber: String) throws -> FilingOutcome
    /// Marks a held message rejected (kept for audit, no longer listed).
    func reject(heldID: Int64) throws
    /// How far a mailbox has been read.
    func checkpoint(mailbox: String) throws -> MailboxCheckpoint?
    /// Sets a case's status (resolved/closed set `resolvedAt` to `at` if not set).
    func setStatus(caseNumber: String, status: CaseStatus, at: Date) throws
    /// Numbers of filed messages, cases and pending held messages.
    func counts() throws -> (correspondence: Int, cases: Int, held: Int)
}
