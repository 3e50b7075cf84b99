import Foundation
import GRDB
import LiaisonCore

/// Recaps, reminders, case events and the outbox in SQLite (issues #5 and #6). Each method is
/// one write transaction, except `fireDue`, which takes one per reminder.
extension SQLiteStore {
    // MARK: updates

    public func update(now: Date, _ body: (any CaseView) throws -> FollowUp) throws {
        try transaction { db in try Self.write(db, try body(SQLiteCaseView(db: db)), now: now, filed: nil) }
    }

    public func read<T>(_ body: (any CaseView) throws -> T) throws -> T {
        try snapshot { db in try body(SQLiteCaseView(db: db)) }
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
        try snapshot { db in
            try Double.fetchOne(db.cachedStatement(sql: Self.nextReminderSQL))
                .map(Self.instant)
        }
    }

    public func pendingReminderCount() throws -> Int {
        try snapshot { db in
            try Int.fetchOne(db.cachedStatement(
                sql: "SELECT COUNT(*) FROM reminders INDEXED BY reminders_pending WHERE status = 'pending'")) ?? 0
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
        let ids = try snapshot { db in
            try Int64.fetchAll(db.cachedStatement(sql: Self.dueReminderIDsSQL), arguments: [now.timeIntervalSince1970, limit])
        }
        var fired: [Reminder] = []
        for id in ids {
            let done: Reminder? = try transaction { db in
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
        return try snapshot { db in try Self.fetchReminders(db, sql: sql + " ORDER BY r.fire_at, r.id", StatementArguments(args)) }
    }

    public func cancelReminder(id: Int64, reason: String, at: Date) throws -> Bool {
        try transaction { db in
            try db.cachedStatement(sql: """
                UPDATE reminders SET status = 'cancelled', done_at = ?, cancel_reason = ? WHERE id = ? AND status = 'pending'
                """).execute(arguments: [at.timeIntervalSince1970, reason, id])
            return db.changesCount > 0
        }
    }

    public func recaps(caseNumber: String) throws -> [RecapRecord] {
        try snapshot { db in try Self.fetchRecaps(db, where: "cases.number = ?", [caseNumber]) }
    }

    public func events(caseNumber: String) throws -> [CaseEvent] {
        try snapshot { db in try Self.fetchEvents(db, caseNumber: caseNumber) }
    }

    // MARK: outbox

    public func nextOutboxAttempt() throws -> Date? {
        try snapshot { db in
            try Double.fetchOne(db.cachedStatement(sql: Self.nextOutboxSQL))
                .map(Self.instant)
        }
    }

    /// Oldest first: in the order the mails were queued.
    public func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry] {
        try snapshot { db in
            try Self.fetchOutbox(db, sql: "SELECT o.*, cases.number AS case_number FROM outbox o INDEXED BY outbox_pending LEFT JOIN cases ON cases.id = o.case_id"
                                 + " WHERE o.status = 'pending' AND o.rendered = 1 AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
                                 [now.timeIntervalSince1970, max(limit, 0)])
        }
    }

    // MARK: notices, rendered after the commit

    public func unrenderedNotices(limit: Int) throws -> [PendingNotice] {
        try snapshot { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, message_id, notice, created_at FROM outbox INDEXED BY outbox_unrendered
                WHERE rendered = 0 AND status = 'pending' ORDER BY id LIMIT ?
                """), arguments: [max(limit, 0)]).map { r in
                let id: Int64 = r["id"]
                let text = (r["notice"] as String?) ?? ""
                let notice: Notice
                do { notice = try JSONDecoder().decode(Notice.self, from: Data(text.utf8)) } catch {
                    throw StoreError(.corrupt, "outbox row \(id) holds an unreadable notice: \(error)")
                }
                return PendingNotice(id: id, planned: PlannedNotice(notice: notice, messageID: r["message_id"]),
                                     createdAt: Self.instant(r["created_at"]))
            }
        }
    }

    public func noticeRendered(id: Int64, mail: OutgoingMail) throws {
        try transaction { db in
            try db.cachedStatement(sql: """
                UPDATE outbox SET raw = ?, envelope_from = ?, recipients = ?, rendered = 1 WHERE id = ? AND rendered = 0
                """).execute(arguments: [try Self.sealed(db, mail.raw, "outbox", "raw", row: id), mail.envelopeFrom,
                                         Self.json(mail.recipients), id])
        }
    }

    public func noticeUnrenderable(id: Int64, at: Date, error: String) throws {
        try transaction { db in
            guard let entry = try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.id = ? AND o.rendered = 0", [id]).first else {
                return
            }
            try db.cachedStatement(sql: "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?")
                .execute(arguments: ["not rendered: " + error, id])
            if let number = entry.mail.caseNumber {
                let detail = "\(entry.mail.purpose) notice to \(entry.mail.recipients.joined(separator: ", ")) not sent: \(error)"
                try Self.insertEvent(db, CaseEvent(caseNumber: number, at: at, kind: CaseEvent.Kind.noticeFailed, detail: detail),
                                     caseID: try Self.caseID(db, number))
            }
        }
    }

    /// Marks a pending row sent (attempts + 1; the last error of an earlier attempt is kept); a
    /// row already sent or failed is left as it is.
    public func outboxSent(id: Int64, at: Date) throws {
        try transaction { db in
            try db.cachedStatement(sql: """
                UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1
                WHERE id = ? AND status = 'pending'
                """).execute(arguments: [at.timeIntervalSince1970, id])
            if db.changesCount == 0, try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM outbox WHERE id = ?"), arguments: [id]) == nil {
                throw StoreError(.notFound, "no outbox row \(id)")
            }
        }
    }

    /// A retry applies to a pending row only; a permanent failure to any row (a bounce names a
    /// sent one), and each one writes its event. The event's detail names the purpose, Message-ID,
    /// recipients and error, never the body.
    public func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp) throws {
        try transaction { db in
            guard let entry = try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.id = ?", [id]).first else {
                throw StoreError(.notFound, "no outbox row \(id)")
            }
            if let retryAt {
                guard entry.status == .pending else { throw StoreError(.refused, "outbox row \(id) is \(entry.status.rawValue), not pending") }
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
        try snapshot { db in
            if let status {
                return try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.status = ? ORDER BY o.id", [status.rawValue])
            }
            return try Self.fetchOutbox(db, sql: Self.outboxSelect + " ORDER BY o.id", [])
        }
    }

    public func outboxCounts() throws -> [OutboxStatus: Int] {
        try snapshot { db in
            var counts: [OutboxStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let s = OutboxStatus(rawValue: row["status"]) { counts[s] = row["n"] }
            }
            return counts
        }
    }

    public func outboxEntry(messageID: String) throws -> OutboxEntry? {
        try snapshot { db in try Self.fetchOutbox(db, sql: Self.outboxSelect + " WHERE o.message_id = ?", [messageID]).first }
    }
}
