import Foundation
import LiaisonTestSupport
import LiaisonCore
@testable import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import LiaisonTransportFakes
import Logging
import Testing

@Suite("PollerService against InMemoryMailbox and SQLite", .ownExecutor)
struct PollerServiceTests {
    static let key = "track@corp.example imaps://mail.corp.example/INBOX"

    static func make(mailbox: InMemoryMailbox, store: SQLiteStore? = nil, filingStore: (any IngestStore)? = nil,
                     watcher: (any MailboxWatching)? = nil,
                     step: (any ReadObserver)? = nil, interval: Duration = .seconds(60),
                     backoff: Backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(80)),
                     containment: ContainmentLimits = ContainmentLimits(),
                     batch: ContainedIngest.BatchBounds = .standard,
                     onStuckReading: (@Sendable (String) -> Void)? = { _ in },
                     logs: LogCapture = LogCapture()) throws -> (PollerService, SQLiteStore) {
        let store = try store ?? temporaryStore()
        var pipeline = IngestPipeline(organization: try CorpusLocation.organization(), store: filingStore ?? store)
        if let step { pipeline.readObserver = { step.read($0) } }
        var settings = PollerService.Settings(mailboxKey: key, pollInterval: interval, backoff: backoff, stallLimit: .seconds(30),
                                              containment: containment)
        settings.batch = batch
        let poller = PollerService(setup: .init(mailbox: mailbox, watcher: watcher, pipeline: pipeline, settings: settings),
                                   logger: logs.logger("liaison.poller"), onStuckReading: onStuckReading)
        return (poller, store)
    }

    static func loadedMailbox() throws -> (InMemoryMailbox, Int) {
        let files = CorpusLocation.messages
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let mailbox = InMemoryMailbox(uidValidity: 7)
        for f in files { mailbox.deliver(CorpusLocation.bytes(f)) }
        return (mailbox, files.count)
    }

    @Test("files the corpus once; a second pass fetches and files nothing")
    func filesOnce() async throws {
        let (mailbox, count) = try Self.loadedMailbox()
        let (poller, store) = try Self.make(mailbox: mailbox)
        let first = try await poller.pass()
        #expect(first.fetched == count)
        #expect(first.filed + first.held == count)
        #expect(first.duplicates == 0)
        let counts = try store.counts()
        #expect(counts.correspondence == first.filed)
        #expect(counts.held == first.held)
        #expect(try store.checkpoint(mailbox: Self.key) == MailboxCheckpoint(mailbox: Self.key, uidValidity: 7, lastUID: UInt32(count)))

        let second = try await poller.pass()
        #expect(second.fetched == 0 && second.filed == 0)
        #expect(mailbox.calls.last == "uids(above: \(count))")
        #expect(try store.counts().correspondence == counts.correspondence)
    }

    @Test("a recreated mailbox (new UIDVALIDITY) is re-read from UID 0; nothing is filed twice")
    func uidValidityChange() async throws {
        let (mailbox, count) = try Self.loadedMailbox()
        let logs = LogCapture()
        let (poller, store) = try Self.make(mailbox: mailbox, logs: logs)
        let first = try await poller.pass()
        mailbox.recreate(uidValidity: 8)
        for f in CorpusLocation.messages { mailbox.deliver(CorpusLocation.bytes(f)) }
        let second = try await poller.pass()
        #expect(second.uidValidityReset)
        #expect(second.fetched == count)
        #expect(second.duplicates == count, "every message is recognised as already filed or held")
        #expect(second.filed == 0 && second.held == 0)
        #expect(try store.counts().correspondence == first.filed)
        #expect(try store.checkpoint(mailbox: Self.key)?.uidValidity == 8)
        #expect(logs.count("UIDVALIDITY changed") == 1)
    }

    @Test("mailbox errors are retried with back-off, logged once when they start and once when they clear")
    func retriesWithBackoff() async throws {
        let (mailbox, count) = try Self.loadedMailbox()
        let refused = CurlError(code: 7, message: "Couldn't connect to server", operation: "IMAP STATUS")
        mailbox.failNextCalls(with: [refused, refused, refused])
        let logs = LogCapture()
        let (poller, store) = try Self.make(mailbox: mailbox, logs: logs)
        let started = ContinuousClock.now
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        let done = await eventually(60) { poller.counters.passes >= 1 }
        let elapsed = ContinuousClock.now - started
        poller.requestStop()
        try await task.value
        #expect(done)
        // Three failures: waits of 20, 40 and 80 ms before the pass that worked.
        #expect(elapsed >= .milliseconds(140))
        #expect(mailbox.calls.prefix(4) == ["status", "status", "status", "status"])
        #expect(logs.count("fault started") == 1)
        #expect(logs.count("fault cleared") == 1)
        let startLine = logs.lines.first { $0.contains("fault started") } ?? ""
        #expect(startLine.contains("fault=imap") && startLine.contains("curl error 7"))
        #expect(logs.lines.first { $0.contains("fault cleared") }?.contains("attempts=3") == true)
        let counts = try store.counts()
        #expect(counts.correspondence + counts.held == count)
        #expect(poller.status().fault == nil)
    }

    @Test("the back-off doubles and is capped")
    func backoffValues() {
        let b = Backoff(initial: .seconds(1), maximum: .seconds(10))
        #expect((1...6).map { b.delay(attempt: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test("a message that cannot be filed (below max_filing_attempts), or a locked database, is retried, not skipped, and shown in STATUS",
          arguments: [false, true])
    func failingFilingBlocksUntilFixed(databaseLocked: Bool) async throws {
        let (mailbox, count) = try Self.loadedMailbox()
        let base = try temporaryStore()
        let flaky = FlakyStore(base: base, failOnMessageID: "<5e1a.20261117154000@corp.example>",  // corpus 03, UID 3
                               error: databaseLocked ? lockedDatabaseError() : TestFailure("no case EC0"))
        let logs = LogCapture()
        let (poller, store) = try Self.make(mailbox: mailbox, store: base, filingStore: flaky,
                                            containment: ContainmentLimits(maxFilingAttempts: 1_000), logs: logs)
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        let expected = databaseLocked ? "database: SQLite error 5: database is locked" : "message uid 3: no case EC0"
        let faulted = await eventually(60) { poller.status().fault?.hasPrefix(expected) == true && flaky.failures >= 3 }
        #expect(faulted, "status fault: \(poller.status().fault ?? "none")")
        // A message's own failure: UIDs 1 and 2 are filed (the batch's transaction commits what
        // came before UID 3); 3 and later wait: the checkpoint stays at 2. A store fault rolls
        // the whole batch back (UIDs 1–12 arrived together): nothing is filed, nothing skipped.
        let before: UInt32 = databaseLocked ? 0 : 2
        #expect((try store.checkpoint(mailbox: Self.key)?.lastUID ?? 0) == before)
        #expect(try store.counts().correspondence == Int(before))
        #expect(logs.count("fault started") == 1)
        flaky.heal()
        let recovered = await eventually(60) { (try? store.checkpoint(mailbox: Self.key)?.lastUID) == UInt32(count) }
        poller.requestStop()
        try await task.value
        #expect(recovered)
        #expect(logs.count("fault cleared") == 1)
        let counts = try store.counts()
        #expect(counts.correspondence + counts.held == count)
        #expect(poller.status().fault == nil)
    }

    @Test("a store error is a database fault; others are tied to the message's UID")
    func classification() {
        let db = PollerService.failure(lockedDatabaseError(), uid: 9)
        #expect(db.kind == .store)
        #expect(db.reason == "SQLite error 5: database is locked")
        #expect(PollerService.failure(TestFailure("bad"), uid: 9).kind == .message(uid: 9))
    }

    @Test("an IDLE wake-up starts a pass at once; the IDLE wait is bounded by poll_interval")
    func watcherWakes() async throws {
        let mailbox = InMemoryMailbox(uidValidity: 3)
        let watcher = FakeWatcher()
        let (poller, store) = try Self.make(mailbox: mailbox, watcher: watcher, interval: .seconds(45))
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        #expect(await eventually(60) { watcher.waitCount >= 1 })
        #expect(poller.counters.passes == 1)
        mailbox.deliver(CorpusLocation.bytes(CorpusLocation.messages[0]))
        let started = Date()
        watcher.fire()
        let filed = await eventually(60) { (try? store.counts().correspondence) == 1 }
        #expect(filed)
        // Woken by IDLE, not by the 45 s safety-net timer (generous: the test pool may be busy).
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(watcher.timeouts.first == 45)
        poller.requestStop()
        try await task.value
    }

    @Test("a server without IDLE falls back to polling every poll_interval")
    func noIdleFallsBackToPolling() async throws {
        let mailbox = InMemoryMailbox(uidValidity: 3)
        let watcher = FakeWatcher(unsupported: true)
        let logs = LogCapture()
        let (poller, store) = try Self.make(mailbox: mailbox, watcher: watcher, interval: .milliseconds(100), logs: logs)
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        #expect(await eventually(60) { poller.counters.passes >= 1 })
        mailbox.deliver(CorpusLocation.bytes(CorpusLocation.messages[0]))
        let filed = await eventually(60) { (try? store.counts().correspondence) == 1 }
        poller.requestStop()
        try await task.value
        #expect(filed)
        #expect(watcher.waitCount == 1, "IDLE is not retried once the server said it has none")
        #expect(logs.count("offers no IDLE") == 1)
    }

    @Test("graceful shutdown finishes the batches in hand (one filed, one read: whole batches) and starts no other")
    func shutdownFinishesMessageInHand() async throws {
        let (mailbox, count) = try Self.loadedMailbox()
        let step = BlockingStep()
        let (poller, store) = try Self.make(mailbox: mailbox, step: step, containment: ContainmentLimits(readingBudget: .seconds(120)),
                                            batch: .init(maxCount: 4, maxBytes: 1 << 20))
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        #expect(await eventually(60) { step.entered })
        poller.requestStop()
        step.release()
        try await task.value
        let done = try store.counts().correspondence + store.counts().held
        #expect(count > 8)
        #expect(done == 4 || done == 8, "the first batch, and the second when it was marked before the stop: \(done)")
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(done))
        for uid in 1...UInt32(count) {
            #expect(try store.processing(ContainmentTests.marker(uid)) == nil, "UID \(uid): nothing left in progress")
        }
    }

    @Test("STATUS shows the last poll in the organisation's zone and the count filed")
    func statusText() async throws {
        let (mailbox, _) = try Self.loadedMailbox()
        let (poller, _) = try Self.make(mailbox: mailbox)
        #expect(poller.status().summary == ["not polled yet", "0 filed"])
        let report = try await poller.pass()
        let s = poller.status()
        #expect(s.summary.count == 2)
        #expect(s.summary[0].range(of: #"^polled \d\d:\d\d:\d\d$"#, options: .regularExpression) != nil)
        #expect(s.summary[1] == "\(report.filed) filed")
    }
}

