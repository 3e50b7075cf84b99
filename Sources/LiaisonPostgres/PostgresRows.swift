import Foundation
import LiaisonCore
import LiaisonStore

/// The SQL behind `PostgresStore`: every function runs inside the caller's transaction (the
/// same statements as `SQLiteRows.swift`, in PostgreSQL's dialect).
extension PostgresStore {
    static func fetchCase(_ s: PGSession, where condition: String, _ args: [PGArg]) throws -> Case? {
        try s.row("SELECT * FROM cases WHERE \(condition)", args).map { try makeCase(s, $0) }
    }

    static func makeCase(_ s: PGSession, _ r: PGRow) throws -> Case {
        let id: Int64 = try r["id"]
        let contacts = try s.rows("SELECT address FROM case_addresses WHERE case_id = ? AND role = 'contact' ORDER BY seq", [id])
            .map { try $0["address"] as String }
        return Case(number: try r["number"], isInternal: try r["internal"] as Bool,
                    counterparty: Counterparty(organization: try r["organization"], contacts: contacts),
                    owner: try r["owner"], category: CaseCategory(rawValue: try r["category"]),
                    status: CaseStatus(rawValue: try r["status"]) ?? .open,
                    openedAt: instant(try r["opened_at"]), resolvedAt: date(try r["resolved_at"]),
                    mutedUntil: date(try r["muted_until"]))
    }

    static func fetchCases(_ s: PGSession, status: CaseStatus?, owner: String?) throws -> [Case] {
        var sql = "SELECT * FROM cases WHERE 1 = 1"
        var args: [PGArg] = []
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        if let owner { sql += " AND owner = ?"; args.append(owner.lowercased()) }
        sql += " ORDER BY opened_at DESC, id DESC"
        return try s.rows(sql, args).map { try makeCase(s, $0) }
    }

    static func caseForMessageID(_ s: PGSession, _ messageID: String) throws -> Case? {
        try fetchCase(s, where: "id = (SELECT case_id FROM message_ids WHERE message_id = ?)", [messageID])
    }

