import Foundation
import LiaisonCore
import LiaisonStore

/// The SQL behind `PostgresStore`: every function runs inside the caller's transaction (the
/// same statements as `SQLiteRows.swift`, in PostgreSQL's dialect).
extension PostgresStore {
    /// A case's columns with its contacts (in their order) as one array column, `contacts`: a
    /// case is read in one statement, not one more per case.
    static let caseColumns = """
        cases.*, ARRAY(SELECT a.address FROM case_addresses a WHERE a.case_id = cases.id AND a.role = 'contact' ORDER BY a.seq) AS contacts
        """

    static func fetchCase(_ s: PGSession, where condition: String, _ args: [PGArg]) throws -> Case? {
        // Prepared: `condition` is one of the code's own (a few, see the callers).
        try s.row("SELECT \(caseColumns) FROM cases WHERE \(condition)", args, prepared: true).map { try makeCase(s, $0) }
    }

    /// A case from a row read with `caseColumns`.
    static func makeCase(_ s: PGSession, _ r: PGRow) throws -> Case {
        let contacts: [String] = try r["contacts"]
        return Case(number: try r["number"], isInternal: try r["internal"] as Bool,
                    counterparty: Counterparty(organization: try r["organization"], contacts: contacts),
                    owner: try r["owner"], category: CaseCategory(rawValue: try r["category"]),
                    status: CaseStatus(rawValue: try r["status"]) ?? .open,
                    openedAt: instant(try r["opened_at"]), resolvedAt: date(try r["resolved_at"]),
                    mutedUntil: date(try r["muted_until"]))
    }

    static func fetchCases(_ s: PGSession, status: CaseStatus?, owner: String?) throws -> [Case] {
        var sql = "SELECT \(caseColumns) FROM cases WHERE 1 = 1"
        var args: [PGArg] = []
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        if let owner { sql += " AND owner = ?"; args.append(owner.lowercased()) }
        sql += " ORDER BY opened_at DESC, id DESC"
        return try s.rows(sql, args).map { try makeCase(s, $0) }
    }

    /// The case of a Message-ID and of a number: the conditions of `caseForMessageID` and
    /// `caseWithNumber` (also read outside a transaction by `PostgresFilingView`).
    static let caseForMessageIDCondition = "id = (SELECT case_id FROM message_ids WHERE message_id = ?)"
    static let caseWithNumberCondition = "number = ?"

    static func caseForMessageID(_ s: PGSession, _ messageID: String) throws -> Case? {
        try fetchCase(s, where: caseForMessageIDCondition, [messageID])
    }

    /// As `fetchCase` (the same statement), with the case's id.
    static func fetchCaseAndID(_ s: PGSession, where condition: String, _ args: [PGArg]) throws -> (case: Case, id: Int64)? {
        try s.row("SELECT \(caseColumns) FROM cases WHERE \(condition)", args, prepared: true).map { (try makeCase(s, $0), try $0["id"]) }
    }

    static func casesForThread(_ s: PGSession, subject: String, addresses: [String], since: Date) throws -> [Case] {
        try casesForThreadAndIDs(s, subject: subject, addresses: addresses, since: since).map(\.case)
    }

    /// As `casesForThread`, each case with its id.
    static func casesForThreadAndIDs(_ s: PGSession, subject: String, addresses: [String], since: Date) throws -> [(case: Case, id: Int64)] {
        guard !addresses.isEmpty else { return [] }
        // The addresses as one array: one text (prepared) whatever their number. The search is
        // `liaison_thread_cases` (pg8-perf, pg9-latency: its plans chosen inside the function),
        // while this statement keeps one plan per connection.
        return try s.rows("""
            SELECT \(caseColumns) FROM liaison_thread_cases(?::text, ?::double precision, ?::text[]) t
            JOIN cases ON cases.id = t.matched_case ORDER BY t.last_date DESC, cases.id
            """, [subject, since.timeIntervalSince1970, addresses.map { $0.lowercased() }], prepared: true).map { (try makeCase(s, $0), try $0["id"]) }
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
        let row = try s.row(filedSQL, filedArgs(m), prepared: true)
        return try row.map { .filed(caseNumber: try $0["number"], correspondenceID: try $0["id"]) }
    }