/// Sees each message as its reading ends, on the reading thread (`IngestPipeline.readObserver`).
protocol ReadObserver: Sendable {
    func read(_ facts: MessageFacts)
}

/// A SQLite store whose filing fails for one Message-ID until healed: the failure is thrown
/// inside the filing transaction, as a real one would be, so nothing is written and the
/// checkpoint stays.
final class FlakyStore: FilingStore, ContainmentStore, @unchecked Sendable {
    private let lock = NSLock()
    private let base: SQLiteStore
    private let target: String
    private let error: any Error
    private var healed = false
    private var count = 0
    /// Throw when the follow-up is asked for (after the message's rows were written in the
    /// transaction), not when its filing is.
    private let late: Bool
    init(base: SQLiteStore, failOnMessageID: String, error: any Error, inFollowUp: Bool = false) {
        self.base = base
        target = failOnMessageID
        self.error = error
        late = inFollowUp
    }
    var failures: Int { lock.withLock { count } }
    func heal() { lock.withLock { healed = true } }

    /// The plan, failing on the target message when its filing is asked for.
    struct Failing<P: FilingPlan>: FilingPlan {
        var plan: P
        var store: FlakyStore
        let isTarget = Recorder()
        func filing(_ view: any FilingView) throws -> Filing {
            let filing = try plan.filing(view)
            try store.lock.withLock {
                if !store.healed && filing.message.messageID == store.target {
                    isTarget.add("target")
                    if store.late { return }
                    store.count += 1
                    throw store.error
                }
            }
            return filing
        }
        func followUp(_ context: FiledContext) throws -> FollowUp {
            try store.lock.withLock {
                if store.late && !isTarget.items.isEmpty {
                    store.count += 1
                    throw store.error
                }
            }
            return try plan.followUp(context)
        }
        func summary(_ context: HeldContext) throws -> FollowUp { try plan.summary(context) }
    }

