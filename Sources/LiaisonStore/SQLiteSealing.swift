import Foundation
import GRDB
import Synchronization

/// Encryption at rest on SQLite (issue 18): the bodies — `correspondence.raw`, `held.raw`,
/// `outbox.raw`, the only columns that hold a message's bytes (text and attachments) or mail that
/// quotes it — are sealed with the data key (`BodySealer`), bound to their row. The data key,
/// wrapped under the service's key (`StoreKey`), its check value and the key's fingerprint are rows
/// of `store_secrets` (`seal.data-key`, `seal.check`, `seal.kek`). Metadata stays in clear.
///
/// Every connection of the pool carries two SQL functions, `liaison_seal(value, table, column,
/// row)` and `liaison_open(…)`, over the store's `SealState`: the row code (static functions
/// that see only a `Database`) seals and opens through them (`sealed`/`opened` below), so one
/// place decides, and with encryption off both return the value unchanged.
final class SealState: Sendable {
    private let current = Mutex<BodySealer?>(nil)
    var sealer: BodySealer? { current.withLock { $0 } }
    func set(_ sealer: BodySealer?) { current.withLock { $0 = sealer } }
}

/// What `liaison keys status` shows: whether the store is sealed, under which key, and how
/// many bodies are sealed or (in a clear store) waiting in clear.
public struct SealStatus: Sendable, Equatable {
    /// The fingerprint of the key that wraps the data key; nil: encryption is off.
    public var kekFingerprint: String?
    /// Non-empty bodies (correspondence, held, outbox).
    public var bodies: Int
    /// When a key was given: whether it opens the data key (nil: no key given, or a clear store).
    public var keyOpens: Bool?
    /// The data key's fingerprint, when a key was given that opens it.
    public var dataKeyFingerprint: String?
    public var isSealed: Bool { kekFingerprint != nil }
}

extension SQLiteStore {
    /// The tables and column that hold bodies.
    static let sealedColumns: [(table: String, column: String)] = [("correspondence", "raw"), ("held", "raw"), ("outbox", "raw")]

    static func registerSealing(_ db: Database, _ state: SealState) {
        db.add(function: DatabaseFunction("liaison_seal", argumentCount: 4, pure: false) { v in
            let (value, table, column, row) = try sealArguments(v)
            guard let sealer = state.sealer else { return Data(value) }
            return Data(try reported { try sealer.seal(value, table: table, column: column, row: row) })
        })
        db.add(function: DatabaseFunction("liaison_sealing", argumentCount: 0, pure: false) { _ in
            state.sealer == nil ? 0 : 1
        })
        db.add(function: DatabaseFunction("liaison_open", argumentCount: 4, pure: false) { v in
            let (value, table, column, row) = try sealArguments(v)
            guard let sealer = state.sealer else { return Data(value) }
            return Data(try reported { try sealer.open(value, table: table, column: column, row: row) })
        })
    }

