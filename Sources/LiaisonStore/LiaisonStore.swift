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
    /// The To and Cc addresses (never Bcc), lowercased, each once, in order; at most
    /// `maxRecipients` (`message_recipients`: who sees the case in the console).
    public var recipients: [String]
    public var raw: [UInt8]
    public var contentHash: String

    public init(messageID: String?, date: Date?, subject: String?, threadSubject: String, sender: String?,
                kind: MessageKind, direction: Direction, references: [String] = [], alsoKnownAs: [String] = [],
                addresses: [String] = [], contacts: [String] = [], recipients: [String] = [], raw: [UInt8], contentHash: String? = nil) {
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
        self.recipients = Self.recipients(recipients)
        self.raw = raw
        self.contentHash = contentHash ?? ContentHash.of(raw)
    }
}

extension IncomingMessage {
    /// A message's recipients kept at most (a mail to a whole company's list is not 5,000 rows).
    public static let maxRecipients = 100

    /// To/Cc addresses as stored: lowercased, `local@domain` of at most 254 bytes, each once, in
    /// order, at most `maxRecipients`.
    public static func recipients(_ addresses: [String]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for a in addresses {
            let l = a.lowercased()
            guard out.count < maxRecipients, l.utf8.count <= 254, l.contains("@"), !l.hasPrefix("@"), !l.hasSuffix("@"),
                  seen.insert(l).inserted else { continue }
            out.append(l)
        }
        return out
    }
}

/// One filing request: the message, where it goes, and the mailbox position it came from. The
/// store does all of it in one transaction. Made inside that transaction by `FilingPlan.filing`
/// (the matcher reads the transaction's own view), so nothing is decided on a stale read.
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
    /// `liaison review accept`: the held message this filing accepts. Inside the transaction the
    /// store checks it is still pending and not `unprocessable`, and marks it `accepted`.
    public var accepting: Int64?
    public init(message: IncomingMessage, decision: FilingDecision, checkpoint: MailboxCheckpoint? = nil,
                marker: ProcessingMarker? = nil, accepting: Int64? = nil) {
        self.message = message
        self.decision = decision
        self.checkpoint = checkpoint
        self.marker = marker
        self.accepting = accepting
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

/// The store's own errors: what went wrong, in the store's words, whatever the backend (GRDB's
/// errors are mapped to these inside `SQLiteStore`). The daemon decides on `kind`: `isFault`
/// (unavailable, busy, corrupt) is the store's fault, retried with back-off and never blamed on
/// the message in hand; the others concern one request.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// Cannot be opened or written just now: I/O error, disk full, read-only, out of memory.
        case unavailable
        /// Another writer holds the lock past the busy timeout.
        case busy
        /// The file is damaged or not a database.
        case corrupt
        /// A row the request names does not exist (no case, no held message, no outbox row).
        case notFound = "not found"
        /// The request contradicts what is stored (a number taken, a row not in the state it needs).
        case refused
        /// A constraint or statement the store rejected for this request's data.
        case invalid
    }
    public var kind: Kind
    public var description: String
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
    /// A request the store cannot meet (`refused`).
    public init(_ description: String) { self.init(.refused, description) }
    /// The store, not the request, is at fault: retry later.
    public var isFault: Bool { kind == .unavailable || kind == .busy || kind == .corrupt }
}

/// Reads inside the filing transaction: what the matcher (`CaseLookup`), the planner
/// (`CaseView`), the rate caps (`RateLedger`) and bounce handling (`outboxEntry`) see is what
/// the filing is committed with. Valid only inside the call it is handed to.
public protocol FilingView: CaseLookup, CaseView, RateLedger {
    /// The outbox row of a Message-ID (a bounce names it).
    func outboxEntry(messageID: String) throws -> OutboxEntry?
}

/// The filed message, handed to `FilingPlan.followUp` inside the filing transaction.
public struct FiledContext {
    public var filedCase: Case
    public var correspondenceID: Int64
    public var openedCase: Bool
    /// Reads inside the same transaction.
    public var view: any FilingView
    public init(filedCase: Case, correspondenceID: Int64, openedCase: Bool, view: any FilingView) {
        self.filedCase = filedCase
        self.correspondenceID = correspondenceID
        self.openedCase = openedCase
        self.view = view
    }
}

/// A message just held past a rate cap, whose summary notice is due (the first held for that
/// recipient in the hour); handed to `FilingPlan.summary` inside the filing transaction.
public struct HeldContext {
    public var heldID: Int64
    /// The cap it met, in words (`RateLimitHit.detail`).
    public var detail: String?
    /// Who is told.
    public var recipient: String
    public var view: any FilingView
    public init(heldID: Int64, detail: String?, recipient: String, view: any FilingView) {
        self.heldID = heldID
        self.detail = detail
        self.recipient = recipient
        self.view = view
    }
}