    func file(_ plan: some FilingPlan, now: Date) throws -> FilingOutcome {
        try base.file(Failing(plan: plan, store: self), now: now)
    }
    /// SQLite's batch transaction (one savepoint per message), each plan failing as above.
    func file<P: FilingPlan>(batch plans: [P], now: Date) throws -> FilingBatch {
        try base.file(batch: plans.map { Failing(plan: $0, store: self) }, now: now)
    }
    func beginProcessing(batch: [(marker: ProcessingMarker, contentHash: String)], run: String, now: Date) throws -> Int? {
        try base.beginProcessing(batch: batch, run: run, now: now)
    }
    func reject(heldID: Int64) throws { try base.reject(heldID: heldID) }
    func checkpoint(mailbox: String) throws -> MailboxCheckpoint? { try base.checkpoint(mailbox: mailbox) }
    func beginProcessing(_ marker: ProcessingMarker, run: String, now: Date) throws -> ProcessingRecord {
        try base.beginProcessing(marker, run: run, now: now)
    }
    func recordFailure(_ marker: ProcessingMarker, reason: String, now: Date) throws -> ProcessingRecord {
        try base.recordFailure(marker, reason: reason, now: now)
    }
    func holdUnprocessable(raw: [UInt8], contentHash: String, detail: String, marker: ProcessingMarker?,
                           checkpoint: MailboxCheckpoint?, now: Date) throws -> FilingOutcome {
        try base.holdUnprocessable(raw: raw, contentHash: contentHash, detail: detail, marker: marker, checkpoint: checkpoint, now: now)
    }
    func unprocessableHeld(contentHash: String) throws -> Int64? { try base.unprocessableHeld(contentHash: contentHash) }
    func unprocessableCount() throws -> Int { try base.unprocessableCount() }
    func processing(_ marker: ProcessingMarker) throws -> ProcessingRecord? { try base.processing(marker) }
}

/// The store's own error for a locked database (what `SQLiteStore` maps SQLITE_BUSY to).
func lockedDatabaseError() -> StoreError { StoreError(.busy, "SQLite error 5: database is locked") }

/// Blocks the first reading (as it ends, on the reading thread) until released.
final class BlockingStep: ReadObserver, @unchecked Sendable {
    private let condition = NSCondition()
    private var released = false
    private var didEnter = false
    var entered: Bool { condition.lock(); defer { condition.unlock() }; return didEnter }
    func release() { condition.lock(); released = true; condition.broadcast(); condition.unlock() }
    func read(_ facts: MessageFacts) {
        condition.lock()
        didEnter = true
        while !released { condition.wait() }
        condition.unlock()
    }
}
