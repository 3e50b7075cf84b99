import Foundation
import GRDB
import LiaisonCore

/// Names one message while it is being read and filed: where it came from (`source`, the
/// mailbox's checkpoint key or `ingest`) and which one it is (`item`: UIDVALIDITY/UID, or the
/// content hash of a file given to `liaison ingest`).
public struct ProcessingMarker: Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var item: String
    public init(source: String, item: String) {
        self.source = source
        self.item = item
    }

    /// A message of an IMAP mailbox (RFC 9051 §2.3.1.1: a UID means something only with its UIDVALIDITY).
    public static func uid(mailbox: String, uidValidity: UInt32, uid: UInt32) -> ProcessingMarker {
        ProcessingMarker(source: mailbox, item: "\(uidValidity)/\(uid)")
    }

    /// A file given to `liaison ingest`, by its bytes (whatever its path).
    public static func file(contentHash: String) -> ProcessingMarker {
        ProcessingMarker(source: "ingest", item: contentHash)
    }

    public var description: String { "\(source) \(item)" }
}

/// What is known of earlier attempts at one message.
public struct ProcessingRecord: Sendable, Equatable {
    /// Times a process died with the message in hand (found when the next one starts on it).
    public var crashes: Int
    /// Filings that failed for a reason other than the store being unavailable.
    public var failures: Int
    /// The last such failure's reason.
    public var lastError: String?
    public init(crashes: Int = 0, failures: Int = 0, lastError: String? = nil) {
        self.crashes = crashes
        self.failures = failures
        self.lastError = lastError
    }
}

/// The store cannot be used just now (busy, locked, full, an I/O error, cannot be opened): a
/// fault of the store, retried with back-off, never blamed on the message in hand. (A backend
/// reports `StoreError` with a fault kind; this stays for callers outside a backend.)
public struct StoreUnavailable: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Tells a store fault (retry everything later) from an error tied to one message.
public enum StoreFaults {
    /// True for a `StoreError` whose kind is a fault (unavailable, busy, corrupt) and for
    /// `StoreUnavailable`. A `StoreError` of another kind (not found, refused, invalid: a
    /// constraint) and any other error are not: a message can cause them.
    public static func isUnavailable(_ error: any Error) -> Bool {
        if let e = error as? StoreError { return e.isFault }
        return error is StoreUnavailable
    }
}

/// The durable side of containment (issue 11): a message is marked in progress in its own
/// transaction before it is read, the mark is cleared by the transaction that files or holds it,
/// and a message that cannot be read is held as `unprocessable` without being parsed.
public protocol ContainmentStore: Sendable {
    /// Marks `marker` in progress by process `run`, committed before returning. A mark left by
    /// another run means that process died on the message: counted in the returned `crashes`.
    func beginProcessing(_ marker: ProcessingMarker, run: String, now: Date) throws -> ProcessingRecord
    /// Marks the leading messages of `batch` in progress by `run`, in ONE committed transaction,
    /// up to (not including) the first that has a history: a mark of another run, failures
    /// recorded, or a pending `unprocessable` hold of the same bytes — that one goes through
    /// `beginProcessing` alone, where its history counts. A mark written here that a dead
    /// process leaves behind is a history, but not a crash: that process had the whole batch in
    /// hand and was reading one of them. Returns how many were marked (0 when the first has a
    /// history); nil when the store marks one message at a time (the default: every message
    /// then goes through `beginProcessing`).
    func beginProcessing(batch: [(marker: ProcessingMarker, contentHash: String)], run: String, now: Date) throws -> Int?
    /// Records a failed filing (not a store fault) at `now`; the mark is no longer held by any run.
    func recordFailure(_ marker: ProcessingMarker, reason: String, now: Date) throws -> ProcessingRecord
    /// Holds raw bytes for review as `unprocessable` with `detail`, without reading them; advances
    /// `checkpoint` and clears `marker` in the same transaction; `held_at` is `now`. The same
    /// bytes already filed or held are a duplicate.
    func holdUnprocessable(raw: [UInt8], contentHash: String, detail: String, marker: ProcessingMarker?,
                           checkpoint: MailboxCheckpoint?, now: Date) throws -> FilingOutcome
    /// A pending `unprocessable` hold of exactly these bytes, if any.
    func unprocessableHeld(contentHash: String) throws -> Int64?
    /// How many `unprocessable` holds await review (for STATUS).
    func unprocessableCount() throws -> Int
    /// The record of one message, nil when it is not in progress.
    func processing(_ marker: ProcessingMarker) throws -> ProcessingRecord?
}

extension ContainmentStore {
    public func beginProcessing(batch: [(marker: ProcessingMarker, contentHash: String)], run: String, now: Date) throws -> Int? {
        nil
    }
}