/// What to do with one message, asked by the store inside its filing transaction (the daemon's
/// `MessageFiling` is the one production implementation).
public protocol FilingPlan {
    /// Where the message goes: matching through `view`, the rate gate, the checkpoint and marker.
    func filing(_ view: any FilingView) throws -> Filing
    /// When the message was filed on a case (not held, not a duplicate): the follow-ups (recap,
    /// items, reminders, cancellations, events, outbox rows, notices to render after the commit).
    func followUp(_ context: FiledContext) throws -> FollowUp
    /// When the message was held past a rate cap with its summary due: the summary notice.
    func summary(_ context: HeldContext) throws -> FollowUp
    /// False when `followUp` and `summary` write nothing whatever the outcome: a store may then
    /// send its COMMIT behind the filing without reading the filing's answer first (one round
    /// trip less over a network). True unless a plan says otherwise.
    var followsUp: Bool { get }
}

extension FilingPlan {
    public var followsUp: Bool { true }
}

/// A filing whose decision is already made (benchmark imports, the conformance suite), with
/// an optional follow-up.
public struct DecidedFiling: FilingPlan {
    public var decided: Filing
    public var then: ((FiledContext) throws -> FollowUp)?
    public init(_ filing: Filing, then: ((FiledContext) throws -> FollowUp)? = nil) {
        decided = filing
        self.then = then
    }
    public func filing(_ view: any FilingView) throws -> Filing { decided }
    public func followUp(_ context: FiledContext) throws -> FollowUp { try then?(context) ?? FollowUp() }
    public func summary(_ context: HeldContext) throws -> FollowUp { FollowUp() }
    public var followsUp: Bool { then != nil }
}

// MARK: - Roles

/// Filing: the one operation that files, holds or recognises a duplicate (see `file`), plus the
/// held messages' review and the mailbox checkpoints.
///
/// Identity: a message is the same as one already stored when its content hash (`ContentHash`)
/// matches, or when its Message-ID matches and so do its Date, sender and subject (so a mailer
/// that reuses Message-IDs for different messages does not lose mail).
public protocol FilingStore: Sendable {
    /// In ONE write transaction: asks `plan.filing` where the message goes (the plan reads the
    /// transaction's view), accepts the held message it names, applies the rate gate, files,
    /// holds or recognises a duplicate, then writes `plan.followUp` (filed) or `plan.summary`
    /// (held past a cap, summary due), advances the checkpoint and clears the marker. `now` is
    /// `filed_at`/`held_at` and the follow-up's time. Any throw rolls back all of it.
    func file(_ plan: some FilingPlan, now: Date) throws -> FilingOutcome
    /// Files `plans` in order, as `file(_:now:)` would one after another — each asks its
    /// `filing` after the ones before it were written, so message k+1 sees message k's case —
    /// and stops at the first that throws: nothing of that one is written, nothing after it is
    /// tried. `committed` holds the outcomes of the plans before it, all committed; `failure`
    /// what it threw (nil: all filed). SQLite files them in ONE write transaction, a savepoint
    /// per plan; a store fault rolls back the whole batch (`committed` empty). The default
    /// files one plan per transaction through `file(_:now:)` (PostgreSQL).
    func file<P: FilingPlan>(batch plans: [P], now: Date) throws -> FilingBatch
    /// Marks a held message rejected (kept for audit, no longer listed).
    func reject(heldID: Int64) throws
    /// How far a mailbox has been read.
    func checkpoint(mailbox: String) throws -> MailboxCheckpoint?
}

extension FilingStore {
    /// Files a message whose decision is made (no follow-ups), through `file(_:now:)`.
    public func file(_ filing: Filing, now: Date) throws -> FilingOutcome { try file(DecidedFiling(filing), now: now) }

    /// One transaction per plan (see the requirement).
    public func file<P: FilingPlan>(batch plans: [P], now: Date) throws -> FilingBatch {
        var batch = FilingBatch()
        for plan in plans {
            do { batch.committed.append(try file(plan, now: now)) } catch {
                batch.failure = error
                break
            }
        }
        return batch
    }
}

/// What `FilingStore.file(batch:now:)` did: the outcomes committed, in order, and what the plan
/// after them threw (nothing of it written; nil when every plan was filed).
public struct FilingBatch: @unchecked Sendable {
    public var committed: [FilingOutcome] = []
    /// `@unchecked`: an error is only read by the caller that received the batch.
    public var failure: (any Error)?
    public init() {}
}

