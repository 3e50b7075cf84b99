import Foundation
import Testing
import LiaisonTestSupport

/// `liaison ingest` under containment (issue 11), on real hostile bytes from ../shared/hostile
/// and mkhostile.py: the command is re-run after each exit, as a person (or a script) would,
/// and must end by filing the corpus behind them. Whether a sample still crashes or reads slowly
/// depends on the parsers of the day; what must hold does not: each costs at most two crashes,
/// or one budget, and then is held as `unprocessable` — or, once fixed, is simply read.
@Suite("liaison ingest: containment on hostile mail (binary)")
struct IngestContainmentTests {
    typealias CLI = InspectCommandTests

    static var hostile: URL { CorpusLocation.directory.deletingLastPathComponent().appendingPathComponent("hostile") }

    struct Held { var reason: String; var detail: String? }

    static func held(db: String) async throws -> [Held] {
        let r = try await CLI.run(["review", "list", "--json", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        let items = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        return items.map { Held(reason: $0["reason"] as? String ?? "", detail: $0["detail"] as? String) }
    }

    /// The corpus messages that land on a case when ingested alone (some are held by design).
    static func baseline() async throws -> Set<String> {
        let db = try IngestCorpusTests.freshDB()
        let r = try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + IngestCorpusTests.files)
        #expect(r.status == 0, "\(r.stderr)")
        return Set(try await IngestCorpusTests.placement(db: db).caseOf.keys)
    }

    /// Runs `args` until it exits 0 (at most `runs` times); the exit statuses.
    static func rerun(_ args: [String], runs: Int, env: [String: String] = [:]) async throws -> [Int32] {
        try await rerunTimed(args, runs: runs, env: env).statuses
    }

    /// The same, with the time the runs took from start to exit (not counting the test's own
    /// waits for the cooperative pool in between).
    static func rerunTimed(_ args: [String], runs: Int, env: [String: String] = [:]) async throws -> (statuses: [Int32], seconds: Double) {
        var statuses: [Int32] = []
        var seconds = 0.0
        for _ in 0..<runs {
            let r = try await CLI.run(args, env: env)
            statuses.append(r.status)
            seconds += r.seconds
            if r.status == 0 { break }
        }
        return (statuses, seconds)
    }

    @Test("the 93-byte trapping messages cost at most two crashes each, then are held; the corpus behind them is filed")
    func crashingSamples() async throws {
        let samples = ["crash-cd.eml", "crash-ct.eml", "crash-nested.eml"].map { Self.hostile.appendingPathComponent($0).path }
        try #require(samples.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "hostile samples not found at \(Self.hostile.path)")
        let corpus = IngestCorpusTests.files
        try #require(corpus.count >= 12)
        let db = try IngestCorpusTests.freshDB()
        let statuses = try await Self.rerun(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + samples + corpus,
                                      runs: 2 * samples.count + 2)
        let crashes = statuses.filter { $0 != 0 }.count
        #expect(statuses.last == 0, "never finished: \(statuses)")
        #expect(crashes <= 2 * samples.count, "\(statuses)")
        // Today crash-cd and crash-nested trap at once; crash-ct reads for about 5 s in a debug
        // build and then traps: held by the budget, or by two crashes, as the machine's load falls.
        let unprocessable = try await Self.held(db: db).filter { $0.reason == "unprocessable" }
        let crashedTwice = unprocessable.filter { $0.detail == "the reader crashed on it twice" }
        #expect(unprocessable.count <= samples.count)
        #expect(unprocessable.allSatisfy { $0.detail == "the reader crashed on it twice" || $0.detail == "reading took longer than 5 s" },
                "\(unprocessable.map(\.detail))")
        #expect(crashedTwice.count * 2 <= crashes, "\(crashes) crashes, \(crashedTwice.count) held for crashing: \(statuses)")
        #expect(crashes == 0 || !unprocessable.isEmpty, "a sample that crashed the reader ends held")
        let placed = Set(try await IngestCorpusTests.placement(db: db).caseOf.keys)
        let expected = try await Self.baseline()
        #expect(!expected.isEmpty && expected.isSubset(of: placed), "the corpus behind them is filed: missing \(expected.subtracting(placed))")
    }

    @Test("a message that reads past the budget is held and the next one read; a second while the first still runs exits 70, and the re-run reads neither again")
    func slowSamples() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-slow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // mkhostile.py's rfc2047-quadratic-500K: 64,000 unterminated encoded-word starts in a Subject (28 s to read
        // before the encoded-word fix), and the same in From.
        let head = "From: Liu Yang <liu.yang@huadong-precision.example>\r\nTo: zhang.wei@corp.example\r\nCc: track@corp.example\r\n"
            + "Date: Tue, 17 Nov 2026 15:40:00 +0800\r\n"
        let starts = String(repeating: "=?cs?b?A", count: 500 * 1024 / 8)
        let subject = dir.appendingPathComponent("subject.eml").path
        try Data((head + "Message-ID: <q2047@huadong-precision.example>\r\nSubject: " + starts
                  + "\r\nContent-Type: text/plain\r\n\r\nbody\r\n").utf8).write(to: URL(fileURLWithPath: subject))
        let from = dir.appendingPathComponent("from.eml").path
        try Data(("From: " + starts + " <x@evil.example>\r\nTo: zhang.wei@corp.example\r\nSubject: x\r\n"
                  + "Date: Tue, 17 Nov 2026 15:40:00 +0800\r\n\r\nbody\r\n").utf8).write(to: URL(fileURLWithPath: from))
        let config = dir.appendingPathComponent("liaison.toml").path
        let text = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        try (text + "\n[containment]\nreading_budget = \"1s\"\n").write(toFile: config, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("liaison.db").path
        let corpus = IngestCorpusTests.files
        try #require(corpus.count >= 12)

        let (statuses, elapsed) = try await Self.rerunTimed(["ingest", "--quiet", "--config", config, "--db", db, subject, from] + corpus,
                                                            runs: 3)
        #expect(statuses.last == 0, "\(statuses)")
        #expect(statuses.allSatisfy { $0 == 0 || $0 == 70 }, "only the stuck-reader exit: \(statuses)")
        #expect(statuses.filter { $0 == 70 }.count <= 1, "\(statuses)")
        let unprocessable = try await Self.held(db: db).filter { $0.reason == "unprocessable" }
        #expect(unprocessable.allSatisfy { $0.detail == "reading took longer than 1 s" }, "\(unprocessable.map(\.detail))")
        if statuses.contains(70) {
            #expect(unprocessable.count == 2, "both held before the exit; the re-run read neither")
        }
        // Bounded by the budget, not by the readings (28 s or more each in a release build when slow,
        // more in debug): generous for a loaded machine, far below reading both.
        #expect(elapsed < 45, "\(elapsed) s for \(statuses.count) runs")
        let placed = Set(try await IngestCorpusTests.placement(db: db).caseOf.keys)
        let expected = try await Self.baseline()
        #expect(!expected.isEmpty && expected.isSubset(of: placed), "the corpus behind them is filed: missing \(expected.subtracting(placed))")
    }
}
