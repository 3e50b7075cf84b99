import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// Backups of the SQLite store (issue 18): SQLite's online backup API, through GRDB, copies the
/// database as one read transaction sees it, so a backup taken while `liaison serve` files mail is
/// consistent (every transaction committed before the copy's snapshot, none after) and never
/// blocks the writer. A backup is one self-contained file (rollback journal, not WAL), mode 0600.
extension SQLiteStore {
    /// Copies the store to `path`, a file that must not exist: written under `path.partial` first
    /// (mode 0600, never through a symlink) and renamed when complete, so a file at `path` is
    /// always a whole backup. Returns the copy's verification.
    public func backup(to path: String) throws -> StoreVerification {
        let partial = path + ".partial"
        if FileManager.default.fileExists(atPath: path) {
            throw StoreError(.refused, "\(path) exists already; a backup never overwrites a file")
        }
        try Self.createPrivate(partial)
        do {
            let destination = try DatabaseQueue(path: partial)
            try pool.backup(to: destination)
            // The copied header says WAL (the source's mode); a backup is one file without -wal/-shm.
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
            guard rename(partial, path) == 0 else {
                throw StoreError(.unavailable, "cannot rename \(partial) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch let e as DatabaseError {
            unlink(partial)
            throw Self.mapped(e)
        } catch {
            unlink(partial)
            throw error
        }
        let sealer = sealState.sealer
        return try Self.verify(path: path) { _ in sealer }
    }

    /// Checks a store or backup file without changing it: SQLite's `integrity_check`, the applied
    /// migrations against this build's, the row counts. A file that is no SQLite database, or
    /// holds no Liaison schema, is a fault, not an exception.
    ///
    /// A sealed file (encryption at rest) stays sealed; with `key` every body is opened (each
    /// one's authentication checked, so a wrong key or an altered body is a fault); without it
    /// the bodies are not checked and `sealing` says so.
    public static func verify(path: String, key: StoreKey? = nil) throws -> StoreVerification {
        try verify(path: path) { record in try key.map { try record.unwrap(with: $0, store: path) } }
    }

    static func verify(path: String, sealer: (SealedDataKey) throws -> BodySealer?) throws -> StoreVerification {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError(.notFound, "no file \(path)") }
        do {
            // Not read-only: a live store in WAL mode needs its -shm; nothing here writes.
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                let known = SQLiteSchema.migrator.migrations
                let applied = try db.tableExists("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
                let unknown = applied.filter { !known.contains($0) }
                let pending = known.filter { !applied.contains($0) }
                let version = known.last(where: applied.contains) ?? applied.last
                func count(_ table: String) throws -> Int {
                    try db.tableExists(table) ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 : 0
                }
                var faults = StoreVerification.faults(integrity: integrity, schemaVersion: version, unknownMigrations: unknown)
                for table in ["cases", "correspondence", "held", "reminders", "outbox"] where version != nil {
                    if try !db.tableExists(table) { faults.append("table \(table) is missing") }
                }
                var sealing: String?
                if let record = try sealedDataKey(db) {
                    do {
                        if let opener = try sealer(record) {
                            let n = try openEveryBody(db, opener)
                            sealing = "sealed under key \(record.kekFingerprint); \(n) body(ies) opened and authenticated"
                        } else {
                            sealing = "sealed under key \(record.kekFingerprint); bodies not checked (no key given)"
                        }
                    } catch let e as StoreError {
                        sealing = "sealed under key \(record.kekFingerprint)"
                        faults.append(e.description)
                    }
                }
                var result = StoreVerification(integrity: integrity, schemaVersion: version, unknownMigrations: unknown,
                                               pendingMigrations: pending, cases: try count("cases"), messages: try count("correspondence"),
                                               held: try count("held"), reminders: try count("reminders"), outbox: try count("outbox"),
                                               faults: faults)
                result.sealing = sealing
                return result
            }
        } catch let e as DatabaseError {
            let mapped = Self.mapped(e)
            guard mapped.kind == .corrupt else { throw mapped }
            return StoreVerification(integrity: [e.message ?? "not a database"], schemaVersion: nil, unknownMigrations: [],
                                     pendingMigrations: [], cases: 0, messages: 0, held: 0, reminders: 0, outbox: 0,
                                     faults: ["not a SQLite database: \(e.message ?? "\(e.resultCode)")"])
        }
    }

    /// Restores the backup at `backup` as the store at `path`. Refused when the backup does not
    /// verify, or when `path` holds data and `force` is false. The copy is made beside `path` and
    /// renamed over it (the old file's -wal and -shm removed first), then opened once so that
    /// migrations this build has run. The service must be stopped while a store is restored.
    @discardableResult
    public static func restore(from backup: String, to path: String, force: Bool, key: StoreKey? = nil) throws -> StoreVerification {
        let check = try verify(path: backup, key: key)
        guard check.isSound else {
            throw StoreError(.refused, "\(backup) is not a valid backup: \(check.faults.joined(separator: "; "))")
        }
        if check.sealing != nil && key == nil {
            throw StoreError(.refused, "\(backup) is encrypted at rest (\(check.sealing ?? "")): configure its key ([store] key_file or the credential store-key) to restore it")
        }
        if FileManager.default.fileExists(atPath: path), !force {
            let target = try verify(path: path)
            if target.holdsData || target.schemaVersion == nil && fileSize(path) > 0 {
                throw StoreError(.refused, "\(path) is not empty (\(target.cases) case(s), \(target.messages) message(s)); pass --force to replace it")
            }
        }
        let temporary = path + ".restoring"
        unlink(temporary)
        try createPrivate(temporary)
        do {
            var config = Configuration()
            config.readonly = true
            let source = try DatabaseQueue(path: backup, configuration: config)
            let destination = try DatabaseQueue(path: temporary)
            try source.backup(to: destination)
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
            try source.close()
            for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
            guard rename(temporary, path) == 0 else {
                throw StoreError(.unavailable, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch let e as DatabaseError {
            unlink(temporary)
            throw mapped(e)
        } catch {
            unlink(temporary)
            throw error
        }
        // Opening runs this build's migrations on the restored copy (an older backup is upgraded).
        // A clear backup is restored clear (with a key configured, `liaison keys enable` seals it).
        _ = try SQLiteStore(path: path, key: check.sealing == nil ? nil : key)
        return try verify(path: path, key: check.sealing == nil ? nil : key)
    }

    /// Creates `path` 0600, never over an existing file or through a symlink.
    static func createPrivate(_ path: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(errno == EEXIST ? .refused : .unavailable, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, 0o600)
        close(fd)
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
