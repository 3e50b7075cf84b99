import Foundation
import LiaisonCore
import LiaisonStore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The one place where a message is read and filed under containment, for the poller and for
/// `liaison ingest` alike (issue 11): so that the next unknown bug in a reader costs one
/// message, never the service.
///
/// 1. A pending `unprocessable` hold of the same bytes: a duplicate, not read again.
/// 2. The message is marked in progress in its own committed transaction (`beginProcessing`).
///    A mark left by a process that died counts as a crash; at `crashesBeforeHold` crashes, or
///    `maxFilingAttempts` failures, the bytes are held unread.
/// 3. Reading runs on a worker thread under `readingBudget`; past it the bytes are held (and a
///    second abandoned reading still running ends the process: see `ReadingWorker`).
/// 4. Filing clears the mark in the filing transaction. A failure that is not the store being
///    unavailable is counted; at `maxFilingAttempts` the bytes are held. Store faults are
///    rethrown and counted nowhere: the caller retries them with back-off, forever.
/// Each hold advances the checkpoint and clears the mark in the same transaction.
public struct ContainedIngest: Sendable {
    /// This process's name in the in-progress marks: a mark from another run is a death.
    public static let processRun = UUID().uuidString
    /// `liaison serve`/`ingest` exit with this when an abandoned reading forces a restart.
    public static let stuckReaderExitCode: Int32 = 70

    public var pipeline: IngestPipeline
    public var limits: ContainmentLimits
    public var worker: ReadingWorker
    public var run: String
    public var logger: Logger

    public init(pipeline: IngestPipeline, limits: ContainmentLimits = ContainmentLimits(), worker: ReadingWorker,
                run: String = ContainedIngest.processRun, logger: Logger = Logger(label: "liaison.containment")) {
        self.pipeline = pipeline
        self.limits = limits
        self.worker = worker
        self.run = run
        self.logger = logger
    }

    /// The `ReadingWorker.onStuck` of a service: log, then end the process at once (no
    /// unwinding: other threads may be mid-work, and SQLite's journal undoes an open transaction).
    public static func exitStuck(logger: Logger) -> @Sendable (String) -> Void {
        { reason in
            logger.critical("an abandoned reading is still running; exiting so that the service is restarted",
                            metadata: ["reason": "\(reason)", "exit_code": "\(stuckReaderExitCode)"])
            fflush(nil)  // every open output stream
            _exit(stuckReaderExitCode)
        }
    }

    /// Reads and files `raw` (see the type). Throws what filing threw when the message is not
    /// (yet) held: a store fault, or a failure below `maxFilingAttempts`.
    public func ingest(_ raw: [UInt8], marker: ProcessingMarker, checkpoint: MailboxCheckpoint?, now: Date,
                       builtHere: Bool = false) throws -> IngestResult {
        var times = IngestTimes()
        return try ingest(raw, marker: marker, checkpoint: checkpoint, now: now, builtHere: builtHere, times: &times)
    }

    /// `ingest`, adding the time spent reading and in the store to `times` (the backlog
    /// benchmark's split, logged per pass by the poller).
    public func ingest(_ raw: [UInt8], marker: ProcessingMarker, checkpoint: MailboxCheckpoint?, now: Date,
                       builtHere: Bool = false, times: inout IngestTimes) throws -> IngestResult {
        let clock = ContinuousClock()
        let started = clock.now
        var readTime = Duration.zero
        defer {
            times.read += readTime
            times.store += clock.now - started - readTime
        }
        let store = pipeline.store
        let hash = ContentHash.of(raw)
        if try store.unprocessableHeld(contentHash: hash) != nil {
            return try hold(raw, hash: hash, detail: "", marker: marker, checkpoint: checkpoint, now: now, store: store)
        }
        let record = try store.beginProcessing(marker, run: run, now: now)
        if record.crashes > 0 {
            logger.warning("a process died with this message in hand", metadata: ["message": "\(marker)", "crashes": "\(record.crashes)"])
        }
        if record.crashes >= limits.crashesBeforeHold {
            return try hold(raw, hash: hash, detail: "the reader crashed on it \(Self.times(record.crashes))",
                            marker: marker, checkpoint: checkpoint, now: now, store: store)
        }
        if record.failures >= limits.maxFilingAttempts {
            return try hold(raw, hash: hash, detail: Self.failedDetail(record), marker: marker, checkpoint: checkpoint, now: now, store: store)
        }
        let pipeline = self.pipeline
        let trap = TestHooks.trapRequested
        let readStarted = clock.now
        let outcome = worker.run(budget: limits.readingBudget, grace: limits.grace, label: "\(marker)") { () -> ReadMessage in
            if trap { TestHooks.trapIfMarked(raw) }
            return pipeline.read(raw, builtHere: builtHere)
        }
        readTime = clock.now - readStarted
        let read: ReadMessage
        switch outcome {
        case .finished(let r):
            read = r
        case .timedOut(let others):
            let result = try hold(raw, hash: hash, detail: "reading took longer than \(Self.seconds(limits.readingBudget))",
                                  marker: marker, checkpoint: checkpoint, now: now, store: store)
            if others > 0 {
                // Held first, so the restart does not read it again.
                worker.stuck("a second reading (\(marker)) ran past its budget while another still runs")
            }
            return result
        }
        do {
            return try pipeline.file(read, checkpoint: checkpoint, now: now, marker: marker)
        } catch where StoreFaults.isUnavailable(error) {
            throw error
        } catch {
            let failed = try store.recordFailure(marker, reason: PollerService.reason(error), now: now)
            logger.warning("filing failed", metadata: ["message": "\(marker)", "attempt": "\(failed.failures)",
                                                       "of": "\(limits.maxFilingAttempts)", "reason": "\(PollerService.reason(error))"])
            if failed.failures >= limits.maxFilingAttempts {
                return try hold(raw, hash: hash, detail: Self.failedDetail(failed), marker: marker, checkpoint: checkpoint, now: now, store: store)
            }
            throw error
        }
    }

