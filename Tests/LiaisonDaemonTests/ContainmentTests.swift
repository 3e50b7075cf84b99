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

/// Containment (issue 11): one message that crashes the reader, reads too long, or cannot be
/// filed costs that message — held for review as `unprocessable` — never the mailbox behind it.
/// The poller runs against `InMemoryMailbox` and a real SQLite store.
@Suite("Containment: the poller holds what it cannot read or file, and moves on", .ownExecutor)
struct ContainmentTests {
    typealias P = PollerServiceTests
    static let key = PollerServiceTests.key
    /// Corpus 03 (UID 3 in `loadedMailbox`).
    static let recapID = "<5e1a.20261117154000@corp.example>"

    static func marker(_ uid: UInt32, validity: UInt32 = 7) -> ProcessingMarker {
        .uid(mailbox: key, uidValidity: validity, uid: uid)
    }

    @Test("a message whose filing fails max_filing_attempts times is held as unprocessable; the rest are filed; STATUS counts it")
    func filingFailuresHold() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let base = try temporaryStore()
        let flaky = FlakyStore(base: base, failOnMessageID: Self.recapID, error: TestFailure("no case EC0"))
        let logs = LogCapture()
        let (poller, store) = try P.make(mailbox: mailbox, store: base, filingStore: flaky, logs: logs)
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        let done = await eventually(60) { (try? store.checkpoint(mailbox: Self.key)?.lastUID) == UInt32(count) }
        poller.requestStop()
        try await task.value
        #expect(done, "checkpoint \(String(describing: try? store.checkpoint(mailbox: Self.key)))")
        #expect(flaky.failures == 5, "five attempts (the default), then held")
        let held = try store.heldMessages().filter { $0.reason == .unprocessable }
        #expect(held.count == 1)
        #expect(held.first?.detail == "filing failed 5 times: no case EC0")
        #expect(held.first?.raw == CorpusLocation.bytes(CorpusLocation.messages[2]), "the raw bytes are kept")
        let counts = try store.counts()
        #expect(counts.correspondence + counts.held == count, "every other message filed or held as usual")
        #expect(try store.unprocessableCount() == 1)
        #expect(try store.processing(Self.marker(3)) == nil, "the hold cleared the in-progress mark")
        #expect(poller.status().summary.last == "1 unprocessable")
        #expect(poller.status().fault == nil)
        #expect(logs.count("message held as unprocessable") == 1)
    }

    @Test("a message larger than imap.max_response_bytes is held unread with its size, and the mailbox behind it is filed")
    func tooLargeIsHeldUnread() async throws {
        let files = CorpusLocation.messages
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let mailbox = InMemoryMailbox(uidValidity: 7, maxMessageBytes: 64 * 1024)
        mailbox.deliver(CorpusLocation.bytes(files[0]))
        let big = Array("From: a@client.example\r\nTo: zhang.wei@corp.example\r\nSubject: big\r\n\r\n".utf8)
            + [UInt8](repeating: 0x41, count: 100 * 1024)
        mailbox.deliver(big)
        for f in files.dropFirst() { mailbox.deliver(CorpusLocation.bytes(f)) }
        let (poller, store) = try P.make(mailbox: mailbox)
        let report = try await poller.pass()
        #expect(report.held >= 1)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(files.count + 1), "the pass went past it")
        let held = try store.heldMessages().filter { $0.reason == .unprocessable }
        #expect(held.count == 1)
        #expect(held.first?.detail?.contains("not fetched: it announces \(big.count) bytes") == true, "\(String(describing: held.first?.detail))")
        #expect(held.first?.raw.isEmpty == true)
        #expect(try store.counts().correspondence + (try store.counts().held) == files.count + 1, "every other message filed or held as usual")
        #expect(try store.processing(Self.marker(2)) == nil)
        // A second pass neither fetches nor holds it again.
        let again = try await poller.pass()
        #expect(again.fetched == 0 && again.held == 0)
    }

    @Test("the store being unavailable is retried forever and never held, however often it fails")
    func storeUnavailableNeverHeld() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let base = try temporaryStore()
        let flaky = FlakyStore(base: base, failOnMessageID: Self.recapID, error: lockedDatabaseError())
        let (poller, store) = try P.make(mailbox: mailbox, store: base, filingStore: flaky,
                                         backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(10)),
                                         containment: ContainmentLimits(maxFilingAttempts: 2))
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        let failing = await eventually(60) { flaky.failures >= 8 }
        #expect(failing)
        // The store fault rolls back the batch UID 3 is in (UIDs 1–12 arrived together).
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == nil, "UID 3 waits; nothing behind it is skipped past")
        #expect(try store.unprocessableCount() == 0)
        #expect(try store.processing(Self.marker(3))?.failures == 0, "store faults are not counted against the message")
        #expect(poller.status().fault?.hasPrefix("database:") == true)
        flaky.heal()
        let recovered = await eventually(60) { (try? store.checkpoint(mailbox: Self.key)?.lastUID) == UInt32(count) }
        poller.requestStop()
        try await task.value
        #expect(recovered)
        #expect(try store.unprocessableCount() == 0)
        #expect(try store.counts().correspondence + store.counts().held == count)
    }

    @Test("which errors are the store being unavailable")
    func classification() {
        #expect(StoreFaults.isUnavailable(StoreUnavailable("disk full")))
        // The store's own typed errors: busy, unavailable and corrupt are the store's fault.
        #expect(StoreFaults.isUnavailable(lockedDatabaseError()))
        #expect(StoreFaults.isUnavailable(StoreError(.unavailable, "disk I/O error")))
        #expect(StoreFaults.isUnavailable(StoreError(.corrupt, "file is not a database")))
        #expect(!StoreFaults.isUnavailable(StoreError(.invalid, "UNIQUE constraint failed")))
        #expect(!StoreFaults.isUnavailable(StoreError(.notFound, "no case EC0")))
        #expect(!StoreFaults.isUnavailable(StoreError("no case EC0")))
        // A type merely named like GRDB's is no longer taken for a store fault.
        #expect(!StoreFaults.isUnavailable(DatabaseError()))
        #expect(!StoreFaults.isUnavailable(TestFailure("bad")))
        #expect(PollerService.failure(StoreUnavailable("locked"), uid: 4).kind == .store)
        #expect(PollerService.failure(StoreError("no case"), uid: 4).kind == .message(uid: 4))
    }

    @Test("a reading past the time budget is held as unprocessable and the pass goes on")
    func readingBudget() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        // The recap's reading blocks until the gate opens: after the pass (or, should the pass
        // wait for it, after 120 s, so that the test fails instead of hanging).
        let step = SlowStep(messageIDs: [Self.recapID])
        let safety = Task(executorPreference: TestLoop.current) { try await LoopClock().sleep(for: .seconds(120)); step.gate.open() }
        defer { safety.cancel(); step.gate.open() }
        let (poller, store) = try P.make(mailbox: mailbox, step: step,
                                         containment: ContainmentLimits(readingBudget: .milliseconds(2500)))
        let report = try await poller.pass()
        #expect(step.finished == 0, "the pass ended while the reading was still stuck")
        #expect(report.fetched == count)
        #expect(report.unprocessable == 1)
        let held = try store.heldMessages().filter { $0.reason == .unprocessable }
        #expect(held.map(\.detail) == ["reading took longer than 2.5 s"])
        #expect(held.first?.raw == CorpusLocation.bytes(CorpusLocation.messages[2]))
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(count))
        #expect(try store.counts().correspondence + store.counts().held == count)
        // The abandoned reading ends; nothing more is written for it.
        step.gate.open()
        #expect(await eventually(20) { step.finished == 1 })
        #expect(try store.counts().correspondence + store.counts().held == count)
    }

    @Test("a second reading abandoned while the first still runs holds it, then ends the process")
    func secondAbandonedReadingExits() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let ids = CorpusLocation.messages.map { MessageParser.parse(CorpusLocation.bytes($0)).messageID }
        let second = try #require(ids[3])  // corpus 04, UID 4
        let step = SlowStep(messageIDs: [Self.recapID, second])
        defer { step.gate.open() }
        let stuck = Recorder()
        let (poller, store) = try P.make(mailbox: mailbox, step: step,
                                         containment: ContainmentLimits(readingBudget: .milliseconds(2500), grace: 1_000),
                                         onStuckReading: { stuck.add($0) })
        let report = try await poller.pass()
        #expect(report.unprocessable == 2)
        #expect(stuck.items.count == 1, "\(stuck.items)")
        #expect(stuck.items.first?.contains("second reading") == true)
        // Both were held before the exit would happen: a restart reads neither again.
        #expect(try store.unprocessableCount() == 2)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(count))
    }

    @Test("an abandoned reading still running after its grace ends the process")
    func graceExpires() async throws {
        let worker = ReadingWorker(onStuck: { _ in })
        let stuck = Recorder()
        let graceWorker = ReadingWorker(onStuck: { stuck.add($0) })
        let gate = Gate()
        // The worker blocks its caller for the budget: wait on a lane, not on a thread of the cooperative pool.
        let lane = BlockingLane(label: "test.reading")
        let outcome = try await lane.run { graceWorker.run(budget: .milliseconds(50), grace: 4, label: "uid 9") { gate.wait(); return 1 } }
        guard case .timedOut(let others) = outcome else { Issue.record("expected a time-out"); return }
        #expect(others == 0)
        #expect(graceWorker.abandonedRunning == 1)
        #expect(await eventually(20) { stuck.items.count == 1 }, "called ~200 ms after the start")
        #expect(stuck.items.first?.contains("uid 9") == true)
        gate.open()
        #expect(await eventually(20) { graceWorker.abandonedRunning == 0 })
        // A reading within its budget returns its value.
        guard case .finished(let v) = try await lane.run({ worker.run(budget: .seconds(10), grace: 10, label: "x", { 42 }) }) else {
            Issue.record("expected a value"); return
        }
        #expect(v == 42)
    }

    @Test("readings in time share one reader thread; an abandoned one is not waited for; an idle reader ends")
    func readerThreadKept() async throws {
        let worker = ReadingWorker(linger: .milliseconds(300), onStuck: { _ in })
        let lane = BlockingLane(label: "test.reading")
        let threads = Recorder()
        for k in 0..<5 {
            let outcome = try await lane.run {
                worker.run(budget: .seconds(10), grace: 10, label: "uid \(k)") { () -> Int in
                    threads.add("\(pthread_self())")
                    return k * 2
                }
            }
            guard case .finished(let v) = outcome else { Issue.record("expected a value"); return }
            #expect(v == k * 2)
        }
        #expect(worker.threadsCreated == 1, "five readings in a row, one thread")
        #expect(Set(threads.items).count == 1)
        // A reading past its budget keeps its thread: the next one gets a new thread.
        let gate = Gate()
        let late = try await lane.run { worker.run(budget: .milliseconds(50), grace: 1_000, label: "uid 9") { gate.wait(); return 1 } }
        guard case .timedOut = late else { Issue.record("expected a time-out"); return }
        guard case .finished(let v) = try await lane.run({ worker.run(budget: .seconds(10), grace: 10, label: "uid 10") { 7 } }) else {
            Issue.record("expected a value"); return
        }
        #expect(v == 7)
        #expect(worker.threadsCreated == 2)
        #expect(worker.abandonedRunning == 1)
        gate.open()
        #expect(await eventually(5) { worker.abandonedRunning == 0 })
        // Nobody reads any more: the waiting reader ends after its linger.
        #expect(await eventually(5) { !worker.readerWaiting })
        guard case .finished(let w) = try await lane.run({ worker.run(budget: .seconds(10), grace: 10, label: "uid 11") { 8 } }) else {
            Issue.record("expected a value"); return
        }
        #expect(w == 8)
        #expect(worker.threadsCreated == 3, "the reader that ended is not reused")
    }

    @Test("a message left in progress by two processes that died is held unread; after one death it is read again")
    func crashesHold() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let store = try temporaryStore()
        // Two earlier runs started on UID 1 and never finished it (killed, as a trap would).
        _ = try store.beginProcessing(Self.marker(1), run: "dead-1", now: Date())
        #expect(try store.beginProcessing(Self.marker(1), run: "dead-2", now: Date()).crashes == 1)
        // UID 2: one earlier death only.
        _ = try store.beginProcessing(Self.marker(2), run: "dead-1", now: Date())
        let step = CountingStep()
        let (poller, _) = try P.make(mailbox: mailbox, store: store, step: step)
        let report = try await poller.pass()
        #expect(report.unprocessable == 1)
        let held = try store.heldMessages().filter { $0.reason == .unprocessable }
        #expect(held.map(\.detail) == ["the reader crashed on it twice"])
        #expect(held.first?.raw == CorpusLocation.bytes(CorpusLocation.messages[0]))
        #expect(held.first?.subject == nil && held.first?.sender == nil, "nothing read from the bytes")
        let ids = CorpusLocation.messages.map { MessageParser.parse(CorpusLocation.bytes($0)).messageID }
        #expect(step.seen(ids[0]!) == 0, "UID 1 was never read again")
        #expect(step.seen(ids[1]!) == 1, "UID 2, one death, was read and filed")
        #expect(try store.processing(Self.marker(1)) == nil && store.processing(Self.marker(2)) == nil)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(count))
        #expect(try store.counts().correspondence + store.counts().held == count)
    }

    @Test("the in-progress mark is written before reading and cleared by the filing transaction")
    func markerLifecycle() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let step = BlockingStep()
        let (poller, store) = try P.make(mailbox: mailbox, step: step,
                                         containment: ContainmentLimits(readingBudget: .seconds(120)))
        let task = Task(executorPreference: TestLoop.current) { try await poller.pass() }
        #expect(await eventually(60) { step.entered })
        // Committed before the reader started: another connection sees it.
        let during = try store.processing(Self.marker(1))
        #expect(during == ProcessingRecord(crashes: 0, failures: 0, lastError: nil))
        #expect(try store.checkpoint(mailbox: Self.key) == nil)
        step.release()
        let report = try await task.value
        #expect(report.fetched == count && report.unprocessable == 0)
        for uid in 1...UInt32(count) {
            #expect(try store.processing(Self.marker(uid)) == nil, "UID \(uid) still marked")
        }
    }

    @Test("duplicates are still recognised; bytes held as unprocessable are not read again when delivered again")
    func duplicates() async throws {
        let mailbox = InMemoryMailbox(uidValidity: 7)
        let first = CorpusLocation.bytes(CorpusLocation.messages[0]), second = CorpusLocation.bytes(CorpusLocation.messages[1])
        mailbox.deliver(first)
        mailbox.deliver(first)
        mailbox.deliver(second)
        let store = try temporaryStore()
        // UID 3 (corpus 02) crashed two processes already.
        _ = try store.beginProcessing(Self.marker(3), run: "dead-1", now: Date())
        _ = try store.beginProcessing(Self.marker(3), run: "dead-2", now: Date())
        let step = CountingStep()
        let (poller, _) = try P.make(mailbox: mailbox, store: store, step: step)
        let report = try await poller.pass()
        #expect(report.filed == 1 && report.duplicates == 1 && report.unprocessable == 1, "\(report)")
        // The same poisonous bytes again, under a new UID: a duplicate of the hold, unread.
        mailbox.deliver(second)
        let again = try await poller.pass()
        #expect(again.duplicates == 1 && again.unprocessable == 0 && again.held == 0, "\(again)")
        let secondID = MessageParser.parse(second).messageID!
        #expect(step.seen(secondID) == 0)
        #expect(try store.unprocessableCount() == 1)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == 4)
    }

    @Test("review: an unprocessable message cannot be accepted (it was never read); it can be rejected")
    func review() throws {
        let store = try temporaryStore()
        let raw = Array("Subject: x\r\n\r\nbody\r\n".utf8)
        guard case .held(let id, .unprocessable) = try store.holdUnprocessable(
            raw: raw, contentHash: ContentHash.of(raw), detail: "the reader crashed on it twice", marker: nil, checkpoint: nil,
            now: Date(timeIntervalSince1970: 1_794_791_553)) else {
            Issue.record("not held"); return
        }
        _ = try store.openCase(NewCase(numberTemplate: "EC{seq:3}", isInternal: false, counterparty: Counterparty(organization: nil, contacts: []),
                                       owner: nil, category: "general", openedAt: Date()), number: "EC001")
        // Through the one filing path, as `liaison review accept` files: refused inside the transaction.
        let pipeline = IngestPipeline(organization: try CorpusLocation.organization(), store: store)
        let accept = HeldAcceptance(heldID: id, caseNumber: "EC001", heldAt: nil)
        #expect(throws: StoreError.self) { try pipeline.file(pipeline.read(raw), now: Date(), accepting: accept) }
        do {
            _ = try pipeline.file(pipeline.read(raw), now: Date(), accepting: accept)
        } catch let e as StoreError {
            #expect(e.kind == .refused)
            #expect(e.description.contains("unprocessable") && e.description.contains("reject it"), "\(e)")
        }
        #expect(try store.heldMessages().map(\.id) == [id], "still awaiting review")
        try store.reject(heldID: id)
        #expect(try store.heldMessages().isEmpty)
        #expect(try store.unprocessableCount() == 0)
    }

    @Test("[containment] is read and validated; defaults when absent")
    func config() throws {
        #expect(try LiaisonConfig(toml: "").containmentLimits() == ContainmentLimits())
        let limits = try LiaisonConfig(toml: """
            [containment]
            max_filing_attempts = 3
            reading_budget = "1500ms"
            crashes_before_hold = 1
            """).containmentLimits()
        #expect(limits == ContainmentLimits(crashesBeforeHold: 1, maxFilingAttempts: 3, readingBudget: .milliseconds(1500)))
        for bad in ["max_filing_attempts = 0", "reading_budget = \"10ms\"", "crashes_before_hold = 11", "reading_budget = \"soon\""] {
            #expect(throws: ConfigError.self, "\(bad)") { try LiaisonConfig(toml: "[containment]\n\(bad)").containmentLimits() }
        }
        let report = try LiaisonConfig(toml: "[containment]\nmax_filing_attempt = 3\n").validate(environment: [:])
        #expect(report.warnings.contains { $0.key == "containment.max_filing_attempt" && $0.fix.contains("max_filing_attempts") })
    }

    @Test("the test trap is compiled into debug builds only (Package.swift: LIAISON_TEST_HOOKS when debug)")
    func testHooksOnlyInDebug() {
        #if DEBUG
        #expect(TestHooks.compiledIn)
        #else
        #expect(!TestHooks.compiledIn)
        #endif
        #expect(!TestHooks.trapRequested || ProcessInfo.processInfo.environment["LIAISON_TEST_TRAP"] == "1")
    }
}

