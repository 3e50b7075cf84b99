import Foundation
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// `liaison retention run` (issue 18) on the generated month (ReportMonth): bodies go on the day
/// they expire and never before, the report's figures and the follow-up table are unchanged, and
/// the removed bytes are gone from the database file.
@Suite("liaison retention (binary)")
struct RetentionCommandTests {
    typealias CLI = InspectCommandTests

    static func config(_ db: String, retention: String) throws -> String {
        let path = (db as NSString).deletingLastPathComponent + "/liaison-\(UUID().uuidString).toml"
        return try ConfigText.write([ConfigText.organization(), "[store]\nurl = \"sqlite:\(db)\"\n", "[retention]\n" + retention], to: path)
    }

    static func run(_ config: String, _ extra: [String]) async throws -> CLI.Run {
        let r = try await CLI.run(["retention", "run", "--config", config] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return r
    }

    static func reportAndTable(_ db: String) async throws -> (report: String, csv: String) {
        let r = try await CLI.run(["report", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
                                   "--now", "2026-12-15T00:00:00+08:00"])
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try await ExportCommandTests.export(db, format: "csv")
        return (r.stdout, try String(contentsOfFile: csv, encoding: .utf8))
    }

    /// The bodies (`raw`) of each case's messages, through the store's API.
    static func bodies(_ db: String) throws -> [String: [[UInt8]]] {
        let store = try TestStores.sqlite(path: db)
        var out: [String: [[UInt8]]] = [:]
        for c in try store.cases(status: nil, owner: nil) {
            out[c.number] = try store.correspondence(caseNumber: c.number).map(\.raw)
        }
        return out
    }

    @Test func bodiesGoOnTheDayTheyExpireAndTheFiguresStay() async throws {
        let db = try ReportMonth.build()
        let config = try Self.config(db, retention: "bodies = \"30 days\"\n")
        let before = try await Self.reportAndTable(db)
        let bodiesBefore = try Self.bodies(db)
        // EC20261001-001 resolved 5 Oct (expires 4 Nov), EC20261102-001 resolved 10 Nov 12:00
        // (expires 10 Dec, Shanghai), EC20261120-001 resolved 23 Nov (expires 23 Dec).
        let dry = try await Self.run(config, ["--dry-run", "--now", "2026-12-10T00:00:00+08:00"])
        #expect(dry.stdout.contains("EC20261001-001: would remove"))
        #expect(dry.stdout.contains("EC20261102-001: would remove"))
        #expect(try Self.bodies(db) == bodiesBefore, "a dry run removed something")

        let eve = try await Self.run(config, ["--now", "2026-12-09T23:59:59+08:00"])
        #expect(eve.stdout.contains("EC20261001-001: removed the bodies of"))
        #expect(!eve.stdout.contains("EC20261102-001"), "removed the day before it expired: \(eve.stdout)")
        var now = try Self.bodies(db)
        #expect(now["EC20261001-001"]?.allSatisfy(\.isEmpty) == true)
        #expect(now["EC20261102-001"] == bodiesBefore["EC20261102-001"])

        let day = try await Self.run(config, ["--now", "2026-12-10T00:00:00+08:00"])
        #expect(day.stdout.contains("EC20261102-001: removed the bodies of"), "\(day.stdout)")
        #expect(!day.stdout.contains("EC20261001-001"), "removed twice: \(day.stdout)")
        now = try Self.bodies(db)
        #expect(now["EC20261102-001"]?.allSatisfy(\.isEmpty) == true)
        #expect(now["EC20261120-001"] == bodiesBefore["EC20261120-001"])
        for (n, sizes) in now where !["EC20261001-001", "EC20261102-001"].contains(n) {
            #expect(sizes == bodiesBefore[n], "case \(n) lost bodies")
        }

        let after = try await Self.reportAndTable(db)
        #expect(after.report == before.report)
        #expect(after.csv == before.csv)

        // Each case says so, and the case's rows are all still there.
        let show = try await CLI.run(["cases", "show", "EC20261102-001", "--json", "--db", db])
        #expect(show.stdout.contains("bodies-removed"))
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((shown["correspondence"] as? [Any])?.count == bodiesBefore["EC20261102-001"]?.count)
        #expect((shown["recaps"] as? [Any])?.isEmpty == false)

        // The removed bodies are gone from the file (VACUUM) and its WAL; the kept ones are there.
        let file = try Data(contentsOf: URL(fileURLWithPath: db)) + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
        let removed = (bodiesBefore["EC20261001-001"] ?? []) + (bodiesBefore["EC20261102-001"] ?? [])
        let kept = bodiesBefore["EC20261120-001"] ?? []
        try #require(!removed.isEmpty && !kept.isEmpty)
        for body in removed { #expect(file.range(of: Data(body)) == nil, "a removed body is still in the file") }
        // (With LIAISON_TEST_SEAL=1 the kept bodies are sealed: not in the bytes, but read back whole above.)
        for body in kept { #expect((file.range(of: Data(body)) != nil) != TestSeal.isOn, "a kept body is missing from the file, or in clear in a sealed one") }
    }

    @Test func casesGoWholeAfterTheirPeriod() async throws {
        let db = try ReportMonth.build()
        let config = try Self.config(db, retention: "bodies = \"1 week\"\ncases = \"2 months\"\n")
        let r = try await Self.run(config, ["--now", "2026-12-05T00:00:00+08:00"])
        #expect(r.stdout.contains("EC20261001-001: removed the case with"), "\(r.stdout)")
        #expect(r.stdout.contains("EC20261102-001: removed the bodies of"))
        let list = try await CLI.run(["cases", "list", "--json", "--db", db])
        #expect(!list.stdout.contains("EC20261001-001"))
        #expect(list.stdout.contains("EC20261102-001"))
        #expect(try await CLI.run(["verify", db]).status == 0)
    }

    @Test func badPeriodsAreConfigErrorsNamingTheKey() async throws {
        let db = try ReportMonth.build()
        for bad in ["bodies = \"24 mnths\"", "bodies = \"-3 days\"", "bodies = 24", "cases = \"1.5 years\"", "cases = \"forever\""] {
            let config = try Self.config(db, retention: bad + "\n")
            let r = try await CLI.run(["retention", "run", "--config", config, "--dry-run"])
            #expect(r.status != 0, "\(bad)")
            #expect(r.stderr.contains("retention.\(bad.prefix { $0 != " " })"), "\(bad): \(r.stderr)")
        }
        let short = try Self.config(db, retention: "bodies = \"2 years\"\ncases = \"1 year\"\n")
        let r = try await CLI.run(["retention", "run", "--config", short, "--dry-run"])
        #expect(r.status != 0 && r.stderr.contains("retention.cases"))
    }
}
