import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// A fresh database file in a fresh temporary directory.
func temporaryDatabasePath() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("liaison.db").path
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("conformance", arguments: StoreConformance.allCases)
    func conformance(_ check: StoreConformance) throws {
        try check.run(try TestStores.sqlite(path: try temporaryDatabasePath()))
    }

    @Test("a batch's transaction keeps its savepoints' sub-journal in memory, and only that transaction")
    func batchSubjournalInMemory() throws {
        let store = try TestStores.sqlite(path: try temporaryDatabasePath())
        func tempStore() throws -> Int? { try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA temp_store") } }
        #expect(try tempStore() == 0)
        func cacheSize() throws -> Int? { try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA cache_size") } }
        let idleCache = try cacheSize()
        let big = Data(repeating: 0x61, count: 300_000)  // far past the 64 KiB kept in memory by default
        try store.transactionWithSubjournalInMemory { db in
            #expect(try Int.fetchOne(db, sql: "PRAGMA temp_store") == 2)
            #expect(try Int.fetchOne(db, sql: "PRAGMA cache_size") == -SQLiteStore.batchCacheKiB)
            try db.execute(sql: "CREATE TABLE t (b BLOB)")
            for k in 0..<40 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [big + Data([UInt8(k)])]) }
            // A savepoint rolled back puts the pages back from the in-memory sub-journal.
            try? db.inSavepoint {
                try db.execute(sql: "UPDATE t SET b = zeroblob(10)")
                try db.execute(sql: "DELETE FROM t WHERE rowid % 2 = 0")
                throw StoreError(.invalid, "rolled back")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t WHERE length(b) = 300001") == 40)
        }
        #expect(try tempStore() == 0, "back to the default after the transaction")
        #expect(try cacheSize() == idleCache)
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 40)
        // A transaction that throws puts it back too.
        #expect(throws: StoreError.self) {
            try store.transactionWithSubjournalInMemory { db in try db.execute(sql: "INSERT INTO nowhere VALUES (1)") }
        }
        #expect(try tempStore() == 0)
    }

    @Test func fileIsCreated0600AndWAL() throws {
        let path = try temporaryDatabasePath()
        let store = try TestStores.sqlite(path: path)
        _ = try store.openCase(StoreConformance.newCase())
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600)
        let journal = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let pageSize = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
        #expect(pageSize == 8192)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            let m = try #require(try FileManager.default.attributesOfItem(atPath: path + suffix)[.posixPermissions] as? Int)
            #expect(m & 0o077 == 0, "\(suffix) is \(String(m, radix: 8))")
        }
    }

    @Test func refusesAWorldReadableFile() throws {
        let path = try temporaryDatabasePath()
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        #expect(throws: StoreError.self) { try TestStores.sqlite(path: path) }
    }

    @Test("GRDB's errors come out as the store's own typed errors")
    func grdbErrorsAreMapped() throws {
        #expect(SQLiteStore.mapped(DatabaseError(resultCode: .SQLITE_BUSY)).kind == .busy)
        #expect(SQLiteStore.mapped(DatabaseError(resultCode: .SQLITE_LOCKED)).kind == .busy)
        #expect(SQLiteStore.mapped(DatabaseError(resultCode: .SQLITE_CORRUPT)).kind == .corrupt)
        #expect(SQLiteStore.mapped(DatabaseError(resultCode: .SQLITE_NOTADB)).kind == .corrupt)
        for code in [ResultCode.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_NOMEM] {
            #expect(SQLiteStore.mapped(DatabaseError(resultCode: code)).kind == .unavailable)
            #expect(SQLiteStore.mapped(DatabaseError(resultCode: code)).isFault)
        }
        #expect(SQLiteStore.mapped(DatabaseError(resultCode: .SQLITE_CONSTRAINT)).kind == .invalid)
        #expect(!SQLiteStore.mapped(DatabaseError(resultCode: .SQLITE_CONSTRAINT)).isFault)
        // A file that is not a database, opened for real: `corrupt`, not GRDB's error.
        let path = try temporaryDatabasePath()
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 8_192), attributes: [.posixPermissions: 0o600]))
        #expect(throws: StoreError.self) { try TestStores.sqlite(path: path) }
        do { _ = try TestStores.sqlite(path: path) } catch let e as StoreError { #expect(e.kind == .corrupt, "\(e)") }
    }

    @Test func reopensAndUpgradesInPlace() throws {
        let path = try temporaryDatabasePath()
        do {
            let s = try TestStores.sqlite(path: path)
            _ = try s.file(Filing(message: StoreConformance.message("<a@x>"), decision: .open(StoreConformance.newCase())))
        }
        let again = try TestStores.sqlite(path: path)
        #expect(try again.caseForMessageID("<a@x>")?.number == "EC20261116-001")
        let applied = try again.pool.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db) }
        #expect(applied.count == SQLiteSchema.migrator.migrations.count)
        #expect(applied.contains("v3-floods: rate ledger"))
        #expect(applied.contains("v3-containment: messages in progress"))
        #expect(applied.contains("v3-report: case flow index"))
        // A database from before any migration (an empty file) is brought up to date.
        let empty = try temporaryDatabasePath()
        FileManager.default.createFile(atPath: empty, contents: nil, attributes: [.posixPermissions: 0o600])
        #expect(try TestStores.sqlite(path: empty).counts() == (0, 0, 0))
    }
}
