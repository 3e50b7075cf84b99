import Foundation
import GRDB
import LiaisonCore

/// Recaps, reminders, case events and the outbox in SQLite (issues #5 and #6). Each method is
/// one write transaction, except `fireDue`, which takes one per reminder.
extension SQLiteStore: ReminderStore {
    // MARK: writing with a follow-up

    public func file(_ filing: Filing, now: Date, followUp: (FiledContext) throws -> FollowUp,
                     summary: (HeldContext) throws -> FollowUp) throws -> FilingOutcome {
        try pool.write { db in
            let outcome = try Self.fileOne(db, filing)
            if case .held(let heldID, .rateLimited) = outcome, let recipient = try Self.summaryRecipient(db, heldID: heldID) {
                let detail = try String.fetchOne(db.cachedStatement(sql: "SELECT detail FROM held WHERE id = ?"), arguments: [heldID])
                try Self.write(db, try summary(HeldContext(heldID: heldID, detail: detail, recipient: recipient,
                                                           view: SQLiteCaseView(db: db))), now: now, filed: nil)
                return outcome
            }
            guard case .filed(let number, let correspondenceID, let opened) = outcome else { return outcome }
            let caseID = try Self.caseID(db, number)
            guard let filedCase = try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [caseID]) else {
                throw StoreError("no case \(number)")
            }
            let context = FiledContext(filedCase: filedCase, correspondenceID: correspondenceID, openedCase: opened,
                                       view: SQLiteCaseView(db: db))
            try Self.write(db, try followUp(context), now: now, filed: (caseID, correspondenceID))
            return outcome
        }
    }

    public func update(now: Date, _ body: (any CaseView) throws -> FollowUp) throws {
        try pool.write { db in try Self.write(db, try body(SQLiteCaseView(db: db)), now: now, filed: nil) }
    }

    public func read<T>(_ body: (any CaseView) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteCaseView(db: db)) }
    }

    // MARK: reminders

    /// The queue queries name their partial index (`INDEXED BY`): one index lookup whatever the
    /// planner's statistics say, and SQLite refuses the query rather than scan the table.
    static let nextReminderSQL = "SELECT fire_at FROM reminders INDEXED BY reminders_pending WHERE status = 'pending' ORDER BY fire_at LIMIT 1"
    /// Reads only due entries of the pending index (a range up to `now`). Weekly checks are
    /// left to `fireWeeklyCheck` (SQLiteWeeklyCheck.swift): their mails are composed outside the
    /// write transaction.
    static let dueReminderIDsSQL = """
        SELECT id FROM reminders INDEXED BY reminders_pending WHERE status = 'pending' AND fire_at <= ? AND kind <> 'weekly-check'
        ORDER BY fire_at, id LIMIT ?
        """
    static let nextOutboxSQL = "SELECT next_attempt_at FROM outbox INDEXED BY outbox_pending WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1"

    public func nextReminderTime() throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(db.cachedStatement(sql: Self.nextReminderSQL))
                .map(Self.instant)
        }
    }

    /// The due ids are read through the pending index (only due rows are read); each reminder is
    /// then fired in its own transaction, after checking it is still pending. It is marked fired
    /// before its follow-up is written, so a cancellation in the follow-up does not touch it; the
    /// reminder handed to `fire` is already as stored (`fired`, `doneAt` = now, `late`). If `fire`
    /// throws, that reminder's transaction rolls back (it stays pending) and the error is
    /// rethrown; the reminders fired before it stay fired.
    public func fireDue(now: Date, limit: Int, lateAfter: TimeInterval,
                        _ fire: (Reminder, any CaseView) throws -> FollowUp) throws -> [Reminder] {
        guard limit > 0 else { return [] }
        let ids = try pool.read { db in
            try Int64.fetchAll(db.cachedStatement(sql: Self.dueReminderIDsSQL), arguments: [now.timeIntervalSince1970, limit])
        }
        var fired: [Reminder] = []
        for id in ids {
            let done: Reminder? = try pool.write { db in
                guard var r = try Self.fetchReminders(db, sql: Self.reminderSelect + " WHERE r.id = ? AND r.status = 'pending'", [id]).first else {
                    return nil
                }
                r.late = now.timeIntervalSince(r.fireAt) > lateAfter
                r.status = .fired
                r.doneAt = now
                try db.cachedStatement(sql: "UPDATE reminders SET status = 'fired', done_at = ?, late = ? WHERE id = ?")
                    .execute(arguments: [now.timeIntervalSince1970, r.late, id])
                try Self.write(db, try fire(r, SQLiteCaseView(db: db)), now: now, filed: nil)
                return r
            }
            if let done { fired.append(done) }
        }
        return fired
    }

    /// `dueBefore` keeps reminders whose `fireAt` is strictly earlier.
    public func reminders(caseNumber: String?, status: ReminderStatus?, dueBefore: Date?) throws -> [Reminder] {
        var sql = Self.reminderSelect + " WHERE 1 = 1"
        var args: [(any DatabaseValueConvertible)?] = []
        if let caseNumber { sql += " AND cases.number = ?"; args.append(caseNumber) }
        if let status { sql += " AND r.status = ?"; args.append(status.rawValue) }
        if let dueBefore { sql += " AND r.fire_at < ?"; args.append(dueBefore.timeIntervalSince1970) }
        return try pool.read { db in try Self.fetchReminders(db, sql: sql + " ORDER BY r.fire_at, r.id", StatementArguments(args)) }
    }

    public func cancelReminder(id: Int64, reason: String, at: Date) throws -> Bool {
        try pool.write { db in
            try db.cachedStatement(sql: """
                UPDATE reminders SET status = 'cancelled', done_at = ?, cancel_reason = ? WHERE id = ? AND status = 'pending'
                """).execute(arguments: [at.timeIntervalSince1970, reason, id])
            return db.changesCount > 0
        }
    }

    public func recaps(caseNumber: String) throws -> [RecapRecord] {
        try pool.read { db in try Self.fetchRecaps(db, where: "cases.number = ?", [caseNumber]) }
    }

    public func events(caseNumber: String) throws -> [CaseEvent] {
        try pool.read { db in try Self.fetchEvents(db, caseNumber: caseNumber) }
    }

    // MARK: outbox

    public func nextOutboxAttempt() throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(db.cachedStatement(sql: Self.nextOutboxSQL))
                .map(Self.instant)
        }
    }

    /// Oldest first: in the order the mails were queued.
    public func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry] {
        try pool.read { db in
            try Self.fetchOutbox(db, sql: "SELECT o.*, cases.number AS case_number FROM outbox o INDEXED BY outbox_pending LEFT JOIN cases ON cases.id = o.case_id"
                                 + " WHERE o.status = 'pending' AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
                                 [now.timeIntervalSince1970, max(limit, 0)])
        }
    }

    /// Marks a pending row sent (attempts + 1; the last error of an earlier attempt is kept); a
    /// row already sent or failed is left as it is.
    public func outboxSent(id: Int64, at: Date) throws {
        try pool.write { db in
            try db.cachedStatement(sql: """
                UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1
                WHERE id = ? AND status = 'pending'
                """).execute(arguments: [at.timeIntervalSince1970, id])
            if db.changesCount == 0, try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM outbox WHERE id = ?"), arguments: [id]) == nil {
                throw StoreError("no outbox row \(id)")
            }
        }
    }

    /// A retry applies to a pending row only; a permanent failure to any row (a bounce names a
    /// sent one), and each one writes its event. The event's detail names the purpose, Message-ID,
    /// recipients and error, never the body.
    public func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp) throws {
        try pool.write { db in
            guard let entry = try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.id = ?", [id]).first else {
                throw StoreError("no outbox row \(id)")
            }
            if let retryAt {
                guard entry.status == .pending else { throw StoreError("outbox row \(id) is \(entry.status.rawValue), not pending") }
                try db.cachedStatement(sql: "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?")
                    .execute(arguments: [retryAt.timeIntervalSince1970, error, id])
            } else {
                try db.cachedStatement(sql: "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?")
                    .execute(arguments: [error, id])
                if let number = entry.mail.caseNumber {
                    let detail = "\(entry.mail.purpose) mail \(entry.mail.messageID) to \(entry.mail.recipients.joined(separator: ", ")) failed: \(error)"
                    try Self.insertEvent(db, CaseEvent(caseNumber: number, at: at, kind: CaseEvent.Kind.deliveryFailed, detail: detail),
                                         caseID: try Self.caseID(db, number))
                }
            }
            try Self.write(db, followUp, now: at, filed: nil)
        }
    }

    public func outbox(status: OutboxStatus?) throws -> [OutboxEntry] {
        try pool.read { db in
            if let status {
                return try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.status = ? ORDER BY o.id", [status.rawValue])
            }
            return try Self.fetchOutbox(db, sql: Self.outboxSelect + " ORDER BY o.id", [])
        }
    }

    public func outboxCounts() throws -> [OutboxStatus: Int] {
        try pool.read { db in
            var counts: [OutboxStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let s = OutboxStatus(rawValue: row["status"]) { counts[s] = row["n"] }
            }
            return counts
        }
    }

    public func outboxEntry(messageID: String) throws -> OutboxEntry? {
        try pool.read { db in try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.message_id = ?", [messageID]).first }
    }
}