    /// The earlier filing of a message, one statement (also a CTE of `insertCorrespondence`): by
    /// content hash, else by Message-ID with Date, sender and subject (the hash's match first).
    static let filedSQL = """
        SELECT f.id, cases.number FROM correspondence f JOIN cases ON cases.id = f.case_id
        WHERE f.content_hash = ? OR (f.message_id = ? AND f.sender IS NOT DISTINCT FROM ? AND f.subject IS NOT DISTINCT FROM ?
                                     AND f.date IS NOT DISTINCT FROM ?)
        ORDER BY f.content_hash = ? DESC LIMIT 1
        """

    static func filedArgs(_ m: IncomingMessage) -> [PGArg] {
        [m.contentHash, m.messageID, m.sender, m.subject, m.date?.timeIntervalSince1970, m.contentHash]
    }

    /// The pending hold of the same message (content hash first, else the same identity), as
    /// one condition on `held` with the arguments of `pendingHeldArgs`.
    static let pendingHeldCondition = """
        status = 'pending' AND (content_hash = ? OR (message_id = ? AND sender IS NOT DISTINCT FROM ?
                                AND subject IS NOT DISTINCT FROM ? AND date IS NOT DISTINCT FROM ?))
        ORDER BY content_hash = ? DESC LIMIT 1
        """

    static func pendingHeldArgs(_ m: IncomingMessage) -> [PGArg] {
        [m.contentHash, m.messageID, m.sender, m.subject, m.date?.timeIntervalSince1970, m.contentHash]
    }

