import Foundation
import GRDB
import LiaisonMail
import LiaisonCore

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite backend (GRDB): one `DatabasePool` in WAL mode, so readers never wait for the one
/// writer (GRDB serialises writes); every write is one transaction. The file is created with mode 0600 before SQLite
/// opens it (its -wal and -shm files inherit that mode), and an existing file readable by group
/// or others is refused.
public final class SQLiteStore: FilingStore, CaseQueries, CaseUpdates, ReminderQueue, OutboxStore, ContainmentStore {
    let pool: DatabasePool
    public let path: String
    /// The data key while encryption at rest is on (`SQLiteSealing.swift`); nil: bodies in clear.
    let sealState: SealState

    /// Opens (creating if needed) the database at `path` and upgrades its schema in place.
    /// Production code opens the store a configuration names through `Stores.open`.
    /// `key`: the store key (encryption at rest). A sealed store without its key, or with another
    /// key, is refused here, as is a key for a store that holds bodies in clear (`liaison keys
    /// enable` seals those); a key for a store without bodies turns encryption on.
    public convenience init(path: String, key: StoreKey? = nil) throws {
        try self.init(path: path, key: key, sealing: true)
    }

    /// `sealing` false: no key check at all (only `enableSealing`, which checks itself).
    init(path: String, key: StoreKey?, sealing: Bool) throws {
        self.path = path
        try Self.prepareFile(path)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        // WAL + synchronous=NORMAL: a commit survives the process being killed at any instant;
        // a power loss may undo the last commits, but each undoes its checkpoint with it, so the
        // messages are fetched and filed again: still exactly once, never half-filed.
        // 8 KiB pages: typical 2–3 KiB mails pack three to a page instead of one per 4 KiB
        // page, and each commit writes half the WAL of 16 KiB pages (takes effect only when the file is created).
        let seal = SealState()
        sealState = seal
        config.prepareDatabase { db in
            Self.registerSealing(db, seal)
            try db.execute(sql: "PRAGMA page_size = 8192")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoint the WAL into the file every 64 MiB rather than every 16 MiB: fewer,
            // larger pauses on the filing path (`checkpointWAL()` can be called when idle).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 4096")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try SQLiteSchema.migrator.migrate(pool)
        } catch let e as DatabaseError {
            throw Self.mapped(e)
        }
        if sealing {
            try startSealing(key: key)
        }
    }

