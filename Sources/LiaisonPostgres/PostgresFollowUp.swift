import Foundation
import LiaisonCore
import LiaisonStore

/// Writing a `FollowUp` inside the caller's transaction: the ONE function behind filing,
/// `update`, firing a reminder and recording a failed delivery (as `SQLiteFollowUp.swift`; a
/// field added to `FollowUp` is written here).
extension PostgresStore {
    /// `filedNumber`: the filed case's number (its id is `filed.caseID`): the follow-ups on that
    /// case need no lookup of its id (one round trip less each filing).
    static func write(_ s: PGSession, _ f: FollowUp, now: Date, filed: (caseID: Int64, correspondenceID: Int64)?,
                      filedNumber: String? = nil) throws {
        if let recap = f.recap {
            guard let filed else { throw StoreError(.refused, "a recap is stored only with the message that carries it") }
            try insertRecap(s, recap, id: filed.correspondenceID, caseID: filed.caseID)
        }
        var known: [String: Int64] = [:]
        if let filed, let filedNumber { known[filedNumber] = filed.caseID }
        func id(_ number: String) throws -> Int64 {
            if let id = known[number] { return id }
            let id = try caseID(s, number)
            known[number] = id
            return id
        }
        for change in f.recapStates { try setRecapState(s, change) }
        for c in f.cancellations { try cancelReminders(s, c, caseID: try id(c.caseNumber), at: now) }
        for r in f.reminders { try insertReminder(s, r, caseID: try r.caseNumber.map(id)) }
        for e in f.events { try insertEvent(s, e, caseID: try id(e.caseNumber)) }
        for m in f.mails { try enqueue(s, m, caseID: try m.caseNumber.map(id), now: now) }
        for n in f.notices { try enqueueNotice(s, n, caseID: try n.notice.caseNumber.map(id), now: now) }
        for st in f.statusChanges { try updateStatus(s, caseNumber: st.caseNumber, status: st.status, at: now) }
        for i in f.itemStates { try setItemState(s, i) }
        for a in f.caseAttributes { try setCaseAttribute(s, a) }
    }

    /// An item's status, due (its first due kept in `first_due`), done time and author.
    static func setItemState(_ s: PGSession, _ i: ItemStateChange) throws {
        let changed = try s.execute("""
            UPDATE action_items SET status = ?, first_due = COALESCE(first_due, due), due = ?, done_at = ?, done_by = ?
            WHERE recap_id = ? AND number = ?
            """, [i.status.rawValue, i.due?.timeIntervalSince1970, i.doneAt?.timeIntervalSince1970, i.doneBy,
                  i.recapID, Int32(clamping: i.number)])
        if changed == 0 { throw StoreError(.notFound, "no item \(i.number) on recap \(i.recapID)") }
    }

    static func setCaseAttribute(_ s: PGSession, _ a: CaseAttributeChange) throws {
        let changed: Int
        switch a.attribute {
        case .owner(let owner):
            changed = try s.execute("UPDATE cases SET owner = ? WHERE number = ?", [owner, a.caseNumber])
        case .mutedUntil(let until):
            changed = try s.execute("UPDATE cases SET muted_until = ? WHERE number = ?", [until.timeIntervalSince1970, a.caseNumber])
        }
        if changed == 0 { throw StoreError(.notFound, "no case \(a.caseNumber)") }
    }

