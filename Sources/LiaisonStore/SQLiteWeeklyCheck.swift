import Foundation
import GRDB
import LiaisonCore

/// The store side of the weekly check (issue 15 part 3). The check's mails are composed from a
/// read-only snapshot (`reportCases`) outside any write transaction — the XLSX attachment is
/// never built while SQLite's write lock is held — and then written here in one short
/// transaction that marks the reminder fired, queues the mails and schedules the next check.
/// `fireDue` leaves weekly-check reminders to this path (`SQLiteStore.dueReminderIDsSQL`).
extension SQLiteStore {
    /// Pending weekly-check reminders due at `now`, earliest first (through the pending index).
    public func dueWeeklyChecks(now: Date) throws -> [Reminder] {
        try pool.read { db in
            try Self.fetchReminders(db, sql: "SELECT r.*, cases.number AS case_number FROM reminders r INDEXED BY reminders_pending"
                                    + " LEFT JOIN cases ON cases.id = r.case_id WHERE r.status = 'pending' AND r.fire_at <= ? AND r.kind = ? ORDER BY r.fire_at, r.id",
                                    [now.timeIntervalSince1970, ReminderKind.weeklyCheck.rawValue])
        }
    }

    /// True when a weekly check is scheduled (pending).
    public func hasPendingWeeklyCheck() throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM reminders INDEXED BY reminders_pending WHERE status = 'pending' AND kind = ?)",
                              arguments: [ReminderKind.weeklyCheck.rawValue]) ?? false
        }
    }

    /// Schedules a weekly check (nothing when its key exists, whatever its status).
    public func scheduleWeeklyCheck(_ r: NewReminder, now: Date) throws {
        precondition(r.kind == .weeklyCheck && r.caseNumber == nil)
        try pool.write { db in try Self.write(db, FollowUp(reminders: [r]), now: now, filed: nil) }
    }

    /// Fires weekly check `id` in one transaction, if it is still pending: marks it fired (late
    /// when `now` is more than `lateAfter` past its time), queues `mails` (a Message-ID already
    /// in the outbox is not queued twice) and schedules `next`. Returns the reminder as stored,
    /// or nil when it was no longer pending (fired or cancelled meanwhile: nothing is written).
    public func fireWeeklyCheck(id: Int64, now: Date, lateAfter: TimeInterval, mails: [OutgoingMail],
                                next: NewReminder?) throws -> Reminder? {
        try pool.write { db in
            guard var r = try Self.fetchReminders(db, sql: Self.reminderSelect + " WHERE r.id = ? AND r.status = 'pending'", [id]).first,
                  r.kind == .weeklyCheck else { return nil }
            r.late = now.timeIntervalSince(r.fireAt) > lateAfter
            r.status = .fired
            r.doneAt = now
            try db.cachedStatement(sql: "UPDATE reminders SET status = 'fired', done_at = ?, late = ? WHERE id = ?")
                .execute(arguments: [now.timeIntervalSince1970, r.late, id])
            try Self.write(db, FollowUp(reminders: next.map { [$0] } ?? [], mails: mails), now: now, filed: nil)
            return r
        }
    }
}