    /// Reads the To/Cc of the messages filed before `v9-recipients` back from their stored bytes
    /// (header only, `MessageParser.headerRecipients`) into `message_recipients`: one batch, each
    /// message leaving the queue with its rows (`RecipientsBackfilling`; the daemon's
    /// `RecipientsBackfill` runs it, never `open`). Only staff mail (`outbound`) gives rows. A body
    /// that will not open (sealed, no key) stays queued; a body removed meanwhile leaves with none.
    public func backfillRecipients(after: Int64, limit: Int) throws -> (read: Int, last: Int64?) {
        try transaction { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT b.correspondence_id AS id, m.case_id, m.direction, m.raw FROM recipients_backfill b
                LEFT JOIN correspondence m ON m.id = b.correspondence_id
                WHERE b.correspondence_id > ? ORDER BY b.correspondence_id LIMIT ?
                """, arguments: [after, max(1, limit)])
            var read = 0
            for r in rows {
                let id: Int64 = r["id"]
                if let caseID = r["case_id"] as Int64?, r["direction"] as String? == Direction.outbound.rawValue, let stored = r["raw"] as Data? {
                    guard let raw = try? Self.opened(db, stored, "correspondence", "raw", row: id) else { continue }
                    let recipients = IncomingMessage.recipients(MessageParser.headerRecipients(raw).map(\.address))
                    try Self.addRecipients(db, recipients, caseID: caseID, correspondenceID: id)
                    read += 1
                }
                try db.execute(sql: "DELETE FROM recipients_backfill WHERE correspondence_id = ?", arguments: [id])
            }
            return (read, rows.last.map { $0["id"] as Int64 })
        }
    }

    public func recipientsBackfillPending() throws -> Int {
        try snapshot { try Int.fetchOne($0, sql: "SELECT count(*) FROM recipients_backfill") ?? 0 }
    }

    // MARK: transactions, with GRDB's errors mapped to `StoreError`

    /// One write transaction; GRDB's errors come out as `StoreError`.
    func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as DatabaseError { throw Self.mapped(e) }
    }

    /// `transaction`, with the connection's temporary files (the savepoints' sub-journal) in
    /// memory for this transaction only: `temp_store` cannot change inside a transaction, so it
    /// is set before BEGIN and put back to the default after COMMIT or ROLLBACK. The page cache
    /// is `batchCacheKiB` for the transaction: a batch of 32 messages (up to 4 MiB of mail, with
    /// their index pages) dirties more than SQLite's default 2 MiB, which then wrote pages to the
    /// WAL in the middle of the transaction to make room and read them back; put back after, so
    /// the cache an idle daemon keeps is the default one.
    func transactionWithSubjournalInMemory<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
                try db.execute(sql: "PRAGMA temp_store = MEMORY; PRAGMA cache_size = \(-Self.batchCacheKiB)")
                defer { try? db.execute(sql: "PRAGMA temp_store = DEFAULT; PRAGMA cache_size = \(cacheSize)") }
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let e as DatabaseError { throw Self.mapped(e) }
    }

    /// The writer's page cache while it files a batch (`transactionWithSubjournalInMemory`).
    static let batchCacheKiB = 16_384

    /// One read (a snapshot); GRDB's errors come out as `StoreError`.
    func snapshot<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as DatabaseError { throw Self.mapped(e) }
    }

    /// SQLite's result code, in the store's words: busy/locked → `busy`; corrupt, not a database
    /// → `corrupt`; full, I/O, cannot open, out of memory, read-only, protocol → `unavailable`;
    /// constraint and the rest → `invalid` (this request's data: a message can cause it).
    static func mapped(_ e: DatabaseError) -> StoreError {
        let code = e.resultCode.primaryResultCode
        let text = "SQLite error \(code.rawValue): \(e.message ?? "\(code)")"
        switch code {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError(.busy, text)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return StoreError(.corrupt, text)
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_NOMEM, .SQLITE_READONLY, .SQLITE_PROTOCOL, .SQLITE_PERM:
            return StoreError(.unavailable, text)
        default: return StoreError(.invalid, text)
        }
    }

    /// Creates the file 0600 if absent; refuses one that group or others can access.
    static func prepareFile(_ path: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw StoreError(.unavailable, "cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw StoreError(.unavailable, "cannot stat the database \(path)") }
        if st.st_mode & 0o077 != 0 {
            throw StoreError(.refused, "the database \(path) is accessible to group or others (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 600 on it")
        }
    }

    // MARK: lookups (CaseLookup): the same SQL as the filing transaction's view

    public func caseWithNumber(_ number: String) throws -> Case? {
        try snapshot { db in try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE number = ?", [number]) }
    }

    public func caseForMessageID(_ messageID: String) throws -> Case? {
        try snapshot { db in try Self.caseForMessageID(db, messageID) }
    }

    public func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        try snapshot { db in try Self.casesForThread(db, subject: subject, addresses: addresses, since: since) }
    }

    static func caseForMessageID(_ db: Database, _ messageID: String) throws -> Case? {
        try fetchCase(db, sql: "SELECT cases.* FROM message_ids JOIN cases ON cases.id = message_ids.case_id WHERE message_ids.message_id = ?", [messageID])
    }

    /// From the counterparty's thread cases (`case_addresses` by address), then in each its
    /// messages with the subject since `since`, on `correspondence_case_thread` (case, subject,
    /// date: v13-drain) alone, no message row read: a counterparty's own mail, never every
    /// message that ever had the subject — a common one ("Undelivered Mail Returned to Sender",
    /// a form's fixed subject) made that lookup grow with the store (0.83 ms against 0.12 ms a
    /// lookup on 10,000 messages, same answers; scripts/bench-backlog, 3 Dec 2026;
    /// `FilingPlanTests`). `INDEXED BY`: without ANALYZE statistics SQLite could pick the
    /// subject's index (`correspondence_thread`), every message that ever had the subject.
    static func casesForThread(_ db: Database, subject: String, addresses: [String], since: Date) throws -> [Case] {
        guard !addresses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: addresses.count).joined(separator: ",")
        let ids = try Int64.fetchAll(db.cachedStatement(sql: threadCasesSQL(marks)),
                                     arguments: StatementArguments(addresses.map { $0.lowercased() as any DatabaseValueConvertible }
                                                                   + [subject, since.timeIntervalSince1970]))
        return try ids.compactMap { try fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [$0]) }
    }

    static func threadCasesSQL(_ marks: String) -> String {
        """
        SELECT c.case_id FROM correspondence c INDEXED BY correspondence_case_thread
        WHERE c.case_id IN (SELECT a.case_id FROM case_addresses a WHERE a.role = 'thread' AND a.address IN (\(marks)))
          AND c.thread_subject = ? AND c.date >= ?
        GROUP BY c.case_id ORDER BY MAX(c.date) DESC
        """
    }

    // MARK: filing

    /// The one filing operation (see `FilingStore.file`).
    public func file(_ plan: some FilingPlan, now: Date) throws -> FilingOutcome {
        try transaction { db in try Self.file(db, plan, now: now) }
    }

    /// Several plans in ONE write transaction (see `FilingStore.file(batch:now:)`): a savepoint
    /// per plan, so a plan that throws costs its own writes only; the batch stops there and the
    /// plans before it commit. A store fault (busy, full, I/O…) rolls back everything.
    ///
    /// The batch's transaction keeps SQLite's sub-journal (the pages a savepoint may have to put
    /// back) in memory (`temp_store = MEMORY`, set before BEGIN and put back after): one
    /// message's filing touches more than the 64 KiB SQLite keeps in memory by default, so each
    /// savepoint wrote its pages to a temporary file in /var/tmp — a quarter of the filing
    /// thread's time in the drain's profile. The sub-journal holds one message's pages at most
    /// (it is emptied when the message's savepoint is released); the setting is the writer
    /// connection's and only for this transaction, so no other statement's temporary data moves
    /// into memory.
    public func file<P: FilingPlan>(batch plans: [P], now: Date) throws -> FilingBatch {
        guard !plans.isEmpty else { return FilingBatch() }
        return try transactionWithSubjournalInMemory { db in
            try Self.deferSearch(db)
            var batch = FilingBatch()
            for plan in plans {
                do {
                    var outcome: FilingOutcome?
                    try db.inSavepoint {
                        outcome = try Self.file(db, plan, now: now)
                        return .commit
                    }
                    batch.committed.append(outcome!)
                } catch {
                    let mapped = (error as? DatabaseError).map(Self.mapped) ?? error
                    if StoreFaults.isUnavailable(mapped) { throw error }
                    batch.failure = mapped
                    break
                }
            }
            try Self.flushSearch(db)
            return batch
        }
    }

    /// From here to `flushSearch`, in this transaction, the search index's triggers note which
    /// of its rows are stale instead of writing them (v14-search-batch): FTS5 would otherwise
    /// write its pending terms as a segment of their own at nearly every statement of the batch.
    static func deferSearch(_ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO case_search_deferred (one) VALUES (1)").execute()
    }

    /// Rewrites the search index's rows noted since `deferSearch` from the tables, as the
    /// triggers would have written them (a message's subject, a case's number and
    /// organisation, a case's contacts: deleted, then written again if there is anything to
    /// write), and ends the deferral. Must run before the transaction commits: no other
    /// connection may ever see the deferral.
    static func flushSearch(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM case_search WHERE rowid IN (SELECT id * 4 + kind FROM case_search_queue);
            INSERT INTO case_search (rowid, case_id, text)
              SELECT m.id * 4, m.case_id, m.subject FROM case_search_queue q JOIN correspondence m ON m.id = q.id
                WHERE q.kind = 0 AND m.subject IS NOT NULL AND m.subject <> ''
              UNION ALL
              SELECT c.id * 4 + 1, c.id, c.number || char(10) || coalesce(c.organization, '')
                FROM case_search_queue q JOIN cases c ON c.id = q.id WHERE q.kind = 1
              UNION ALL
              SELECT q.id * 4 + 2, q.id, (SELECT group_concat(address, char(10)) FROM case_addresses WHERE case_id = q.id AND role = 'contact')
                FROM case_search_queue q
                WHERE q.kind = 2 AND EXISTS (SELECT 1 FROM case_addresses WHERE case_id = q.id AND role = 'contact');
            DELETE FROM case_search_queue;
            DELETE FROM case_search_deferred;
            """)
    }

