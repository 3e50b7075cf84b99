import Foundation
import LiaisonMail
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// What ServeEndToEndTests needs around a running `liaison serve`: a folder with a configuration
/// for the mail rig, the child process, a fake clock that survives restarts, waiting on
/// conditions, and reading a staff mailbox through `liaison fetch`.
enum E2E {
    typealias CLI = InspectCommandTests
    static let env = ProcessInfo.processInfo.environment

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    // MARK: waiting

    /// Checks `condition` every `every` seconds until it holds; throws after `timeout` seconds,
    /// naming `what` (and `detail()`, e.g. the log tail). Never a fixed sleep: a loaded machine
    /// only makes it slower.
    static func waitUntil(_ what: String, timeout: Double, every: Double = 0.2,
                          detail: () -> String = { "" }, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return }
            if Date() >= deadline { throw Failure("\(what) did not happen within \(Int(timeout)) s. \(detail())") }
            Thread.sleep(forTimeInterval: every)
        }
    }

    // MARK: the workspace

    /// A temporary folder with the rig's password in a file (mode 0600), the database, the logs
    /// and configurations.
    struct Workspace {
        let dir: URL
        var db: String { dir.appendingPathComponent("liaison.db").path }
        var passwordFile: String { dir.appendingPathComponent("password").path }

        init(_ label: String) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-\(label)-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: passwordFile, contents: Data(Rig.password.utf8),
                                           attributes: [.posixPermissions: 0o600])
        }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        /// A configuration like scripts/demo's: the mailbox `user`'s `folder` over IMAPS, submission
        /// with STARTTLS, the store in this folder, the package's Templates, `staff`, and `extra`
        /// TOML appended (e.g. `[reminders…]`).
        func writeConfig(_ name: String, user: String = "track@corp.example", folder: String = "INBOX",
                         pollInterval: String = "5s", staff: [(String, String)], extra: String = "") throws -> String {
            try ConfigText.write([
                ConfigText.organization(workday: true),
                ConfigText.rig(folder: folder, user: user, password: .file(passwordFile), pollInterval: pollInterval,
                               from: "Liaison 沟通跟踪 <track@corp.example>", db: db),
                ConfigText.packageTemplates + ConfigText.staff(staff) + "\n" + extra,
            ], to: path(name))
        }
    }

    // MARK: the fake clock

    /// `--now` for the first start, and what to pass after a restart so that the service's clock
    /// runs on from where it was (serve's clock is `--now` plus the real time since its start).
    struct FakeClock {
        let offset: TimeInterval

        init(startingAt iso: String) throws {
            guard let start = ISO8601DateFormatter().date(from: iso) else { throw Failure("bad instant \(iso)") }
            offset = start.timeIntervalSinceNow
        }

        func now() -> Date { Date().addingTimeInterval(offset) }

        /// `now()` as serve's `--now` takes it, in +08:00, with milliseconds.
        func nowArgument() -> String { E2E.iso(now(), fractional: true) }
    }

    static func iso(_ date: Date, fractional: Bool = false) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        f.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f.string(from: date)
    }

    /// An RFC 5322 Date (in +0800).
    static func rfc5322(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    // MARK: the serve process

    /// `liaison serve --config CONFIG --now NOW` as a child, its standard error (the log) in a file.
    final class Serve {
        let process = Process()
        let logPath: String

        /// `notifySocket`: systemd's notification socket for the child (STATUS= lines), none by default.
        /// `environment`: added to the child's (e.g. `LIAISON_TEST_BATCH_COUNT`).
        init(config: String, now: String, logPath: String, notifySocket: String? = nil, environment extra: [String: String] = [:]) throws {
            self.logPath = logPath
            FileManager.default.createFile(atPath: logPath, contents: nil)
            process.executableURL = CLI.binary
            process.arguments = ["serve", "--config", config, "--now", now]
            var environment = E2E.env
            environment.removeValue(forKey: "LIAISON_CONFIG")
            environment.removeValue(forKey: "NOTIFY_SOCKET")
            environment.removeValue(forKey: "WATCHDOG_USEC")
            if let notifySocket { environment["NOTIFY_SOCKET"] = notifySocket }
            environment.merge(extra) { _, new in new }
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var pid: Int32 { process.processIdentifier }
        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func logLines(containing s: String) -> [String] { log.split(separator: "\n").map(String.init).filter { $0.contains(s) } }
        var logTail: String { "serve log (\(logPath)):\n" + log.split(separator: "\n").suffix(25).joined(separator: "\n") }

        func waitReady(timeout: Double = 60) throws {
            try E2E.waitUntil("liaison serve to be ready", timeout: timeout, detail: { logTail }) {
                if !process.isRunning { throw Failure("liaison serve exited (\(process.terminationStatus)). \(logTail)") }
                return log.contains(": ready")
            }
        }

        /// Sends `signal` and waits up to `timeout` s for the exit; its status (nil: still running).
        func stop(_ signal: Int32, timeout: Double) -> Int32? {
            kill(pid, signal)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { return nil }
            return process.terminationStatus
        }

        /// Makes sure the child is gone (a failed test must not leave it running).
        func ensureStopped() {
            if process.isRunning { _ = stop(SIGKILL, timeout: 10) }
        }
    }

    // MARK: the rig

    /// Hands `file` to Postfix over SMTP (the rig's port-25 listener) for `recipient`: Postfix
    /// queues it and delivers it to Dovecot over LMTP, retrying while Dovecot is down.
    static func sendSMTP(to recipient: String, from sender: String, file: String) throws {
        let r = try ChildProcess.runToFile(URL(fileURLWithPath: "/usr/bin/env"), [
            "curl", "--silent", "--show-error", "--max-time", "30", Rig.smtpURL,
            "--mail-from", sender, "--mail-rcpt", recipient, "--upload-file", file,
        ])
        if r.status != 0 { throw Failure("curl smtp to \(recipient) failed (\(r.status)): \(r.stdoutText)") }
    }

    // MARK: the CLI's JSON

    static func json(_ args: [String]) throws -> Any {
        let r = try CLI.run(args)
        guard r.status == 0 else { throw Failure("liaison \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    static func cases(config: String) throws -> [[String: Any]] {
        try json(["cases", "list", "--json", "--config", config]) as? [[String: Any]] ?? []
    }

    static func caseShown(_ number: String, config: String) throws -> [String: Any] {
        try json(["cases", "show", number, "--json", "--config", config]) as? [String: Any] ?? [:]
    }

    /// The Message-IDs of every correspondence entry on every case, with repetitions.
    static func filedMessageIDs(config: String) throws -> [String] {
        var ids: [String] = []
        for c in try cases(config: config) {
            guard let n = c["number"] as? String else { continue }
            ids += ((try caseShown(n, config: config)["correspondence"] as? [[String: Any]]) ?? []).compactMap { $0["messageID"] as? String }
        }
        return ids
    }

    static func reminders(config: String, status: String = "all") throws -> [[String: Any]] {
        try json(["reminders", "list", "--json", "--status", status, "--config", config]) as? [[String: Any]] ?? []
    }

    // MARK: a staff mailbox

    /// One mail read back from a mailbox.
    struct Mail {
        var uid: UInt32
        var message: Message
        var messageID: String? { message.messageID }
        var subject: String { message.subject ?? "" }
        func header(_ name: String) -> String? { message.root.header[name] }
    }

    /// The UIDNEXT of the mailbox `config` reads (`liaison fetch` prints it first): mail
    /// arriving later has a UID at least this, so older mail of other runs is left out.
    static func uidNext(config: String) throws -> UInt32 {
        let r = try CLI.run(["fetch", "--config", config, "--since-uid", "4294967294"])
        guard r.status == 0, let line = r.stdout.split(separator: "\n").first,
              let next = line.split(separator: " ").last.flatMap({ UInt32($0) }), line.hasPrefix("UIDVALIDITY ")
        else { throw Failure("liaison fetch: \(r.status) \(r.stdout) \(r.stderr)") }
        return next
    }

    /// Every mail with a UID of at least `from` in the mailbox `config` reads.
    static func mails(config: String, from uid: UInt32, scratch: URL) throws -> [Mail] {
        let out = scratch.appendingPathComponent("fetch-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["fetch", "--config", config, "--since-uid", String(max(uid, 1) - 1), "--out", out.path])
        guard r.status == 0 else { throw Failure("liaison fetch: \(r.status) \(r.stderr)") }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        return names.compactMap { name -> Mail? in
            guard name.hasSuffix(".eml"), let n = UInt32(name.dropLast(4)), n >= uid,
                  let data = FileManager.default.contents(atPath: out.appendingPathComponent(name).path) else { return nil }
            return Mail(uid: n, message: MessageParser.parse([UInt8](data)))
        }.sorted { $0.uid < $1.uid }
    }

    /// The instant of `retry_at="2026-11-18 02:00:36 +0000"` in an outbox log line.
    static func retryAt(_ line: String) -> Date? {
        guard let r = line.range(of: "retry_at=\"") else { return nil }
        let value = line[r.upperBound...].prefix { $0 != "\"" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
        return f.date(from: String(value))
    }
}

/// Generated mail for the fault test: complaints from outside customers to wang.fang with the
/// tracking address in CC (each opens a case: an outsider writing to a staff address, the
/// subject's 投诉 makes it a complaint with its 24 h response reminder), and replies from the
/// same customer threaded on them by In-Reply-To/References (each joins that case). Distinct
/// Message-IDs per run; CRLF line ends, UTF-8 in encoded words and an 8bit body.
struct GeneratedMail {
    struct Item {
        var path: String
        var messageID: String
        var sender: String
        /// The complaint's Message-ID, for a reply.
        var repliesTo: String?
    }

    let dir: URL
    let run = UUID().uuidString.prefix(8).lowercased()

    private static func encoded(_ text: String) -> String { "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?=" }

    private func write(_ name: String, _ lines: [String], body: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data((lines.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n").utf8).write(to: url)
        return url.path
    }

    private func headers(_ i: Int, subject: String, date: Date, id: String) -> [String] {
        ["From: \(Self.encoded("客户\(i)")) <buyer\(i)@client\(i).example>",
         "To: \(Self.encoded("王芳")) <wang.fang@corp.example>",
         "Cc: track@corp.example",
         "Subject: \(Self.encoded(subject))",
         "Date: \(E2E.rfc5322(date))",
         "Message-ID: \(id)",
         "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=utf-8",
         "Content-Transfer-Encoding: 8bit"]
    }

    /// Complaint number `i`, dated `date`; with `receivedAt`, stamped on top by our MX at that
    /// (real) instant, as if it had reached us then (its clocks run from the stamp).
    func complaint(_ i: Int, date: Date, receivedAt: Date? = nil) throws -> Item {
        let id = "<e2e.\(run).\(i)@client\(i).example>"
        let stamp = receivedAt.map {
            ["Received: from client\(i).example (client\(i).example [192.0.2.\(i)]) by mx.corp.example (Postfix) with ESMTPS id E2E\(i); \(E2E.rfc5322($0))"]
        } ?? []
        let path = try write("complaint-\(i).eml", stamp + headers(i, subject: "投诉:第\(i)批设备无法开机", date: date, id: id),
                             body: "王经理：\r\n第\(i)批到货的设备无法开机，请尽快处理。")
        return Item(path: path, messageID: id, sender: "buyer\(i)@client\(i).example")
    }

    /// The customer's reply on `complaint`.
    func reply(to complaint: Item, date: Date) throws -> Item {
        let i = complaint.path.split(separator: "-").last.flatMap { Int($0.dropLast(4)) } ?? 0
        let id = "<e2e.\(run).\(i).re@client\(i).example>"
        let path = try write("reply-\(i).eml",
                             headers(i, subject: "Re: 投诉:第\(i)批设备无法开机", date: date, id: id)
                                 + ["In-Reply-To: \(complaint.messageID)", "References: \(complaint.messageID)"],
                             body: "补充：序列号见附件清单。")
        return Item(path: path, messageID: id, sender: complaint.sender, repliesTo: complaint.messageID)
    }
}
