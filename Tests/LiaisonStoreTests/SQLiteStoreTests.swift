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

    /// A batch writes the search index (v10-search) once, before it commits (v14-search-batch),
    /// and the index it leaves is row for row the one the triggers write when the same plans are
    /// filed one by one: new cases (number, organisation, contacts), messages on them, a new
    /// contact on a case from an earlier batch (its row rewritten), a plan that throws after
    /// its message was written (its notes rolled back with it). Nothing of the deferral is left
    /// behind, and the writers after it write the index directly again.
    @Test("a batch writes the search index once, as the triggers write it one message at a time")
    func batchWritesTheSearchIndexAsTheTriggersWould() throws {
        typealias C = StoreConformance
        let batched = try TestStores.sqlite(path: try temporaryDatabasePath())
        let single = try TestStores.sqlite(path: try temporaryDatabasePath())
        struct Refused: Error {}
        func opening(_ id: String, _ subject: String, org: String?, contacts: [String], template: String = "EC20261116-{seq:3}") -> DecidedFiling {
            var c = C.newCase(template)
            c.counterparty = Counterparty(organization: org, contacts: contacts)
            return DecidedFiling(Filing(message: C.message(id, subject: subject, from: contacts[0], body: id, addresses: contacts),
                                        decision: .open(c)))
        }
        func onto(_ number: String, _ id: String, _ subject: String, from: String, contacts: [String],
                  then: ((FiledContext) throws -> FollowUp)? = nil) -> DecidedFiling {
            DecidedFiling(Filing(message: C.message(id, subject: subject, from: from, body: id, addresses: contacts), decision: .existing(caseNumber: number, rule: .review)), then: then)
        }
        let first = [
            opening("<a@x>", "投诉:设备无法开机", org: "华东机电", contacts: ["liu@huadong.example", "ma@huadong.example"]),
            onto("EC20261116-001", "<b@x>", "Re: 投诉:设备无法开机", from: "liu@huadong.example", contacts: ["liu@huadong.example"]),
            opening("<c@x>", "Order 4711 delayed", org: nil, contacts: ["buyer@acme.example"], template: "NC20261116-{seq:3}"),
            onto("NC20261116-001", "<d@x>", "", from: "buyer@acme.example", contacts: ["buyer@acme.example"]),
            // Written, then refused in its follow-up: its savepoint takes the message and its notes.
            onto("EC20261116-001", "<e@x>", "新的联系人", from: "qian@huadong.example", contacts: ["qian@huadong.example"],
                 then: { _ in throw Refused() }),
        ]
        let second = [
            // A new contact on a case of the batch before: its contacts' row is rewritten.
            onto("EC20261116-001", "<f@x>", "补充说明", from: "qian@huadong.example", contacts: ["qian@huadong.example"]),
            opening("<g@x>", "媒体采访申请", org: "晨报社", contacts: ["editor@news.example"]),
        ]
        let out = try batched.file(batch: first, now: C.day)
        #expect(out.committed.count == 4)
        #expect(out.failure is Refused)
        let out2 = try batched.file(batch: second, now: C.day)
        #expect(out2.committed.count == 2 && out2.failure == nil)
        for plan in first.prefix(4) + second { _ = try single.file(plan, now: C.day) }

        func index(_ s: SQLiteStore) throws -> [String] {
            try s.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT rowid, case_id, text FROM case_search ORDER BY rowid").map { "\($0[0] as Int64) \($0[1] as Int64) \($0[2] as String)" }
            }
        }
        let rows = try index(batched)
        #expect(rows == (try index(single)))
        #expect(rows.count == 11, "5 subjects, 3 cases, 3 contact rows, one of them rewritten: \(rows)")
        #expect(rows.contains { $0.hasSuffix("liu@huadong.example\nma@huadong.example\nqian@huadong.example") }, "\(rows)")
        #expect(!rows.contains { $0.contains("新的联系人") })
        func leftover(_ s: SQLiteStore) throws -> Int {
            try s.pool.read { try Int.fetchOne($0, sql: "SELECT (SELECT count(*) FROM case_search_queue) + (SELECT count(*) FROM case_search_deferred)") } ?? -1
        }
        #expect(try leftover(batched) == 0)
        func found(_ s: SQLiteStore, _ q: String) throws -> [Int64] {
            try s.pool.read { try Int64.fetchAll($0, sql: "SELECT DISTINCT case_id FROM case_search WHERE case_search MATCH ? ORDER BY case_id", arguments: [q]) }
        }
        #expect(try found(batched, "\"qian@huadong\"") == [1])
        #expect(try found(batched, "\"4711\"") == [2])
        #expect(try found(batched, "\"晨报社\"") == [3])

        // After the batch, a writer outside it (a change of organisation, a contact removed,
        // a message deleted) writes the index itself, as before.
        for s in [batched, single] {
            try s.pool.write { db in
                try db.execute(sql: "UPDATE cases SET organization = '华东机电集团' WHERE number = 'EC20261116-001'")
                try db.execute(sql: "DELETE FROM case_addresses WHERE address = 'ma@huadong.example' AND role = 'contact'")
                try db.execute(sql: "DELETE FROM correspondence WHERE message_id = '<d@x>'")
            }
        }
        #expect(try index(batched) == (try index(single)))
        #expect(try found(batched, "\"华东机电集团\"") == [1])
        #expect(try found(batched, "\"ma@huadong\"").isEmpty)
        #expect(try leftover(batched) == 0)
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