    /// The one filing operation's body, inside an open write transaction.
    static func file(_ db: Database, _ plan: some FilingPlan, now: Date) throws -> FilingOutcome {
        let view = SQLiteCaseView(db: db)
        let filing = try plan.filing(view)
        let outcome = try Self.fileOne(db, filing, now: now)
        if case .held(let heldID, .rateLimited) = outcome, let recipient = try Self.summaryRecipient(db, heldID: heldID) {
            let detail = try String.fetchOne(db.cachedStatement(sql: "SELECT detail FROM held WHERE id = ?"), arguments: [heldID])
            try Self.write(db, try plan.summary(HeldContext(heldID: heldID, detail: detail, recipient: recipient, view: view)),
                           now: now, filed: nil)
            return outcome
        }
        guard case .filed(let number, let correspondenceID, let opened) = outcome else { return outcome }
        let caseID = try Self.caseID(db, number)
        guard let filedCase = try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [caseID]) else {
            throw StoreError(.notFound, "no case \(number)")
        }
        let context = FiledContext(filedCase: filedCase, correspondenceID: correspondenceID, openedCase: opened, view: view)
        try Self.write(db, try plan.followUp(context), now: now, filed: (caseID, correspondenceID))
        return outcome
    }

    /// Files many messages with known decisions in one transaction (bulk imports for benchmarks);
    /// all or none are written. Not part of any role protocol.
    public func file(batch: [Filing], now: Date) throws -> [FilingOutcome] {
        try transaction { db in try batch.map { try Self.fileOne(db, $0, now: now) } }
    }

    /// Writes the database file's contents back from the WAL and truncates the WAL.
    public func checkpointWAL() throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    static func fileOne(_ db: Database, _ filing: Filing, now: Date) throws -> FilingOutcome {
        let m = filing.message
        let outcome: FilingOutcome
        if let heldID = filing.accepting {
            guard let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT reason, detail FROM held WHERE id = ? AND status = 'pending'"),
                                           arguments: [heldID]) else {
                throw StoreError(.notFound, "no held message \(heldID) awaiting review")
            }
            if r["reason"] as String == HoldReason.unprocessable.rawValue {
                throw StoreError(.refused, "held message \(heldID) is unprocessable (\(r["detail"] as String? ?? "it could not be read")): it was never read, so it cannot be filed on a case; reject it")
            }
            try db.cachedStatement(sql: "UPDATE held SET status = 'accepted' WHERE id = ?").execute(arguments: [heldID])
        }
        if let existing = try findFiled(db, m) {
            outcome = .duplicate(existing)
        } else {
            switch filing.decision {
            case .hold(let reason, let detail):
                if let heldID = try findPendingHeld(db, m) {
                    outcome = .duplicate(.held(heldID: heldID))
                } else {
                    outcome = .held(heldID: try insertHeld(db, m, reason: reason, detail: detail, at: now), reason: reason)
                }
            case .existing(let number, _):
                guard let caseID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [number]) else {
                    throw StoreError(.notFound, "no case \(number)")
                }
                let cid = try insertCorrespondence(db, m, caseID: caseID, at: now)
                outcome = .filed(caseNumber: number, correspondenceID: cid, openedCase: false)
            case .open(let new):
                if let gate = filing.rateGate, case .hold(let hit, let summarise) = try rateDecision(db, gate) {
                    if let heldID = try findPendingHeld(db, m) {
                        outcome = .duplicate(.held(heldID: heldID))
                    } else {
                        let heldID = try insertHeld(db, m, reason: .rateLimited, detail: hit.detail, at: now)
                        if summarise {
                            try recordEvent(db, scope: RateLimit.Ledger.summary, key: gate.summaryRecipient, at: gate.at, ref: heldID)
                        }
                        outcome = .held(heldID: heldID, reason: .rateLimited)
                    }
                } else {
                    let (caseID, number) = try insertCase(db, new, number: nil)
                    let cid = try insertCorrespondence(db, m, caseID: caseID, at: now)
                    outcome = .filed(caseNumber: number, correspondenceID: cid, openedCase: true)
                }
            }
            if case .filed = outcome, let heldID = try findPendingHeld(db, m) {
                try db.cachedStatement(sql: "UPDATE held SET status = 'filed' WHERE id = ?").execute(arguments: [heldID])
            }
        }
        if let cp = filing.checkpoint { try advance(db, cp) }
        if let marker = filing.marker { try clearMarker(db, marker) }
        return outcome
    }

    /// Opens a case without a message (tests, benchmarks). Not part of any role protocol.
    public func openCase(_ newCase: NewCase) throws -> Case {
        try transaction { db in
            let (id, _) = try Self.insertCase(db, newCase, number: nil)
            return try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [id])!
        }
    }

    /// Opens a case with a given number; fails if the number is taken (tests). Not part of any role protocol.
    public func openCase(_ newCase: NewCase, number: String) throws -> Case {
        try transaction { db in
            if try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [number]) != nil {
                throw StoreError(.refused, "case \(number) exists already")
            }
            let (id, _) = try Self.insertCase(db, newCase, number: number)
            return try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [id])!
        }
    }

    // MARK: queries

    public func cases(status: CaseStatus?, owner: String?) throws -> [Case] {
        try snapshot { db in try Self.fetchCases(db, status: status, owner: owner) }
    }

    public func correspondence(caseNumber: String) throws -> [Correspondence] {
        try snapshot { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT c.*, cases.number AS case_number FROM correspondence c JOIN cases ON cases.id = c.case_id
                WHERE cases.number = ? ORDER BY c.date IS NULL, c.date, c.id
                """), arguments: [caseNumber]).map { r in
                Correspondence(id: r["id"], caseNumber: r["case_number"], messageID: r["message_id"],
                               direction: Direction(rawValue: r["direction"]) ?? .inbound,
                               kind: MessageKind(rawValue: r["kind"]) ?? .correspondence,
                               date: (r["date"] as Double?).map { Date(timeIntervalSince1970: $0) },
                               subject: r["subject"], threadSubject: r["thread_subject"], sender: r["sender"],
                               contentHash: r["content_hash"],
                               raw: try Self.opened(db, r["raw"], "correspondence", "raw", row: r["id"]))
            }
        }
    }

    public func heldMessages() throws -> [HeldMessage] {
        try snapshot { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held WHERE status = 'pending' ORDER BY id").map { try Self.makeHeld(db, $0) }
        }
    }

    public func heldMessage(id: Int64) throws -> HeldMessage? {
        try snapshot { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM held WHERE id = ? AND status = 'pending'"), arguments: [id]).map { try Self.makeHeld(db, $0) }
        }
    }

    public func reject(heldID: Int64) throws {
        try transaction { db in
            try db.cachedStatement(sql: "UPDATE held SET status = 'rejected' WHERE id = ? AND status = 'pending'").execute(arguments: [heldID])
            if db.changesCount == 0 { throw StoreError(.notFound, "no held message \(heldID) awaiting review") }
        }
    }

    public func checkpoint(mailbox: String) throws -> MailboxCheckpoint? {
        try snapshot { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM checkpoints WHERE mailbox = ?"), arguments: [mailbox]).map {
                MailboxCheckpoint(mailbox: $0["mailbox"], uidValidity: UInt32(truncatingIfNeeded: $0["uid_validity"] as Int64),
                                  lastUID: UInt32(truncatingIfNeeded: $0["last_uid"] as Int64))
            }
        }
    }

    /// Sets a case's status (tests; production resolves through `CaseUpdates.update`). Not part of any role protocol.
    public func setStatus(caseNumber: String, status: CaseStatus, at: Date) throws {
        try transaction { db in try Self.updateStatus(db, caseNumber: caseNumber, status: status, at: at) }
    }

    public func counts() throws -> (correspondence: Int, cases: Int, held: Int) {
        try snapshot { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM correspondence") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM held WHERE status = 'pending'") ?? 0)
        }
    }
}
