import Dispatch
import Foundation
import LiaisonCore
import LiaisonStore

/// Draining a backlog (issue 16): the messages that have already arrived together are marked,
/// read and filed a batch at a time, with the reading of one batch overlapping the filing of
/// the one before it (two cores), under the same containment rules as `ingest`:
///
/// - A batch is at most `BatchBounds` (count and bytes) of what was handed over, never more:
///   nothing waits for mail that has not arrived, and a lone message is a batch of one.
/// - The batch's in-progress marks are committed in ONE transaction before any of it is read
///   (`ContainmentStore.beginProcessing(batch:)`), up to the first message with a history (a
///   mark of a dead process, failures, an unprocessable hold of the same bytes): that one goes
///   through `ingest` alone, where crashes and failures count exactly as before. A process that
///   dies with a batch in hand leaves batch marks, which send those messages through alone on
///   the next start without counting a crash against any of them (it read one of them): the
///   reader that crashes again, alone, is the one counted and, at `crashesBeforeHold`, held.
/// - The batch is filed in ONE write transaction (`IngestPipeline.file(batch:now:)`), in UID
///   order, each message matched after the ones before it were written, each with its
///   checkpoint and marker cleared. A message whose filing throws costs that message only: the
///   ones before it commit; its failure is recorded as in `ingest` (held at
///   `maxFilingAttempts`, and the rest of the batch filed; else the error is thrown, naming it,
///   and the next pass starts at it). A store fault rolls back the batch and is thrown.
/// - A reading past its budget is held as in `ingest`; the messages around it are filed.
extension ContainedIngest {
    /// One message handed over for `ingest(batch:)`.
    public struct Incoming: Sendable {
        public var raw: [UInt8]
        public var marker: ProcessingMarker
        public var checkpoint: MailboxCheckpoint?
        /// `ContentHash.of(raw)`: given when the caller worked it out on another thread (the
        /// poller's fetch thread), else worked out here.
        public var contentHash: String
        public init(raw: [UInt8], marker: ProcessingMarker, checkpoint: MailboxCheckpoint?, contentHash: String? = nil) {
            self.raw = raw
            self.marker = marker
            self.checkpoint = checkpoint
            self.contentHash = contentHash ?? ContentHash.of(raw)
        }
    }

    /// How large one batch (one marking and one filing transaction) may be.
    public struct BatchBounds: Sendable, Equatable {
        public var maxCount: Int
        public var maxBytes: Int
        /// 32 messages or 4 MiB of raw bytes (a larger message comes alone): the transactions
        /// stay short (a few tens of milliseconds), and two batches in hand (one read, one
        /// filed) stay within the fetched response they came from.
        public static let standard = BatchBounds(maxCount: 32, maxBytes: 4 * 1024 * 1024)
        public init(maxCount: Int, maxBytes: Int) {
            self.maxCount = max(1, maxCount)
            self.maxBytes = max(1, maxBytes)
        }
    }

    /// `ingest(batch:)` stopped at message `index` of the batch with `error` (what `ingest`
    /// would have thrown for it): the messages before it were all handed to `done`.
    public struct BatchFailure: Error {
        public var index: Int
        public var error: any Error
    }

