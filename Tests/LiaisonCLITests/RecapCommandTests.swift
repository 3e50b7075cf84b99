import Foundation
import Testing
import LiaisonTestSupport

/// `liaison recap`, `reminders list|cancel` and `cases resolve` as a user runs them (issue 6,
/// items 5 and 6), on a temporary database; sending is left to the outbox (`--no-send`).
@Suite("liaison recap and reminders (binary)")
struct RecapCommandTests {
    typealias CLI = InspectCommandTests
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A configuration with [staff], [templates] and a fresh [store]; 01 (the complaint) filed on it.
    static func setUp() async throws -> (config: String, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-recap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("liaison.toml").path
        let corpusConfig = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        try (corpusConfig + """

            [store]
            url = "sqlite:\(dir.appendingPathComponent("liaison.db").path)"

            [templates]
            directory = "\(repository.appendingPathComponent("Templates").path)"

            [staff]
            "张伟" = "zhang.wei@corp.example"
            "王芳" = "wang.fang@corp.example"
            """).write(toFile: config, atomically: true, encoding: .utf8)
        let ingest = try await CLI.run(["ingest", "--quiet", "--config", config,
                                  CorpusLocation.directory.appendingPathComponent("01-complaint-utf8.eml").path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (config, dir)
    }

    static func json(_ args: [String]) async throws -> Any {
        let r = try await CLI.run(args)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    @Test func recapIsFiledQueuedAndItsRemindersScheduled() async throws {
        let (config, dir) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = dir.appendingPathComponent("items.yaml").path
        try """
            - owner: 王芳
              department: 售后部
              task: 免费更换同型号设备12台
              due: 11月19日17:00
            """.write(toFile: items, atomically: true, encoding: .utf8)
        let r = try await CLI.run(["recap", "--config", config, "--case", "EC20261116-001", "--to", "liu.yang@huadong-precision.example",
                             "--items", items, "--item", "张伟|提供3个月质保服务|周五前", "--now", "2026-11-17T15:40:00+08:00", "--no-send"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("filed on EC20261116-001"))
        #expect(r.stdout.contains("objection window closes 2026-11-17T23:59:59+08:00"))

        let shown = try #require(try await Self.json(["cases", "show", "EC20261116-001", "--json", "--config", config]) as? [String: Any])
        let recaps = try #require(shown["recaps"] as? [[String: Any]])
        #expect(recaps.count == 1)
        #expect(recaps.first?["state"] as? String == "pending")
        #expect(recaps.first?["author"] as? String == "zhang.wei@corp.example")
        let recapItems = try #require(recaps.first?["actionItems"] as? [[String: Any]])
        #expect(recapItems.map { $0["owner"] as? String } == ["王芳", "张伟"])
        #expect(recapItems.map { $0["due"] as? String } == ["2026-11-19T17:00:00+08:00", "2026-11-20T23:59:59+08:00"])
        // Every key is written, `null` when absent (issue 13), like the other JSON outputs.
        #expect(shown["resolvedAt"] is NSNull)
        #expect((shown["counterparty"] as? [String: Any]).map { Set($0.keys) } == ["organization", "contacts"])
        #expect(Set(recaps.first?.keys.map { $0 } ?? []) == ["messageID", "author", "state", "stateAt", "objectedItems", "windowCloses",
                                                             "windowNote", "nextContact", "actionItems"])
        #expect(recaps.first?["stateAt"] is NSNull)
        #expect(recaps.first?["nextContact"] is NSNull)
        #expect(recapItems.map { Set($0.keys) } == Array(repeating: ["number", "owner", "department", "ownerAddress", "task", "due", "dueNote", "status", "doneAt", "doneBy"], count: 2))
        #expect(recapItems.last?["department"] is NSNull)
        let mail = try #require(shown["correspondence"] as? [[String: Any]])
        #expect(mail.map { $0["kind"] as? String } == ["correspondence", "recap"])

        // The reminders, in JSON with the contract's keys.
        let list = try #require(try await Self.json(["reminders", "list", "--json", "--config", config, "--case", "EC20261116-001"]) as? [[String: Any]])
        for key in ["id", "kind", "case", "fireAt", "about", "recipients", "status"] {
            #expect(list.allSatisfy { $0.keys.contains(key) }, "key \(key)")
        }
        let kinds = list.compactMap { $0["kind"] as? String }
        #expect(kinds.contains("recap-window") && kinds.contains("item-due") && kinds.contains("item-overdue"))
        let due = try #require(list.first { ($0["kind"] as? String) == "item-due" && ($0["recipients"] as? [String]) == ["wang.fang@corp.example"] })
        #expect(due["about"] as? String == "2026-11-19T17:00:00+08:00")
        let before = try #require(try await Self.json(["reminders", "list", "--json", "--config", config,
                                                 "--due-before", "2026-11-18T00:00:01+08:00"]) as? [[String: Any]])
        #expect(before.allSatisfy { ($0["fireAt"] as? String ?? "") < "2026-11-18T00:00:01+08:00" })