    /// The SQL functions' arguments: (value, table, column, row).
    private static func sealArguments(_ v: [DatabaseValue]) throws -> ([UInt8], String, String, Int64) {
        guard let table = String.fromDatabaseValue(v[1]), let column = String.fromDatabaseValue(v[2]),
              let row = Int64.fromDatabaseValue(v[3]) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "liaison_seal/liaison_open take (value, table, column, row)")
        }
        let value: [UInt8]
        switch v[0].storage {
        case .blob(let d): value = [UInt8](d)
        case .string(let s): value = Array(s.utf8)
        case .null: value = []
        default: throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(table).\(column) of row \(row) is not bytes")
        }
        return (value, table, column, row)
    }

    /// A `StoreError` out of a SQL function, as a result code SQLite itself never returns from a
    /// statement (AUTH: refused; FORMAT: corrupt), so `sealCall` can tell it apart and rethrow it.
    private static func reported<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StoreError {
            throw DatabaseError(resultCode: e.kind == .refused ? .SQLITE_AUTH : .SQLITE_FORMAT, message: e.description)
        }
    }

    /// `bytes` as the store keeps them in `table.column` of `row`: sealed when encryption is on.
    static func sealed(_ db: Database, _ bytes: [UInt8], _ table: String, _ column: String, row: Int64) throws -> Data {
        guard !bytes.isEmpty else { return Data() }
        return try sealCall(db, "liaison_seal", Data(bytes), table, column, row)
    }

    /// The clear bytes of `table.column` of `row`; a value that does not open is a `StoreError`
    /// naming the row (never garbage, never an empty read).
    static func opened(_ db: Database, _ stored: Data, _ table: String, _ column: String, row: Int64) throws -> [UInt8] {
        guard !stored.isEmpty else { return [] }
        return [UInt8](try sealCall(db, "liaison_open", stored, table, column, row))
    }

    private static func sealCall(_ db: Database, _ function: String, _ value: Data, _ table: String, _ column: String,
                                 _ row: Int64) throws -> Data {
        do {
            // The sealing state and whether the store has a data key: a process that opened the
            // store in clear before `liaison keys enable` sealed it must neither write clear bodies
            // into it nor hand ciphertext on as mail.
            let state = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT liaison_sealing(), EXISTS (SELECT 1 FROM store_secrets WHERE name = 'seal.data-key')
                """))
            guard let state else { return Data() }
            let sealing = (state[0] as Int64) != 0
            if !sealing && (state[1] as Bool) {
                throw StoreError(.unavailable, """
                    the store was encrypted at rest (liaison keys enable) while this process had it open without its key: \
                    restart it with the key configured
                    """)
            }
            // In clear (no key here, none in the store) both functions give the bytes back as
            // they came (`registerSealing`): the body does not make the round trip through
            // SQLite, five copies of every message filed.
            guard sealing else { return value }
            let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(function)(?, ?, ?, ?)"), arguments: [value, table, column, row])
            return (r?[0] as Data?) ?? Data()
        } catch let e as DatabaseError where e.resultCode == .SQLITE_AUTH || e.resultCode == .SQLITE_FORMAT {
            throw StoreError(e.resultCode == .SQLITE_AUTH ? .refused : .corrupt, e.message ?? "\(table).\(column) of row \(row) does not open")
        }
    }

    /// The id the next row of `table` gets (SQLite's own choice for an INTEGER PRIMARY KEY:
    /// the largest plus one), so a body can be sealed to its row before the row is inserted.
    /// Inside the write transaction, so no other writer can take it.
    static func nextID(_ db: Database, _ table: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) + 1 FROM \(table)")) ?? 1
    }

    // MARK: the data key's rows

    static func sealedDataKey(_ db: Database) throws -> SealedDataKey? {
        guard try db.tableExists("store_secrets") else { return nil }
        func value(_ name: String) throws -> Data? {
            try Data.fetchOne(db, sql: "SELECT value FROM store_secrets WHERE name = ?", arguments: [name])
        }
        guard let wrapped = try value("seal.data-key") else { return nil }
        guard let check = try value("seal.check"), let kek = try value("seal.kek") else {
            throw StoreError(.corrupt, "the store's sealing rows are incomplete (seal.check or seal.kek missing)")
        }
        return SealedDataKey(wrapped: [UInt8](wrapped), check: [UInt8](check), kekFingerprint: String(decoding: kek, as: UTF8.self))
    }

    static func writeSealedDataKey(_ db: Database, _ k: SealedDataKey) throws {
        for (name, value) in [("seal.data-key", Data(k.wrapped)), ("seal.check", Data(k.check)), ("seal.kek", Data(k.kekFingerprint.utf8))] {
            try db.execute(sql: "INSERT INTO store_secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           arguments: [name, value])
        }
    }

    /// Non-empty bodies in the sealed columns.
    static func bodyCount(_ db: Database) throws -> Int {
        try sealedColumns.reduce(0) { sum, c in
            sum + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(c.table) WHERE length(\(c.column)) > 0") ?? 0)
        }
    }

    /// At open: a sealed store needs its key and the right one; a key given for a clear store
    /// seals a store without bodies from now on and refuses one with bodies in clear (they are
    /// sealed by `enableSealing`, `liaison keys enable`).
    func startSealing(key: StoreKey?) throws {
        let record = try snapshot { db in try Self.sealedDataKey(db) }
        switch (record, key) {
        case (nil, nil):
            return
        case (let record?, nil):
            throw StoreError(.refused, """
                the store \(path) is encrypted at rest (its data key is wrapped under the key with fingerprint \
                \(record.kekFingerprint)) and no key is configured: set [store] key_file, or provide the systemd credential store-key
                """)
        case (let record?, let key?):
            sealState.set(try record.unwrap(with: key, store: path))
        case (nil, let key?):
            // Counted only here (a scan of the three tables): never on a clear or sealed store's ordinary open.
            let bodies = try snapshot { db in try Self.bodyCount(db) }
            guard bodies == 0 else {
                throw StoreError(.refused, """
                    a store key is configured but the store \(path) holds \(bodies) message body(ies) in clear: stop the service \
                    and run `liaison keys enable` to encrypt them (or remove [store] key_file to keep the store in clear)
                    """)
            }
            try transaction { db in
                if let existing = try Self.sealedDataKey(db) {
                    // Another process made it meanwhile.
                    sealState.set(try existing.unwrap(with: key, store: path))
                } else {
                    let (made, sealer) = try SealedDataKey.make(under: key)
                    try Self.writeSealedDataKey(db, made)
                    sealState.set(sealer)
                }
            }
        }
    }

    /// Whether encryption is on, under which key, and whether `key` opens it. Reads the file
    /// without opening it as a store (no key needed, nothing written).
    public static func sealStatus(path: String, key: StoreKey?) throws -> SealStatus {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError(.notFound, "no store \(path)") }
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                let record = try sealedDataKey(db)
                var status = SealStatus(kekFingerprint: record?.kekFingerprint, bodies: try bodyCount(db))
                if let record, let key {
                    if let sealer = try? record.unwrap(with: key, store: path) {
                        status.keyOpens = true
                        status.dataKeyFingerprint = sealer.dataKeyFingerprint
                    } else {
                        status.keyOpens = false
                    }
                }
                return status
            }
        } catch let e as DatabaseError {
            throw mapped(e)
        }
    }

    /// Turns encryption on for the store at `path`, which must not be sealed yet: a new data key,
    /// every body sealed to its row and the wrapped key written in ONE transaction (all or
    /// nothing), then `VACUUM` and a WAL truncation so no clear body stays in the file's free
    /// pages or the WAL. `progress(done, total)` is called as bodies are sealed. The service
    /// must be stopped (it would write clear bodies meanwhile). Returns how many were sealed.
    @discardableResult
    public static func enableSealing(path: String, key: StoreKey, progress: (Int, Int) -> Void) throws -> Int {
        let store = try SQLiteStore(path: path, key: nil, sealing: false)
        let sealed: Int = try store.transaction { db in
            if let record = try sealedDataKey(db) {
                throw StoreError(.refused, "the store \(path) is encrypted already (key fingerprint \(record.kekFingerprint)); nothing to do")
            }
            let (made, sealer) = try SealedDataKey.make(under: key)
            var work: [(table: String, column: String, ids: [Int64])] = []
            for c in sealedColumns {
                work.append((c.table, c.column, try Int64.fetchAll(db, sql: "SELECT id FROM \(c.table) WHERE length(\(c.column)) > 0 ORDER BY id")))
            }
            let total = work.reduce(0) { $0 + $1.ids.count }
            var done = 0
            progress(0, total)
            for w in work {
                for id in w.ids {
                    guard let clear = try Data.fetchOne(db.cachedStatement(sql: "SELECT \(w.column) FROM \(w.table) WHERE id = ?"),
                                                        arguments: [id]) else { continue }
                    let value = try sealer.seal([UInt8](clear), table: w.table, column: w.column, row: id)
                    try db.cachedStatement(sql: "UPDATE \(w.table) SET \(w.column) = ? WHERE id = ?").execute(arguments: [Data(value), id])
                    done += 1
                    if done % 200 == 0 { progress(done, total) }
                }
            }
            try writeSealedDataKey(db, made)
            progress(done, total)
            return done
        }
        try store.compact()
        return sealed
    }

    /// Re-wraps the data key under `newKey` (the store must be open with its current key): one
    /// transaction replaces the wrapped key, check value and fingerprint, then `VACUUM` and a WAL
    /// truncation drop the old wrapping from the file. The bodies are not rewritten (same data key).
    @discardableResult
    public func rotateKey(to newKey: StoreKey) throws -> SealedDataKey {
        guard let sealer = sealState.sealer else {
            throw StoreError(.refused, "the store \(path) is not encrypted: there is no key to rotate (see `liaison keys enable`)")
        }
        let rewrapped = try SealedDataKey.wrap(sealer.dataKey, under: newKey)
        try transaction { db in
            guard try Self.sealedDataKey(db) != nil else { throw StoreError(.refused, "the store \(path) has no sealed data key") }
            try Self.writeSealedDataKey(db, rewrapped)
        }
        try compact()
        return rewrapped
    }

    /// Opens every sealed body of `db` (a verification): the number opened; the first body that
    /// does not open throws, naming its row.
    static func openEveryBody(_ db: Database, _ sealer: BodySealer) throws -> Int {
        var opened = 0
        for c in sealedColumns {
            let rows = try Row.fetchCursor(db, sql: "SELECT id, \(c.column) FROM \(c.table) WHERE length(\(c.column)) > 0 ORDER BY id")
            while let r = try rows.next() {
                _ = try sealer.open([UInt8](r[1] as Data), table: c.table, column: c.column, row: r[0])
                opened += 1
            }
        }
        return opened
    }
}