    /// Marks, reads and files `messages` (in order; see the extension) and hands each result to
    /// `done` with the message's index, in order, after its commit. `before` runs before each
    /// batch is started (the poller's stop and leadership checks: what it throws is rethrown as
    /// is, after the batch already in hand is filed). Throws `BatchFailure` for a message that
    /// could not be filed (store fault, or a failure below `maxFilingAttempts`).
    ///
    /// `more`, when given, is asked for the messages that follow once those in hand are all in
    /// batches (the poller's next FETCH response): they are indexed after them, and the first
    /// batch of them is marked and read while the last batch before them is filed, so the
    /// pipeline does not empty at every response. nil from it ends the stream; what it throws
    /// is rethrown as is, after the batch in hand is filed. Filed messages are let go of: only
    /// the batches in hand and what `more` handed over last are held.
    ///
    /// `overlapped` false reads each batch only after the one before it is filed (no message is
    /// in hand beyond the batch being filed: with a `MailboxLeadership`, whose loss stops the
    /// pass before the next message).
    public func ingest(batch messages: [Incoming], more: (() throws -> [Incoming]?)? = nil, bounds: BatchBounds = .standard,
                       overlapped: Bool = true, now: () -> Date, times: inout IngestTimes,
                       before: () throws -> Void, done: (Int, IngestResult) -> Void) throws {
        let clock = ContinuousClock()
        let store = pipeline.store
        // Message `base + k` of the stream is `held[k]`; the filed ones leave from the front.
        var held = messages
        var base = 0
        var more = more
        var next = 0
        var pending: (range: Range<Int>, job: ReadingJob)?

        func letGo(before index: Int) {
            guard index > base else { return }
            held.removeFirst(index - base)
            base = index
        }
        // Files the batch in hand (waiting for its reading) and clears `pending`.
        func finishPending() throws {
            guard let (range, job) = pending else { return }
            pending = nil
            let waited = clock.now
            job.wait()
            times.readWait += clock.now - waited
            times.read += job.readTime
            let started = clock.now
            defer { times.store += clock.now - started }
            try file(range, job.outcomes, messages: held, base: base, now: now(), done: done)
            letGo(before: range.upperBound)
        }
        // The one-message path for `i` (its reading is on the critical path: a wait too).
        func alone(_ i: Int) throws {
            let m = held[i - base]
            let readBefore = times.read
            let result: IngestResult
            do {
                result = try ingest(m.raw, marker: m.marker, checkpoint: m.checkpoint, now: now(), times: &times)
            } catch {
                times.readWait += times.read - readBefore
                throw BatchFailure(index: i, error: error)
            }
            times.readWait += times.read - readBefore
            done(i, result)
        }

        while true {
            if next == base + held.count {
                // All in hand are in batches: the messages that follow, if any, while the
                // last batch is still being read.
                guard let pull = more else { break }
                let following: [Incoming]?
                do { following = try pull() } catch {
                    try finishPending()
                    throw error
                }
                guard let following else {
                    more = nil
                    break
                }
                held += following
                continue
            }
            do { try before() } catch {
                try finishPending()
                throw error
            }
            var end = next, bytes = 0
            while end < base + held.count, end - next < bounds.maxCount,
                  end == next || bytes + held[end - base].raw.count <= bounds.maxBytes {
                bytes += held[end - base].raw.count
                end += 1
            }
            let candidates = held[(next - base)..<(end - base)]
            let marked: Int?
            let markStarted = clock.now
            do {
                marked = try store.beginProcessing(batch: candidates.map { ($0.marker, $0.contentHash) }, run: run, now: now())
            } catch {
                times.store += clock.now - markStarted
                try finishPending()
                throw BatchFailure(index: next, error: error)
            }
            times.store += clock.now - markStarted
            guard let marked, marked > 0 else {
                // A store that marks one at a time, or a message with a history: alone, after
                // the batch in hand (UID order).
                try finishPending()
                let count = marked == nil ? end - next : 1
                for i in next..<(next + count) {
                    if i > next { try before() }
                    try alone(i)
                }
                next += count
                letGo(before: next)
                continue
            }
            let range = next..<(next + marked)
            let job = ReadingJob(messages: range.map { held[$0 - base].raw }, labels: range.map { "\(held[$0 - base].marker)" },
                                 pipeline: pipeline, worker: worker, limits: limits)
            job.start()
            do { try finishPending() } catch {
                job.wait()
                throw error
            }
            pending = (range, job)
            next = range.upperBound
            if !overlapped { try finishPending() }
        }
        try finishPending()
    }

