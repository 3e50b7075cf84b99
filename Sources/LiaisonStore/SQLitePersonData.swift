import Foundation
import GRDB
import LiaisonCore

/// `PersonDataStore` on SQLite. The erasure rewrites every TEXT column of every Liaison table
/// (found from the schema, so a column added later is covered too), then `VACUUM`s and
/// truncates the WAL so the old values leave the file.
extension SQLiteStore: PersonDataStore {
    public func eachStoredMessage(_ body: (StoredMessage) throws -> Void) throws {
        try snapshot { db in
            func date(_ r: Row, _ column: String) -> Date? { (r[column] as Double?).map { Date(timeIntervalSince1970: $0) } }
            let filed = try Row.fetchCursor(db, sql: """
                SELECT c.id, cases.number, c.date, c.subject, c.sender, c.raw FROM correspondence c
                JOIN cases ON cases.id = c.case_id ORDER BY c.id
                """)
            while let r = try filed.next() {
                try body(StoredMessage(ref: .init(source: .filed, id: r["id"]), caseNumber: r["number"], date: date(r, "date"),
                                       subject: r["subject"], sender: (r["sender"] as String?)?.lowercased(),
                                       raw: try Self.opened(db, r["raw"], "correspondence", "raw", row: r["id"])))
            }
            let held = try Row.fetchCursor(db, sql: "SELECT id, date, subject, sender, raw FROM held ORDER BY id")
            while let r = try held.next() {
                try body(StoredMessage(ref: .init(source: .held, id: r["id"]), caseNumber: nil, date: date(r, "date"),
                                       subject: r["subject"], sender: (r["sender"] as String?)?.lowercased(),
                                       raw: try Self.opened(db, r["raw"], "held", "raw", row: r["id"])))
            }
            let outbox = try Row.fetchCursor(db, sql: """
                SELECT o.id, cases.number, o.created_at, o.envelope_from, o.recipients, o.raw FROM outbox o
                LEFT JOIN cases ON cases.id = o.case_id ORDER BY o.id
                """)
            while let r = try outbox.next() {
                let recipients = (try? JSONDecoder().decode([String].self, from: Data((r["recipients"] as String).utf8))) ?? []
                try body(StoredMessage(ref: .init(source: .outbox, id: r["id"]), caseNumber: r["number"], date: date(r, "created_at"),
                                       subject: nil, sender: (r["envelope_from"] as String).lowercased(),
                                       recipients: recipients.map { $0.lowercased() },
                                       raw: try Self.opened(db, r["raw"], "outbox", "raw", row: r["id"])))
            }
        }
    }

