import Foundation
import LiaisonTestSupport
import Testing

/// The corpus ingested into PostgreSQL gives what it gives in SQLite (issue 17, "What must
/// hold"): the JSON of `cases list`, every `cases show` and `reminders list --status all`,
/// through the binary, compared whole. Skipped loudly without a PostgreSQL server
/// (`PGTestServer`); a failure with `LIAISON_REQUIRE_PG=1`.
@Suite("The corpus in PostgreSQL and SQLite (binary)")
struct PostgresCorpusTests {
    typealias CLI = InspectCommandTests

    static func output(_ args: [String]) async throws -> String {
        let r = try await CLI.run(args)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return r.stdout
    }

    /// What a user reads back of the store `store` names (extra arguments: `--db PATH`, or none).
    static func readBack(config: String, store: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        let list = try await output(["cases", "list", "--json", "--config", config] + store)
        out["cases list"] = list
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])
        for c in cases {
            let n = try #require(c["number"] as? String)
            out["cases show \(n)"] = try await output(["cases", "show", n, "--json", "--config", config] + store)
        }
        out["reminders list"] = try await output(["reminders", "list", "--status", "all", "--json", "--config", config] + store)
        out["review list"] = try await output(["review", "list", "--json", "--config", config] + store)
        return out
    }

    @Test func sameCasesRecapsItemsAndRemindersAsSQLite() async throws {
        guard let url = try PGTestServer.createDatabase(for: "the corpus in PostgreSQL vs SQLite") else { return }
        defer { PGTestServer.dropDatabase(url) }
        let files = IngestCorpusTests.files
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")

        let db = try IngestCorpusTests.freshDB()
        let sqlite = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db] + files)
        #expect(sqlite.status == 0, "\(sqlite.stderr)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-pgcorpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cfg = dir.appendingPathComponent("liaison.toml").path
        let org = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        try (org + "\n[store]\nurl = \"\(url)\"\nsslmode = \"disable\"\n").write(toFile: cfg, atomically: true, encoding: .utf8)
        let pg = try await CLI.run(["ingest", "--config", cfg] + files)
        #expect(pg.status == 0, "\(pg.stderr)")
        #expect(pg.stdout == sqlite.stdout)

        let fromSQLite = try await Self.readBack(config: CorpusLocation.configPath, store: ["--db", db])
        let fromPostgres = try await Self.readBack(config: cfg, store: [])
        #expect(fromSQLite.keys.sorted() == fromPostgres.keys.sorted())
        #expect(fromSQLite.count >= 8, "\(fromSQLite.keys.sorted())")
        for key in fromSQLite.keys.sorted() {
            #expect(fromPostgres[key] == fromSQLite[key], "\(key)")
        }
        // Ingesting the corpus again files nothing new in either.
        let again = try await CLI.run(["ingest", "--config", cfg] + files)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await Self.readBack(config: cfg, store: []) == fromPostgres)
    }

    /// `liaison migrate`: the corpus ingested into SQLite, copied into an empty PostgreSQL
    /// database, reads back the same through the binary; a second run is refused (the target
    /// holds rows) unless `--replace-existing`; every table's count and checksum match.
    @Test func migrateFromSQLiteReadsBackTheSame() async throws {
        guard let url = try PGTestServer.createDatabase(for: "liaison migrate from SQLite to PostgreSQL") else { return }
        defer { PGTestServer.dropDatabase(url) }
        let files = IngestCorpusTests.files
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let db = try IngestCorpusTests.freshDB()
        let ingested = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db] + files)
        #expect(ingested.status == 0, "\(ingested.stderr)")

        let migrate = ["migrate", "--from", "sqlite:\(db)", "--to", url, "--sslmode", "disable", "--batch", "7"]
        let first = try await CLI.run(migrate)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("counts and checksums match"), "\(first.stdout)")
        #expect(!first.stdout.contains("MISMATCH"))
        for table in ["cases", "correspondence", "reminders", "outbox", "action_items", "recaps", "case_events"] {
            #expect(first.stdout.range(of: "(?m)^\(table) +[0-9]+ +[0-9]+ +[0-9a-f]{32} ok$", options: .regularExpression) != nil,
                    "\(table) not verified: \(first.stdout)")
        }
        #expect(first.stderr.contains("liaison migrate: correspondence: "), "progress is shown: \(first.stderr)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cfg = dir.appendingPathComponent("liaison.toml").path
        let org = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        try (org + "\n[store]\nurl = \"\(url)\"\nsslmode = \"disable\"\n").write(toFile: cfg, atomically: true, encoding: .utf8)
        let fromSQLite = try await Self.readBack(config: CorpusLocation.configPath, store: ["--db", db])
        let fromPostgres = try await Self.readBack(config: cfg, store: [])
        #expect(fromSQLite.count >= 8, "\(fromSQLite.keys.sorted())")
        #expect(fromSQLite.keys.sorted() == fromPostgres.keys.sorted())
        for key in fromSQLite.keys.sorted() {
            #expect(fromPostgres[key] == fromSQLite[key], "\(key)")
        }

        // Again: refused, nothing written; with --replace-existing, copied again and verified.
        let again = try await CLI.run(migrate)
        #expect(again.status == 1)
        #expect(again.stderr.contains("holds rows already"), "\(again.stderr)")
        let replaced = try await CLI.run(migrate + ["--replace-existing"])
        #expect(replaced.status == 0, "\(replaced.stdout)\n\(replaced.stderr)")
        #expect(replaced.stdout.contains("counts and checksums match"))
        #expect(try await Self.readBack(config: cfg, store: []) == fromPostgres)
        // New rows after the copy get new ids (the sequences moved past the copied ones).
        let fresh = dir.appendingPathComponent("new.eml")
        try Data(("From: New Buyer <new@buyer.example>\r\nTo: 王芳 <wang.fang@corp.example>\r\nCc: track@corp.example\r\n"
                  + "Subject: after the migration\r\nDate: Wed, 18 Nov 2026 10:00:00 +0800\r\nMessage-ID: <after-migrate@buyer.example>\r\n"
                  + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA new enquiry.\r\n").utf8).write(to: fresh)
        let more = try await CLI.run(["ingest", "--config", cfg, fresh.path])
        #expect(more.status == 0, "\(more.stdout)\n\(more.stderr)")
        let after = try #require(try JSONSerialization.jsonObject(with: Data(try await Self.output(["cases", "list", "--json", "--config", cfg]).utf8)) as? [[String: Any]])
        let before = try #require(try JSONSerialization.jsonObject(with: Data(fromPostgres["cases list"]!.utf8)) as? [[String: Any]])
        #expect(after.count == before.count + 1, "the new message opened a case with a new id")

        // A password in the URL, or sslmode disable for a remote host, is refused as in [store].
        let remote = try await CLI.run(["migrate", "--from", "sqlite:\(db)", "--to", "postgres://u@db.example.com/x", "--sslmode", "disable"])
        #expect(remote.status != 0)
        #expect(remote.stderr.contains("store.sslmode"), "\(remote.stderr)")
        let secret = try await CLI.run(["migrate", "--from", "sqlite:\(db)", "--to", "postgres://u:pw@127.0.0.1/x"])
        #expect(secret.status != 0)
        #expect(secret.stderr.contains("password"), "\(secret.stderr)")
    }
}
