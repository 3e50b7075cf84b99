import Foundation
import GRDB
import LiaisonCore

/// The SQL behind `SQLiteStore`: every function runs inside the caller's transaction.
extension SQLiteStore {
    static func fetchCase(_ db: Database, sql: String, _ args: StatementArguments) throws -> Case? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: args).map { try makeCase(db, $0) }
    }

    static func makeCase(_ db: Database, _ r: Row) throws -> Case {
        let id: Int64 = r["id"]
        let contacts = try String.fetchAll(db.cachedStatement(sql: "SELECT address FROM case_addresses WHERE case_id = ? AND role = 'contact' ORDER BY seq"),
                                           arguments: [id])
        return Case(number: r["number"], isInternal: r["internal"] as Bool,
                    counterparty: Counterparty(organization: r["organization"], contacts: contacts),
                    owner: r["owner"], category: CaseCategory(rawValue: r["category"]), status: CaseStatus(rawValue: r["status"]) ?? .open,
                    openedAt: Date(timeIntervalSince1970: r["opened_at"]),
                    resolvedAt: (r["resolved_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    mutedUntil: (r["muted_until"] as Double?).map { Date(timeIntervalSince1970: $0) })
    }

    /// Cases, newest first, optionally of one status and/or owner.
    static func fetchCases(_ db: Database, status: CaseStatus?, owner: String?) throws -> [Case] {
        var sql = "SELECT * FROM cases WHERE 1 = 1"
        var args: [(any DatabaseValueConvertible)?] = []
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        if let owner { sql += " AND owner = ?"; args.append(owner.lowercased()) }
        sql += " ORDER BY opened_at DESC, id DESC"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { try makeCase(db, $0) }
    }

    /// Sets a case's status; resolved/closed set `resolved_at` unless set, open clears it.
    static func updateStatus(_ db: Database, caseNumber: String, status: CaseStatus, at: Date) throws {
        try db.cachedStatement(sql: """
            UPDATE cases SET status = ?,
              resolved_at = CASE WHEN ? = 'open' THEN NULL ELSE COALESCE(resolved_at, ?) END
            WHERE number = ?
            """).execute(arguments: [status.rawValue, status.rawValue, at.timeIntervalSince1970, caseNumber])
        if db.changesCount == 0 { throw StoreError(.notFound, "no case \(caseNumber)") }
    }

    static func makeHeld(_ db: Database, _ r: Row) throws -> HeldMessage {
        HeldMessage(id: r["id"], reason: HoldReason(rawValue: r["reason"]) ?? .noStaffRecipient, detail: r["detail"],
                    messageID: r["message_id"], subject: r["subject"], sender: r["sender"],
                    date: (r["date"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    contentHash: r["content_hash"], raw: try opened(db, r["raw"], "held", "raw", row: r["id"]),
                    heldAt: (r["held_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
    }

    static func incoming(_ db: Database, fromHeld r: Row) throws -> IncomingMessage {
        func list(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
        return IncomingMessage(messageID: r["message_id"], date: (r["date"] as Double?).map { Date(timeIntervalSince1970: $0) },
                               subject: r["subject"], threadSubject: r["thread_subject"], sender: r["sender"],
                               kind: MessageKind(rawValue: r["kind"]) ?? .correspondence,
                               direction: Direction(rawValue: r["direction"]) ?? .inbound,
                               references: list(r["refs"]), alsoKnownAs: list(r["aliases"]), addresses: list(r["addresses"]),
                               contacts: list(r["contacts"]),
                               raw: try opened(db, r["raw"], "held", "raw", row: r["id"]), contentHash: r["content_hash"])
    }

    /// An earlier filing of the same message (see `LiaisonStore` on identity).
    static func findFiled(_ db: Database, _ m: IncomingMessage) throws -> ExistingMessage? {
        let base = "SELECT c.id, cases.number FROM correspondence c JOIN cases ON cases.id = c.case_id WHERE "
        var row = try Row.fetchOne(db.cachedStatement(sql: base + "c.content_hash = ?"), arguments: [m.contentHash])
        if row == nil, let mid = m.messageID {
            row = try Row.fetchOne(db.cachedStatement(sql: base + filedByMessageCondition),
                                   arguments: [mid, m.sender, m.subject, m.date?.timeIntervalSince1970])
        }
        return row.map { .filed(caseNumber: $0["number"], correspondenceID: $0["id"]) }
    }

    /// `+c.sender`: by `correspondence_message_id`, never by `correspondence_sender` — without
    /// ANALYZE statistics SQLite chose the sender's index, a scan of everything that sender ever
    /// sent (a bounce address, a busy colleague) for each message with a Message-ID: the filing
    /// slowed as the store grew (scripts/bench-backlog, 3 Dec 2026; `FilingPlanTests`).
    static let filedByMessageCondition = "c.message_id = ? AND +c.sender IS ? AND c.subject IS ? AND c.date IS ? LIMIT 1"

    /// `+status`: the lookups go by `held_hash`/`held_message_id`, never by `held_status` — without
    /// ANALYZE statistics SQLite chose `held_status` (status = 'pending' is every held row), a scan
    /// per message that made a backlog of held mail quadratic (4 ms a message at the start of a
    /// 10,000-message drain, 33 ms at its end; scripts/bench-backlog, 2 Dec 2026).
    static let pendingHeldByHashSQL = "SELECT id FROM held WHERE +status = 'pending' AND content_hash = ?"
    static let pendingHeldByMessageSQL =
        "SELECT id FROM held WHERE +status = 'pending' AND message_id = ? AND sender IS ? AND subject IS ? AND date IS ? LIMIT 1"
    static let unprocessableHeldSQL = "SELECT id FROM held WHERE +status = 'pending' AND content_hash = ? AND reason = ?"

    static func findPendingHeld(_ db: Database, _ m: IncomingMessage) throws -> Int64? {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: pendingHeldByHashSQL), arguments: [m.contentHash]) {
            return id
        }
        guard let mid = m.messageID else { return nil }
        return try Int64.fetchOne(db.cachedStatement(sql: pendingHeldByMessageSQL),
                                  arguments: [mid, m.sender, m.subject, m.date?.timeIntervalSince1970])
    }

    static func insertHeld(_ db: Database, _ m: IncomingMessage, reason: HoldReason, detail: String?, at: Date) throws -> Int64 {
        let id = try nextID(db, "held")
        try db.cachedStatement(sql: """
            INSERT INTO held (id, status, reason, detail, message_id, content_hash, kind, direction, date, subject, thread_subject,
                              sender, refs, aliases, addresses, contacts, raw, held_at)
            VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, reason.rawValue, detail, m.messageID, m.contentHash, m.kind.rawValue, m.direction.rawValue,
                             m.date?.timeIntervalSince1970, m.subject, m.threadSubject, m.sender,
                             m.references.joined(separator: " "), m.alsoKnownAs.joined(separator: " "),
                             m.addresses.joined(separator: " "), m.contacts.joined(separator: " "),
                             try sealed(db, m.raw, "held", "raw", row: id), at.timeIntervalSince1970])
        return id
    }

    /// Inserts a case, numbering it from its template unless `number` is given.
    static func insertCase(_ db: Database, _ c: NewCase, number given: String?) throws -> (Int64, String) {
        var number = given ?? ""
        if given == nil {
            repeat {
                let seq = try Int.fetchOne(db.cachedStatement(sql: """
                    INSERT INTO case_counters (template, last) VALUES (?, 1)
                    ON CONFLICT(template) DO UPDATE SET last = last + 1 RETURNING last
                    """), arguments: [c.numberTemplate]) ?? 1
                number = CaseNumbering.render(template: c.numberTemplate, seq: seq)
            } while try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [number]) != nil
        }
        try db.cachedStatement(sql: """
            INSERT INTO cases (number, internal, organization, owner, category, status, opened_at)
            VALUES (?, ?, ?, ?, ?, 'open', ?)
            """).execute(arguments: [number, c.isInternal, c.counterparty.organization, c.owner?.lowercased(), c.category.rawValue,
                             c.openedAt.timeIntervalSince1970])
        let id = db.lastInsertedRowID
        try addAddresses(db, caseID: id, role: "contact", c.counterparty.contacts)
        try addAddresses(db, caseID: id, role: "thread", c.counterparty.contacts)
        return (id, number)
    }

    static func addAddresses(_ db: Database, caseID: Int64, role: String, _ addresses: [String]) throws {
        guard !addresses.isEmpty else { return }
        var seq = try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) FROM case_addresses WHERE case_id = ? AND role = ?"),
                                   arguments: [caseID, role]) ?? 0
        for a in addresses {
            seq += 1
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO case_addresses (address, case_id, role, seq) VALUES (?, ?, ?, ?)")
                           .execute(arguments: [a.lowercased(), caseID, role, seq])
        }
    }

    static func insertCorrespondence(_ db: Database, _ m: IncomingMessage, caseID: Int64, at: Date) throws -> Int64 {
        let id = try nextID(db, "correspondence")
        try db.cachedStatement(sql: """
            INSERT INTO correspondence (id, case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, sender, raw, filed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, caseID, m.messageID, m.contentHash, m.direction.rawValue, m.kind.rawValue,
                             m.date?.timeIntervalSince1970, m.subject, m.threadSubject, m.sender,
                             try sealed(db, m.raw, "correspondence", "raw", row: id), at.timeIntervalSince1970])
        for mid in ([m.messageID].compactMap { $0 } + m.alsoKnownAs) {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO message_ids (message_id, case_id) VALUES (?, ?)").execute(arguments: [mid, caseID])
        }
        for ref in Set(m.references) {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO message_references (correspondence_id, referenced_id) VALUES (?, ?)")
                           .execute(arguments: [id, ref])
        }
        try addAddresses(db, caseID: caseID, role: "thread", m.addresses)
        try addAddresses(db, caseID: caseID, role: "contact", m.contacts)
        // To/Cc count for visibility only on staff mail (outbound: its sender trusted).
        if m.direction == .outbound { try addRecipients(db, m.recipients, caseID: caseID, correspondenceID: id) }
        return id
    }

    /// A message's To/Cc (`IncomingMessage.recipients`, already normalised and bounded).
    static func addRecipients(_ db: Database, _ recipients: [String], caseID: Int64, correspondenceID: Int64) throws {
        for a in recipients {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO message_recipients (address, case_id, correspondence_id) VALUES (?, ?, ?)")
                .execute(arguments: [a, caseID, correspondenceID])
        }
    }

    /// Moves the checkpoint forward (never back within one UIDVALIDITY; a new UIDVALIDITY replaces it).
    static func advance(_ db: Database, _ cp: MailboxCheckpoint) throws {
        try db.cachedStatement(sql: """
            INSERT INTO checkpoints (mailbox, uid_validity, last_uid) VALUES (?, ?, ?)
            ON CONFLICT(mailbox) DO UPDATE SET
              last_uid = CASE WHEN uid_validity = excluded.uid_validity THEN MAX(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
              uid_validity = excluded.uid_validity
            """).execute(arguments: [cp.mailbox, Int64(cp.uidValidity), Int64(cp.lastUID)])
    }
}
