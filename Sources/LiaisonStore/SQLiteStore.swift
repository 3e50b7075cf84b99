import Foundation
import GRDB
import LiaisonCore

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite backend (GRDB): one `DatabasePool` in WAL mode, so readers never wait for the one
/// writer (GRDB serialises writes); every write is one transaction. The file is created with mode 0600 before SQLite
/// opens it (its -wal and -shm files inherit that mode), and an existing file readable by group
/// or others is refused.
public final class SQLiteStore: LiaisonStore {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and upgrades its schema in place.
    public init(path: String) throws {
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
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = 8192")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoint the WAL into the file every 64 MiB rather than every 16 MiB: fewer,
            // larger pauses on the filing path (`checkpointWAL()` can be called when idle).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 4096")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try SQLiteSchema.migrator.migrate(pool)
    }

    /// Creates the file 0600 if absent; refuses one that group or others can access.
    static func prepareFile(_ path: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw StoreError("cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw StoreError("cannot stat the database \(path)") }
        if st.st_mode & 0o077 != 0 {
            throw StoreError("the database \(path) is accessible to group or others (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 600 on it")
        }
    }

    // MARK: lookups (CaseLookup)

    public func caseWithNumber(_ number: String) throws -> Case? {
        try pool.read { db in try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE number = ?", [number]) }
    }

    public func caseForMessageID(_ messageID: String) throws -> Case? {
        try pool.read { db in
            try Self.fetchCase(db, sql: "SELECT cases.* FROM message_ids JOIN cases ON cases.id = message_ids.case_id WHERE message_ids.message_id = ?", [messageID])
        }
    }

    public func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        guard !addresses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: addresses.count).joined(separator: ",")
        return try pool.read { db in
            let ids = try Int64.fetchAll(db.cachedStatement(sql: """
                SELECT c.case_id FROM correspondence c
                WHERE c.thread_subject = ? AND c.date >= ?
                  AND EXISTS (SELECT 1 FROM case_addresses a WHERE a.case_id = c.case_id AND a.role = 'thread' AND a.address IN (\(marks)))
                GROUP BY c.case_id ORDER BY MAX(c.date) DESC
                """), arguments: StatementArguments([subject, since.timeIntervalSince1970] as [any DatabaseValueConvertible]
                                                        + addresses.map { $0.lowercased() }))
            return try ids.compactMap { try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [$0]) }
        }
    }

    // MARK: filing

    public func file(_ filing: Filing) throws -> FilingOutcome {
        try pool.write { db in try Self.fileOne(db, filing) }
    }

    /// Files many messages in one transaction (bulk imports whose decisions are already known);
    /// all or none are written.
    public func file(batch: [Filing]) throws -> [FilingOutcome] {
        try pool.write { db in try batch.map { try Self.fileOne(db, $0) } }
    }

    /// Writes the database file's contents back from the WAL and truncates the WAL.
    public func checkpointWAL() throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    static func fileOne(_ db: Database, _ filing: Filing) throws -> FilingOutcome {
        let m = filing.message
        let outcome: FilingOutcome
        if let existing = try findFiled(db, m) {
            outcome = .duplicate(existing)
        } else {
            switch filing.decision {
            case .hold(let reason, let detail):
                if let heldID = try findPendingHeld(db, m) {
                    outcome = .duplicate(.held(heldID: heldID))
                } else {
                    outcome = .held(heldID: try insertHeld(db, m, reason: reason, detail: detail), reason: reason)
                }
            case .existing(let number, _):
                guard let caseID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [number]) else {
                    throw StoreError("no case \(number)")
                }
                let cid = try insertCorrespondence(db, m, caseID: caseID)
                outcome = .filed(caseNumber: number, correspondenceID: cid, openedCase: false)
            case .open(let new):
                if let gate = filing.rateGate, case .hold(let hit, let summarise) = try rateDecision(db, gate) {
                    if let heldID = try findPendingHeld(db, m) {
                        outcome = .duplicate(.held(heldID: heldID))
                    } else {
                        let heldID = try insertHeld(db, m, reason: .rateLimited, detail: hit.detail)
                        if summarise {
                            try recordEvent(db, scope: RateLimit.Ledger.summary, key: gate.summaryRecipient, at: gate.at, ref: heldID)
                        }
                        outcome = .held(heldID: heldID, reason: .rateLimited)
                    }
                } else {
                    let (caseID, number) = try insertCase(db, new, number: nil)
                    let cid = try insertCorrespondence(db, m, caseID: caseID)
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

    public func openCase(_ newCase: NewCase) throws -> Case {
        try pool.write { db in
            let (id, _) = try Self.insertCase(db, newCase, number: nil)
            return try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [id])!
        }
    }

    public func openCase(_ newCase: NewCase, number: String) throws -> Case {
        try pool.write { db in
            if try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [number]) != nil {
                throw StoreError("case \(number) exists already")
            }
            let (id, _) = try Self.insertCase(db, newCase, number: number)
            return try Self.fetchCase(db, sql: "SELECT * FROM cases WHERE id = ?", [id])!
        }
    }

    // MARK: queries

    public func cases(status: CaseStatus?, owner: String?) throws -> [Case] {
        try pool.read { db in try Self.fetchCases(db, status: status, owner: owner) }
    }

    public func correspondence(caseNumber: String) throws -> [Correspondence] {
        try pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT c.*, cases.number AS case_number FROM correspondence c JOIN cases ON cases.id = c.case_id
                WHERE cases.number = ? ORDER BY c.date IS NULL, c.date, c.id
                """), arguments: [caseNumber]).map { r in
                Correspondence(id: r["id"], caseNumber: r["case_number"], messageID: r["message_id"],
                               direction: Direction(rawValue: r["direction"]) ?? .inbound,
                               kind: MessageKind(rawValue: r["kind"]) ?? .correspondence,
                               date: (r["date"] as Double?).map { Date(timeIntervalSince1970: $0) },
                               subject: r["subject"], threadSubject: r["thread_subject"], sender: r["sender"],
                               contentHash: r["content_hash"], raw: [UInt8](r["raw"] as Data))
            }
        }
    }

    public func heldMessages() throws -> [HeldMessage] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held WHERE status = 'pending' ORDER BY id").map(Self.makeHeld)
        }
    }

    public func accept(heldID: Int64, caseNumber: String) throws -> FilingOutcome {
        try pool.write { db in
            guard let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM held WHERE id = ? AND status = 'pending'"), arguments: [heldID]) else {
                throw StoreError("no held message \(heldID) awaiting review")
            }
            guard let caseID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM cases WHERE number = ?"), arguments: [caseNumber]) else {
                throw StoreError("no case \(caseNumber)")
            }
            if r["reason"] as String == HoldReason.unprocessable.rawValue {
                throw StoreError("held message \(heldID) is unprocessable (\(r["detail"] as String? ?? "it could not be read")): it was never read, so it cannot be filed on a case; reject it")
            }
            let m = Self.incoming(fromHeld: r)
            try db.cachedStatement(sql: "UPDATE held SET status = 'accepted' WHERE id = ?").execute(arguments: [heldID])
            if let existing = try Self.findFiled(db, m) { return .duplicate(existing) }
            let cid = try Self.insertCorrespondence(db, m, caseID: caseID)
            return .filed(caseNumber: caseNumber, correspondenceID: cid, openedCase: false)
        }
    }

    public func reject(heldID: Int64) throws {
        try pool.write { db in
            try db.cachedStatement(sql: "UPDATE held SET status = 'rejected' WHERE id = ? AND status = 'pending'").execute(arguments: [heldID])
            if db.changesCount == 0 { throw StoreError("no held message \(heldID) awaiting review") }
        }
    }

    public func checkpoint(mailbox: String) throws -> MailboxCheckpoint? {
        try pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM checkpoints WHERE mailbox = ?"), arguments: [mailbox]).map {
                MailboxCheckpoint(mailbox: $0["mailbox"], uidValidity: UInt32(truncatingIfNeeded: $0["uid_validity"] as Int64),
                                  lastUID: UInt32(truncatingIfNeeded: $0["last_uid"] as Int64))
            }
        }
    }

    public func setStatus(caseNumber: String, status: CaseStatus, at: Date) throws {
        try pool.write { db in try Self.updateStatus(db, caseNumber: caseNumber, status: status, at: at) }
    }

    public func counts() throws -> (correspondence: Int, cases: Int, held: Int) {
        try pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM correspondence") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM held WHERE status = 'pending'") ?? 0)
        }
    }
}
