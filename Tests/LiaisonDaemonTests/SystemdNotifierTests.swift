import Foundation
import LiaisonDaemon
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import LiaisonTestSupport

@Suite("sd_notify without libsystemd", .ownExecutor)
struct SystemdNotifierTests {
    @Test("each state reaches a path socket as one datagram", arguments: [false, true])
    func statesArrive(abstract: Bool) async throws {
        let socket = try NotifySocket(abstract: abstract)
        let n = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        #expect(n.isEnabled)
        #expect(n.ready())
        #expect(n.status("polled 12:00:05, 3 filed\nsecond line"))
        #expect(n.watchdog())
        #expect(n.stopping())
        #expect(n.reloading())
        let got = await socket.receive(for: 60) { $0.count >= 5 }
        #expect(got.count == 5)
        #expect(got.prefix(4) == ["READY=1", "STATUS=polled 12:00:05, 3 filed second line", "WATCHDOG=1", "STOPPING=1"])
        let reload = got.last?.split(separator: "\n").map(String.init) ?? []
        #expect(reload.first == "RELOADING=1")
        #expect(reload.count == 2 && reload[1].hasPrefix("MONOTONIC_USEC=") && UInt64(reload[1].dropFirst(15)) != nil)
    }

    @Test("a full notification queue costs the datagram, never blocks the sender")
    func fullQueueDoesNotBlock() throws {
        // Nobody reads this socket: its queue (net.unix.max_dgram_qlen, 10 by default) fills, and a
        // blocking sendto would then wait for a reader forever, stalling the daemon's loop.
        let socket = try NotifySocket()
        let n = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        let outcome = Mutex<[Bool]?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var sent: [Bool] = []
            for _ in 0..<500 { sent.append(n.watchdog()) }
            outcome.withLock { $0 = sent }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 30) == .success, "the sender blocked on a full queue")
        let sent = try #require(outcome.withLock { $0 })
        #expect(sent.first == true)
        #expect(sent.contains(false), "the queue never filled: the test proves nothing")
        // What queued is readable, and sending works again once it is read.
        #expect(socket.receiveBlocking(for: 0.3).allSatisfy { $0 == "WATCHDOG=1" })
        #expect(n.status("after the queue drained"))
    }

    @Test func absentSocketIsANoOp() {
        let n = SystemdNotifier(environment: [:])
        #expect(!n.isEnabled)
        #expect(!n.ready())
        #expect(n.watchdogTimeout == nil)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]).isEnabled)
    }

    @Test func watchdogIntervalHonoursPID() {
        let mine = SystemdNotifier(environment: ["WATCHDOG_USEC": "5000000"], pid: 42)
        #expect(mine.watchdogTimeout == .seconds(5))
        #expect(mine.watchdogPingInterval == .milliseconds(2500))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "42"], pid: 42).watchdogTimeout == .seconds(5))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "43"], pid: 42).watchdogTimeout == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "zero"], pid: 42).watchdogTimeout == nil)
    }
}

/// A component that runs until graceful shutdown; its status and progress are set by the test.
final class FakeComponent: DaemonComponent, @unchecked Sendable {
    let name: String
    let progress = ProgressMonitor(initial: .seconds(60))
    private let lock = NSLock()
    private var summaryText = "fake ok"
    private var faultText: String?
    private(set) var onceRuns: [Date] = []
    private(set) var committed: [String] = []
    var failOnce: Error?
    var refuseReload: Error?

    private let order: OnceOrder?
    var onOnce: (@Sendable () -> Void)?

    init(name: String = "fake", order: OnceOrder? = nil) { self.name = name; self.order = order }

    func run() async throws {
        try? await LoopClock().waitForGracefulShutdown()
    }

    func runOnce(now: Date) async throws {
        if let failOnce { throw failOnce }
        lock.withLock { onceRuns.append(now) }
        order?.append(name)
        onOnce?()
    }

    func set(summary: String, fault: String? = nil) { lock.withLock { summaryText = summary; faultText = fault } }

    func status() -> ComponentStatus {
        lock.withLock { ComponentStatus(summary: [summaryText], fault: faultText, progress: progress) }
    }

