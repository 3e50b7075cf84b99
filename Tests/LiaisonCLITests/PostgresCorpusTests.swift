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
}
