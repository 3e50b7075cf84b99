import Foundation
import LiaisonCore
import Testing
import LiaisonTestSupport

/// `liaison report` over a generated month with figures known by hand (ReportMonth) and over the
/// corpus, through the built binary (issue 15).
@Suite("liaison report (binary)")
struct ReportCommandTests {
    typealias CLI = InspectCommandTests

    static func report(_ db: String, _ extra: [String] = []) async throws -> [String: Any] {
        let r = try await CLI.run(["report", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
                             "--now", "2026-12-15T00:00:00+08:00"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// The figures of one block as plain values, for whole-block comparison.
    static func flat(_ f: [String: Any]) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ v: Any, _ path: String) {
            switch v {
            case let d as [String: Any]: for (k, x) in d { walk(x, path.isEmpty ? k : path + "." + k) }
            case let a as [Any]: for (i, x) in a.enumerated() { walk(x, "\(path)[\(i)]") }
            case is NSNull: out[path] = "null"
            default: out[path] = "\(v)"
            }
        }
        walk(f, "")
        return out
    }

    static func expected(_ opened: Int, _ resolved: Int, fr: (median: String, p90: String, within: Int, total: Int, rate: String),
                         cs: (Int, Int, String), recaps: (Int, Int, Int), items: (Int, Int, Int, Int), sat: (Int, Int),
                         ages: [Int]) -> [String: String] {
        var e: [String: String] = [
            "casesOpened": "\(opened)", "casesResolved": "\(resolved)",
            "firstResponse.median": fr.median, "firstResponse.p90": fr.p90, "firstResponse.within24h": "\(fr.within)",
            "firstResponse.total": "\(fr.total)", "firstResponse.rate": fr.rate,
            "complaintSolution.within48h": "\(cs.0)", "complaintSolution.total": "\(cs.1)", "complaintSolution.rate": cs.2,
            "recaps.confirmed": "\(recaps.0)", "recaps.disputed": "\(recaps.1)", "recaps.pending": "\(recaps.2)",
            "items.doneOnTime": "\(items.0)", "items.doneLate": "\(items.1)", "items.overdue": "\(items.2)", "items.open": "\(items.3)",
            "satisfaction.followUps": "\(sat.0)", "satisfaction.replied": "\(sat.1)",
        ]
        for (i, (label, n)) in zip(["<1d", "1-3d", "3-7d", "7-14d", ">=14d"], ages).enumerated() {
            e["openByAge[\(i)].age"] = label
            e["openByAge[\(i)].count"] = "\(n)"
        }
        return e
    }

    @Test func generatedMonth() async throws {
        let db = try ReportMonth.build()
        let j = try await Self.report(db)
        #expect(j["from"] as? String == "2026-11-01")
        #expect(j["to"] as? String == "2026-11-30")
        // Overall: opened A1 A2 A3 B1 B3; resolved A1 A3; answered in 7200, 93600, 1800, 3600 s and
        // A3 never: 3 of 5 within 24 h, median (nearest rank) 3600, p90 93600; complaints A1 (recap
        // after 24 h) and A3 (resolved after 72 h); recaps A1 confirmed, A2 disputed, B1 pending;
        // items A1① late, A1② on time, A2① overdue, A2② and B1① open; A1's 回访 answered;
        // open at Dec 1 00:00: B3 (1.5 d), A2, B1, B2 (≥ 14 d).
        let overall = try #require(j["overall"] as? [String: Any])
        #expect(Self.flat(overall) == Self.expected(5, 2, fr: ("3600", "93600", 3, 5, "0.6"), cs: (1, 2, "0.5"), recaps: (1, 1, 1),
                                                   items: (1, 1, 1, 2), sat: (1, 1), ages: [0, 1, 0, 0, 3]))
        let owners = try #require(j["owners"] as? [[String: Any]])
        #expect(owners.map { $0["owner"] as? String } == ["a@corp.example", "b@corp.example"])
        var a = owners[0], b = owners[1]
        a.removeValue(forKey: "owner")
        b.removeValue(forKey: "owner")
        #expect(Self.flat(a) == Self.expected(3, 2, fr: ("7200", "93600", 1, 3, "0.3333"), cs: (1, 2, "0.5"), recaps: (1, 1, 0),
                                             items: (1, 1, 1, 1), sat: (1, 1), ages: [0, 0, 0, 0, 1]))
        #expect(Self.flat(b) == Self.expected(2, 0, fr: ("1800", "3600", 2, 2, "1"), cs: (0, 0, "null"), recaps: (0, 0, 1),
                                             items: (0, 0, 0, 1), sat: (0, 0), ages: [0, 1, 0, 0, 2]))

        // --owner: only that owner's cases, overall included.
        let onlyB = try await Self.report(db, ["--owner", "B@corp.example"])
        #expect((onlyB["owners"] as? [[String: Any]])?.compactMap { $0["owner"] as? String } == ["b@corp.example"])
        #expect(Self.flat(try #require(onlyB["overall"] as? [String: Any])) == Self.flat(b))

        // Read on Nov 7 12:00 instead: A1 not yet resolved, so its items are not done.
        let mid = try await CLI.run(["report", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
                               "--now", "2026-11-07T12:00:00+08:00"])
        let midJ = try #require(try JSONSerialization.jsonObject(with: Data(mid.stdout.utf8)) as? [String: Any])
        let midItems = try #require((midJ["overall"] as? [String: Any])?["items"] as? [String: Int])
        // A1① (due Nov 5) overdue, A1② open, A2① open (due Nov 8), A2② open, B1① open.
        #expect(midItems == ["doneOnTime": 0, "doneLate": 0, "overdue": 1, "open": 4])
    }

    @Test func textAndHTMLEscapeWhatMailWrote() async throws {
        let db = try ReportMonth.build()
        let text = try await CLI.run(["report", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--now", "2026-12-15T00:00:00+08:00"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("first response (及时率): 3/5 within 24 h (60.0%), median 1h 00m, p90 1d 2h"))
        let html = try await CLI.run(["report", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "html",
                                "--owner", "a@corp.example", "--now", "2026-12-15T00:00:00+08:00"])
        #expect(html.status == 0, "\(html.stderr)")
        let page = html.stdout
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("http://") && !page.contains("https://") && !page.lowercased().contains("src="))
        #expect(page.components(separatedBy: "<svg").count - 1 == 5)
        #expect(page.contains("a@corp.example"))
    }

    @Test func htmlEscapesOwnerNames() {
        let f = ReportFigures.compute([], from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 1), asOf: Date(timeIntervalSince1970: 1))
        let r = Report(from: "<b>", to: "x", overall: f, owners: [.init(owner: "\"><script>alert(1)</script>@x", figures: f)])
        let page = r.html(organization: "A&B")
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;") && page.contains("A&amp;B") && page.contains("&lt;b&gt;"))
    }

    /// The corpus, ingested as `liaison ingest` does (IngestCorpusTests): five cases —
    /// EC20261116-001 (zhang.wei): the complaint 01 at Nov 16 09:12:33, answered by 02 at 10:05:10
    /// (3157 s); 03 is 张伟's recap (Nov 17 15:40, 30 h 27 min later: a solution within 48 h) with
    /// items due Nov 19 17:00, Nov 19 18:00 and Nov 20, disputed by 04;
    /// EC20261118-001 (li.na): 05 from a supplier, unanswered;
    /// EC20261119-001 (zhang.wei): 06 from a partner, unanswered;
    /// EC20261119-002 (pr): 12, a forward by staff — no inbound message, no first-response clock;
    /// NC20261123-001 (zhou.min): 11, internal minutes, a pending recap with items due Nov 24–25.
    /// Read on Nov 30 12:00: every item overdue; EC20261116-001 open 14.1 days, the others 7–12.
    @Test func corpusFigures() async throws {
        try #require(IngestCorpusTests.files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let db = try IngestCorpusTests.freshDB()
        let r = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db] + IngestCorpusTests.files)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try await CLI.run(["report", "--config", CorpusLocation.configPath, "--db", db, "--from", "2026-11-01", "--to", "2026-11-30",
                               "--format", "json", "--now", "2026-11-30T12:00:00+08:00"])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(Self.flat(try #require(j["overall"] as? [String: Any]))
                == Self.expected(5, 0, fr: ("3157", "3157", 1, 3, "0.3333"), cs: (1, 1, "1"), recaps: (0, 1, 1), items: (0, 0, 6, 0),
                                 sat: (0, 0), ages: [0, 0, 0, 4, 1]))
        let owners = try #require(j["owners"] as? [[String: Any]])
        #expect(owners.compactMap { $0["owner"] as? String }
                == ["li.na@corp.example", "pr@corp.example", "zhang.wei@corp.example", "zhou.min@corp.example"])
        var byOwner: [String: [String: String]] = [:]
        for var o in owners {
            let name = o.removeValue(forKey: "owner") as? String ?? ""
            byOwner[name] = Self.flat(o)
        }
        #expect(byOwner["zhang.wei@corp.example"] == Self.expected(2, 0, fr: ("3157", "3157", 1, 2, "0.5"), cs: (1, 1, "1"),
                                                                   recaps: (0, 1, 0), items: (0, 0, 3, 0), sat: (0, 0), ages: [0, 0, 0, 1, 1]))
        #expect(byOwner["li.na@corp.example"] == Self.expected(1, 0, fr: ("null", "null", 0, 1, "0"), cs: (0, 0, "null"),
                                                               recaps: (0, 0, 0), items: (0, 0, 0, 0), sat: (0, 0), ages: [0, 0, 0, 1, 0]))
        #expect(byOwner["pr@corp.example"] == Self.expected(1, 0, fr: ("null", "null", 0, 0, "null"), cs: (0, 0, "null"),
                                                            recaps: (0, 0, 0), items: (0, 0, 0, 0), sat: (0, 0), ages: [0, 0, 0, 1, 0]))
        #expect(byOwner["zhou.min@corp.example"] == Self.expected(1, 0, fr: ("null", "null", 0, 0, "null"), cs: (0, 0, "null"),
                                                                  recaps: (0, 0, 1), items: (0, 0, 3, 0), sat: (0, 0), ages: [0, 0, 0, 1, 0]))
    }
}