    func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? {
        if let refuseReload { throw refuseReload }
        let name = try config.organization().name
        return { [self] in lock.withLock { committed.append(name) } }
    }
}

@Suite("Daemon and systemd", .ownExecutor)
struct DaemonNotifyTests {
    @Test("READY=1, STATUS= on change, WATCHDOG=1, then STOPPING=1 on shutdown")
    func lifecycle() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "200000"])
        let fake = FakeComponent()
        let daemon = Daemon(components: [fake], notifier: notifier, logger: LogCapture().logger(),
                            statusInterval: .milliseconds(20), handleSignals: false)
        let running = Task(executorPreference: TestLoop.current) { try await daemon.run() }
        let first = await socket.receive(for: 60) { got in got.contains("READY=1") && got.contains("WATCHDOG=1") && got.contains("STATUS=fake ok") }
        #expect(first.first == "READY=1")
        #expect(first.contains("STATUS=fake ok"))
        #expect(first.contains("WATCHDOG=1"))
        fake.set(summary: "fake busy", fault: "imap: connection refused")
        let second = await socket.receive(for: 60) { $0.contains { $0.hasPrefix("STATUS=fake busy") } }
        #expect(second.contains("STATUS=fake busy, last error imap: connection refused"))
        // Unchanged status is not repeated; pings go on meanwhile.
        let quiet = await socket.receive(for: 60) { $0.filter { $0 == "WATCHDOG=1" }.count >= 2 }
        #expect(!quiet.contains { $0.hasPrefix("STATUS=") })
        #expect(quiet.filter { $0 == "WATCHDOG=1" }.count >= 2)
        await daemon.shutdown()
        let last = await socket.receive(for: 60) { $0.contains("STOPPING=1") }
        #expect(last.contains("STOPPING=1"))
        try await running.value
    }

    @Test("a stalled component stops the watchdog pings, which resume with progress; logged once")
    func stallWithholdsPings() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "100000"])
        let fake = FakeComponent()
        fake.progress.expect(within: .zero)
        let logs = LogCapture()
        let daemon = Daemon(components: [fake], notifier: notifier, logger: logs.logger(),
                            statusInterval: .milliseconds(20), handleSignals: false)
        let running = Task(executorPreference: TestLoop.current) { try await daemon.run() }
        let ready = await socket.receive(for: 60) { $0.contains("READY=1") }
        #expect(ready.contains("READY=1"))
        let stalled = ready + (await socket.receive(for: 0.6))
        #expect(!stalled.contains("WATCHDOG=1"))
        #expect(daemon.stalledComponents() == ["fake"])
        #expect(await eventually(60) { logs.count("withholding watchdog pings") >= 1 })
        #expect(logs.count("withholding watchdog pings") == 1)
        fake.progress.expect(within: .seconds(60))
        let resumed = await socket.receive(for: 60) { $0.contains("WATCHDOG=1") }
        #expect(resumed.contains("WATCHDOG=1"))
        await daemon.shutdown()
        try await running.value
    }

    @Test("reload commits all components or none, and keeps the old configuration on an error")
    func reload() throws {
        let good = """
            [organization]
            name = "新名字"
            internal_domains = ["corp.example"]
            tracking_address = "track@corp.example"
            authserv_id = "mx.corp.example"
            """
        let box = ConfigBox(text: good)
        let a = FakeComponent(name: "a"), b = FakeComponent(name: "b")
        let logs = LogCapture()
        let daemon = Daemon(components: [a, b], notifier: .disabled, logger: logs.logger(),
                            loadConfig: { try LiaisonConfig(toml: box.text) }, handleSignals: false)
        #expect(daemon.reload())
        #expect(a.committed == ["新名字"] && b.committed == ["新名字"])

        b.refuseReload = ConfigError(key: "imap.url", problem: "is missing", fix: "add it")
        #expect(!daemon.reload())
        #expect(a.committed.count == 1, "a must not commit when b refused")
        #expect(daemon.statusLine().contains("reload refused: b: configuration key `imap.url`: is missing"))
        #expect(logs.lines.contains { $0.contains("reload refused") && $0.contains("component=b") })

        b.refuseReload = nil
        box.text = "[organization\nname = "
        #expect(!daemon.reload())
        #expect(logs.lines.last { $0.contains("reload refused") }?.contains("not valid TOML") == true)
        #expect(a.committed.count == 1 && b.committed.count == 1)
    }

    @Test("--once runs every component's pass in the order mail flows (the reverse of the start order), each at the time it starts, and names the one that failed")
    func once() async throws {
        let order = OnceOrder()
        // Start order as `Serve.components` gives it: consumers first (outbox, scheduler, poller).
        let outbox = FakeComponent(name: "outbox", order: order), scheduler = FakeComponent(name: "scheduler", order: order)
        let poller = FakeComponent(name: "poller", order: order)
        let daemon = Daemon(components: [outbox, scheduler, poller], notifier: .disabled, handleSignals: false)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let wall = ManualNow(start)
        poller.onOnce = { wall.advance(by: 5) }   // the poll takes 5 s: the scheduler fires at the time it starts
        try await daemon.runOnce(now: wall.now)
        #expect(order.names == ["poller", "scheduler", "outbox"])
        #expect(poller.onceRuns == [start] && scheduler.onceRuns == [start + 5] && outbox.onceRuns == [start + 5])
        outbox.failOnce = TestFailure("smtp down")
        await #expect(throws: DaemonError.self) { try await daemon.runOnce(now: .fixed(start)) }
        do { try await daemon.runOnce(now: .fixed(start)) } catch { #expect("\(error)" == "outbox: smtp down") }
    }
}

