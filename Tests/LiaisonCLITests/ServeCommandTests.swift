import Foundation
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `liaison serve` and `liaison check-config` as built, against the mail rig of scripts/mailrig
/// (its variables from `mailrig env`; with LIAISON_REQUIRE_RIG=1 their absence fails the test).
/// Each test reads its own folder of the tracking mailbox, so it never meets other tests' mail.
@Suite("liaison serve and check-config (binary, mail rig)", .serialized)
struct ServeCommandTests {
    typealias CLI = InspectCommandTests
    /// A folder of track@corp.example of its own, filled with `files` (IMAP APPEND, exact bytes).
    static func deliver(folder: String, _ files: [String]) throws {
        try Rig.deliver("track+\(folder)@corp.example", files)
    }

    /// A complete configuration for the rig: [imap] on `folder`, the password from `passwordVar`.
    static func writeConfig(folder: String, passwordVar: String = "LIAISON_RIG_PASSWORD", pollInterval: String = "1s") throws -> (config: String, db: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = dir.appendingPathComponent("liaison.db").path
        let path = try ConfigText.write([
            ConfigText.organization(),
            ConfigText.rig(folder: folder, password: .env(passwordVar), pollInterval: pollInterval, db: db),
            ConfigText.staff([("王芳", "wang.fang@corp.example"), ("张伟", "zhang.wei@corp.example"), ("李娜", "li.na@corp.example")]),
        ], to: dir.appendingPathComponent("liaison.toml").path)
        return (path, db)
    }