extension SQLiteStore {
    public func beginProcessing(_ marker: ProcessingMarker, run: String, now: Date) throws -> ProcessingRecord {
        try transaction { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM processing WHERE source = ? AND item = ?"),
                                       arguments: [marker.source, marker.item])
            var record = row.map(Self.record) ?? ProcessingRecord()
            // A batch's mark (v12-backlog) names no message the process died on: not counted.
            if let row, let holder = row["run"] as String?, holder != run, (row["batched"] as Int?) ?? 0 == 0 { record.crashes += 1 }
            try db.cachedStatement(sql: """
                INSERT INTO processing (source, item, run, crashes, failures, last_error, started_at, batched) VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT(source, item) DO UPDATE SET run = excluded.run, crashes = excluded.crashes, started_at = excluded.started_at,
                  batched = 0
                """).execute(arguments: [marker.source, marker.item, run, record.crashes, record.failures, record.lastError,
                                         now.timeIntervalSince1970])
            return record
        }
    }

    public func beginProcessing(batch: [(marker: ProcessingMarker, contentHash: String)], run: String, now: Date) throws -> Int? {
        guard !batch.isEmpty else { return 0 }
        return try transaction { db in
            var marked = 0
            for (marker, hash) in batch {
                if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT run, failures FROM processing WHERE source = ? AND item = ?"),
                                              arguments: [marker.source, marker.item]) {
                    // Only this run's own batch mark (a batch cut short earlier in this process) is no history.
                    guard row["run"] as String? == run, row["failures"] as Int == 0 else { break }
                }
                if try Int64.fetchOne(db.cachedStatement(sql: SQLiteStore.unprocessableHeldSQL),
                                      arguments: [hash, HoldReason.unprocessable.rawValue]) != nil { break }
                try db.cachedStatement(sql: """
                    INSERT INTO processing (source, item, run, crashes, failures, last_error, started_at, batched) VALUES (?, ?, ?, 0, 0, NULL, ?, 1)
                    ON CONFLICT(source, item) DO UPDATE SET run = excluded.run, started_at = excluded.started_at, batched = 1
                    """).execute(arguments: [marker.source, marker.item, run, now.timeIntervalSince1970])
                marked += 1
            }
            return marked
        }
    }

    public func recordFailure(_ marker: ProcessingMarker, reason: String, now: Date) throws -> ProcessingRecord {
        try transaction { db in
            try db.cachedStatement(sql: """
                INSERT INTO processing (source, item, run, crashes, failures, last_error, started_at) VALUES (?, ?, NULL, 0, 1, ?, ?)
                ON CONFLICT(source, item) DO UPDATE SET run = NULL, failures = failures + 1, last_error = excluded.last_error, batched = 0
                """).execute(arguments: [marker.source, marker.item, reason, now.timeIntervalSince1970])
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM processing WHERE source = ? AND item = ?"),
                                       arguments: [marker.source, marker.item])
            return row.map(Self.record) ?? ProcessingRecord(failures: 1, lastError: reason)
        }
    }

    public func holdUnprocessable(raw: [UInt8], contentHash: String, detail: String, marker: ProcessingMarker?,
                                  checkpoint: MailboxCheckpoint?, now: Date) throws -> FilingOutcome {
        // Nothing read from the bytes: no Message-ID, sender or subject (a reader that crashed on
        // them must not be trusted to pick them out), so identity is the content hash alone.
        let m = IncomingMessage(messageID: nil, date: nil, subject: nil, threadSubject: "", sender: nil, kind: .correspondence,
                                direction: .inbound, raw: raw, contentHash: contentHash)
        return try transaction { db in
            let outcome: FilingOutcome
            if let existing = try Self.findFiled(db, m) {
                outcome = .duplicate(existing)
            } else if let id = try Self.findPendingHeld(db, m) {
                outcome = .duplicate(.held(heldID: id))
            } else {
                outcome = .held(heldID: try Self.insertHeld(db, m, reason: .unprocessable, detail: detail, at: now), reason: .unprocessable)
            }
            if let checkpoint { try Self.advance(db, checkpoint) }
            if let marker { try Self.clearMarker(db, marker) }
            return outcome
        }
    }

    public func unprocessableHeld(contentHash: String) throws -> Int64? {
        try snapshot { db in
            try Int64.fetchOne(db.cachedStatement(sql: SQLiteStore.unprocessableHeldSQL),
                               arguments: [contentHash, HoldReason.unprocessable.rawValue])
        }
    }

    public func unprocessableCount() throws -> Int {
        try snapshot { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM held WHERE status = 'pending' AND reason = ?"),
                             arguments: [HoldReason.unprocessable.rawValue]) ?? 0
        }
    }

    public func processing(_ marker: ProcessingMarker) throws -> ProcessingRecord? {
        try snapshot { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM processing WHERE source = ? AND item = ?"),
                             arguments: [marker.source, marker.item]).map(Self.record)
        }
    }

    static func record(_ r: Row) -> ProcessingRecord {
        ProcessingRecord(crashes: r["crashes"], failures: r["failures"], lastError: r["last_error"])
    }

    /// Clears the in-progress mark (inside the filing or holding transaction).
    static func clearMarker(_ db: Database, _ marker: ProcessingMarker) throws {
        try db.cachedStatement(sql: "DELETE FROM processing WHERE source = ? AND item = ?").execute(arguments: [marker.source, marker.item])
    }
}