/// The order in which components ran their once-pass.
final class OnceOrder: Sendable {
    private let list = Mutex<[String]>([])
    func append(_ name: String) { list.withLock { $0.append(name) } }
    var names: [String] { list.withLock { $0 } }
}

final class ConfigBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String
    init(text: String) { value = text }
    var text: String {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// Holds every thread of the cooperative pool for a few seconds: in the serial run only
/// (scripts/test), where nothing else needs the pool meanwhile and the holders get it at once.
@Suite("Daemon: shutdown with the cooperative pool held", .ownExecutor)
struct DaemonPoolHeldTests {
    /// Shutdown reaches the sentinel (STOPPING=1) and the components while every thread of the
    /// cooperative pool is held by other work (a long synchronous computation, as in the test
    /// run beside it): ServiceLifecycle's `gracefulShutdown()` was resumed through an
    /// unstructured `Task` that waited for the pool (a minute without STOPPING=1 in CI).
    @Test("STOPPING=1 and the components' stop while the cooperative pool is held")
    func stoppingWhileThePoolIsHeld() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        let fake = FakeComponent()
        let daemon = Daemon(components: [fake], notifier: notifier, logger: LogCapture().logger(),
                            statusInterval: .milliseconds(20), handleSignals: false)
        let running = Task(executorPreference: TestLoop.current) { try await daemon.run() }
        _ = await socket.receive(for: 60) { $0.contains("READY=1") }
        let width = ProcessInfo.processInfo.activeProcessorCount
        let held = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holders = (0..<width).map { _ in Task.detached { Self.hold(held, until: release) } }
        defer { for _ in holders { release.signal() } }
        for _ in holders { #expect(Self.wait(held, seconds: 30), "a pool thread taken") }
        let asked = ContinuousClock.now
        await daemon.shutdown()
        let last = await socket.receive(for: 10) { $0.contains("STOPPING=1") }
        #expect(last.contains("STOPPING=1"), "STOPPING=1 while the pool is held")
        #expect(ContinuousClock.now - asked < .seconds(10))
        for _ in holders { release.signal() }
        try await running.value
    }

    /// Holds a thread of whatever runs it until `release` (synchronously, as long computations do).
    static func hold(_ held: DispatchSemaphore, until release: DispatchSemaphore) {
        held.signal()
        release.wait()
    }

    static func wait(_ s: DispatchSemaphore, seconds: Int) -> Bool { s.wait(timeout: .now() + .seconds(seconds)) == .success }
}
