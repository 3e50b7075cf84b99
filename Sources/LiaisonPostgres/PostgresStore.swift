import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore

/// The PostgreSQL backend (postgres-nio): every role of `LiaisonStore`, the same behaviour as
/// `SQLiteStore` (the conformance suite runs on both), for several instances over one database.
///
/// - Every write is one transaction on one connection checked out of a bounded pool
///   (`PGPool`); the role protocols are synchronous and called from Dispatch queues, so each
///   statement blocks on postgres-nio's futures, never on Swift's cooperative pool.
/// - Filing is idempotent across instances by unique indexes (content hash; one pending hold per
///   content): an insert that meets a row another instance committed meanwhile finds nothing to
///   insert, the transaction is rolled back and the filing run again, where it is a duplicate.
/// - Due reminders are fired with `FOR UPDATE SKIP LOCKED`: two instances never fire one twice.
/// - Case numbers come from a counter row updated inside the opening transaction.
public final class PostgresStore: FilingStore, CaseQueries, CaseUpdates, ReminderQueue, OutboxStore, ContainmentStore,
    ReportQueries, WeeklyCheckQueue, RecipientsBackfilling
{
    let pool: PGPool
    public let location: PostgresLocation

    /// Connects and applies the migrations this database has not seen (safe when several
    /// instances start at once). Production code opens stores through `Stores.open`.
    public init(_ location: PostgresLocation, now: Date = Date()) throws {
        self.location = location
        pool = try PGPool(location)
        try pool.withSession { try PostgresSchema.migrate($0, now: now) }
    }

    /// As on SQLite (`SQLiteStore.backfillRecipients(after:limit:)`): one batch of the To/Cc of
    /// messages filed before `pg6-recipients`, read back from their stored bytes, staff mail only;
    /// run by the daemon's `RecipientsBackfill`, never at open. Safe when several instances run it
    /// at once (rows are inserted with ON CONFLICT DO NOTHING, the queue row deleted by whichever
    /// gets there).
    public func backfillRecipients(after: Int64, limit: Int) throws -> (read: Int, last: Int64?) {
        try transaction { s in
            let rows = try s.rows("""
                SELECT b.correspondence_id AS id, m.case_id, m.direction, m.raw FROM recipients_backfill b
                LEFT JOIN correspondence m ON m.id = b.correspondence_id
                WHERE b.correspondence_id > ? ORDER BY b.correspondence_id LIMIT ?
                """, [after, Int64(max(1, limit))])
            var read = 0, last: Int64?
            for r in rows {
                let id: Int64 = try r["id"]
                last = id
                let caseID: Int64? = try r["case_id"], direction: String? = try r["direction"], raw: Data? = try r["raw"]
                if let caseID, direction == Direction.outbound.rawValue, let raw {
                    let recipients = IncomingMessage.recipients(MessageParser.headerRecipients([UInt8](raw)).map(\.address))
                    try Self.addRecipients(s, recipients, caseID: caseID, correspondenceID: id)
                    read += 1
                }
                try s.execute("DELETE FROM recipients_backfill WHERE correspondence_id = ?", [id])
            }
            return (read, last)
        }
    }

    public func recipientsBackfillPending() throws -> Int {
        try snapshot { s in
            let n: Int64? = try s.row("SELECT count(*) AS n FROM recipients_backfill", [])?["n"]
            return Int(n ?? 0)
        }
    }

    deinit { pool.shutdown() }

    /// Closes the idle connections now (they are also closed when the store goes away).
    public func close() { pool.shutdown() }

    // MARK: transactions

    /// One write transaction (READ COMMITTED; the rows a decision depends on are locked or
    /// protected by unique indexes).
    func transaction<T>(_ body: (PGSession) throws -> T) throws -> T {
        try within("BEGIN", body)
    }

    /// One read: a consistent snapshot (REPEATABLE READ, read only).
    func snapshot<T>(_ body: (PGSession) throws -> T) throws -> T {
        try within("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// `body` between `begin` and COMMIT on one pooled connection; rolled back when it throws
    /// (unless the connection broke, which ends the transaction anyway).
    private func within<T>(_ begin: String, _ body: (PGSession) throws -> T) throws -> T {
        try pool.withSession { s in
            // Not waited for: the body's first statement waits behind it (see `PGSession.send`).
            try s.send(begin)
            do {
                let result = try body(s)
                try s.execute("COMMIT")
                return result
            } catch {
                if !s.broken { _ = try? s.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Another instance committed the same message while this transaction was deciding: roll
    /// back and file again (the next attempt sees it and reports a duplicate).
    struct LostRace: Error {}

    // MARK: lookups (CaseLookup)

    // Each lookup is ONE statement (the case and its contacts joined), consistent on its own:
    // no transaction around it, one round trip.

    public func caseWithNumber(_ number: String) throws -> Case? {
        try pool.withSession { s in try Self.fetchCase(s, where: "number = ?", [number]) }
    }

    public func caseForMessageID(_ messageID: String) throws -> Case? {
        try pool.withSession { s in try Self.caseForMessageID(s, messageID) }
    }

    public func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        try pool.withSession { s in try Self.casesForThread(s, subject: subject, addresses: addresses, since: since) }
    }

    // MARK: filing

    /// The one filing operation (see `FilingStore.file`): one transaction, matching inside it
    /// (`plan.filing` reads the transaction's view). Waits: BEGIN is sent with the first
    /// lookup; for a plan without follow-ups (`followsUp` false) the filing statement (which
    /// moves the checkpoint; for a new case `liaison_open_case` before it) and COMMIT go out
    /// together and are waited for once (`fileCommitting`); otherwise the filing is read, the
    /// follow-up written, then COMMIT. A plan without follow-ups reads its lookups by
    /// Message-ID, number and thread outside a transaction block (`PostgresFilingView`); a
    /// filing on a known case is then the filing statement alone, its own transaction, reading
    /// those lookups again (`fileAlone`): two statements instead of four; a case to open is
    /// opened and filed on by one call, also its own transaction (`fileOpeningAlone`). A plan
    /// with follow-ups reads ahead too; its filing statement (sent with `BEGIN`) reads the
    /// lookups again, then the follow-ups and COMMIT follow in that transaction.
    public func file(_ plan: some FilingPlan, now: Date) throws -> FilingOutcome {
        var attempt = 0
        var readAhead = true
        while true {
            attempt += 1
            do {
                return try pool.withSession { s in
                    // Without read-ahead BEGIN is sent now, not waited for: the plan's first
                    // lookup waits behind it (see `PGSession.send`).
                    let view = try PostgresFilingView(s: s, readAhead: readAhead)
                    do {
                        let filing = try plan.filing(view)
                        if !view.inTransaction, !plan.followsUp {
                            if let outcome = try Self.fileAlone(s, filing, verifying: view.reads, now: now) { return outcome }
                            if let outcome = try Self.fileOpeningAlone(s, filing, verifying: view.reads, now: now) { return outcome }
                        }
                        try view.begin()
                        if !plan.followsUp, let outcome = try Self.fileCommitting(s, filing, now: now, verifying: view.reads) {
                            return outcome
                        }
                        // A plan with follow-ups: BEGIN (sent above, not waited for) and the
                        // filing statement, which reads again what the plan read outside the
                        // block (LQ409 when one answers otherwise), go out together; then the
                        // follow-ups and COMMIT in the same transaction. `fileOne` throws
                        // `DecideAgain`, nothing sent, for a decision its filing statement cannot
                        // check the reads for.
                        let outcome = try Self.file(s, plan, view: view.inner, filing: filing, now: now, verifying: view.reads)
                        try s.execute("COMMIT")
                        return outcome
                    } catch {
                        // After a COMMIT sent behind a failed statement the server has rolled
                        // back already; this ROLLBACK then only draws a warning.
                        if view.inTransaction, !s.broken { _ = try? s.execute("ROLLBACK") }
                        throw error
                    }
                }
            } catch is DecideAgain {
                // Not a failed attempt: decided again inside a transaction from the start.
                attempt -= 1
                readAhead = false
            } catch is LostRace where attempt < 3 {
                readAhead = false
                continue
            } catch is LostRace {
                throw StoreError(.busy, "the same message kept being filed by another instance meanwhile")
            }
        }
    }

    static func file(_ s: PGSession, _ plan: some FilingPlan, view: PostgresCaseView, filing: Filing, now: Date,
                     verifying reads: PostgresFilingView.Reads = .init()) throws -> FilingOutcome {
        let (outcome, filed) = try fileOne(s, filing, now: now, verifying: reads)
        if case .held(let heldID, .rateLimited) = outcome, let recipient = try summaryRecipient(s, heldID: heldID) {
            let detail: String? = try s.value("SELECT detail FROM held WHERE id = ?", [heldID])
            try write(s, try plan.summary(HeldContext(heldID: heldID, detail: detail, recipient: recipient, view: view)), now: now, filed: nil)
            return outcome
        }
        guard case .filed(_, let correspondenceID, let opened) = outcome, let filed else { return outcome }
        let context = FiledContext(filedCase: filed.filedCase, correspondenceID: correspondenceID, openedCase: opened, view: view)
        try write(s, try plan.followUp(context), now: now, filed: (filed.caseID, correspondenceID), filedNumber: filed.filedCase.number)
        return outcome
    }

    /// Files, holds or recognises a duplicate; for a filed message also the case's id and the
    /// case as it stands after the filing (read by the filing's own statement).
    /// With `reads` made outside the transaction (`PostgresFilingView`), the filing statement
    /// reads them again (LQ409 when one answers otherwise): only a message on a known case, or
    /// on a case `liaison_open_case` opens, without an accepted hold; any other decision throws
    /// `DecideAgain` before anything is sent.
    static func fileOne(_ s: PGSession, _ filing: Filing, now: Date,
                        verifying reads: PostgresFilingView.Reads = .init()) throws -> (FilingOutcome, (caseID: Int64, filedCase: Case)?) {
        if !reads.isEmpty {
            let checked: Bool
            switch filing.decision {
            case .existing: checked = filing.accepting == nil
            case .open(let new): checked = filing.accepting == nil && filing.rateGate == nil && numberParts(new.numberTemplate) != nil
            case .hold: checked = false
            }
            if !checked { throw DecideAgain() }
        }
        let m = filing.message
        let outcome: FilingOutcome
        var filed: (caseID: Int64, filedCase: Case)? = nil
        if let heldID = filing.accepting {
            // Locked: two reviewers accepting the same message at once do it once.
            guard let r = try s.row("SELECT reason, detail FROM held WHERE id = ? AND status = 'pending' FOR UPDATE", [heldID]) else {
                throw StoreError(.notFound, "no held message \(heldID) awaiting review")
            }
            let reason: String = try r["reason"], detail: String? = try r["detail"]
            if reason == HoldReason.unprocessable.rawValue {
                throw StoreError(.refused, "held message \(heldID) is unprocessable (\(detail ?? "it could not be read")): it was never read, so it cannot be filed on a case; reject it")
            }
            try s.execute("UPDATE held SET status = 'accepted' WHERE id = ?", [heldID])
        }
        // Filing on a known case looks for an earlier filing inside its own statement, opening
        // a case (without a rate gate) inside `liaison_open_case`.
        var earlier: ExistingMessage? = nil
        var opening: PGKept? = nil
        // The filing statement moves the checkpoint when it is given it.
        var advanced = false
        switch filing.decision {
        case .existing: break
        case .open(let new) where filing.rateGate == nil:
            if let sent = try sendOpenCase(s, new, m) { opening = sent } else { earlier = try findFiled(s, m) }
        default: earlier = try findFiled(s, m)
        }
        if let sent = opening {
            // Sent, not waited for; the filing statement that follows files on the case it opened.
            guard case .filed(let caseID, let correspondenceID, let filedCase) = try insertCorrespondence(
                s, m, into: .opened, at: now, checkpoint: filing.checkpoint, verifying: reads),
                  let row = sent.result?.rows.first else {
                // No case opened: it found an earlier filing.
                guard let row = sent.result?.rows.first, let id: Int64 = try row["earlier_id"], let n: String = try row["earlier_number"]
                else { throw StoreError(.invalid, "opening a case returned no row") }
                if let marker = filing.marker { try clearMarker(s, marker, wait: false) }
                return (.duplicate(.filed(caseNumber: n, correspondenceID: id)), nil)
            }
            let number: String = try row["opened_number"]
            if let marker = filing.marker { try clearMarker(s, marker, wait: false) }
            return (.filed(caseNumber: number, correspondenceID: correspondenceID, openedCase: true), (caseID, filedCase))
        }
        if let existing = earlier {
            outcome = .duplicate(existing)
        } else {
            switch filing.decision {
            case .hold(let reason, let detail):
                if let heldID = try findPendingHeld(s, m) {
                    outcome = .duplicate(.held(heldID: heldID))
                } else {
                    outcome = .held(heldID: try insertHeld(s, m, reason: reason, detail: detail, at: now), reason: reason)
                }
            case .existing(let number, _):
                advanced = filing.checkpoint != nil
                switch try insertCorrespondence(s, m, into: .number(number), at: now, checkpoint: filing.checkpoint, verifying: reads) {
                case .duplicate(let existing):
                    outcome = .duplicate(existing)
                case .filed(let caseID, let correspondenceID, let filedCase):
                    filed = (caseID, filedCase)
                    outcome = .filed(caseNumber: number, correspondenceID: correspondenceID, openedCase: false)
                }
            case .open(let new):
                if let gate = filing.rateGate, case .hold(let hit, let summarise) = try rateDecision(s, gate) {
                    if let heldID = try findPendingHeld(s, m) {
                        outcome = .duplicate(.held(heldID: heldID))
                    } else {
                        let heldID = try insertHeld(s, m, reason: .rateLimited, detail: hit.detail, at: now)
                        if summarise {
                            try recordEvent(s, scope: RateLimit.Ledger.summary, key: gate.summaryRecipient, at: gate.at, ref: heldID)
                        }
                        outcome = .held(heldID: heldID, reason: .rateLimited)
                    }
                } else {
                    let (caseID, number) = try insertCase(s, new, number: nil)
                    // An earlier filing seen now was committed by another instance since
                    // `findFiled`: roll back (the case opened here with it) and file again.
                    guard case .filed(_, let correspondenceID, let filedCase) = try insertCorrespondence(s, m, into: .id(caseID), at: now)
                    else { throw LostRace() }
                    filed = (caseID, filedCase)
                    outcome = .filed(caseNumber: number, correspondenceID: correspondenceID, openedCase: true)
                }
            }
            // A filed message's pending hold (same content or identity) is marked filed by
            // `insertCorrespondence`'s own statement.
        }
        // Not waited for (nor the marker's delete): an error surfaces at the next statement or the COMMIT.
        if let cp = filing.checkpoint, !advanced { try advance(s, cp, wait: false) }
        if let marker = filing.marker { try clearMarker(s, marker, wait: false) }
        return (outcome, filed)
    }

    /// Files many messages with known decisions in one transaction (bulk imports for benchmarks).
    public func file(batch: [Filing], now: Date) throws -> [FilingOutcome] {
        try transaction { s in try batch.map { try Self.fileOne(s, $0, now: now).0 } }
    }

    /// Opens a case without a message (tests, benchmarks). Not part of any role protocol.
    public func openCase(_ newCase: NewCase) throws -> Case {
        try transaction { s in
            let (id, _) = try Self.insertCase(s, newCase, number: nil)
            return try Self.fetchCase(s, where: "id = ?", [id])!
        }
    }

    /// Opens a case with a given number; fails if the number is taken (tests). Not part of any role protocol.
    public func openCase(_ newCase: NewCase, number: String) throws -> Case {
        try transaction { s in
            if try s.value("SELECT id FROM cases WHERE number = ?", [number], as: Int64.self) != nil {
                throw StoreError(.refused, "case \(number) exists already")
            }
            let (id, _) = try Self.insertCase(s, newCase, number: number)
            return try Self.fetchCase(s, where: "id = ?", [id])!
        }
    }

    /// Sets a case's status (tests; production resolves through `CaseUpdates.update`).
    public func setStatus(caseNumber: String, status: CaseStatus, at: Date) throws {
        try transaction { s in try Self.updateStatus(s, caseNumber: caseNumber, status: status, at: at) }
    }

    // MARK: queries

    public func cases(status: CaseStatus?, owner: String?) throws -> [Case] {
        try snapshot { s in try Self.fetchCases(s, status: status, owner: owner) }
    }

    public func correspondence(caseNumber: String) throws -> [Correspondence] {
        try snapshot { s in
            try s.rows("""
                SELECT c.*, cases.number AS case_number FROM correspondence c JOIN cases ON cases.id = c.case_id
                WHERE cases.number = ? ORDER BY c.date IS NULL, c.date, c.id
                """, [caseNumber]).map { r in
                Correspondence(id: try r["id"], caseNumber: try r["case_number"], messageID: try r["message_id"],
                               direction: Direction(rawValue: try r["direction"]) ?? .inbound,
                               kind: MessageKind(rawValue: try r["kind"]) ?? .correspondence,
                               date: Self.date(try r["date"]),
                               subject: try r["subject"], threadSubject: try r["thread_subject"], sender: try r["sender"],
                               contentHash: try r["content_hash"], raw: [UInt8](try r["raw"] as Data))
            }
        }
    }

    public func heldMessages() throws -> [HeldMessage] {
        try snapshot { s in try s.rows("SELECT * FROM held WHERE status = 'pending' ORDER BY id").map(Self.makeHeld) }
    }

    public func heldMessage(id: Int64) throws -> HeldMessage? {
        try snapshot { s in try s.row("SELECT * FROM held WHERE id = ? AND status = 'pending'", [id]).map(Self.makeHeld) }
    }

    public func reject(heldID: Int64) throws {
        try transaction { s in
            if try s.execute("UPDATE held SET status = 'rejected' WHERE id = ? AND status = 'pending'", [heldID]) == 0 {
                throw StoreError(.notFound, "no held message \(heldID) awaiting review")
            }
        }
    }

    public func checkpoint(mailbox: String) throws -> MailboxCheckpoint? {
        try snapshot { s in
            try s.row("SELECT * FROM checkpoints WHERE mailbox = ?", [mailbox]).map {
                MailboxCheckpoint(mailbox: try $0["mailbox"], uidValidity: UInt32(truncatingIfNeeded: try $0["uid_validity"] as Int64),
                                  lastUID: UInt32(truncatingIfNeeded: try $0["last_uid"] as Int64))
            }
        }
    }

    /// A server setting as `SHOW` gives it (`current_setting`), for benchmarks.
    public func setting(_ name: String) throws -> String {
        try pool.withSession { s in try s.value("SELECT current_setting(?)", [name]) ?? "" }
    }

    /// The database's size on disk (`pg_database_size`), for benchmarks.
    public func databaseBytes() throws -> Int {
        try snapshot { s in try s.value("SELECT pg_database_size(current_database())", as: Int.self) ?? 0 }
    }

    public func counts() throws -> (correspondence: Int, cases: Int, held: Int) {
        try snapshot { s in
            (try s.value("SELECT COUNT(*) FROM correspondence", as: Int.self) ?? 0,
             try s.value("SELECT COUNT(*) FROM cases", as: Int.self) ?? 0,
             try s.value("SELECT COUNT(*) FROM held WHERE status = 'pending'", as: Int.self) ?? 0)
        }
    }
}