        // Cancel one: it is kept, marked cancelled; cancelling it again is refused.
        let id = try #require(due["id"] as? Int)
        let cancel = try await CLI.run(["reminders", "cancel", String(id), "--config", config])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        let again = try await CLI.run(["reminders", "cancel", String(id), "--config", config])
        #expect(again.status != 0 && again.stderr.contains("not pending"))
        let cancelled = try #require(try await Self.json(["reminders", "list", "--json", "--config", config, "--status", "cancelled"]) as? [[String: Any]])
        #expect(cancelled.compactMap { $0["id"] as? Int }.contains(id))

        // Resolve the case: the remaining item reminders are cancelled, the 回访 scheduled.
        let resolve = try await CLI.run(["cases", "resolve", "EC20261116-001", "--config", config, "--now", "2026-11-18T10:00:00+08:00"])
        #expect(resolve.status == 0, "\(resolve.stderr)")
        let pending = try #require(try await Self.json(["reminders", "list", "--json", "--config", config, "--case", "EC20261116-001"]) as? [[String: Any]])
        #expect(!pending.contains { ($0["kind"] as? String)?.hasPrefix("item-") == true })
        #expect(pending.contains { $0["kind"] as? String == "satisfaction" && $0["fireAt"] as? String == "2026-11-19T09:00:00+08:00" })
    }

    @Test func badInputIsRefusedWithAReason() async throws {
        let (config, dir) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["recap", "--config", config, "--to", "liu.yang@huadong-precision.example", "--no-send"]
        let noCase = try await CLI.run(base + ["--case", "EC20991231-999", "--item", "张伟|回电|明天"])
        #expect(noCase.status != 0 && noCase.stderr.contains("no case EC20991231-999"))
        let noItems = try await CLI.run(base + ["--case", "EC20261116-001"])
        #expect(noItems.status != 0 && noItems.stderr.contains("action items"))
        let badItem = try await CLI.run(base + ["--case", "EC20261116-001", "--item", "张伟"])
        #expect(badItem.status != 0 && badItem.stderr.contains("OWNER|TASK"))
        let unreadable = try await CLI.run(base + ["--case", "EC20261116-001", "--item", "张伟|回电|月中前后"])
        #expect(unreadable.status != 0, "a deadline the parser cannot read is refused, not sent")
        let outsider = try await CLI.run(base + ["--case", "EC20261116-001", "--item", "张伟|回电|明天", "--from", "x@evil.example"])
        #expect(outsider.status != 0 && outsider.stderr.contains("not a staff address"))
        // Nothing was filed or queued by the refused attempts.
        let shown = try #require(try await Self.json(["cases", "show", "EC20261116-001", "--json", "--config", config]) as? [String: Any])
        #expect((shown["recaps"] as? [Any])?.isEmpty == true)
    }
}
