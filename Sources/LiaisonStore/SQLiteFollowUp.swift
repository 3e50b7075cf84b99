import Foundation
import GRDB
import LiaisonCore

/// Writing a `FollowUp` (recaps, recap states, reminders, cancellations, events, outbox mails,
/// statuses) inside the caller's transaction: the one function behind filing, `update`, firing a
/// reminder and recording a failed delivery.
extension SQLiteStore {
    /// Writes `f`. `filed` is the message being filed, if any: only then may `f` carry a recap,
    /// stored under that correspondence id. Cancellations are applied before new reminders are
    /// added, so a follow-up may replace a case's reminders of one kind with new ones. A case
    /// number the store does not know throws `StoreError` (the caller's transaction rolls back).
    static func write(_ db: Database, _ f: FollowUp, now: Date, filed: (caseID: Int64, correspondenceID: Int64)?) throws {
        if let recap = f.recap {
            guard let filed else { throw StoreError(.refused, "a recap is stored only with the message that carries it") }
            try insertRecap(db, recap, id: filed.correspondenceID, caseID: filed.caseID)
        }
        // Case ids looked up once per follow-up (a planner may schedule many reminders on one case).
        var known: [String: Int64] = [:]
        func id(_ number: String) throws -> Int64 {
            if let id = known[number] { return id }
            let id = try caseID(db, number)
            known[number] = id
            return id
        }
        for change in f.recapStates { try setRecapState(db, change) }
        for c in f.cancellations { try cancelReminders(db, c, caseID: try id(c.caseNumber), at: now) }
        for r in f.reminders { try insertReminder(db, r, caseID: try r.caseNumber.map(id)) }
        for e in f.events { try insertEvent(db, e, caseID: try id(e.caseNumber)) }
        for m in f.mails { try enqueue(db, m, caseID: try m.caseNumber.map(id), now: now) }
        for n in f.notices { try enqueueNotice(db, n, caseID: try n.notice.caseNumber.map(id), now: now) }
        for s in f.statusChanges { try updateStatus(db, caseNumber: s.caseNumber, status: s.status, at: now) }
        for i in f.itemStates { try setItemState(db, i) }
        for a in f.caseAttributes { try setCaseAttribute(db, a) }
    }

    /// An item's status, due (its first due kept in `first_due`), done time and author.
    static func setItemState(_ db: Database, _ i: ItemStateChange) throws {
        try db.cachedStatement(sql: """
            UPDATE action_items SET status = ?, first_due = COALESCE(first_due, due), due = ?, done_at = ?, done_by = ?
            WHERE recap_id = ? AND number = ?
            """).execute(arguments: [i.status.rawValue, i.due?.timeIntervalSince1970, i.doneAt?.timeIntervalSince1970, i.doneBy,
                             i.recapID, i.number])
        if db.changesCount == 0 { throw StoreError(.notFound, "no item \(i.number) on recap \(i.recapID)") }
    }

    static func setCaseAttribute(_ db: Database, _ a: CaseAttributeChange) throws {
        switch a.attribute {
        case .owner(let owner):
            try db.cachedStatement(sql: "UPDATE cases SET owner = ? WHERE number = ?").execute(arguments: [owner, a.caseNumber])
        case .mutedUntil(let until):
            try db.cachedStatement(sql: "UPDATE cases SET muted_until = ? WHERE number = ?")
                .execute(arguments: [until.timeIntervalSince1970, a.caseNumber])
        }
        if db.changesCount == 0 { throw StoreError(.notFound, "no case \(a.caseNumber)") }
    }