    static func insertRecap(_ s: PGSession, _ r: NewRecap, id: Int64, caseID: Int64) throws {
        try s.execute("""
            INSERT INTO recaps (id, case_id, message_id, author, counterparty, sent_at, window_closes, window_note,
                                next_contact, next_contact_note, state, state_at, objected_items)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, '[]')
            """, [id, caseID, r.messageID, r.author, StoreColumns.json(r.counterparty), r.sentAt?.timeIntervalSince1970,
                  r.windowCloses?.timeIntervalSince1970, r.windowNote, r.nextContact?.timeIntervalSince1970, r.nextContactNote])
        for (seq, item) in r.items.enumerated() {
            try s.execute("""
                INSERT INTO action_items (recap_id, seq, number, owner, department, owner_address, task, due, due_note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, Int32(seq), Int32(clamping: item.number), item.owner, item.department, item.ownerAddress, item.task,
                      item.due?.timeIntervalSince1970, item.dueNote])
        }
    }

    static func setRecapState(_ s: PGSession, _ change: RecapStateChange) throws {
        let at: Date?
        let items: [Int]
        switch change.state {
        case .pending: (at, items) = (nil, [])
        case .confirmed(let when): (at, items) = (when, [])
        case .disputed(let when, let objected): (at, items) = (when, objected)
        }
        let changed = try s.execute("UPDATE recaps SET state = ?, state_at = ?, objected_items = ? WHERE id = ?",
                                    [change.state.name, at?.timeIntervalSince1970, StoreColumns.json(items), change.recapID])
        if changed == 0 { throw StoreError(.notFound, "no recap \(change.recapID)") }
    }

    static func cancelReminders(_ s: PGSession, _ c: ReminderCancellation, caseID caseRow: Int64, at: Date) throws {
        var sql = "UPDATE reminders SET status = 'cancelled', done_at = ?, cancel_reason = ? WHERE case_id = ? AND status = 'pending'"
        var args: [PGArg] = [at.timeIntervalSince1970, c.reason, caseRow]
        if !c.kinds.isEmpty {
            sql += " AND kind IN (\(Array(repeating: "?", count: c.kinds.count).joined(separator: ",")))"
            args += c.kinds.map { $0.rawValue as PGArg }
        }
        if let prefix = c.keyPrefix, !prefix.isEmpty {
            sql += " AND left(key, char_length(?::text)) = ?"
            args += [prefix, prefix]
        }
        if let item = c.item {
            sql += " AND recap_id = ? AND item_number = ?"
            args += [item.recapID, Int32(clamping: item.number)]
        }
        if !c.ids.isEmpty {
            sql += " AND id IN (\(Array(repeating: "?", count: c.ids.count).joined(separator: ",")))"
            args += c.ids.map { $0 as PGArg }
        }
        try s.execute(sql, args)
    }

    /// Adds a pending reminder unless its (case, key) exists, whatever that one's status. The
    /// check before the insert keeps ids dense (a conflicting insert would use up a sequence
    /// value, SQLite's does not, and `reminders list` shows ids); the unique indexes decide
    /// under concurrency.
    static func insertReminder(_ s: PGSession, _ r: NewReminder, caseID caseRow: Int64?) throws {
        try s.execute("""
            INSERT INTO reminders (case_id, kind, fire_at, about, recipients, key, recap_id, item_number, detail, status, late)
            SELECT ?::bigint, ?::text, ?::double precision, ?::double precision, ?::text, ?::text, ?::bigint, ?::integer, ?::text,
                   'pending', FALSE
            WHERE NOT EXISTS (SELECT 1 FROM reminders WHERE case_id IS NOT DISTINCT FROM ?::bigint AND key = ?::text)
            ON CONFLICT DO NOTHING
            """, [caseRow, r.kind.rawValue, r.fireAt.timeIntervalSince1970, r.about?.timeIntervalSince1970,
                  StoreColumns.json(r.recipients), r.key, r.recapID, r.itemNumber.map { Int32(clamping: $0) }, r.detail,
                  caseRow, r.key])
    }

    static func insertEvent(_ s: PGSession, _ e: CaseEvent, caseID caseRow: Int64) throws {
        try s.execute("INSERT INTO case_events (case_id, at, kind, detail) VALUES (?, ?, ?, ?)",
                      [caseRow, e.at.timeIntervalSince1970, e.kind.rawValue, e.detail])
    }

    static func enqueue(_ s: PGSession, _ m: OutgoingMail, caseID caseRow: Int64?, now: Date) throws {
        try s.execute("""
            INSERT INTO outbox (case_id, message_id, envelope_from, recipients, raw, purpose, reminder_id, status, attempts,
                                next_attempt_at, last_error, created_at, sent_at)
            SELECT ?::bigint, ?::text, ?::text, ?::text, ?::bytea, ?::text, ?::bigint, 'pending', 0, ?::double precision, NULL,
                   ?::double precision, NULL
            WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE message_id = ?::text)
            ON CONFLICT (message_id) DO NOTHING
            """, [caseRow, m.messageID, m.envelopeFrom, StoreColumns.json(m.recipients), Data(m.raw), m.purpose.rawValue,
                  m.reminderID, now.timeIntervalSince1970, now.timeIntervalSince1970, m.messageID])
    }

    static func enqueueNotice(_ s: PGSession, _ n: PlannedNotice, caseID caseRow: Int64?, now: Date) throws {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(n.notice)
        } catch {
            throw StoreError(.invalid, "the \(n.notice.kind.rawValue) notice cannot be recorded: \(error)")
        }
        try s.execute("""
            INSERT INTO outbox (case_id, message_id, envelope_from, recipients, raw, purpose, reminder_id, status, attempts,
                                next_attempt_at, last_error, created_at, sent_at, notice, rendered)
            SELECT ?::bigint, ?::text, '', ?::text, ?::bytea, ?::text, ?::bigint, 'pending', 0, ?::double precision, NULL,
                   ?::double precision, NULL, ?::text, FALSE
            WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE message_id = ?::text)
            ON CONFLICT (message_id) DO NOTHING
            """, [caseRow, n.messageID, StoreColumns.json(n.notice.recipients), Data(), n.notice.kind.rawValue,
                  n.notice.reminderID, now.timeIntervalSince1970, now.timeIntervalSince1970, String(decoding: data, as: UTF8.self),
                  n.messageID])
    }

    // MARK: reading

    static let reminderSelect = "SELECT r.*, cases.number AS case_number FROM reminders r LEFT JOIN cases ON cases.id = r.case_id"
    static let recapSelect = "SELECT r.*, cases.number AS case_number FROM recaps r JOIN cases ON cases.id = r.case_id"
    static let outboxSelect = "SELECT o.*, cases.number AS case_number FROM outbox o LEFT JOIN cases ON cases.id = o.case_id"

    static func fetchReminders(_ s: PGSession, sql: String, _ args: [PGArg]) throws -> [Reminder] {
        try s.rows(sql, args).map(makeReminder)
    }

    static func makeReminder(_ r: PGRow) throws -> Reminder {
        guard let kind = ReminderKind(rawValue: try r["kind"]), let status = ReminderStatus(rawValue: try r["status"]) else {
            throw StoreError(.corrupt, "reminder \(try r["id"] as Int64) has an unknown kind or status")
        }
        return Reminder(id: try r["id"], caseNumber: try r["case_number"], kind: kind, fireAt: instant(try r["fire_at"]),
                        about: date(try r["about"]), recipients: StoreColumns.strings(try r["recipients"]), key: try r["key"],
                        recapID: try r["recap_id"], itemNumber: try r["item_number"], detail: try r["detail"], status: status,
                        doneAt: date(try r["done_at"]), late: try r["late"] as Bool, cancelReason: try r["cancel_reason"])
    }

    static func fetchRecaps(_ s: PGSession, where condition: String, _ args: [PGArg]) throws -> [RecapRecord] {
        let rows = try s.rows(recapSelect + " WHERE \(condition) ORDER BY r.sent_at IS NULL, r.sent_at, r.id", args)
        return try rows.map { r in
            let id: Int64 = try r["id"]
            let items = try s.rows("SELECT * FROM action_items WHERE recap_id = ? ORDER BY seq", [id]).map { i in
                ActionItemRecord(number: try i["number"], owner: try i["owner"], department: try i["department"],
                                 ownerAddress: try i["owner_address"], task: try i["task"], due: date(try i["due"]),
                                 dueNote: try i["due_note"], status: ItemStatus(rawValue: try i["status"]) ?? .open,
                                 doneAt: date(try i["done_at"]), doneBy: try i["done_by"])
            }
            let stateAt = date(try r["state_at"])
            let state: RecapState
            switch (try r["state"] as String, stateAt) {
            case ("pending", _): state = .pending
            case ("confirmed", let at?): state = .confirmed(at: at)
            case ("disputed", let at?): state = .disputed(at: at, objectedItems: StoreColumns.ints(try r["objected_items"]))
            default: throw StoreError(.corrupt, "recap \(id) has an unreadable state")
            }
            let recap = NewRecap(messageID: try r["message_id"], author: try r["author"],
                                 counterparty: StoreColumns.strings(try r["counterparty"]), sentAt: date(try r["sent_at"]),
                                 windowCloses: date(try r["window_closes"]), windowNote: try r["window_note"],
                                 nextContact: date(try r["next_contact"]), nextContactNote: try r["next_contact_note"], items: items)
            return RecapRecord(id: id, caseNumber: try r["case_number"], recap: recap, state: state)
        }
    }

    static func fetchOutbox(_ s: PGSession, sql: String, _ args: [PGArg]) throws -> [OutboxEntry] {
        try s.rows(sql, args).map { r in
            guard let status = OutboxStatus(rawValue: try r["status"]) else {
                throw StoreError(.corrupt, "outbox row \(try r["id"] as Int64) has an unknown status")
            }
            let mail = OutgoingMail(caseNumber: try r["case_number"], messageID: try r["message_id"], envelopeFrom: try r["envelope_from"],
                                    recipients: StoreColumns.strings(try r["recipients"]), raw: [UInt8](try r["raw"] as Data),
                                    purpose: MailPurpose(rawValue: try r["purpose"]), reminderID: try r["reminder_id"])
            return OutboxEntry(id: try r["id"], mail: mail, status: status, attempts: try r["attempts"],
                               nextAttemptAt: instant(try r["next_attempt_at"]), lastError: try r["last_error"],
                               createdAt: instant(try r["created_at"]), sentAt: date(try r["sent_at"]),
                               notice: (try r["notice"] as String?).flatMap { try? JSONDecoder().decode(Notice.self, from: Data($0.utf8)) })
        }
    }

    static func fetchEvents(_ s: PGSession, caseNumber: String) throws -> [CaseEvent] {
        try s.rows("""
            SELECT e.* FROM case_events e JOIN cases ON cases.id = e.case_id WHERE cases.number = ? ORDER BY e.at, e.id
            """, [caseNumber]).map {
            CaseEvent(caseNumber: caseNumber, at: instant(try $0["at"]), kind: CaseEventKind(rawValue: try $0["kind"]), detail: try $0["detail"])
        }
    }
}

/// `FilingView` over the PostgreSQL transaction that is open (its connection): what it reads is
/// what the filing or follow-up is committed with. Valid only inside the call it is handed to.
struct PostgresCaseView: FilingView {
    let s: PGSession

    func caseForMessageID(_ messageID: String) throws -> Case? { try PostgresStore.caseForMessageID(s, messageID) }

    func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        try PostgresStore.casesForThread(s, subject: subject, addresses: addresses, since: since)
    }

    func outboxEntry(messageID: String) throws -> OutboxEntry? {
        try PostgresStore.fetchOutbox(s, sql: PostgresStore.outboxSelect + " WHERE o.message_id = ?", [messageID]).first
    }

    func caseWithNumber(_ number: String) throws -> Case? { try PostgresStore.fetchCase(s, where: PostgresStore.caseWithNumberCondition, [number]) }

    func cases(status: CaseStatus?, owner: String?) throws -> [Case] { try PostgresStore.fetchCases(s, status: status, owner: owner) }

    func recaps(caseNumber: String) throws -> [RecapRecord] { try PostgresStore.fetchRecaps(s, where: "cases.number = ?", [caseNumber]) }

    func recap(id: Int64) throws -> RecapRecord? { try PostgresStore.fetchRecaps(s, where: "r.id = ?", [id]).first }

    func reminders(caseNumber: String?, status: ReminderStatus?) throws -> [Reminder] {
        var sql = PostgresStore.reminderSelect
        var args: [PGArg] = []
        if let caseNumber {
            sql += " WHERE cases.number = ?"
            args.append(caseNumber)
        } else {
            sql += " WHERE r.case_id IS NULL"
        }
        if let status { sql += " AND r.status = ?"; args.append(status.rawValue) }
        return try PostgresStore.fetchReminders(s, sql: sql + " ORDER BY r.fire_at, r.id", args)
    }

    func caseThread(_ number: String) throws -> (subject: String, firstMessageID: String?)? {
        try s.row("""
            SELECT c.thread_subject, c.message_id FROM correspondence c JOIN cases ON cases.id = c.case_id
            WHERE cases.number = ? ORDER BY c.date IS NULL, c.date, c.id LIMIT 1
            """, [number]).map { (subject: try $0["thread_subject"], firstMessageID: try $0["message_id"]) }
    }

    func countEvents(scope: String, key: String, since: Date) throws -> Int {
        try PostgresStore.countEvents(s, scope: scope, key: key, since: since)
    }

    func recordEvent(scope: String, key: String, at: Date) throws {
        try PostgresStore.recordEvent(s, scope: scope, key: key, at: at, ref: nil)
    }
}