    static func corpus(_ prefixes: [String]) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: CorpusLocation.directory.path)) ?? []
        return prefixes.compactMap { p in names.first { $0.hasPrefix(p) && $0.hasSuffix(".eml") } }
            .map { CorpusLocation.directory.appendingPathComponent($0).path }
    }

    static func filedCount(db: String, config: String) throws -> Int {
        let r = try CLI.run(["cases", "list", "--json", "--db", db, "--config", config])
        let cases = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        var total = 0
        for c in cases {
            guard let n = c["number"] as? String else { continue }
            let shown = try CLI.run(["cases", "show", n, "--json", "--db", db, "--config", config])
            let one = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
            total += (one?["correspondence"] as? [Any])?.count ?? 0
        }
        return total
    }

    @Test("serve --once files what arrived, once; later runs file only what is new", .enabled(if: Rig.available || Rig.required))
    func onceFiles() throws {
        try Rig.require()
        let folder = "Serve\(UUID().uuidString.prefix(8))"
        let first = Self.corpus(["01-", "02-", "03-", "04-"])
        try #require(first.count == 4, "corpus not found at \(CorpusLocation.directory.path)")
        try Self.deliver(folder: folder, first)
        let (config, db) = try Self.writeConfig(folder: folder)

        let r1 = try CLI.run(["serve", "--once", "--config", config, "--now", "2026-11-23T10:00:00+08:00"])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains(", 4 filed"), "\(r1.stdout)")
        #expect(try Self.filedCount(db: db, config: config) == 4)
        #expect(r1.stderr.contains("outcome=opened uid=1"))
        #expect(!r1.stderr.contains(Rig.password), "the password must never be logged")
        #expect(!r1.stderr.contains("设备"), "no message text in the log")

        try Self.deliver(folder: folder, Self.corpus(["05-"]))
        let r2 = try CLI.run(["serve", "--once"], env: ["LIAISON_CONFIG": config])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stdout.contains(", 1 filed"), "\(r2.stdout)")
        let r3 = try CLI.run(["serve", "--once", "--config", config])
        #expect(r3.stdout.contains(", 0 filed"), "\(r3.stdout)")
        #expect(try Self.filedCount(db: db, config: config) == 5)
    }

    @Test("serve --once polls, files, fires what is due and sends it: the reminder is in its mailbox when the command exits",
          .enabled(if: Rig.available || Rig.required))
    func onceFiresAndSends() throws {
        try Rig.require()
        let ws = try E2E.Workspace("serve-once-due")
        defer { try? FileManager.default.removeItem(at: ws.dir) }
        let folder = "Once\(UUID().uuidString.prefix(8))"
        let staff = [("王芳", "wang.fang@corp.example"), ("张伟", "zhang.wei@corp.example")]
        let config = try ws.writeConfig("liaison.toml", folder: folder, staff: staff)
        let owner = try ws.writeConfig("zhang.toml", user: "zhang.wei@corp.example", staff: staff)
        let complaint = Self.corpus(["01-"])
        try #require(complaint.count == 1, "corpus not found at \(CorpusLocation.directory.path)")
        try Self.deliver(folder: folder, complaint)

        // The complaint is filed at 09:13; its first-response reminder is due 24 h later.
        let r1 = try CLI.run(["serve", "--once", "--config", config, "--now", "2026-11-16T09:13:00+08:00"])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains(", 1 filed"), "\(r1.stdout)")
        let due = try #require(try E2E.reminders(config: config, status: "pending")
            .first { $0["kind"] as? String == "complaint-response" })
        let dueAt = try #require(due["fireAt"] as? String)
        let id = try #require(due["id"] as? Int)
        let caseNumber = try #require(due["case"] as? String)
        #expect(dueAt.hasPrefix("2026-11-17T09:13"), "\(dueAt)")
        let from = try E2E.uidNext(config: owner)

        // One pass at its due time: nothing new to poll, the reminder fires, and its mail is
        // sent in the same run (before, it waited for the next pass). The listing shows whole
        // seconds; the instant has the fraction of a second the first run's clock had run on.
        let dueInstant = try #require(ISO8601DateFormatter().date(from: dueAt))
        let r2 = try CLI.run(["serve", "--once", "--config", config, "--now", E2E.iso(dueInstant + 1)])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stdout.contains("outbox 0"), "nothing left unsent: \(r2.stdout)")
        #expect(r2.stderr.contains("mail sent"), "\(r2.stderr)")
        let fired = try E2E.reminders(config: config, status: "fired")
        #expect(fired.contains { $0["id"] as? Int == id })
        // Postfix accepted it before the command exited; let it hand the mail to Dovecot.
        try Rig.mailrig(["drain", "60"])
        let mails = try E2E.mails(config: owner, from: from, scratch: ws.dir)
        let wanted = "<liaison.\(caseNumber).complaint-response.r\(id)."
        #expect(mails.filter { ($0.messageID ?? "").hasPrefix(wanted) }.count == 1,
                "\(mails.compactMap(\.messageID)) (wanted \(wanted)…)")
    }

    @Test("serve --once: a fault exits non-zero with the reason; a bad configuration exits 78 naming the key",
          .enabled(if: Rig.available || Rig.required))
    func onceFaults() throws {
        try Rig.require()
        let (config, _) = try Self.writeConfig(folder: "INBOX", passwordVar: "LIAISON_TEST_WRONG")
        let r = try CLI.run(["serve", "--once", "--config", config], env: ["LIAISON_TEST_WRONG": "not-the-password"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("liaison serve --once: poller: imap:"), "\(r.stderr)")
        #expect(r.stderr.contains("Login denied") || r.stderr.contains("AUTHENTICATIONFAILED"), "\(r.stderr)")
        #expect(!r.stderr.contains("not-the-password"))

        let bad = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "[store]\nurl", with: "[store]\nuri")
        try bad.write(toFile: config, atomically: true, encoding: .utf8)
        let r2 = try CLI.run(["serve", "--once", "--config", config], env: ["LIAISON_TEST_WRONG": "x"])
        #expect(r2.status == 78)
        #expect(r2.stderr.contains("configuration key `store.url`: is missing"), "\(r2.stderr)")
    }

    @Test("check-config: ok for a good configuration, FAILED naming the reason for a wrong password",
          .enabled(if: Rig.available || Rig.required))
    func checkConfig() throws {
        try Rig.require()
        let (config, _) = try Self.writeConfig(folder: "INBOX", passwordVar: "LIAISON_TEST_PASSWORD")
        let good = try CLI.run(["check-config", "--config", config], env: ["LIAISON_TEST_PASSWORD": Rig.password])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        let lines = good.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(good.stdout)")
        #expect(lines.first { $0.hasPrefix("ok      configuration:") } != nil)
        #expect(lines.first { $0.hasPrefix("ok      imap login: track@corp.example at imaps://") } != nil, "\(good.stdout)")
        #expect(lines.first { $0.hasPrefix("ok      smtp login: track@corp.example at smtp://") && $0.hasSuffix("logged in") } != nil, "\(good.stdout)")

        let wrong = "wrong-\(UUID().uuidString.prefix(6))"
        let bad = try CLI.run(["check-config", "--config", config], env: ["LIAISON_TEST_PASSWORD": wrong])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("ok      configuration:"))
        let imap = bad.stdout.split(separator: "\n").first { $0.hasPrefix("FAILED  imap login:") }.map(String.init)
        let smtp = bad.stdout.split(separator: "\n").first { $0.hasPrefix("FAILED  smtp login:") }.map(String.init)
        #expect(imap?.contains("Login denied") == true, "\(bad.stdout)")
        #expect(smtp?.contains("535") == true, "\(bad.stdout)")
        #expect(!(bad.stdout + bad.stderr).contains(wrong), "the password must never be printed")
    }

    @Test("check-config --offline reports each invalid key and exits 1")
    func checkConfigOffline() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("liaison.toml").path
        try (try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8) + "\nworkday_ends = \"18:00\"\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["check-config", "--offline", "--config", path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAILED  imap: the [imap] section is missing"), "\(r.stdout)")
        #expect(r.stdout.contains("warning organization.workday_ends: unknown key, ignored — did you mean `workday_end`?"), "\(r.stdout)")
        #expect(!r.stdout.contains("imap login"))
    }

    @Test("serve under a notify socket: READY=1, STATUS=, WATCHDOG=1; SIGHUP reloads; SIGTERM → STOPPING=1, exit 0",
          .enabled(if: Rig.available || Rig.required))
    func notifyProtocol() throws {
        try Rig.require()
        let folder = "Notify\(UUID().uuidString.prefix(8))"
        try Self.deliver(folder: folder, Self.corpus(["01-"]))
        let (config, db) = try Self.writeConfig(folder: folder)
        let socket = try NotifySocket()
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["serve", "--config", config]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socket.address
        environment["WATCHDOG_USEC"] = "400000"
        environment["JOURNAL_STREAM"] = "8:1234"
        p.environment = environment
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let started = socket.receiveBlocking(for: 10) { got in got.contains("READY=1") && got.contains("WATCHDOG=1") && got.contains { $0.contains(" 1 filed") } }
        #expect(started.first == "READY=1", "\(started)")
        #expect(started.contains { $0.hasPrefix("STATUS=polled ") && $0.contains(", 1 filed") && $0.contains("outbox 0") }, "\(started)")
        #expect(started.contains("WATCHDOG=1"))
        kill(p.processIdentifier, SIGHUP)
        let reloaded = socket.receiveBlocking(for: 5) { $0.contains("READY=1") }
        let reloading = reloaded.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }
        #expect(reloading != nil, "\(reloaded)")
        #expect(reloading.map { reloaded[$0...].contains("READY=1") } == true, "READY=1 follows RELOADING=1: \(reloaded)")
        kill(p.processIdentifier, SIGTERM)
        let stopping = socket.receiveBlocking(for: 10) { $0.contains("STOPPING=1") }
        #expect(stopping.contains("STOPPING=1"))
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(log)")
        #expect(log.contains("<6>liaison.poller: message case="), "journald form: \(log)")
        #expect(log.contains("<5>liaison.daemon: configuration reloaded"), "\(log)")
        #expect(try Self.filedCount(db: db, config: config) == 1)
    }

    /// Issue 16 part 2: once quiet, serve gives back the pages it does not run (IdleHandBack).
    /// Seen from outside: the log line, and the process's resident size from /proc.
    @Test("serve, once quiet, gives its unused pages back: resident size drops, logged", .enabled(if: Rig.available || Rig.required))
    func givesMemoryBackWhenQuiet() throws {
        try Rig.require()
        let folder = "Idle\(UUID().uuidString.prefix(8))"
        try Self.deliver(folder: folder, Self.corpus(["01-"]))
        let (config, db) = try Self.writeConfig(folder: folder, pollInterval: "30s")
        let logPath = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("serve.log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["serve", "--config", config]
        p.standardError = log
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        func text() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func residentKiB() -> Int {
            let status = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        func wait(_ seconds: Double, until: () -> Bool) -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if until() { return true }
                usleep(50_000)
            }
            return until()
        }
        #expect(wait(30) { text().contains("liaison.poller: message case=") }, "filed: \(text())")
        let busy = residentKiB()
        #expect(wait(30) { text().contains("idle: pages given back") }, "no hand-back within 30 s: \(text())")
        let quiet = residentKiB()
        let line = text().split(separator: "\n").first { $0.contains("idle: pages given back") }.map(String.init) ?? ""
        func field(_ name: String) -> Int? {
            guard let r = line.range(of: name + "=") else { return nil }
            return Int(line[r.upperBound...].prefix { $0.isNumber })
        }
        let before = try #require(field("resident_before_kb"), "\(line)")
        let after = try #require(field("resident_after_kb"), "\(line)")
        #expect(after < before, "\(line)")
        #expect(quiet < busy, "VmRSS \(busy) KiB once filed, \(quiet) KiB after the hand-back")
        #expect(try #require(field("ranges")) > 0, "\(line)")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text())")
        #expect(text().components(separatedBy: "idle: pages given back").count - 1 == 1, "one hand-back while quiet: \(text())")
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
