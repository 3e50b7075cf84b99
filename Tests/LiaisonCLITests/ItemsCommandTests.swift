import Foundation
import Testing
import LiaisonTestSupport

/// `liaison items done|reschedule|cancel` and `cases reopen|assign` as a user runs them (issue
/// 14 part 3), on the corpus's complaint case after 01–03 (ingested with the binary), read back
/// through `cases show --json` and `reminders list --json`.
@Suite("liaison items and cases lifecycle (binary)")
struct ItemsCommandTests {
    typealias CLI = InspectCommandTests
    static let number = "EC20261116-001"

    /// RecapCommandTests' configuration with 01 filed, then 02 and 03.
    static func setUp() async throws -> (config: String, dir: URL) {
        let (config, dir) = try await RecapCommandTests.setUp()
        for name in ["02-staff-reply-gb2312.eml", "03-recap-gb2312-alternative.eml"] {
            let r = try await CLI.run(["ingest", "--quiet", "--config", config, CorpusLocation.directory.appendingPathComponent(name).path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return (config, dir)
    }

    static func items(_ config: String) async throws -> [[String: Any]] {
        let shown = try #require(try await RecapCommandTests.json(["cases", "show", number, "--json", "--config", config]) as? [String: Any])
        let recaps = try #require(shown["recaps"] as? [[String: Any]])
        return try #require(recaps.last?["actionItems"] as? [[String: Any]])
    }

    static func reminders(_ config: String, status: String) async throws -> [[String: Any]] {
        try #require(try await RecapCommandTests.json(["reminders", "list", "--json", "--config", config, "--case", number,
                                                      "--status", status]) as? [[String: Any]])
    }

    @Test func itemsDoneRescheduleCancelThroughTheCLI() async throws {
        let (config, dir) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try await Self.items(config)
        #expect(before.count == 3)
        #expect(before.allSatisfy { $0["status"] as? String == "open" && $0["doneAt"] is NSNull && $0["doneBy"] is NSNull })

        // Done, by 王芳, at a given time.
        let done = try await CLI.run(["items", "done", Self.number, "1", "--by", "wang.fang@corp.example",
                                      "--now", "2026-11-18T10:00:00+08:00", "--config", config])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("item 1 done"))
        var items = try await Self.items(config)
        #expect(items[0]["status"] as? String == "done")
        #expect(items[0]["doneAt"] as? String == "2026-11-18T10:00:00+08:00")
        #expect(items[0]["doneBy"] as? String == "wang.fang@corp.example")
        let cancelled = try await Self.reminders(config, status: "cancelled")
        #expect(!cancelled.isEmpty)
        #expect(cancelled.allSatisfy { $0["status"] as? String == "cancelled" })
        let pending = try await Self.reminders(config, status: "pending")
        #expect(!pending.contains { ($0["kind"] as? String)?.hasPrefix("item-") == true && ($0["recipients"] as? [String]) == ["wang.fang@corp.example"] })

        // Again: refused, non-zero, says why.
        let again = try await CLI.run(["items", "done", Self.number, "1", "--config", config, "--now", "2026-11-18T10:05:00+08:00"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("item 1 is done already"))
        // No such item, no such case.
        let none = try await CLI.run(["items", "cancel", Self.number, "7", "--config", config])
        #expect(none.status != 0 && none.stderr.contains("no item 7"))
        let noCase = try await CLI.run(["items", "done", "EC19990101-001", "1", "--config", config])
        #expect(noCase.status != 0 && noCase.stderr.contains("no case EC19990101-001"))

        // Rescheduled to a day: the end of the workday there, in JSON.
        let moved = try await CLI.run(["items", "reschedule", Self.number, "2", "2026-11-23", "--json",
                                       "--now", "2026-11-18T10:00:00+08:00", "--config", config])
        #expect(moved.status == 0, "\(moved.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(moved.stdout.utf8)) as? [String: Any])
        #expect(result["case"] as? String == Self.number)
        #expect(result["refused"] is NSNull)
        #expect((result["applied"] as? [String])?.first?.contains("2026-11-23T18:00:00+08:00") == true)
        items = try await Self.items(config)
        #expect(items[1]["status"] as? String == "rescheduled")
        #expect(items[1]["due"] as? String == "2026-11-23T18:00:00+08:00")
        let overdue = try await Self.reminders(config, status: "pending").filter { $0["kind"] as? String == "item-overdue" }
        #expect(overdue.contains { $0["about"] as? String == "2026-11-23T18:00:00+08:00" })
        let badDate = try await CLI.run(["items", "reschedule", Self.number, "2", "next week", "--config", config])
        #expect(badDate.status != 0 && badDate.stderr.contains("DATE"))

        // Cancelled.
        let cancel = try await CLI.run(["items", "cancel", Self.number, "3", "--now", "2026-11-18T10:00:00+08:00", "--config", config])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        items = try await Self.items(config)
        #expect(items[2]["status"] as? String == "cancelled")
    }

    @Test func casesReopenAndAssignThroughTheCLI() async throws {
        let (config, dir) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let notResolved = try await CLI.run(["cases", "reopen", Self.number, "--config", config])
        #expect(notResolved.status != 0 && notResolved.stderr.contains("open already"))

        let resolve = try await CLI.run(["cases", "resolve", Self.number, "--config", config, "--now", "2026-11-18T10:00:00+08:00"])
        #expect(resolve.status == 0, "\(resolve.stderr)")
        #expect(try await Self.reminders(config, status: "pending").contains { $0["kind"] as? String == "satisfaction" })

        let reopen = try await CLI.run(["cases", "reopen", Self.number, "--config", config, "--now", "2026-11-18T11:00:00+08:00"])
        #expect(reopen.status == 0, "\(reopen.stderr)")
        let shown = try #require(try await RecapCommandTests.json(["cases", "show", Self.number, "--json", "--config", config]) as? [String: Any])
        #expect(shown["status"] as? String == "open")
        let pending = try await Self.reminders(config, status: "pending")
        #expect(!pending.contains { $0["kind"] as? String == "satisfaction" })
        #expect(pending.contains { $0["kind"] as? String == "item-overdue" })
        let cancelled = try await Self.reminders(config, status: "cancelled")
        #expect(cancelled.contains { $0["kind"] as? String == "satisfaction" })

        let assign = try await CLI.run(["cases", "assign", Self.number, "wang.fang@corp.example", "--json", "--config", config,
                                        "--now", "2026-11-18T11:00:00+08:00"])
        #expect(assign.status == 0, "\(assign.stderr)")
        let after = try #require(try await RecapCommandTests.json(["cases", "show", Self.number, "--json", "--config", config]) as? [String: Any])
        #expect(after["owner"] as? String == "wang.fang@corp.example")
        let events = try #require(after["events"] as? [[String: Any]])
        #expect(events.contains { $0["kind"] as? String == "case-assigned" })
        #expect(events.contains { $0["kind"] as? String == "case-reopened" })
        let outsider = try await CLI.run(["cases", "assign", Self.number, "liu.yang@huadong-precision.example", "--config", config])
        #expect(outsider.status != 0 && outsider.stderr.contains("not a staff address"))
    }
}
