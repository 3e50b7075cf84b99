import Foundation
import LiaisonTestSupport
import Testing

/// Issue 13: the production `liaison` binary holds neither the benchmarks nor the in-memory
/// IMAP fakes; the benchmarks are `liaison-bench`, under the subcommand names they had.
@Suite("liaison and liaison-bench (binaries)")
struct BinaryLayoutTests {
    typealias CLI = InspectCommandTests
    static var benchBinary: URL { CLI.binary.deletingLastPathComponent().appendingPathComponent("liaison-bench") }
    static let benchCommands = ["bench", "bench-store", "bench-reminders", "bench-contain", "bench-report"]

    /// True when the file at `url` contains `needle` (Swift symbol names carry type names).
    static func contains(_ url: URL, _ needle: String) throws -> Bool {
        let data = try Data(contentsOf: url, options: .mappedIfSafe)
        return data.range(of: Data(needle.utf8)) != nil
    }

    @Test("liaison has no bench command and no fake or benchmark code")
    func productionBinary() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("serve") && help.stdout.contains("check-config"), "\(help.stdout)")
        for command in Self.benchCommands {
            #expect(!help.stdout.contains(" \(command) "), "liaison --help lists \(command)")
            let r = try CLI.run([command])
            #expect(r.status == 64 && r.stderr.contains("Unexpected argument"), "liaison \(command): \(r.status) \(r.stderr)")
        }
        for symbol in ["InMemoryMailbox", "RecordingMailSender", "BenchStore", "BenchGrammars", "BenchReminders"] {
            #expect(try !Self.contains(CLI.binary, symbol), "liaison contains \(symbol)")
        }
    }

    @Test("liaison-bench offers every benchmark under its old name")
    func benchBinary() throws {
        let r = try ChildProcess.run(Self.benchBinary, ["--help"])
        try #require(r.status == 0, "liaison-bench --help: \(r.stderrText)")
        for command in Self.benchCommands { #expect(r.stdoutText.contains(command), "\(command) missing: \(r.stdoutText)") }
        let parse = try ChildProcess.run(Self.benchBinary, ["bench", "parse", "--help"])
        #expect(parse.status == 0 && parse.stdoutText.contains("--repeat"), "\(parse.stdoutText)\(parse.stderrText)")
        #expect(try Self.contains(Self.benchBinary, "BenchStore"))
    }
}
