import Foundation
import LiaisonCore
@testable import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Synchronization
import Testing

extension PostgresStore: StoreFixtures {}

/// A fresh PostgreSQL store for one test, on a database of its own (`PGTestServer`).
enum PGStores {
    /// Runs `body` on a fresh store, then closes it and drops its database; nothing (after a
    /// loud skip line) without a server, a failure when one is required (`LIAISON_REQUIRE_PG=1`).
    static func withFreshStore(_ what: String, _ body: (PostgresStore) throws -> Void) throws {
        guard let url = try PGTestServer.createDatabase(for: what) else { return }
        defer { PGTestServer.dropDatabase(url) }
        guard var location = try PostgresLocation.parse(url: url) else { throw StoreError(.invalid, "not a PostgreSQL URL: \(url)") }
        location.tls = .disable
        location.maxConnections = 4
        let store = try PostgresStore(location)
        defer { store.close() }
        try body(store)
    }
}

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("conformance", arguments: StoreConformance.allCases)
    func conformance(_ check: StoreConformance) throws {
        try PGStores.withFreshStore("PostgreSQL store conformance \(check)") { try check.run($0) }
    }

    @Test("migrations are recorded once, also when two instances start at once")
    func migrationsOnceUnderConcurrentStarts() throws {
        try PGStores.withFreshStore("PostgreSQL concurrent migrations") { first in
            var settings = first.location
            settings.maxConnections = 2
            let location = settings
            let stores = Mutex<[PostgresStore]>([])
            let errors = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do { let s = try PostgresStore(location); stores.withLock { $0.append(s) } } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(errors.withLock { $0 } == [])
            let names = try first.pool.withSession { s in
                try s.rows("SELECT name FROM schema_migrations ORDER BY name").map { try $0["name"] as String }
            }
            #expect(names == PostgresSchema.migrations.map { $0.name }.sorted())
            stores.withLock { $0.forEach { $0.close() } }
        }
    }

    @Test("the same message filed by several instances at once is filed once")
    func concurrentFilingIsIdempotent() throws {
        try PGStores.withFreshStore("PostgreSQL concurrent filing") { first in
            var location = first.location
            location.maxConnections = 2
            let instances = try (0..<4).map { _ in try PostgresStore(location) }
            defer { instances.forEach { $0.close() } }
            let outcomes = Mutex<[FilingOutcome]>([])
            let errors = Mutex<[String]>([])
            // 20 messages, each filed by all four instances at once (each opens a case unless
            // another instance's filing is seen).
            DispatchQueue.concurrentPerform(iterations: 80) { i in
                let m = StoreConformance.message("<m\(i / 4)@x>", body: "body \(i / 4)")
                do {
                    let o = try instances[i % 4].file(Filing(message: m, decision: .open(StoreConformance.newCase())),
                                                      now: StoreConformance.day)
                    outcomes.withLock { $0.append(o) }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(errors.withLock { $0 } == [])
            let all = outcomes.withLock { $0 }
            let filed = all.filter { if case .filed = $0 { return true } else { return false } }
            #expect(filed.count == 20)
            #expect(all.count - filed.count == 60)
            #expect(try first.counts() == (20, 20, 0))
            // Numbers unique and without gaps under concurrency.
            let numbers = Set(try first.cases(status: nil, owner: nil).map(\.number))
            #expect(numbers == Set((1...20).map { String(format: "EC20261116-%03d", $0) }))
        }
    }

    @Test("a due reminder is fired by one instance when several fire at once")
    func concurrentFiringFiresOnce() throws {
        try PGStores.withFreshStore("PostgreSQL concurrent firing") { first in
            let filed = try first.file(Filing(message: StoreConformance.message("<r@x>"), decision: .open(StoreConformance.newCase())),
                                       now: StoreConformance.day)
            guard case .filed(let number, _, _) = filed else { Issue.record("\(filed)"); return }
            let due = StoreConformance.day.addingTimeInterval(60)
            try first.update(now: StoreConformance.day) { _ in
                FollowUp(reminders: (0..<30).map {
                    NewReminder(caseNumber: number, kind: .itemDue, fireAt: due, about: nil, recipients: ["a@corp.example"],
                                key: "k\($0)", recapID: nil, itemNumber: nil, detail: nil)
                })
            }
            var location = first.location
            location.maxConnections = 2
            let instances = try (0..<3).map { _ in try PostgresStore(location) }
            defer { instances.forEach { $0.close() } }
            let fired = Mutex<[Int64]>([])
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                let ids = (try? instances[i].fireDue(now: due, limit: 100, lateAfter: 3600) { r, _ in
                    FollowUp(mails: [OutgoingMail(caseNumber: number, messageID: "<fire-\(r.id)@x>", envelopeFrom: "l@corp.example",
                                                  recipients: r.recipients, raw: Array("x".utf8), purpose: .notice(.itemDue), reminderID: r.id)])
                }.map(\.id)) ?? []
                fired.withLock { $0 += ids }
            }
            let ids = fired.withLock { $0 }
            #expect(ids.count == 30)
            #expect(Set(ids).count == 30)
            #expect(try first.outbox(status: .pending).count == 30)
        }
    }

    @Test("postgres:// URLs: user, host, port, database; a password in the URL is refused")
    func parsesURLs() throws {
        let l = try #require(try PostgresLocation.parse(url: "postgres://liaison@db.corp.example:6543/cases"))
        #expect(l == PostgresLocation(host: "db.corp.example", port: 6543, user: "liaison", database: "cases"))
        #expect(try PostgresLocation.parse(url: "postgresql://u@127.0.0.1/d")?.isLoopback == true)
        #expect(try PostgresLocation.parse(url: "postgresql://u@[::1]/d")?.host == "::1")
        #expect(try PostgresLocation.parse(url: "postgres://u@db.example/d")?.isLoopback == false)
        #expect(try PostgresLocation.parse(url: "sqlite:/x.db") == nil)
        #expect(throws: StoreError.self) { try PostgresLocation.parse(url: "postgres://u:secret@h/d") }
        #expect(throws: StoreError.self) { try PostgresLocation.parse(url: "postgres://h/d") }
        #expect(throws: StoreError.self) { try PostgresLocation.parse(url: "postgres://u@h/") }
    }

    @Test("statements are written with ? and numbered for PostgreSQL, quoted text left alone")
    func placeholdersAreNumbered() {
        #expect(PGSession.numbered("SELECT ? , '?', \"a?\" WHERE x = ?") == "SELECT $1 , '?', \"a?\" WHERE x = $2")
    }

    @Test("an unreachable server is the store's fault (unavailable), not the message's")
    func unreachableIsUnavailable() throws {
        let closed = PostgresLocation(host: "127.0.0.1", port: 1, user: "u", database: "d", tls: .disable)
        do {
            _ = try PostgresStore(closed)
            Issue.record("opened a store on a closed port")
        } catch let e as StoreError {
            #expect(e.kind == .unavailable, "\(e)")
            #expect(e.isFault)
        }
    }
}

/// The backends a backend-neutral suite runs on (`@Test(arguments: TestBackend.allCases)`).
enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, empty store of this backend (PostgreSQL: a database of its own,
    /// dropped after; skipped loudly without a server, see `PGTestServer`).
    func withStore(_ body: (any LiaisonStore & StoreFixtures) throws -> Void, function: String = #function) throws {
        switch self {
        case .sqlite: try body(try TestStores.sqlite(path: try temporaryDatabasePath()))
        case .postgres: try PGStores.withFreshStore("\(function) on PostgreSQL") { try body($0) }
        }
    }
}
