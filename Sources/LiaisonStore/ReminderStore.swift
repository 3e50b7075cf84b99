import Foundation
import LiaisonCore

/// The filed message, handed to the follow-up closure inside the filing transaction.
public struct FiledContext {
    public var filedCase: Case
    public var correspondenceID: Int64
    public var openedCase: Bool
    /// Reads inside the same transaction.
    public var view: any CaseView
    public init(filedCase: Case, correspondenceID: Int64, openedCase: Bool, view: any CaseView) {
        self.filedCase = filedCase
        self.correspondenceID = correspondenceID
        self.openedCase = openedCase
        self.view = view
    }
}

/// A message just held past a rate cap, whose summary notice is due (the first held for that
/// recipient in the hour); handed to the `summary` closure inside the filing transaction.
public struct HeldContext {
    public var heldID: Int64
    /// The cap it met, in words (`RateLimitHit.detail`).
    public var detail: String?
    /// Who is told.
    public var recipient: String
    public var view: any CaseView
    public init(heldID: Int64, detail: String?, recipient: String, view: any CaseView) {
        self.heldID = heldID
        self.detail = detail
        self.recipient = recipient
        self.view = view
    }
}

/// Recaps, action items, reminders, case events and the outbox: the store side of recaps (#5)
/// and reminders (#6). Every method that writes does so in one transaction.
public protocol ReminderStore: LiaisonStore {
    /// Files like `file(_:)`; when the message is filed on a case (not held, not a duplicate)
    /// calls `followUp` inside the same transaction and writes what it returns (recap and items,
    /// recap states, reminders, cancellations, events, outbox mails, statuses) before committing.
    /// If `followUp` throws, nothing is written, checkpoint included. When the message is held
    /// past a rate cap (`Filing.rateGate`) with its summary due, calls `summary` instead, in the
    /// same transaction, and writes what it returns (the summary notice).
    func file(_ filing: Filing, now: Date, followUp: (FiledContext) throws -> FollowUp,
              summary: (HeldContext) throws -> FollowUp) throws -> FilingOutcome
    /// Reads through a view and writes a follow-up, in one transaction (a reminder cancelled by
    /// hand, a case resolved, a mail enqueued by `liaison recap`).
    func update(now: Date, _ body: (any CaseView) throws -> FollowUp) throws
    /// Read-only access outside a write.
    func read<T>(_ body: (any CaseView) throws -> T) throws -> T

    /// The earliest `fireAt` of a pending reminder (one indexed query: re-arming is cheap).
    func nextReminderTime() throws -> Date?
    /// Fires the pending reminders due at `now` (fireAt ≤ now), earliest first, at most `limit`,
    /// each in its own transaction: calls `fire` with the reminder (its `late` already set when
    /// now − fireAt > `lateAfter`) and a view, writes the returned follow-up (outbox mails among
    /// it) and marks the reminder fired. Returns the fired reminders.
    func fireDue(now: Date, limit: Int, lateAfter: TimeInterval,
                 _ fire: (Reminder, any CaseView) throws -> FollowUp) throws -> [Reminder]
    /// Reminders, in fire order: of one case (nil: all), one status (nil: all), fireAt before a time.
    func reminders(caseNumber: String?, status: ReminderStatus?, dueBefore: Date?) throws -> [Reminder]
    /// Cancels one pending reminder; false when it is not pending (or does not exist).
    func cancelReminder(id: Int64, reason: String, at: Date) throws -> Bool
    /// A case's recaps, oldest first.
    func recaps(caseNumber: String) throws -> [RecapRecord]
    /// A case's events, in time order.
    func events(caseNumber: String) throws -> [CaseEvent]

    /// The earliest `nextAttemptAt` of a pending outbox row.
    func nextOutboxAttempt() throws -> Date?
    /// Pending outbox rows whose `nextAttemptAt` ≤ now, oldest first.
    func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry]
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
    /// The outbox row of a Message-ID (a bounce names it).
    func outboxEntry(messageID: String) throws -> OutboxEntry?
}

extension ReminderStore {
    /// Files with a follow-up and no rate-limit summary.
    public func file(_ filing: Filing, now: Date, followUp: (FiledContext) throws -> FollowUp) throws -> FilingOutcome {
        try file(filing, now: now, followUp: followUp, summary: { _ in FollowUp() })
    }
}
