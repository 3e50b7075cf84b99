import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTestSupport
import LiaisonTransport
import LiaisonTransportFakes
import Logging
import Testing
@testable import LiaisonDaemon

/// `/metrics` and `/healthz`'s source (issue 19, part 5): the corpus filed through the real
/// pipeline, reminders fired and mail sent by the real parts under `Daemon.runOnce`, the text
/// read back by an independent parser (Debian's python3-prometheus-client), every figure
/// compared with what the store says happened; health follows a fake IMAP server going down
/// and coming back. Each test has a registry of its own (no global bootstrap).
@Suite("OperatorEndpoints: metrics and health", .ownExecutor)
struct OperatorEndpointsTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let key = "track@corp.example imaps://mail.corp.example/INBOX"

    static func loadedMailbox() throws -> (InMemoryMailbox, Int) {
        let files = CorpusLocation.messages
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let mailbox = InMemoryMailbox(uidValidity: 7)
        for f in files { mailbox.deliver(CorpusLocation.bytes(f)) }
        return (mailbox, files.count)
    }

    static let config = """
        [organization]
        name = "示例科技有限公司"
        internal_domains = ["corp.example"]
        tracking_address = "track@corp.example"
        authserv_id = "mx.corp.example"
        """

    @Test("every series is present and named liaison_…; filing, firing and sending move them by exactly what the store recorded")
    func figuresFollowThePipeline() async throws {
        let endpoints = OperatorEndpoints()
        let metrics = endpoints.metrics
        let flow = try CorpusFlow("metrics")
        defer { flow.cleanup() }
        let (mailbox, count) = try Self.loadedMailbox()
        var pipeline = flow.pipeline
        pipeline.metrics = metrics
        let settings = PollerService.Settings(mailboxKey: Self.key, pollInterval: .seconds(60), stallLimit: .seconds(30))
        let poller = PollerService(setup: .init(mailbox: mailbox, pipeline: pipeline, settings: settings), logger: Self.quiet,
                                   onStuckReading: { _ in })
        let scheduler = SchedulerComponent(engine: flow.engine, organization: FlowFixtures.organization, logger: Self.quiet,
                                           metrics: metrics)
        // The first mail is refused for now (451), the second for good (550); the rest go.
        let smtp = RecordingMailSender(script: [.transient("451 4.3.0 try again"), .permanent("550 5.1.1 no such user")])
        let outbox = try OutboxComponent(store: flow.store, config: try LiaisonConfig(toml: Self.config), logger: Self.quiet,
                                         metrics: metrics) { _ in
            OutboxSender(store: flow.store, sender: smtp, logger: Self.quiet, metrics: metrics,
                         failureNotice: { entry, reason, now in flow.engine.deliveryFailure(entry, reason: reason, now: now) },
                         renderNotice: { try flow.engine.render($0) })
        }
        let daemon = Daemon(components: [outbox, scheduler, poller], logger: Self.quiet, handleSignals: false, operations: endpoints)
        #expect(daemon.operations === endpoints)

        let before = try await PrometheusText.parse(endpoints.metricsText())
        for name in ServiceMetrics.Name.all {
            #expect(before.family(name) != nil, "\(name) missing before anything happened")
        }
        #expect(before.value(ServiceMetrics.Name.messagesFiled) == 0)

        // One pass of `serve --once`: poll and file, then (a month later) fire and send.
        let started = Date()
        let report = try await poller.pass()
        let polledBy = Date()
        try await scheduler.runOnce(now: started.addingTimeInterval(30 * 86_400))
        try await outbox.runOnce(now: started.addingTimeInterval(30 * 86_400))
        let after = try await PrometheusText.parse(endpoints.metricsText())

        // Names and types.
        for sample in after.samples { #expect(sample.name.hasPrefix("liaison_"), "\(sample.name)") }
        for family in after.families { #expect(family.name.hasPrefix("liaison_"), "\(family.name)") }
        let types: [String: String] = [
            ServiceMetrics.Name.messagesFiled: "counter", ServiceMetrics.Name.filingDuration: "histogram",
            ServiceMetrics.Name.remindersPending: "gauge", ServiceMetrics.Name.outboxPending: "gauge",
            ServiceMetrics.Name.lastPoll: "gauge", ServiceMetrics.Name.imapFaults: "counter",
        ]
        for (name, type) in types { #expect(after.family(name)?.type == type, "\(name)") }
        for name in ServiceMetrics.Name.all { #expect(after.family(name) != nil, "\(name) missing") }

        // Filing: the counters moved by exactly what the pass did, the histogram once per filing.
        #expect(report.fetched == count)
        #expect(report.filed > 0 && report.held > 0)
        #expect(after.value(ServiceMetrics.Name.messagesFetched) == Double(report.fetched))
        #expect(after.value(ServiceMetrics.Name.messagesFiled) == Double(report.filed))
        #expect(after.value(ServiceMetrics.Name.filingDuration + "_count") == Double(report.filed))
        #expect(after.value(ServiceMetrics.Name.filingDuration + "_bucket", labels: ["le": "+Inf"]) == Double(report.filed))
        #expect((after.value(ServiceMetrics.Name.filingDuration + "_sum") ?? 0) > 0)
        #expect(after.sum(ServiceMetrics.Name.messagesHeld) == Double(report.held))
        #expect(after.value(ServiceMetrics.Name.messagesDuplicate) == Double(report.duplicates))
        let heldReasons = Dictionary(grouping: try flow.store.heldMessages(), by: { $0.reason })
        for (reason, rows) in heldReasons {
            #expect(after.value(ServiceMetrics.Name.messagesHeld, labels: ["reason": reason.metricLabel]) == Double(rows.count))
        }
        let polled = try #require(after.value(ServiceMetrics.Name.lastPoll))
        #expect(polled >= started.timeIntervalSince1970.rounded(.down) && polled <= polledBy.timeIntervalSince1970 + 1)

        // Reminders: as the store records them.
        let fired = try flow.store.reminders(caseNumber: nil, status: .fired, dueBefore: nil)
        #expect(!fired.isEmpty)
        #expect(after.value(ServiceMetrics.Name.remindersFired) == Double(fired.count))
        #expect(after.value(ServiceMetrics.Name.remindersLate) == Double(fired.filter(\.late).count))
        #expect(after.value(ServiceMetrics.Name.remindersPending) == Double(try flow.store.pendingReminderCount()))
        #expect(try flow.store.pendingReminderCount() > 0)

        // The outbox: sent and failed as the rows say; one 451 and one 550 as SMTP faults.
        let counts = try flow.store.outboxCounts()
        #expect((counts[.sent] ?? 0) > 0)
        #expect(after.value(ServiceMetrics.Name.outboxSent) == Double(counts[.sent] ?? 0))
        #expect(after.value(ServiceMetrics.Name.outboxFailed) == Double(counts[.failed] ?? 0))
        #expect(after.value(ServiceMetrics.Name.outboxFailed) == 1)
        #expect(after.value(ServiceMetrics.Name.outboxPending) == Double(counts[.pending] ?? 0))
        #expect(after.value(ServiceMetrics.Name.outboxPending) == 1, "the 451 waits for its retry")
        #expect(after.value(ServiceMetrics.Name.smtpFaults, labels: ["kind": "transient"]) == 1)
        #expect(after.value(ServiceMetrics.Name.smtpFaults, labels: ["kind": "permanent"]) == 1)
        #expect(after.sum(ServiceMetrics.Name.imapFaults) == 0)

        // Labels stay a closed set: no address, subject or case number ever becomes one.
        let allowed: Set<String> = Set(HoldReason.allReasons.map(\.metricLabel)).union(IMAPFaultKind.allCases.map(\.rawValue))
            .union(SMTPFaultKind.allCases.map(\.rawValue))
        for s in after.samples {
            for (k, v) in s.labels where k != "le" { #expect(allowed.contains(v), "label \(k)=\(v) on \(s.name)") }
        }
        #expect(endpoints.health().healthy)
    }

    @Test("health goes unhealthy with the part and its fault while IMAP is down, and back; the fault is counted by kind")
    func healthFollowsIMAP() async throws {
        let endpoints = OperatorEndpoints()
        let (inner, count) = try Self.loadedMailbox()
        let mailbox = SwitchableMailbox(inner)
        let store = try temporaryStore()
        var pipeline = IngestPipeline(organization: try CorpusLocation.organization(), store: store)
        pipeline.metrics = endpoints.metrics
        let settings = PollerService.Settings(mailboxKey: Self.key, pollInterval: .seconds(60),
                                              backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(80)),
                                              stallLimit: .seconds(30))
        let poller = PollerService(setup: .init(mailbox: mailbox, pipeline: pipeline, settings: settings), logger: Self.quiet,
                                   onStuckReading: { _ in })
        let daemon = Daemon(components: [poller], logger: Self.quiet, handleSignals: false, operations: endpoints)
        let healthy = daemon.operations.health()
        #expect(healthy.healthy && healthy.reason == "ok: poller")

        mailbox.down = true
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        let faulted = await eventually(60) { !endpoints.health().healthy }
        let sick = endpoints.health()
        #expect(faulted)
        #expect(sick.reason.hasPrefix("poller: imap: "), "\(sick.reason)")
        #expect(sick.reason.contains("curl error 7"), "\(sick.reason)")
        #expect(!sick.reason.contains("\n"))
        let down = try await PrometheusText.parse(endpoints.metricsText())
        #expect((down.value(ServiceMetrics.Name.imapFaults, labels: ["kind": "network"]) ?? 0) >= 1)
        #expect(down.value(ServiceMetrics.Name.imapFaults, labels: ["kind": "timeout"]) == 0)
        #expect(down.value(ServiceMetrics.Name.lastPoll) == 0, "no pass has worked yet")

        mailbox.down = false
        poller.wakeup.signal()
        let recovered = await eventually(60) { endpoints.health().healthy && poller.counters.passes >= 1 }
        poller.requestStop()
        try await task.value
        #expect(recovered, "\(endpoints.health().reason)")
        let up = try await PrometheusText.parse(endpoints.metricsText())
        #expect(up.value(ServiceMetrics.Name.messagesFetched) == Double(count))
        #expect((up.value(ServiceMetrics.Name.lastPoll) ?? 0) > 0)
        // Each failed pass failed at its first call: one fault each, none after the switch came back.
        #expect(up.value(ServiceMetrics.Name.imapFaults, labels: ["kind": "network"]) == Double(mailbox.failed))
    }

    @Test("a stalled part is unhealthy; reasons are one bounded line")
    func stalledAndBounded() {
        let stalled = StubComponent(name: "poller", status: ComponentStatus(progress: ProgressMonitor(initial: .zero)))
        let endpoints = OperatorEndpoints()
        endpoints.watch([stalled])
        let h = endpoints.health()
        #expect(!h.healthy && h.reason.hasPrefix("poller: no progress"), "\(h.reason)")

        let noisy = StubComponent(name: "outbox", status: ComponentStatus(fault: "outbox: line one\r\nline two " + String(repeating: "x", count: 2_000)))
        endpoints.watch([noisy])
        let n = endpoints.health()
        #expect(!n.healthy && n.reason.hasPrefix("outbox: line one  line two"))
        #expect(!n.reason.contains("\n") && !n.reason.contains("\r"))
        #expect(n.reason.count == OperatorEndpoints.reasonLimit)
    }

    @Test("IMAP errors map to a small set of kinds")
    func imapKinds() {
        #expect(IMAPFaultKind.of(CurlError(code: 7, message: "Couldn't connect")) == .network)
        #expect(IMAPFaultKind.of(CurlError(code: 28, message: "Timeout")) == .timeout)
        #expect(IMAPFaultKind.of(CurlError(code: 67, message: "Login denied")) == .login)
        #expect(IMAPFaultKind.of(CurlError(code: 60, message: "SSL peer certificate")) == .tls)
        #expect(IMAPFaultKind.of(MailboxError.commandTimeout("UID FETCH", seconds: 300)) == .timeout)
        #expect(IMAPFaultKind.of(MailboxError.protocolViolation("x")) == .protocol)
        #expect(IMAPFaultKind.of(TestError()) == .other)
    }
}

private struct TestError: Error {}

/// A part that only reports a fixed status.
private struct StubComponent: DaemonComponent {
    let name: String
    let fixed: ComponentStatus
    init(name: String, status: ComponentStatus) { self.name = name; self.fixed = status }
    func run() async throws {}
    func runOnce(now: Date) async throws {}
    func status() -> ComponentStatus { fixed }
}

/// The corpus mailbox behind a switch: while `down`, every call fails as a refused connection.
final class SwitchableMailbox: MailboxReading, @unchecked Sendable {
    private let inner: InMemoryMailbox
    private let lock = NSLock()
    private var isDown = false
    private var failures = 0
    init(_ inner: InMemoryMailbox) { self.inner = inner }

    var down: Bool {
        get { lock.withLock { isDown } }
        set { lock.withLock { isDown = newValue } }
    }
    var failed: Int { lock.withLock { failures } }

    private func check() throws {
        try lock.withLock {
            if isDown {
                failures += 1
                throw CurlError(code: 7, message: "Couldn't connect to server", operation: "IMAP STATUS")
            }
        }
    }

    func status() throws -> MailboxStatus { try check(); return try inner.status() }
    func uids(above checkpoint: UInt32) throws -> [UInt32] { try check(); return try inner.uids(above: checkpoint) }
    func fetch(uid: UInt32) throws -> [UInt8] { try check(); return try inner.fetch(uid: uid) }
    func move(uid: UInt32, to folder: String) throws { try check(); try inner.move(uid: uid, to: folder) }
}

/// Prometheus text read back by Debian's python3-prometheus-client
/// (`prometheus_client.parser.text_string_to_metric_families`), run off the cooperative pool.
struct PrometheusText: Sendable {
    struct Sample: Sendable { var name: String; var labels: [String: String]; var value: Double }
    struct Family: Sendable { var name: String; var type: String; var samples: [Sample] }
    var families: [Family]
    var samples: [Sample] { families.flatMap(\.samples) }

    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        text = open(sys.argv[1], encoding="utf-8").read()
        out = []
        for f in text_string_to_metric_families(text):
            out.append({"name": f.name, "type": f.type,
                        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
        print(json.dumps(out))
        """

    static func parse(_ text: String) async throws -> PrometheusText {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-metrics-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let out: ChildOutput = try await withCheckedThrowingContinuation { k in
            DispatchQueue(label: "liaison.test.prometheus-parser").async {
                k.resume(with: Result {
                    try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), [python, "-c", script, path.path])
                })
            }
        }
        guard out.status == 0 else {
            throw ParseFailure(text: "the Prometheus parser refused the text (python3-prometheus-client from scripts/setup?): "
                + out.stderrText + "\n" + text)
        }
        let json = try JSONSerialization.jsonObject(with: out.stdout) as? [[String: Any]] ?? []
        return PrometheusText(families: json.map { f in
            Family(name: f["name"] as? String ?? "", type: f["type"] as? String ?? "",
                   samples: (f["samples"] as? [[String: Any]] ?? []).map { s in
                       Sample(name: s["name"] as? String ?? "", labels: s["labels"] as? [String: String] ?? [:],
                              value: (s["value"] as? NSNumber)?.doubleValue ?? .nan)
                   })
        })
    }

    struct ParseFailure: Error, CustomStringConvertible { var text: String; var description: String { text } }

    /// The family a series name belongs to (a counter's family drops `_total`).
    func family(_ series: String) -> Family? {
        let base = series.hasSuffix("_total") ? String(series.dropLast(6)) : series
        return families.first { $0.name == base }
    }

    /// The one sample of `name` whose labels include `labels`.
    func value(_ name: String, labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// The sum over every label set of `name`.
    func sum(_ name: String) -> Double { samples.filter { $0.name == name }.map(\.value).reduce(0, +) }
}
