import Foundation
import Testing
import LiaisonTestSupport

/// The built `liaison` binary, run as a user would.
@Suite("liaison inspect (binary)")
struct InspectCommandTests {
    static var binary: URL {
        // Tests run from the build products folder, beside the executable.
        Bundle.main.bundleURL.appendingPathComponent("liaison")
    }

    /// `seconds`: from the start of the process to its exit, as the thread waiting for it saw.
    struct Run { var status: Int32; var stdout: String; var stderr: String; var seconds: Double = 0 }

    /// Runs `liaison` to its end, waiting off the cooperative pool (see `offPool`).
    static func run(_ args: [String], env: [String: String] = [:]) async throws -> Run {
        try await offPool { try runBlocking(args, env: env) }
    }

    /// The same, blocking the calling thread: for the rig suites, which run one test at a time.
    static func run(_ args: [String], env: [String: String] = [:]) throws -> Run {
        try runBlocking(args, env: env)
    }

    static func runBlocking(_ args: [String], env: [String: String] = [:]) throws -> Run {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LIAISON_CONFIG")
        for (k, v) in env { environment[k] = v }
        let started = ContinuousClock.now
        let r = try ChildProcess.run(binary, args, environment: environment)
        let d = (ContinuousClock.now - started).components
        return Run(status: r.status, stdout: r.stdoutText, stderr: r.stderrText,
                   seconds: Double(d.seconds) + Double(d.attoseconds) / 1e18)
    }

    static func corpus(_ name: String) -> String { CorpusLocation.directory.appendingPathComponent(name).path }

    @Test("one file gives one JSON object with the contract's keys")
    func oneFileJSON() async throws {
        let r = try await Self.run(["inspect", "--json", "--config", CorpusLocation.configPath, Self.corpus("09-agency-rfc2231-attachment.eml")])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["subject", "from", "to", "cc", "date", "messageID", "inReplyTo", "references", "kind", "threadSubject",
                    "caseTag", "attachments", "forwarded", "bounce", "text", "senderTrusted", "category"] {
            #expect(obj.keys.contains(key), "missing key \(key)")
        }
        #expect(obj["caseTag"] as? String == "EC20261110-002")
        let att = try #require((obj["attachments"] as? [[String: Any]])?.first)
        #expect(att["filename"] as? String == "受理回执.pdf")
        #expect(att["size"] as? Int == 19)   // "%PDF-1.4\n% receipt\n"
    }

    @Test("several files give an array; LIAISON_CONFIG names the file when --config is absent")
    func severalFiles() async throws {
        let r = try await Self.run(["inspect", "--json", Self.corpus("01-complaint-utf8.eml"), Self.corpus("02-staff-reply-gb2312.eml")],
                             env: ["LIAISON_CONFIG": CorpusLocation.configPath])
        #expect(r.status == 0, "\(r.stderr)")
        let arr = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(arr.count == 2)
        #expect(arr[1]["senderTrusted"] as? Bool == true)
    }

    @Test("the text form shows the facts for a person")
    func textForm() async throws {
        let r = try await Self.run(["inspect", "--config", CorpusLocation.configPath, Self.corpus("06-partner-big5.eml")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("聯合推廣方案確認"))
        #expect(r.stdout.contains("林志明 <lin.zm@xinda-tech.example>"))
        #expect(r.stdout.contains("2026-11-19T14:03:00+08:00"))
    }

    @Test("a missing file and a bad config are clear errors")
    func errors() async throws {
        let missing = try await Self.run(["inspect", "/nonexistent/x.eml"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read /nonexistent/x.eml"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("bad.toml")
        try "[organization]\nname = \"x\"\ninternal_domains = [\"corp.example\"]\ntracking_address = \"track@corp.example\"\nauthserv_id = \"mx\"\ntime_zone = \"Mars/Olympus\"\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let r = try await Self.run(["inspect", "--config", bad.path, Self.corpus("01-complaint-utf8.eml")])
        #expect(r.status != 0)
        #expect(r.stderr.contains("organization.time_zone"))
    }
}
