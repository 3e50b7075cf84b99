import ArgumentParser
import Dispatch
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import Logging

/// The scheduler benchmark of issue 6: N pending reminders in SQLite (default 100,000); the
/// service "restarts" (a new store handle, `nextReminderTime`, the timer armed) and the first D
/// of them come due over S seconds while the rest stay pending. Prints the re-arm time, the
/// process's peak memory, and each fired reminder's lateness (its follow-up — notice rendered
/// from Templates/, outbox row — written, minus its due time), p50/p99/max. The named peer is the
/// design we did not take, one `DispatchSourceTimer` per reminder, armed in the same process for
/// the same N: its arming time and memory are printed beside ours as ratios.
/// Build with `swift build -c release --product liaison-bench` for meaningful numbers.
struct BenchReminders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-reminders", abstract: "Benchmark the reminder scheduler: re-arm, memory, firing lateness.")
    @Option(help: "Pending reminders in the store.") var pending = 100_000
    @Option(help: "How many of them come due during the run.") var due = 5_000
    @Option(help: "Seconds over which those come due.") var spread: Double = 30
    @Option(help: "The templates folder.") var templates = "Templates"
    @Flag(help: "Only arm the peer's timers and print its figures (the benchmark runs this in a child process).") var peerOnly = false
    @Option(help: "Only fill this database (the benchmark runs this in a child process, so that filling is not counted in the service's memory).")
    var fillOnly: String?
    @Option(help: "With --fill-only: when the first due reminder falls (seconds since 1970).") var firstDue: Double = 0

    static let org = Organization(name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                                  authservID: "mx.corp.example")

    func run() async throws {
        if peerOnly { return try peer() }
        if let fillOnly { return try fill(path: fillOnly, start: Date(timeIntervalSince1970: firstDue)) }
        guard due <= pending, due > 0 else { throw ValidationError("--due must be between 1 and --pending") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-reminders-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("liaison.db").path
        let rssStart = Self.rss().current

        // Fill, in a child process: the service under test starts after it, as after a restart.
        let start = Date() + 8 + Double(pending) / 20_000
        let filled = Date()
        let filler = Process()
        filler.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        filler.arguments = ["bench-reminders", "--fill-only", path, "--pending", String(pending), "--due", String(due),
                            "--spread", String(spread), "--first-due", String(start.timeIntervalSince1970)]
        try filler.run()
        filler.waitUntilExit()
        guard filler.terminationStatus == 0 else { throw ValidationError("filling the database failed") }
        print("filled \(pending) pending reminders in \(Self.ms(Date().timeIntervalSince(filled))) ms (child process)")

        // Restart: a new handle, the earliest due time, the timer armed (templates loaded first:
        // they are configuration, not scheduling).
        let tpl = try MailTemplates(directory: templates)
        let rssFilled = Self.rss().current
        let restart = ContinuousClock.now
        let store = try SQLiteStore(path: path)
        let renderer = NoticeRenderer(templates: tpl, config: TemplateConfig(directory: templates), organization: Self.org,
                                      from: Address(name: "Liaison", address: "track@corp.example"))
        let engine = ReminderEngine(planner: ReminderPlanner(organization: Self.org, rules: .defaults), renderer: renderer, store: store,
                                    logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let lateness = Lateness()
        engine.observer = { r in lateness.add(Date().timeIntervalSince(r.fireAt)) }
        let timer = StoreTimer(name: "reminders", safetyInterval: .seconds(60),
                               logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }),
                               next: { try store.nextReminderTime() }, work: { now in try engine.fireDue(now: now) })
        timer.start()
        let armedAt = await timer.armedForNow()
        let rearm = ContinuousClock.now - restart
        let rssArmed = Self.rss().current
        print("re-armed after restart in \(rearm) (armed for \(armedAt.map { Self.ms($0.timeIntervalSinceNow) + " ms ahead" } ?? "-"))")

        // Wait until every due reminder fired (or a generous bound).
        let deadline = start + spread + 60
        while lateness.count < due && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        timer.stop()
        let rss = Self.rss()   // before the count below, which loads the remaining rows
        let left = try store.reminders(caseNumber: nil, status: .pending, dueBefore: nil).count
        let sorted = lateness.sorted()
        func pct(_ p: Double) -> String { sorted.isEmpty ? "-" : Self.ms(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) + " ms" }
        print("fired \(sorted.count) of \(due) due (\(left) still pending); lateness p50 \(pct(0.5)), p99 \(pct(0.99)), max \(sorted.last.map { Self.ms($0) + " ms" } ?? "-")")
        print("memory: peak \(rss.peak / 1_048_576) MiB resident from start to the last firing (at start \(rssStart / 1_048_576) MiB, after re-arming \(rssArmed / 1_048_576) MiB)")

        // The peer, in a child process of its own so that its memory is its own.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["bench-reminders", "--peer-only", "--pending", String(pending)]
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        let fields = out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
        guard fields.count == 2 else { throw ValidationError("peer run failed: \(out)") }
        let ours = Double(rearm.components.attoseconds) / 1e18 + Double(rearm.components.seconds)
        let ourMiB = Double(max(0, rssArmed - rssFilled)) / 1_048_576
        print(String(format: "peer (one DispatchSourceTimer per reminder, %d armed): %.1f ms, +%.1f MiB resident", pending, fields[0] * 1000, fields[1]))
        print(String(format: "ratios vs peer: re-arm time %.2f×; resident growth to hold %d pending: ours %.1f MiB (rows stay on disk) vs the peer's %.1f MiB for its timers (%.2f×)",
                     ours / max(fields[0], 1e-9), pending, ourMiB, fields[1], ourMiB / max(fields[1], 0.01)))
        let p99 = sorted.isEmpty ? Double.infinity : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        let ok = rearm < .seconds(1) && rss.peak < 100 * 1_048_576 && p99 < 1 && sorted.count == due
        print("goals (re-arm < 1 s, peak < 100 MB, every due reminder fired, p99 lateness < 1 s): \(ok ? "met" : "NOT met")")
    }

    /// Fills `path`: one open case; `due` reminders from `start` over `spread` seconds, the rest in 30–60 days.
    func fill(path: String, start: Date) throws {
        let store = try SQLiteStore(path: path)
        let c = try store.openCase(NewCase(numberTemplate: "EC20261123-{seq:3}", isInternal: false,
                                           counterparty: Counterparty(organization: "client.example", contacts: ["client@client.example"]),
                                           owner: "zhang.wei@corp.example", category: "complaint", openedAt: Date()))
        var k = 0
        while k < pending {
            let chunk = (k..<min(pending, k + 10_000)).map { i -> NewReminder in
                let at = i < due ? start + spread * Double(i) / Double(due) : Date() + 30 * 86_400 + Double(i % 2_592_000)
                return NewReminder(caseNumber: c.number, kind: .complaintResponse, fireAt: at, about: at,
                                   recipients: ["zhang.wei@corp.example"], key: "bench:\(i)")
            }
            try store.update(now: Date()) { _ in FollowUp(reminders: chunk) }
            k += chunk.count
        }
    }

    /// The peer's figures on stdout: seconds to arm, MiB resident added.
    func peer() throws {
        let before = Self.rss().current
        let armStart = ContinuousClock.now
        let queue = DispatchQueue(label: "bench.peer")
        var timers: [DispatchSourceTimer] = []
        timers.reserveCapacity(pending)
        for i in 0..<pending {
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(wallDeadline: .now() + .seconds(86_400 + i % 1_000))
            t.setEventHandler {}
            t.resume()
            timers.append(t)
        }
        let took = ContinuousClock.now - armStart
        let added = Double(max(0, Self.rss().current - before)) / 1_048_576
        print(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18, added)
        for t in timers { t.cancel() }
    }

    static func ms(_ s: TimeInterval) -> String { String(format: "%.1f", s * 1000) }

    /// Resident and peak resident bytes from /proc/self/status.
    static func rss() -> (current: Int, peak: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func kb(_ key: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return (kb("VmRSS:"), kb("VmHWM:"))
    }

    final class Lateness: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Double] = []
        func add(_ v: Double) { lock.withLock { values.append(v) } }
        var count: Int { lock.withLock { values.count } }
        func sorted() -> [Double] { lock.withLock { values.sorted() } }
    }
}