    /// The id of the case numbered `number`; `StoreError` when there is none.
    static func caseID(_ db: Database, _ number: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [number]) else {
            throw StoreError(.notFound, "no case \(number)")
        }
        return id
    }

    static func insertRecap(_ db: Database, _ r: NewRecap, id: Int64, caseID: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO recaps (id, case_id, message_id, author, counterparty, sent_at, window_closes, window_note,
                                next_contact, next_contact_note, state, state_at, objected_items)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, '[]')
            """).execute(arguments: [id, caseID, r.messageID, r.author, json(r.counterparty), r.sentAt?.timeIntervalSince1970,
                             r.windowCloses?.timeIntervalSince1970, r.windowNote, r.nextContact?.timeIntervalSince1970,
                             r.nextContactNote])
        for (seq, item) in r.items.enumerated() {
            try db.cachedStatement(sql: """
                INSERT INTO action_items (recap_id, seq, number, owner, department, owner_address, task, due, due_note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [id, seq, item.number, item.owner, item.department, item.ownerAddress, item.task,
                                 item.due?.timeIntervalSince1970, item.dueNote])
        }
    }

    static func setRecapState(_ db: Database, _ change: RecapStateChange) throws {
        let at: Date?
        let items: [Int]
        switch change.state {
        case .pending: (at, items) = (nil, [])
        case .confirmed(let when): (at, items) = (when, [])
        case .disputed(let when, let objected): (at, items) = (when, objected)
        }
        try db.cachedStatement(sql: "UPDATE recaps SET state = ?, state_at = ?, objected_items = ? WHERE id = ?")
            .execute(arguments: [change.state.name, at?.timeIntervalSince1970, json(items), change.recapID])
        if db.changesCount == 0 { throw StoreError(.notFound, "no recap \(change.recapID)") }
    }

    /// Pending reminders of the case, of one of the kinds (all when empty) and with the key prefix.
    static func cancelReminders(_ db: Database, _ c: ReminderCancellation, caseID caseRow: Int64, at: Date) throws {
        var sql = "UPDATE reminders SET status = 'cancelled', done_at = ?, cancel_reason = ? WHERE case_id = ? AND status = 'pending'"
        var args: [(any DatabaseValueConvertible)?] = [at.timeIntervalSince1970, c.reason, caseRow]
        if !c.kinds.isEmpty {
            sql += " AND kind IN (\(Array(repeating: "?", count: c.kinds.count).joined(separator: ",")))"
            args += c.kinds.map(\.rawValue)
        }
        if let prefix = c.keyPrefix, !prefix.isEmpty {
            sql += " AND substr(key, 1, length(?)) = ?"
            args += [prefix, prefix]
        }
        if let item = c.item {
            sql += " AND recap_id = ? AND item_number = ?"
            args += [item.recapID, item.number]
        }
        if !c.ids.isEmpty {
            sql += " AND id IN (\(Array(repeating: "?", count: c.ids.count).joined(separator: ",")))"
            args += c.ids
        }
        try db.execute(sql: sql, arguments: StatementArguments(args))
    }

    /// Adds a pending reminder unless its (case, key) exists, whatever that one's status.
    static func insertReminder(_ db: Database, _ r: NewReminder, caseID caseRow: Int64?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO reminders (case_id, kind, fire_at, about, recipients, key, recap_id, item_number, detail, status, late)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [caseRow, r.kind.rawValue, r.fireAt.timeIntervalSince1970, r.about?.timeIntervalSince1970,
                             json(r.recipients), r.key, r.recapID, r.itemNumber, r.detail])
    }

    static func insertEvent(_ db: Database, _ e: CaseEvent, caseID caseRow: Int64) throws {
        try db.cachedStatement(sql: "INSERT INTO case_events (case_id, at, kind, detail) VALUES (?, ?, ?, ?)")
            .execute(arguments: [caseRow, e.at.timeIntervalSince1970, e.kind.rawValue, e.detail])
    }

    /// Queues a mail for its first attempt at `now`, unless its Message-ID is queued already.
    static func enqueue(_ db: Database, _ m: OutgoingMail, caseID caseRow: Int64?, now: Date) throws {
        let id = try nextID(db, "outbox")
        try db.cachedStatement(sql: """
            INSERT INTO outbox (id, case_id, message_id, envelope_from, recipients, raw, purpose, reminder_id, status, attempts,
                                next_attempt_at, last_error, created_at, sent_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL)
            ON CONFLICT(message_id) DO NOTHING
            """).execute(arguments: [id, caseRow, m.messageID, m.envelopeFrom, json(m.recipients),
                             try sealed(db, m.raw, "outbox", "raw", row: id), m.purpose.rawValue,
                             m.reminderID, now.timeIntervalSince1970, now.timeIntervalSince1970])
    }

    /// Records a notice as an unrendered outbox row (no bytes yet; `envelope_from` is set when
    /// it is rendered), unless its Message-ID is queued already.
    static func enqueueNotice(_ db: Database, _ n: PlannedNotice, caseID caseRow: Int64?, now: Date) throws {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(n.notice)
        } catch {
            throw StoreError(.invalid, "the \(n.notice.kind.rawValue) notice cannot be recorded: \(error)")
        }
        try db.cachedStatement(sql: """
            INSERT INTO outbox (case_id, message_id, envelope_from, recipients, raw, purpose, reminder_id, status, attempts,
                                next_attempt_at, last_error, created_at, sent_at, notice, rendered)
            VALUES (?, ?, '', ?, X'', ?, ?, 'pending', 0, ?, NULL, ?, NULL, ?, 0)
            ON CONFLICT(message_id) DO NOTHING
            """).execute(arguments: [caseRow, n.messageID, json(n.notice.recipients), n.notice.kind.rawValue,
                             n.notice.reminderID, now.timeIntervalSince1970, now.timeIntervalSince1970,
                             String(decoding: data, as: UTF8.self)])
    }

    // MARK: reading

    static let reminderSelect = "SELECT r.*, cases.number AS case_number FROM reminders r LEFT JOIN cases ON cases.id = r.case_id"
    static let recapSelect = "SELECT r.*, cases.number AS case_number FROM recaps r JOIN cases ON cases.id = r.case_id"
    static let outboxSelect = "SELECT o.*, cases.number AS case_number FROM outbox o LEFT JOIN cases ON cases.id = o.case_id"

    static func fetchReminders(_ db: Database, sql: String, _ args: StatementArguments) throws -> [Reminder] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: args).map(makeReminder)
    }

    static func makeReminder(_ r: Row) throws -> Reminder {
        guard let kind = ReminderKind(rawValue: r["kind"]), let status = ReminderStatus(rawValue: r["status"]) else {
            throw StoreError(.corrupt, "reminder \(r["id"] as Int64) has an unknown kind or status")
        }
        return Reminder(id: r["id"], caseNumber: r["case_number"], kind: kind, fireAt: instant(r["fire_at"]),
                        about: date(r["about"]), recipients: strings(r["recipients"]), key: r["key"], recapID: r["recap_id"],
                        itemNumber: r["item_number"], detail: r["detail"], status: status, doneAt: date(r["done_at"]),
                        late: r["late"] as Bool, cancelReason: r["cancel_reason"])
    }

    /// Recaps matching `condition` (on `r`, the recaps table, or `cases`), oldest first, with their items.
    static func fetchRecaps(_ db: Database, where condition: String, _ args: StatementArguments) throws -> [RecapRecord] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: recapSelect + " WHERE \(condition) ORDER BY r.sent_at IS NULL, r.sent_at, r.id"),
                                    arguments: args)
        return try rows.map { r in
            let id: Int64 = r["id"]
            let items = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM action_items WHERE recap_id = ? ORDER BY seq"),
                                         arguments: [id]).map { i in
                ActionItemRecord(number: i["number"], owner: i["owner"], department: i["department"], ownerAddress: i["owner_address"],
                                 task: i["task"], due: date(i["due"]), dueNote: i["due_note"],
                                 status: ItemStatus(rawValue: i["status"]) ?? .open, doneAt: date(i["done_at"]), doneBy: i["done_by"])
            }
            let stateAt = date(r["state_at"])
            let state: RecapState
            switch (r["state"] as String, stateAt) {
            case ("pending", _): state = .pending
            case ("confirmed", let at?): state = .confirmed(at: at)
            case ("disputed", let at?): state = .disputed(at: at, objectedItems: ints(r["objected_items"]))
            default: throw StoreError(.corrupt, "recap \(id) has an unreadable state")
            }
            let recap = NewRecap(messageID: r["message_id"], author: r["author"], counterparty: strings(r["counterparty"]),
                                 sentAt: date(r["sent_at"]), windowCloses: date(r["window_closes"]), windowNote: r["window_note"],
                                 nextContact: date(r["next_contact"]), nextContactNote: r["next_contact_note"], items: items)
            return RecapRecord(id: id, caseNumber: r["case_number"], recap: recap, state: state)
        }
    }

    static func fetchOutbox(_ db: Database, sql: String, _ args: StatementArguments) throws -> [OutboxEntry] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: args).map { r in
            guard let status = OutboxStatus(rawValue: r["status"]) else {
                throw StoreError(.corrupt, "outbox row \(r["id"] as Int64) has an unknown status")
            }
            let mail = OutgoingMail(caseNumber: r["case_number"], messageID: r["message_id"], envelopeFrom: r["envelope_from"],
                                    recipients: strings(r["recipients"]), raw: try opened(db, r["raw"], "outbox", "raw", row: r["id"]), purpose: MailPurpose(rawValue: r["purpose"]),
                                    reminderID: r["reminder_id"])
            // The notice it renders (what it is about: case, item), when it is one.
            let notice = (r["notice"] as String?).flatMap { try? JSONDecoder().decode(Notice.self, from: Data($0.utf8)) }
            return OutboxEntry(id: r["id"], mail: mail, status: status, attempts: r["attempts"], nextAttemptAt: instant(r["next_attempt_at"]),
                               lastError: r["last_error"], createdAt: instant(r["created_at"]), sentAt: date(r["sent_at"]),
                               notice: notice)
        }
    }

    static func fetchEvents(_ db: Database, caseNumber: String) throws -> [CaseEvent] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT e.* FROM case_events e JOIN cases ON cases.id = e.case_id WHERE cases.number = ? ORDER BY e.at, e.id
            """), arguments: [caseNumber]).map {
            CaseEvent(caseNumber: caseNumber, at: instant($0["at"]), kind: CaseEventKind(rawValue: $0["kind"]), detail: $0["detail"])
        }
    }

    // MARK: column encodings

    /// Address lists and item numbers as JSON arrays (`StoreColumns`, shared with the PostgreSQL backend).
    static func json(_ strings: [String]) -> String { StoreColumns.json(strings) }
    static func json(_ ints: [Int]) -> String { StoreColumns.json(ints) }
    static func strings(_ text: String) -> [String] { StoreColumns.strings(text) }
    static func ints(_ text: String) -> [Int] { StoreColumns.ints(text) }

    static func instant(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func date(_ seconds: Double?) -> Date? { seconds.map { Date(timeIntervalSince1970: $0) } }
}