    public func personRecords(address: String, names: [String], alsoCases: [String]) throws -> PersonRecords {
        let a = address.lowercased()
        return try snapshot { db in
            var roles: [String: Set<String>] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT cases.number, ca.role FROM case_addresses ca JOIN cases ON cases.id = ca.case_id WHERE ca.address = ?
                UNION SELECT number, 'owner' FROM cases WHERE owner = ?
                UNION SELECT cases.number, 'sender' FROM correspondence c JOIN cases ON cases.id = c.case_id WHERE lower(c.sender) = ?
                """, arguments: [a, a, a]) {
                roles[r[0] as String, default: []].insert(r[1])
            }
            for n in alsoCases { roles[n, default: []].insert("message") }
            var records = PersonRecords()
            for number in roles.keys.sorted() {
                guard let r = try Row.fetchOne(db, sql: "SELECT * FROM cases WHERE number = ?", arguments: [number]) else { continue }
                let opened: Double = r["opened_at"], resolved: Double? = r["resolved_at"]
                let record = PersonRecords.CaseRecord(number: number, status: r["status"], category: r["category"], owner: r["owner"],
                                                      organization: r["organization"], roles: roles[number, default: []].sorted(),
                                                      openedAt: Date(timeIntervalSince1970: opened),
                                                      resolvedAt: resolved.map { Date(timeIntervalSince1970: $0) })
                records.cases.append(record)
            }
            let needles = [a] + names.filter { !$0.isEmpty }
            for r in try Row.fetchAll(db, sql: """
                SELECT cases.number, recaps.message_id, i.number AS n, i.owner, i.owner_address, i.task, i.due
                FROM action_items i JOIN recaps ON recaps.id = i.recap_id JOIN cases ON cases.id = recaps.case_id
                ORDER BY cases.number, i.recap_id, i.seq
                """) {
                let owner: String? = r["owner"], ownerAddress: String? = r["owner_address"], task: String = r["task"]
                let text = [owner ?? "", ownerAddress ?? "", task].joined(separator: "\n")
                guard needles.contains(where: { text.range(of: $0, options: .caseInsensitive) != nil }) else { continue }
                let due: Double? = r["due"]
                let item = PersonRecords.ItemRecord(caseNumber: r["number"], recapMessageID: r["message_id"], number: r["n"], owner: owner,
                                                    ownerAddress: ownerAddress, task: task,
                                                    due: due.map { Date(timeIntervalSince1970: $0) })
                records.items.append(item)
            }
            for r in try Row.fetchAll(db, sql: """
                SELECT cases.number, e.at, e.kind, e.detail FROM case_events e JOIN cases ON cases.id = e.case_id ORDER BY e.at, e.id
                """) {
                let detail: String = r["detail"]
                guard needles.contains(where: { detail.range(of: $0, options: .caseInsensitive) != nil }) else { continue }
                let at: Double = r["at"]
                records.events.append(PersonRecords.EventRecord(caseNumber: r["number"], at: Date(timeIntervalSince1970: at), kind: r["kind"],
                                                                detail: detail))
            }
            return records
        }
    }

    public func erasePerson(_ erasure: PersonErasure, now: Date) throws -> PersonErasureResult {
        let a = erasure.address.lowercased()
        let result: PersonErasureResult = try transaction { db in
            let key = try Self.secret(db, "pseudonym-key")
            let pseudonym = Pseudonym.address(for: a, key: key)
            let token = Pseudonym.token(for: a, key: key)
            // The cases that name them, before their address is replaced.
            var caseIDs = Set(try Int64.fetchAll(db, sql: """
                SELECT case_id FROM case_addresses WHERE address = ? UNION SELECT id FROM cases WHERE owner = ?
                UNION SELECT case_id FROM correspondence WHERE lower(sender) = ?
                """, arguments: [a, a, a]))
            let at = now.timeIntervalSince1970
            for ref in erasure.messages {
                switch ref.source {
                case .filed:
                    try db.execute(sql: "UPDATE correspondence SET raw = X'', body_removed_at = COALESCE(body_removed_at, ?) WHERE id = ?",
                                   arguments: [at, ref.id])
                    if let c = try Int64.fetchOne(db, sql: "SELECT case_id FROM correspondence WHERE id = ?", arguments: [ref.id]) { caseIDs.insert(c) }
                case .held:
                    try db.execute(sql: "UPDATE held SET raw = X'', body_removed_at = COALESCE(body_removed_at, ?) WHERE id = ?",
                                   arguments: [at, ref.id])
                case .outbox:
                    // A mail still waiting to go is not sent to (or about) an erased person.
                    try db.execute(sql: """
                        UPDATE outbox SET raw = X'', body_removed_at = COALESCE(body_removed_at, ?),
                          status = CASE status WHEN 'pending' THEN 'failed' ELSE status END,
                          last_error = CASE status WHEN 'pending' THEN 'not sent: person erased' ELSE last_error END
                        WHERE id = ?
                        """, arguments: [at, ref.id])
                    if let c = try Int64.fetchOne(db, sql: "SELECT case_id FROM outbox WHERE id = ?", arguments: [ref.id]) { caseIDs.insert(c) }
                }
            }
            // Longest first, so a name inside the address (or a longer name) is replaced whole.
            let needles = ([(a, pseudonym)] + erasure.names.filter { $0.count >= 2 }.map { ($0, token) })
                .sorted { $0.0.count > $1.0.count }
            var replacements = 0
            for (needle, replacement) in needles {
                replacements += try Self.replaceEverywhere(db, needle, with: replacement)
            }
            var numbers: [String] = []
            for id in caseIDs.sorted() {
                guard let number = try String.fetchOne(db, sql: "SELECT number FROM cases WHERE id = ?", arguments: [id]) else { continue }
                numbers.append(number)
                try Self.insertEvent(db, CaseEvent(caseNumber: number, at: now, kind: .personErased, detail:
                    "a person's data erased by \(erasure.by): \(erasure.messages.count) message body(ies) removed, their address and name now \(pseudonym)"),
                                     caseID: id)
            }
            return PersonErasureResult(pseudonym: pseudonym, messages: erasure.messages.count, replacements: replacements, cases: numbers)
        }
        try compact()
        return result
    }

    /// A named random secret of this store (32 bytes), made on first use.
    static func secret(_ db: Database, _ name: String) throws -> [UInt8] {
        if let v = try Data.fetchOne(db, sql: "SELECT value FROM store_secrets WHERE name = ?", arguments: [name]) { return [UInt8](v) }
        var g = SystemRandomNumberGenerator()
        let v = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        try db.execute(sql: "INSERT INTO store_secrets (name, value) VALUES (?, ?)", arguments: [name, Data(v)])
        return v
    }

    /// Replaces `needle` (case-insensitively) in every TEXT column of every table; returns how many
    /// values changed.
    static func replaceEverywhere(_ db: Database, _ needle: String, with replacement: String) throws -> Int {
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
              AND name NOT IN ('grdb_migrations', 'store_secrets', 'case_people') AND name NOT LIKE 'case\\_search%' ESCAPE '\\'
            """)
        let pattern = "%" + needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        var changed = 0
        for table in tables {
            let columns = try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [table])
                .filter { ($0["type"] as String).uppercased().contains("TEXT") }.map { $0["name"] as String }
            for column in columns {
                let q = "\"\(table)\".\"\(column)\""
                let values = try String.fetchAll(db, sql: "SELECT DISTINCT \(q) FROM \"\(table)\" WHERE \(q) LIKE ? ESCAPE '\\'",
                                                 arguments: [pattern])
                for old in values {
                    let new = old.replacingOccurrences(of: needle, with: replacement, options: .caseInsensitive)
                    guard new != old else { continue }
                    try db.execute(sql: "UPDATE \"\(table)\" SET \"\(column)\" = ? WHERE \"\(column)\" = ?", arguments: [new, old])
                    changed += db.changesCount
                }
            }
        }
        // `case_people` (v11-visibility) is not rewritten in place (its key is the address): the
        // rewrites above added the new addresses' rows through its triggers; the erased
        // address's rows go here, so the index keeps no trace of it.
        try db.execute(sql: "DELETE FROM case_people WHERE address LIKE ? ESCAPE '\\'", arguments: [pattern])
        return changed
    }
}
