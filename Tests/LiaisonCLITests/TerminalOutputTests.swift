import Foundation
import Testing
import LiaisonTestSupport

/// Issue 12, "Output hygiene": a subject and a body carrying terminal escape sequences
/// (Tests/Fixtures/floods/terminal-escape.eml, from shared/hostile) reach no terminal raw —
/// `inspect`, `cases list`/`show`, `review list` run as the built binary print them escaped.
@Suite("terminal output of mail-derived text (binary)")
struct TerminalOutputTests {
    typealias CLI = InspectCommandTests

    static var fixture: String {
        CorpusLocation.packageRoot.appendingPathComponent("Tests/Fixtures/floods/terminal-escape.eml").path
    }

    /// The decoded subject is `ESC ]0;owned BEL ESC [2J ESC [31m URGENT: wire money ESC [0m`.
    static let escapedSubject = "\\e]0;owned^G\\e[2J\\e[31mURGENT: wire money\\e[0m"

    static func expectSafe(_ r: InspectCommandTests.Run, _ what: String) {
        #expect(r.status == 0, "\(what): \(r.stderr)")
        #expect(!r.stdout.utf8.contains(0x1B), "\(what) printed a raw ESC")
        #expect(!r.stdout.utf8.contains(0x07), "\(what) printed a raw BEL")
    }

    @Test func inspectPrintsEscapesVisibly() async throws {
        let r = try await CLI.run(["inspect", "--config", CorpusLocation.configPath, Self.fixture])
        Self.expectSafe(r, "inspect")
        #expect(r.stdout.contains(Self.escapedSubject), "\(r.stdout)")
        // The body's OSC 52 (write to the clipboard) is shown, not obeyed.
        #expect(r.stdout.contains("body \\e]52;c;ZWNobyBoaQ==^G"), "\(r.stdout)")
    }

    @Test func inspectJSONEscapesEveryControl() async throws {
        let r = try await CLI.run(["inspect", "--json", "--config", CorpusLocation.configPath, Self.fixture])
        Self.expectSafe(r, "inspect --json")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        // Escaped for the terminal, the same value for a script.
        #expect(obj["subject"] as? String == "\u{1B}]0;owned\u{07}\u{1B}[2J\u{1B}[31mURGENT: wire money\u{1B}[0m")
    }

    @Test func casesAndReviewPrintEscapesVisibly() async throws {
        let db = try IngestCorpusTests.freshDB()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: db).deletingLastPathComponent().path) }
        let config = CorpusLocation.configPath
        let ingest = try await CLI.run(["ingest", "--config", config, "--db", db, Self.fixture])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let list = try await CLI.run(["cases", "list", "--config", config, "--db", db])
        Self.expectSafe(list, "cases list")
        let number = try #require(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let show = try await CLI.run(["cases", "show", number, "--config", config, "--db", db])
        Self.expectSafe(show, "cases show")
        #expect(show.stdout.contains(Self.escapedSubject), "\(show.stdout)")

        // The same message from another sender, with no staff recipient, is held:
        // `review list` shows its subject escaped too.
        var raw = try String(contentsOfFile: Self.fixture, encoding: .utf8)
        raw = raw.replacingOccurrences(of: "To: zhang.wei@corp.example", with: "To: track@corp.example")
            .replacingOccurrences(of: "<esc@evil.example>", with: "<esc2@evil.example>")
            .replacingOccurrences(of: "From: x@evil.example", with: "From: y@other.example")
        let held = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("held.eml")
        try raw.write(to: held, atomically: true, encoding: .utf8)
        #expect(try await CLI.run(["ingest", "--config", config, "--db", db, held.path]).status == 0)
        let review = try await CLI.run(["review", "list", "--config", config, "--db", db])
        Self.expectSafe(review, "review list")
        #expect(review.stdout.contains(Self.escapedSubject), "\(review.stdout)")
    }
}