/// Blocks at the end of reading on the given Message-IDs until `gate` opens;
/// counts the readings that got through.
final class SlowStep: ReadObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let ids: Set<String>
    private var done = 0
    let gate = Gate()
    init(messageIDs: Set<String>) { ids = messageIDs }
    var finished: Int { lock.withLock { done } }
    func read(_ facts: MessageFacts) {
        guard let id = facts.messageID, ids.contains(id) else { return }
        gate.wait()
        lock.withLock { done += 1 }
    }
}

/// Counts how often each Message-ID was read.
final class CountingStep: ReadObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func seen(_ id: String) -> Int { lock.withLock { counts[id] ?? 0 } }
    func read(_ facts: MessageFacts) {
        lock.withLock { counts[facts.messageID ?? "", default: 0] += 1 }
    }
}

final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var items: [String] { lock.withLock { stored } }
    func add(_ s: String) { lock.withLock { stored.append(s) } }
}

/// A latch a blocked reading waits on.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    func wait() { condition.lock(); while !isOpen { condition.wait() }; condition.unlock() }
    func open() { condition.lock(); isOpen = true; condition.broadcast(); condition.unlock() }
}

/// A stand-in named like GRDB's error type (the daemon once recognised store faults by that name).
struct DatabaseError: Error, CustomStringConvertible {
    var description: String { "SQLite error 5: database is locked" }
}
