import Foundation
import LiaisonCore

/// The figures `liaison report` and `export` read (SQLite: `SQLiteReportQueries.swift`).
public protocol ReportQueries: Sendable {
    /// `lastOutbound`: also each case's last outbound mail (`ReportCase.lastOutboundAt`, the weekly check's quiet cases).
    func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool) throws -> [ReportCase]
    /// The same cases handed to `each` one by one, in the same order, from the same one view; a
    /// backend may stream them as it reads (SQLite does: `liaison export` writes while it reads).
    func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                     each: (ReportCase) throws -> Void) throws
}

extension ReportQueries {
    /// Reads them all, then hands them over (a backend that does not stream).
    public func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                            each: (ReportCase) throws -> Void) throws {
        for c in try reportCases(from: from, to: to, owner: owner, details: details, lastOutbound: lastOutbound) { try each(c) }
    }

    public func reportCases(from: Date, to: Date, owner: String?, details: Bool) throws -> [ReportCase] {
        try reportCases(from: from, to: to, owner: owner, details: details, lastOutbound: false)
    }
}

extension SQLiteStore: ReportQueries {}

/// The weekly check's reminders (issue 15 part 3; SQLite: `SQLiteWeeklyCheck.swift`): composed
/// from a read snapshot outside any write transaction, then fired in one short one.
public protocol WeeklyCheckQueue: Sendable {
    /// Pending weekly-check reminders due at `now`, earliest first.
    func dueWeeklyChecks(now: Date) throws -> [Reminder]
    /// True when a weekly check is scheduled (pending).
    func hasPendingWeeklyCheck() throws -> Bool
    /// Schedules a weekly check (nothing when its key exists, whatever its status).
    func scheduleWeeklyCheck(_ r: NewReminder, now: Date) throws
    /// Fires weekly check `id` if still pending: marked fired (late past `lateAfter`), `mails`
    /// queued (a Message-ID already in the outbox is not queued twice), `next` scheduled; nil
    /// when it was no longer pending.
    func fireWeeklyCheck(id: Int64, now: Date, lateAfter: TimeInterval, mails: [OutgoingMail], next: NewReminder?) throws -> Reminder?
}

extension SQLiteStore: WeeklyCheckQueue {}

extension SQLiteStore: RecipientsBackfilling {}

/// The To/Cc of messages filed before `v9-recipients` / `pg6-recipients` (the console's
/// visibility, `message_recipients`), read back from their stored bytes in the background: the
/// daemon's `RecipientsBackfill` calls `backfillRecipients(after:limit:)` batch by batch, so
/// opening a store never waits for it (a CLI command does not run it at all). Until a message
/// is read, its To/Cc simply give no one visibility: the rule falls back to what is known.
/// Only staff mail (`outbound`) gives rows, as at filing.
public protocol RecipientsBackfilling: Sendable {
    /// Messages still queued (a count: call it once, not per second).
    func recipientsBackfillPending() throws -> Int
    /// One transaction: at most `limit` queued messages with ids above `after`, each read and
    /// leaving the queue with its rows. `last`: the highest id taken (the next `after`); nil:
    /// nothing was left above `after`. `read`: the messages whose bytes gave recipients' rows.
    func backfillRecipients(after: Int64, limit: Int) throws -> (read: Int, last: Int64?)
}

extension RecipientsBackfilling {
    /// The whole queue at once, in batches of 500 (tests, and a daemon with nothing else to do).
    @discardableResult
    public func backfillRecipients() throws -> Int {
        var after: Int64 = 0, done = 0
        while true {
            let batch = try backfillRecipients(after: after, limit: 500)
            done += batch.read
            guard let last = batch.last else { return done }
            after = last
        }
    }
}