/// What people and reports read: cases, correspondence, held messages, recaps, events, reminders.
public protocol CaseQueries: CaseLookup, Sendable {
    /// Cases, newest first, optionally only of one status and/or owner.
    func cases(status: CaseStatus?, owner: String?) throws -> [Case]
    /// The correspondence of one case in date order (arrival order among equal dates).
    func correspondence(caseNumber: String) throws -> [Correspondence]
    /// Messages held for review and not yet accepted or rejected, oldest first.
    func heldMessages() throws -> [HeldMessage]
    /// One held message awaiting review, nil when there is none pending with that id.
    func heldMessage(id: Int64) throws -> HeldMessage?
    /// Numbers of filed messages, cases and pending held messages.
    func counts() throws -> (correspondence: Int, cases: Int, held: Int)
    /// A case's recaps, oldest first.
    func recaps(caseNumber: String) throws -> [RecapRecord]
    /// A case's events, in time order.
    func events(caseNumber: String) throws -> [CaseEvent]
    /// Reminders, in fire order: of one case (nil: all), one status (nil: all), fireAt before a time.
    func reminders(caseNumber: String?, status: ReminderStatus?, dueBefore: Date?) throws -> [Reminder]
    /// Read-only access outside a write.
    func read<T>(_ body: (any CaseView) throws -> T) throws -> T
}

/// Changes outside filing that read and write in one transaction: a reminder cancelled by hand,
/// a case resolved, the next digest scheduled.
public protocol CaseUpdates: Sendable {
    /// Reads through a view and writes a follow-up, in one transaction.
    func update(now: Date, _ body: (any CaseView) throws -> FollowUp) throws
    /// Cancels one pending reminder; false when it is not pending (or does not exist).
    func cancelReminder(id: Int64, reason: String, at: Date) throws -> Bool
}

/// The scheduler's queue of reminders.
public protocol ReminderQueue: Sendable {
    /// The earliest `fireAt` of a pending reminder (one indexed query: re-arming is cheap).
    func nextReminderTime() throws -> Date?
    /// How many reminders are pending, of every kind (for `liaison_reminders_pending`; one
    /// aggregate query over the pending index).
    func pendingReminderCount() throws -> Int
    /// Fires the pending reminders due at `now` (fireAt ≤ now), earliest first, at most `limit`,
    /// each in its own transaction: calls `fire` with the reminder (its `late` already set when
    /// now − fireAt > `lateAfter`) and a view, writes the returned follow-up (outbox mails and
    /// notices among it) and marks the reminder fired. Returns the fired reminders.
    func fireDue(now: Date, limit: Int, lateAfter: TimeInterval,
                 _ fire: (Reminder, any CaseView) throws -> FollowUp) throws -> [Reminder]
}

/// The outbox: rows written by filing, firing and `update`, rendered and sent by `OutboxSender`.
public protocol OutboxStore: Sendable {
    /// The earliest `nextAttemptAt` of a pending outbox row.
    func nextOutboxAttempt() throws -> Date?
    /// Pending outbox rows whose `nextAttemptAt` ≤ now, oldest first.
    func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry]
    /// The notices recorded by committed transactions and not yet rendered, oldest first.
    func unrenderedNotices(limit: Int) throws -> [PendingNotice]
    /// Stores the rendered bytes of a notice row (idempotent: a row rendered already is left as
    /// it is); the row becomes an ordinary pending mail.
    func noticeRendered(id: Int64, mail: OutgoingMail) throws
    /// A notice that cannot be rendered: its row becomes `failed` with `error`, and a
    /// `notice-failed` event is written on its case.
    func noticeUnrenderable(id: Int64, at: Date, error: String) throws
    /// The server accepted the mail.
    func outboxSent(id: Int64, at: Date) throws
    /// An attempt failed: with `retryAt`, the row stays pending until then (attempts + 1); without,
    /// it becomes `failed` and a `delivery-failed` event is written on its case. `followUp` (e.g.
    /// a notice to the case owner) is written in the same transaction.
    func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp) throws
    /// Outbox rows of one status (nil: all), oldest first.
    func outbox(status: OutboxStatus?) throws -> [OutboxEntry]
    /// How many outbox rows are in each status (for STATUS lines; one aggregate query).
    func outboxCounts() throws -> [OutboxStatus: Int]
    /// The outbox row of a Message-ID.
    func outboxEntry(messageID: String) throws -> OutboxEntry?
}

/// What the poller and `liaison ingest` need: filing under containment.
public typealias IngestStore = FilingStore & ContainmentStore
/// The reminder side: queue, outbox, updates and the queries the engine makes.
public typealias ReminderStore = ReminderQueue & OutboxStore & CaseUpdates & CaseQueries
/// Every role: what `Stores.open` returns and a backend implements (the conformance suite in
/// Tests/LiaisonStoreTests covers each role).
public typealias LiaisonStore = FilingStore & ContainmentStore & CaseQueries & CaseUpdates & ReminderQueue & OutboxStore
    & ReportQueries & WeeklyCheckQueue
