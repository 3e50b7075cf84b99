import Foundation
import GRDB
import LiaisonCore

/// `FilingView` (matcher lookups, planner reads, rate ledger, outbox rows) over the SQLite
/// transaction that is open: what it reads is what the filing or follow-up will be committed
/// with. Valid only inside the closure it is handed to.
struct SQLiteCaseView: FilingView {
    let db: Database

    func caseForMessageID(_ messageID: String) throws -> Case? {
        try SQLiteStore.caseForMessageID(db, messageID)
    }

    func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        try SQLiteStore.casesForThread(db, subject: subject, addresses: addresses, since: since)
    }

    func outboxEntry(messageID: String) throws -> OutboxEntry? {
        try SQLiteStore.fetchOutbox(db, sql: SQLiteStore.outboxSelect + " WHERE o.message_id = ?", [messageID]).first
    }

    func caseWithNumber(_ number: String) throws -> Case? {
        try SQLiteStore.fetchCase(db, sql: "SELECT * FROM cases WHERE number = ?", [number])
    }

    func cases(status: CaseStatus?, owner: String?) throws -> [Case] {
        try SQLiteStore.fetchCases(db, status: status, owner: owner)
    }

    func recaps(caseNumber: String) throws -> [RecapRecord] {
        try SQLiteStore.fetchRecaps(db, where: "cases.number = ?", [caseNumber])
    }

    func recap(id: Int64) throws -> RecapRecord? {
        try SQLiteStore.fetchRecaps(db, where: "r.id = ?", [id]).first
    }

    /// Reminders of one case, or the case-less ones when `caseNumber` is nil, in fire order.
    func reminders(caseNumber: String?, status: ReminderStatus?) throws -> [Reminder] {
        var sql = SQLiteStore.reminderSelect
        var args: [(any DatabaseValueConvertible)?] = []
        if let caseNumber {
            sql += " WHERE cases.number = ?"
            args.append(caseNumber)
        } else {
            sql += " WHERE r.case_id IS NULL"
        }
        if let status { sql += " AND r.status = ?"; args.append(status.rawValue) }
        return try SQLiteStore.fetchReminders(db, sql: sql + " ORDER BY r.fire_at, r.id", StatementArguments(args))
    }

    /// The thread subject and Message-ID of the case's earliest correspondence (date order, then
    /// arrival); nil when the case has no correspondence (opened by hand) or does not exist.
    func caseThread(_ number: String) throws -> (subject: String, firstMessageID: String?)? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT c.thread_subject, c.message_id FROM correspondence c JOIN cases ON cases.id = c.case_id
            WHERE cases.number = ? ORDER BY c.date IS NULL, c.date, c.id LIMIT 1
            """), arguments: [number]).map { (subject: $0["thread_subject"], firstMessageID: $0["message_id"]) }
    }
}