    static func findPendingHeld(_ s: PGSession, _ m: IncomingMessage) throws -> Int64? {
        try s.value("SELECT id FROM held WHERE " + pendingHeldCondition, pendingHeldArgs(m), prepared: true)
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
                  at.timeIntervalSince1970], prepared: true)
        guard let id else { throw LostRace() }
        return id
    }

    /// Inserts a case, numbering it from its template unless `number` is given. The counter row
    /// is locked by the update until the transaction ends: concurrent openings take turns.
    /// The case row and its contacts (as contact and thread addresses, seq 1, 2, …) are one
    /// statement; a number already taken (by a case opened with a given number) inserts nothing
    /// and the next number is tried.
    static func insertCase(_ s: PGSession, _ c: NewCase, number given: String?) throws -> (Int64, String) {
        let contacts = c.counterparty.contacts.map { $0.lowercased() }
        while true {
            var number = given ?? ""
            if given == nil {
                let seq: Int = try s.value("""
                    INSERT INTO case_counters (template, last) VALUES (?, 1)
                    ON CONFLICT (template) DO UPDATE SET last = case_counters.last + 1 RETURNING last
                    """, [c.numberTemplate], prepared: true) ?? 1
                number = CaseNumbering.render(template: c.numberTemplate, seq: seq)
            }
            let id: Int64? = try s.value("""
                WITH k AS (
                  INSERT INTO cases (number, internal, organization, owner, category, status, opened_at)
                  VALUES (?, ?, ?, ?, ?, 'open', ?) ON CONFLICT (number) DO NOTHING RETURNING id),
                a AS (
                  INSERT INTO case_addresses (address, case_id, role, seq)
                  SELECT x.a, k.id, r.role, x.n FROM k, unnest(?::text[]) WITH ORDINALITY AS x(a, n), (VALUES ('contact'), ('thread')) AS r(role)
                  ON CONFLICT DO NOTHING)
                SELECT id FROM k
                """, [number, c.isInternal, c.counterparty.organization, c.owner?.lowercased(), c.category.rawValue,
                      c.openedAt.timeIntervalSince1970, contacts], prepared: true)
            if let id { return (id, number) }
            if given != nil { throw StoreError(.refused, "case \(number) exists already") }
        }
    }

    enum CaseRef {
        case id(Int64)
        case number(String)
        /// The case `liaison_open_case` opened earlier in this transaction (none when it found
        /// an earlier filing: then the statement files nothing and raises nothing).
        case opened
    }

    /// Inserts the message on the case in ONE statement: the correspondence row, its Message-IDs,
    /// references, thread and contact addresses (each given address numbered after the case's
    /// highest seq of its role, as SQLite's `addAddresses`; one the case has keeps its place),
    /// the message's To/Cc (`message_recipients`), the pending hold of the same message marked filed, and the case read back. `LostRace` when another instance has just filed the same bytes; `notFound` when
    /// there is no such case.
    enum Insertion {
        /// Filed: the case's id, the new row's id, the case as it stands after the filing.
        case filed(caseID: Int64, correspondenceID: Int64, filedCase: Case)
        /// An earlier filing of the same message (as `findFiled`); nothing was written.
        case duplicate(ExistingMessage)
    }

    static func insertCorrespondence(_ s: PGSession, _ m: IncomingMessage, into ref: CaseRef, at: Date,
                                     checkpoint: MailboxCheckpoint? = nil,
                                     verifying reads: PostgresFilingView.Reads = .init()) throws -> Insertion {
        let (sql, args) = filingStatement(m, into: ref, at: at, checkpoint: checkpoint, verifying: reads)
        guard let r = try s.row(sql, args, prepared: true) else { throw StoreError(.invalid, "filing returned no row") }
        guard let insertion = try filingResult(s, r, m) else { throw StoreError(.invalid, "filing found no case") }
        return insertion
    }

    /// The filing statement of `insertCorrespondence` and its arguments. The statement fails
    /// rather than commit a filing that did not happen — LQ404 when there is no such case, LQ409
    /// (`LostRace`) when the correspondence row could not be inserted because another instance
    /// committed the same bytes meanwhile — so a COMMIT may be sent behind it unread
    /// (`fileCommitting`). For `.opened` with no case opened (a duplicate) it writes nothing and
    /// raises nothing. With `checkpoint`, the statement also moves it (as `advance`), whatever
    /// the outcome: one statement less.
    /// With `verifying` reads (`PostgresFilingView`), it also reads them again and raises LQ409
    /// when one answers otherwise (before any other refusal).
    static func filingStatement(_ m: IncomingMessage, into ref: CaseRef, at: Date,
                                checkpoint: MailboxCheckpoint? = nil, verifying reads: PostgresFilingView.Reads = .init()) -> (String, [PGArg]) {
        // The case's condition and its argument; when the statement refuses (its text's argument
        // the last one): a known case — no row inserted and no earlier filing, LQ404 without the
        // case; a case just opened — no row inserted (an earlier filing seen now was committed
        // by another instance since `liaison_open_case` looked: the case must not stay empty).
        let lost = "liaison_raise('LQ409', 'the same message was filed by another instance meanwhile')"
        let target: String, refusal: String
        let targetArgs: [PGArg], refusalArgs: [PGArg]
        let known = """
            CASE WHEN (SELECT id FROM d) IS NULL AND (SELECT id FROM c) IS NULL THEN
              CASE WHEN (SELECT id FROM k) IS NULL THEN liaison_raise('LQ404', ?::text) ELSE \(lost) END
            END
            """
        switch ref {
        case .id(let id):
            (target, targetArgs) = ("SELECT id FROM cases WHERE id = ?", [id])
            (refusal, refusalArgs) = (known, ["no case with id \(id)"])
        case .number(let number):
            (target, targetArgs) = ("SELECT id FROM cases WHERE number = ?", [number])
            (refusal, refusalArgs) = (known, ["no case \(number)"])
        case .opened:
            (target, targetArgs) = ("SELECT id FROM cases WHERE id = nullif(current_setting('liaison.opened_case', true), '')::bigint", [])
            (refusal, refusalArgs) = ("CASE WHEN (SELECT id FROM k) IS NOT NULL AND (SELECT id FROM c) IS NULL THEN \(lost) END", [])
        }
        let (messageIDs, references, threadAddresses, contactAddresses, recipients) = filingArrays(m)
        let (check, checkArgs): (String, [PGArg]) = reads.isEmpty ? ("", []) : verification(reads)
        let refused = reads.isEmpty ? refusal : "CASE WHEN NOT (SELECT ok FROM v) THEN \(lost) ELSE \(refusal) END"
        let sql = """
            WITH k AS (\(target)),
            d AS (\(filedSQL)),
            c AS (
              INSERT INTO correspondence (case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, sender, raw, filed_at)
              SELECT k.id, ?::text, ?::text, ?::text, ?::text, ?::double precision, ?::text, ?::text, ?::text, ?::bytea, ?::double precision FROM k
              WHERE NOT EXISTS (SELECT 1 FROM d)
              ON CONFLICT (content_hash) DO NOTHING RETURNING id),
            m AS (
              INSERT INTO message_ids (message_id, case_id)
              SELECT x, k.id FROM k, unnest(?::text[]) AS x WHERE EXISTS (SELECT 1 FROM c)
              ON CONFLICT DO NOTHING),
            r AS (
              INSERT INTO message_references (correspondence_id, referenced_id) SELECT c.id, x FROM c, unnest(?::text[]) AS x
              ON CONFLICT DO NOTHING),
            t AS (
              INSERT INTO case_addresses (address, case_id, role, seq)
              SELECT x.a, k.id, 'thread', b.top + x.n FROM c, k, unnest(?::text[]) WITH ORDINALITY AS x(a, n),
                LATERAL (SELECT COALESCE(MAX(seq), 0) AS top FROM case_addresses WHERE case_id = k.id AND role = 'thread') b
              ON CONFLICT DO NOTHING),
            p AS (
              INSERT INTO case_addresses (address, case_id, role, seq)
              SELECT x.a, k.id, 'contact', b.top + x.n FROM c, k, unnest(?::text[]) WITH ORDINALITY AS x(a, n),
                LATERAL (SELECT COALESCE(MAX(seq), 0) AS top FROM case_addresses WHERE case_id = k.id AND role = 'contact') b
              ON CONFLICT DO NOTHING),
            e AS (
              INSERT INTO message_recipients (address, case_id, correspondence_id)
              SELECT x, k.id, c.id FROM c, k, unnest(?::text[]) AS x
              ON CONFLICT DO NOTHING),
            h AS (
              UPDATE held SET status = 'filed' WHERE EXISTS (SELECT 1 FROM c)
                AND id = (SELECT id FROM held WHERE \(pendingHeldCondition)))\(checkpoint == nil ? "" : ",\nq AS (\(checkpointUpsert))")\(check.isEmpty ? "" : ",\n" + check)
            SELECT (SELECT id FROM d) AS filed_id, (SELECT number FROM d) AS filed_number,
                   (SELECT id FROM k) AS case_id, (SELECT id FROM c) AS correspondence_id,
                   \(refused) AS refused,
                   \(caseColumns)
            FROM (SELECT 1) AS one LEFT JOIN cases ON cases.id = (SELECT id FROM k)
            """
        let args: [PGArg] = targetArgs + filedArgs(m) + [m.messageID, m.contentHash, m.direction.rawValue, m.kind.rawValue,
            m.date?.timeIntervalSince1970, m.subject, m.threadSubject, m.sender, Data(m.raw), at.timeIntervalSince1970,
            messageIDs, references, threadAddresses, contactAddresses, recipients] + pendingHeldArgs(m) + (checkpoint.map(checkpointArgs) ?? []) + checkArgs + refusalArgs
        return (sql, args)
    }

    /// The lists a filing writes besides its row (also `liaison_open_and_file`'s arguments): the
    /// message's own IDs, its references (each once, in order), its thread and contact
    /// addresses (lowercased), its To/Cc when outbound.
    static func filingArrays(_ m: IncomingMessage)
        -> (messageIDs: [String], references: [String], threadAddresses: [String], contactAddresses: [String], recipients: [String]) {
        var seen = Set<String>()
        return ([m.messageID].compactMap { $0 } + m.alsoKnownAs, m.references.filter { seen.insert($0).inserted },
                m.addresses.map { $0.lowercased() }, m.contacts.map { $0.lowercased() }, m.direction == .outbound ? m.recipients : [])
    }

    /// What the filing statement's row says: filed (the case as it stands after), an earlier
    /// filing, or nil when no case was named (`.opened` after a duplicate).
    static func filingResult(_ s: PGSession, _ r: PGRow, _ m: IncomingMessage) throws -> Insertion? {
        let filedID: Int64? = try r["filed_id"], filedNumber: String? = try r["filed_number"]
        if let filedID, let filedNumber { return .duplicate(.filed(caseNumber: filedNumber, correspondenceID: filedID)) }
        let foundCase: Int64? = try r["case_id"], inserted: Int64? = try r["correspondence_id"]
        guard let caseID = foundCase else { return nil }
        // The statement raises when it neither filed nor found an earlier filing.
        guard let correspondenceID = inserted else { throw LostRace() }
        // The statement read the case as it was before its own inserts: the contacts this message
        // adds come after those it had (each address once, as the insert's conflict rule keeps).
        var filedCase = try makeCase(s, r)
        var known = Set(filedCase.counterparty.contacts)
        for a in m.contacts.map({ $0.lowercased() }) where known.insert(a).inserted { filedCase.counterparty.contacts.append(a) }
        return .filed(caseID: caseID, correspondenceID: correspondenceID, filedCase: filedCase)
    }

    /// A message's To/Cc (`IncomingMessage.recipients`, already normalised and bounded).
    static func addRecipients(_ s: PGSession, _ recipients: [String], caseID: Int64, correspondenceID: Int64) throws {
        for a in recipients {
            try s.execute("INSERT INTO message_recipients (address, case_id, correspondence_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                          [a, caseID, correspondenceID])
        }
    }

    /// Moves the checkpoint forward (never back within one UIDVALIDITY; a new UIDVALIDITY replaces it).
    static func advance(_ s: PGSession, _ cp: MailboxCheckpoint, wait: Bool = true) throws {
        if wait { try s.run(checkpointUpsert, checkpointArgs(cp), prepared: true) } else {
            try s.send(checkpointUpsert, checkpointArgs(cp), prepared: true)
        }
    }

    /// The checkpoint's upsert (`advance`; also a CTE of the filing statement).
    static let checkpointUpsert = """
        INSERT INTO checkpoints (mailbox, uid_validity, last_uid) VALUES (?::text, ?::bigint, ?::bigint)
        ON CONFLICT (mailbox) DO UPDATE SET
          last_uid = CASE WHEN checkpoints.uid_validity = EXCLUDED.uid_validity
                          THEN GREATEST(checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
          uid_validity = EXCLUDED.uid_validity
        """

    static func checkpointArgs(_ cp: MailboxCheckpoint) -> [PGArg] { [cp.mailbox, Int64(cp.uidValidity), Int64(cp.lastUID)] }

    // MARK: rate ledger

    static func countEvents(_ s: PGSession, scope: String, key: String, since: Date) throws -> Int {
        try s.value("SELECT COUNT(*) FROM rate_events WHERE scope = ? AND key = ? AND at >= ?",
                    [scope, key, since.timeIntervalSince1970], prepared: true) ?? 0
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