    /// Holds a message that was never fetched because it announced more bytes than the reader
    /// may take (`imap.max_response_bytes`): no bytes are kept, the detail says how large it is
    /// and what to do; the checkpoint moves past it and its mark is cleared, so it costs that
    /// message and not the mailbox behind it.
    public func holdTooLarge(announcedSize: Int, limit: Int, marker: ProcessingMarker, checkpoint: MailboxCheckpoint?,
                             now: Date) throws -> IngestResult {
        let store = pipeline.store
        // Not the hash of any bytes (none were read): one hold per mailbox position.
        let hash = ContentHash.of(Array("not fetched: \(marker)".utf8))
        let detail = "not fetched: it announces \(announcedSize) bytes, above imap.max_response_bytes (\(limit)); "
            + "raise the limit and fetch it with `liaison fetch`, or read it in the mailbox"
        return try hold([], hash: hash, detail: detail, marker: marker, checkpoint: checkpoint, now: now, store: store)
    }

    func hold(_ raw: [UInt8], hash: String, detail: String, marker: ProcessingMarker, checkpoint: MailboxCheckpoint?,
                      now: Date, store: any IngestStore) throws -> IngestResult {
        let result: IngestResult
        switch try store.holdUnprocessable(raw: raw, contentHash: hash, detail: detail, marker: marker, checkpoint: checkpoint,
                                           now: now) {
        case .held(let id, let reason):
            logger.warning("message held as unprocessable", metadata: ["message": "\(marker)", "held": "\(id)", "reason": "\(detail)"])
            result = .held(heldID: id, reason: reason)
        case .duplicate(let existing):
            result = .duplicate(existing)
        case .filed(let n, _, let opened):
            result = .filed(caseNumber: n, openedCase: opened, rule: nil)
        }
        // Counted as the filing path counts (held by reason); a hold files nothing, so the filed
        // counter and the latency histogram (which move together) are left to `IngestPipeline.file`.
        if case .filed = result {} else { pipeline.metrics.messageOutcome(result, elapsed: nil) }
        return result
    }

    static func failedDetail(_ r: ProcessingRecord) -> String {
        "filing failed \(times(r.failures))" + (r.lastError.map { ": \($0)" } ?? "")
    }

    static func times(_ n: Int) -> String { n == 1 ? "once" : n == 2 ? "twice" : "\(n) times" }

    static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        let value = Double(s) + Double(atto) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// Test-only behaviour, compiled only with `-D LIAISON_TEST_HOOKS` (Package.swift defines it in
/// debug builds; release builds have none of it) and then active only when the environment
/// sets `LIAISON_TEST_TRAP=1`: a message whose header has `X-Liaison-Test-Trap: 1` makes the
/// reader trap, as an unknown parser bug would (issue 11's containment test); or
/// `LIAISON_TEST_BATCH_COUNT=N` (1–32): the poller's batches hold at most N messages, so that a
/// test can kill `serve` between two batches of one pass.
enum TestHooks {
    #if LIAISON_TEST_HOOKS
    static let compiledIn = true
    static let batchCount: Int? = ProcessInfo.processInfo.environment["LIAISON_TEST_BATCH_COUNT"].flatMap(Int.init)
        .flatMap { (1...32).contains($0) ? $0 : nil }
    static let trapRequested = ProcessInfo.processInfo.environment["LIAISON_TEST_TRAP"] == "1"
    static func trapIfMarked(_ raw: [UInt8]) {
        let marker = Array("\nX-Liaison-Test-Trap: 1".utf8)
        // The header only: up to the first empty line (a plain byte scan, no parser).
        var end = raw.count
        if raw.count >= 4 {
            for i in 0..<(raw.count - 3) where raw[i] == 13 && raw[i + 1] == 10 && raw[i + 2] == 13 && raw[i + 3] == 10 {
                end = i
                break
            }
        }
        let header = Array(raw[0..<end])
        guard header.count >= marker.count else { return }
        for i in 0...(header.count - marker.count) where header[i] == marker[0] && Array(header[i..<(i + marker.count)]) == marker {
            fatalError("LIAISON_TEST_HOOKS: trapping on a marked message")
        }
    }
    #else
    static let compiledIn = false
    static let batchCount: Int? = nil
    static let trapRequested = false
    static func trapIfMarked(_ raw: [UInt8]) {}
    #endif
}

/// Where a message's time went inside `ContainedIngest.ingest`, summed over a pass: `read` is
/// parsing and reading on the worker thread (hand-over included); `store` is everything else —
/// the containment marks, matching and filing in the store's transactions. `readWait` is the
/// part of `read` the pass waited for: all of it one message at a time; with batches
/// (`ingest(batch:)`) a batch is read while the one before it is filed, so only what the
/// filing did not cover.
public struct IngestTimes: Sendable, Equatable {
    public var read: Duration = .zero
    public var store: Duration = .zero
    public var readWait: Duration = .zero
    public init() {}

    public static func += (lhs: inout IngestTimes, rhs: IngestTimes) {
        lhs.read += rhs.read
        lhs.store += rhs.store
        lhs.readWait += rhs.readWait
    }
}