    /// Files one batch whose reading ended: runs of read messages in one transaction each,
    /// a reading past its budget held between them.
    /// `messages[k]` is message `base + k`.
    private func file(_ range: Range<Int>, _ outcomes: [ReadingWorker.Outcome<ReadMessage>], messages: [Incoming], base: Int, now: Date,
                      done: (Int, IngestResult) -> Void) throws {
        let store = pipeline.store
        var run: [(index: Int, item: IngestPipeline.BatchItem)] = []

        func flush() throws {
            var rest = run[...]
            run = []
            while let first = rest.first {
                let filed: (results: [IngestResult], failure: (any Error)?)
                do { filed = try pipeline.file(batch: rest.map(\.item), now: now) } catch {
                    throw BatchFailure(index: first.index, error: error)
                }
                for (k, result) in filed.results.enumerated() { done(rest[rest.startIndex + k].index, result) }
                rest = rest.dropFirst(filed.results.count)
                guard let error = filed.failure, let failed = rest.first else { return }
                // What `ingest` does with a failed filing, for this message.
                if StoreFaults.isUnavailable(error) { throw BatchFailure(index: failed.index, error: error) }
                let m = messages[failed.index - base]
                let record: ProcessingRecord
                do {
                    record = try store.recordFailure(m.marker, reason: PollerService.reason(error), now: now)
                } catch { throw BatchFailure(index: failed.index, error: error) }
                logger.warning("filing failed", metadata: ["message": "\(m.marker)", "attempt": "\(record.failures)",
                                                           "of": "\(limits.maxFilingAttempts)", "reason": "\(PollerService.reason(error))"])
                guard record.failures >= limits.maxFilingAttempts else { throw BatchFailure(index: failed.index, error: error) }
                do {
                    done(failed.index, try hold(m.raw, hash: m.contentHash, detail: Self.failedDetail(record), marker: m.marker,
                                                checkpoint: m.checkpoint, now: now, store: store))
                } catch { throw BatchFailure(index: failed.index, error: error) }
                rest = rest.dropFirst()
            }
        }

        for (k, outcome) in outcomes.enumerated() {
            let i = range.lowerBound + k
            let m = messages[i - base]
            switch outcome {
            case .finished(var read):
                read.contentHash = m.contentHash
                run.append((i, IngestPipeline.BatchItem(read: read, checkpoint: m.checkpoint, marker: m.marker)))
            case .timedOut(let others):
                try flush()
                let result: IngestResult
                do {
                    result = try hold(m.raw, hash: m.contentHash,
                                      detail: "reading took longer than \(Self.seconds(limits.readingBudget))",
                                      marker: m.marker, checkpoint: m.checkpoint, now: now, store: store)
                } catch { throw BatchFailure(index: i, error: error) }
                done(i, result)
                if others > 0 {
                    // Held first, so the restart does not read it again.
                    worker.stuck("a second reading (\(m.marker)) ran past its budget while another still runs")
                }
            }
        }
        try flush()
    }
}

/// The reading of one batch, on a thread of its own while the batch before it is filed: each
/// message in order through `ReadingWorker.run` under the reading budget, as `ingest` reads one.
/// `@unchecked Sendable`: `outcomes` and `readTime` are written by the reading thread before it
/// signals `finished`, and read only after `wait()` returned.
final class ReadingJob: @unchecked Sendable {
    private let messages: [[UInt8]]
    private let labels: [String]
    private let pipeline: IngestPipeline
    private let worker: ReadingWorker
    private let limits: ContainmentLimits
    private let finished = DispatchSemaphore(value: 0)
    private(set) var outcomes: [ReadingWorker.Outcome<ReadMessage>] = []
    private(set) var readTime: Duration = .zero

    init(messages: [[UInt8]], labels: [String], pipeline: IngestPipeline, worker: ReadingWorker, limits: ContainmentLimits) {
        self.messages = messages
        self.labels = labels
        self.pipeline = pipeline
        self.worker = worker
        self.limits = limits
    }

    func start() {
        let thread = Thread { [self] in
            let clock = ContinuousClock()
            let started = clock.now
            let pipeline = self.pipeline
            let trap = TestHooks.trapRequested
            for (raw, label) in zip(messages, labels) {
                outcomes.append(worker.run(budget: limits.readingBudget, grace: limits.grace, label: label) { () -> ReadMessage in
                    if trap { TestHooks.trapIfMarked(raw) }
                    return pipeline.read(raw)
                })
            }
            readTime = clock.now - started
            finished.signal()
        }
        thread.name = "liaison.reader.batch"
        thread.start()
    }

    /// Waits until every message of the batch was read or abandoned (each within its budget).
    func wait() {
        finished.wait()
        finished.signal()  // a second wait returns at once
    }
}