    static func casesForThread(_ s: PGSession, subject: String, addresses: [String], since: Date) throws -> [Case] {
        guard !addresses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: addresses.count).joined(separator: ",")
        let ids = try s.rows("""
            SELECT c.case_id FROM correspondence c
            WHERE c.thread_subject = ? AND c.date >= ?
              AND EXISTS (SELECT 1 FROM case_addresses a WHERE a.case_id = c.case_id AND a.role = 'thread' AND a.address IN (\(marks)))
            GROUP BY c.case_id ORDER BY MAX(c.date) DESC
            """, [subject, since.timeIntervalSince1970] + addresses.map { $0.lowercased() as PGArg }).map { try $0["case_id"] as Int64 }
        return try ids.compactMap { try fetchCase(s, where: "id = ?", [$0]) }
    }

    /// The id of the case numbered `number`; `StoreError` when there is none.
    static func caseID(_ s: PGSession, _ number: String) throws -> Int64 {
        guard let id: Int64 = try s.value("SELECT id FROM cases WHERE number = ?", [number]) else {
            throw StoreError(.notFound, "no case \(number)")
        }
        return id
    }

    /// Sets a case's status; resolved/closed set `resolved_at` unless set, open clears it.
    static func updateStatus(_ s: PGSession, caseNumber: String, status: CaseStatus, at: Date) throws {
        let changed = try s.execute("""
            UPDATE cases SET status = ?,
              resolved_at = CASE WHEN ? = 'open' THEN NULL ELSE COALESCE(resolved_at, ?) END
            WHERE number = ?
            """, [status.rawValue, status.rawValue, at.timeIntervalSince1970, caseNumber])
        if changed == 0 { throw StoreError(.notFound, "no case \(caseNumber)") }
    }

    static func makeHeld(_ r: PGRow) throws -> HeldMessage {
        HeldMessage(id: try r["id"], reason: HoldReason(rawValue: try r["reason"]) ?? .noStaffRecipient, detail: try r["detail"],
                    messageID: try r["message_id"], subject: try r["subject"], sender: try r["sender"],
                    date: date(try r["date"]), contentHash: try r["content_hash"], raw: [UInt8](try r["raw"] as Data),
                    heldAt: date(try r["held_at"]))
    }

    /// An earlier filing of the same message (see `LiaisonStore` on identity).
    static func findFiled(_ s: PGSession, _ m: IncomingMessage) throws -> ExistingMessage? {
        let base = "SELECT c.id, cases.number FROM correspondence c JOIN cases ON cases.id = c.case_id WHERE "
        var row = try s.row(base + "c.content_hash = ?", [m.contentHash])
        if row == nil, let mid = m.messageID {
            row = try s.row(base + """
                c.message_id = ? AND c.sender IS NOT DISTINCT FROM ? AND c.subject IS NOT DISTINCT FROM ?
                AND c.date IS NOT DISTINCT FROM ? LIMIT 1
                """, [mid, m.sender, m.subject, m.date?.timeIntervalSince1970])
        }
        return try row.map { .filed(caseNumber: try $0["number"], correspondenceID: try $0["id"]) }
    }

    static func findPendingHeld(_ s: PGSession, _ m: IncomingMessage) throws -> Int64? {
        if let id: Int64 = try s.value("SELECT id FROM held WHERE status = 'pending' AND content_hash = ?", [m.contentHash]) {
            return id
        }
        guard let mid = m.messageID else { return nil }
        return try s.value("""
            SELECT id FROM held WHERE status = 'pending' AND message_id = ? AND sender IS NOT DISTINCT FROM ?
            AND subject IS NOT DISTINCT FROM ? AND date IS NOT DISTINCT FROM ? LIMIT 1
            """, [mid, m.sender, m.subject, m.date?.timeIntervalSince1970])
    }

    /// Inserts a pending hold; `LostRace` when another instance has just held the same bytes.
    static func insertHeld(_ s: PGSession, _ m: IncomingMessage, reason: HoldReason, detail: String?, at: Date) throws -> Int64 {
        let id: Int64? = try s.value("""
            INSERT INTO held (status, reason, detail, message_id, content_hash, kind, direction, date, subject, thread_subject,
                              sender, refs, aliases, addresses, contacts, raw, held_at)
            VALUES ('pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (content_hash) WHERE status = 'pending' DO NOTHING RETURNING id
            """, [reason.rawValue, detail, m.messageID, m.contentHash, m.kind.rawValue, m.direction.rawValue,
                  m.date?.timeIntervalSince1970, m.subject, m.threadSubject, m.sender,
                  m.references.joined(separator: " "), m.alsoKnownAs.joined(separator: " "),
                  m.addresses.joined(separator: " "), m.contacts.joined(separator: " "), Data(m.raw),
                  at.timeIntervalSince1970])
        guard let id else { throw LostRace() }
        return id
    }

    /// Inserts a case, numbering it from its template unless `number` is given. The counter row
    /// is locked by the update until the transaction ends: concurrent openings take turns.
    static func insertCase(_ s: PGSession, _ c: NewCase, number given: String?) throws -> (Int64, String) {
        var number = given ?? ""
        if given == nil {
            repeat {
                let seq: Int = try s.value("""
                    INSERT INTO case_counters (template, last) VALUES (?, 1)
                    ON CONFLICT (template) DO UPDATE SET last = case_counters.last + 1 RETURNING last
                    """, [c.numberTemplate]) ?? 1
                number = CaseNumbering.render(template: c.numberTemplate, seq: seq)
            } while try s.value("SELECT id FROM cases WHERE number = ?", [number], as: Int64.self) != nil
        }
        guard let id: Int64 = try s.value("""
            INSERT INTO cases (number, internal, organization, owner, category, status, opened_at)
            VALUES (?, ?, ?, ?, ?, 'open', ?) RETURNING id
            """, [number, c.isInternal, c.counterparty.organization, c.owner?.lowercased(), c.category.rawValue,
                  c.openedAt.timeIntervalSince1970]) else { throw StoreError(.invalid, "case \(number) was not inserted") }
        try addAddresses(s, caseID: id, role: "contact", c.counterparty.contacts)
        try addAddresses(s, caseID: id, role: "thread", c.counterparty.contacts)
        return (id, number)
    }

    static func addAddresses(_ s: PGSession, caseID: Int64, role: String, _ addresses: [String]) throws {
        guard !addresses.isEmpty else { return }
        var seq: Int = try s.value("SELECT COALESCE(MAX(seq), 0) FROM case_addresses WHERE case_id = ? AND role = ?",
                                   [caseID, role]) ?? 0
        for a in addresses {
            seq += 1
            try s.execute("INSERT INTO case_addresses (address, case_id, role, seq) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          [a.lowercased(), caseID, role, Int32(seq)])
        }
    }

    /// Inserts the message on the case; `LostRace` when another instance has just filed the same bytes.
    static func insertCorrespondence(_ s: PGSession, _ m: IncomingMessage, caseID: Int64, at: Date) throws -> Int64 {
        let inserted: Int64? = try s.value("""
            INSERT INTO correspondence (case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, sender, raw, filed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (content_hash) DO NOTHING RETURNING id
            """, [caseID, m.messageID, m.contentHash, m.direction.rawValue, m.kind.rawValue,
                  m.date?.timeIntervalSince1970, m.subject, m.threadSubject, m.sender, Data(m.raw), at.timeIntervalSince1970])
        guard let id = inserted else { throw LostRace() }
        for mid in ([m.messageID].compactMap { $0 } + m.alsoKnownAs) {
            try s.execute("INSERT INTO message_ids (message_id, case_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [mid, caseID])
        }
        for ref in Set(m.references) {
            try s.execute("INSERT INTO message_references (correspondence_id, referenced_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                          [id, ref])
        }
        try addAddresses(s, caseID: caseID, role: "thread", m.addresses)
        try addAddresses(s, caseID: caseID, role: "contact", m.contacts)
        try addRecipients(s, m.recipients, caseID: caseID, correspondenceID: id)
        return id
    }

    /// A message's To/Cc (`IncomingMessage.recipients`, already normalised and bounded).
    static func addRecipients(_ s: PGSession, _ recipients: [String], caseID: Int64, correspondenceID: Int64) throws {
        for a in recipients {
            try s.execute("INSERT INTO message_recipients (address, case_id, correspondence_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                          [a, caseID, correspondenceID])
        }
    }

    /// Moves the checkpoint forward (never back within one UIDVALIDITY; a new UIDVALIDITY replaces it).
    static func advance(_ s: PGSession, _ cp: MailboxCheckpoint) throws {
        try s.execute("""
            INSERT INTO checkpoints (mailbox, uid_validity, last_uid) VALUES (?, ?, ?)
            ON CONFLICT (mailbox) DO UPDATE SET
              last_uid = CASE WHEN checkpoints.uid_validity = EXCLUDED.uid_validity
                              THEN GREATEST(checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
              uid_validity = EXCLUDED.uid_validity
            """, [cp.mailbox, Int64(cp.uidValidity), Int64(cp.lastUID)])
    }

    // MARK: rate ledger

    static func countEvents(_ s: PGSession, scope: String, key: String, since: Date) throws -> Int {
        try s.value("SELECT COUNT(*) FROM rate_events WHERE scope = ? AND key = ? AND at >= ?",
                    [scope, key, since.timeIntervalSince1970]) ?? 0
    }

    /// Records one event; counting events older than two days for the same scope and key are dropped.
    static func recordEvent(_ s: PGSession, scope: String, key: String, at: Date, ref: Int64?) throws {
        try s.execute("INSERT INTO rate_events (scope, key, at, ref) VALUES (?, ?, ?, ?)", [scope, key, at.timeIntervalSince1970, ref])
        if scope != RateLimit.Ledger.bounceNotice {
            try s.execute("DELETE FROM rate_events WHERE scope = ? AND key = ? AND at < ?",
                          [scope, key, at.timeIntervalSince1970 - 2 * 86_400])
        }
    }

    /// The caps of `gate` against the ledger (see `SQLiteStore.rateDecision`). The sender's and
    /// owner's counts are taken under a transaction-level advisory lock on the sender, so two
    /// instances cannot both pass the same cap.
    static func rateDecision(_ s: PGSession, _ gate: RateGate) throws -> RateDecision {
        try s.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 17))", ["rate:" + gate.sender])
        let hour = gate.at.addingTimeInterval(-3600), day = gate.at.addingTimeInterval(-86_400)
        let counts = RateCounts(
            senderHour: try countEvents(s, scope: RateLimit.Ledger.caseBySender, key: gate.sender, since: hour),
            senderDay: try countEvents(s, scope: RateLimit.Ledger.caseBySender, key: gate.sender, since: day),
            ownerHour: try countEvents(s, scope: RateLimit.Ledger.caseForOwner, key: gate.owner, since: hour),
            summariesHour: try countEvents(s, scope: RateLimit.Ledger.summary, key: gate.summaryRecipient, since: hour))
        let decision = RateLimit.decide(counts, gate: gate)
        if decision == .allow {
            try recordEvent(s, scope: RateLimit.Ledger.caseBySender, key: gate.sender, at: gate.at, ref: nil)
            try recordEvent(s, scope: RateLimit.Ledger.caseForOwner, key: gate.owner, at: gate.at, ref: nil)
        }
        return decision
    }

    static func summaryRecipient(_ s: PGSession, heldID: Int64) throws -> String? {
        try s.value("SELECT key FROM rate_events WHERE ref = ? AND scope = ?", [heldID, RateLimit.Ledger.summary])
    }

    // MARK: column encodings

    static func instant(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func date(_ seconds: Double?) -> Date? { seconds.map { Date(timeIntervalSince1970: $0) } }
}
