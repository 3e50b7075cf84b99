import Foundation
import LiaisonStore
import Logging
import ServiceLifecycle
import Synchronization

/// Reads back the To/Cc of messages filed before `v9-recipients` / `pg6-recipients` (the web
/// console's visibility) in the background, in small batches, so that opening a store never waits
/// for it (on a store of 1,000,000 messages it took a minute when `open` did it). Started by
/// `liaison serve` as one more part; resumable (each batch commits with its messages leaving the
/// queue, so a restart goes on where it stopped); visible in STATUS while it runs
/// (`recipients backfill N left`) and logged at its start, every `logEvery` and at its end. A
/// failing batch is the part's fault in STATUS and is tried again after `retry`. With nothing
/// queued (every store after the first run) it asks once and then only waits for shutdown.
/// Until it completes, the visibility rule falls back to what is known: a message not yet read
/// shows its To/Cc to no one.
public final class RecipientsBackfill: DaemonComponent, Sendable {
    public let name = "backfill"
    let store: any RecipientsBackfilling
    let batch: Int
    let pause: Duration
    let retry: Duration
    let logEvery: Duration
    let logger: Logger
    let lane = BlockingLane(label: "liaison.backfill")

    struct State {
        var pending: Int?
        var after: Int64 = 0
        var done = false
        var fault: String?
    }
    let state = Mutex(State())

    /// `batch` messages a transaction, `pause` between batches (the poller's filings get the
    /// store in between).
    public init(store: any RecipientsBackfilling, batch: Int = 100, pause: Duration = .milliseconds(20), retry: Duration = .seconds(30),
                logEvery: Duration = .seconds(10), logger: Logger) {
        self.store = store
        self.batch = max(1, batch)
        self.pause = pause
        self.retry = retry
        self.logEvery = logEvery
        self.logger = logger
    }

    /// True once the queue is empty.
    public var isComplete: Bool { state.withLock { $0.done } }

    public func status() -> ComponentStatus {
        state.withLock { s in
            var summary: [String] = []
            if !s.done, let n = s.pending { summary.append("recipients backfill \(n) left") }
            return ComponentStatus(summary: summary, fault: s.fault)
        }
    }

    /// One batch (`serve --once`).
    public func runOnce(now: Date) async throws {
        _ = try await step()
    }

    /// One batch; true when the queue is empty.
    func step() async throws -> Bool {
        let store = self.store, limit = batch
        if state.withLock({ $0.pending == nil }) {
            let n = try await lane.run { try store.recipientsBackfillPending() }
            state.withLock { $0.pending = n; $0.done = n == 0 }
            if n == 0 { return true }
            logger.info("recipients backfill: reading the To/Cc of earlier mail in the background", metadata: ["messages": "\(n)"])
        }
        let after = state.withLock { $0.after }
        let taken = try await lane.run { try store.backfillRecipients(after: after, limit: limit) }
        return state.withLock { s in
            s.fault = nil
            guard let last = taken.last else { s.done = true; s.pending = 0; return true }
            s.after = last
            s.pending = max(0, (s.pending ?? 0) - limit)
            return false
        }
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var lastLog = clock.now
        let started = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if try await step() { break }
            } catch {
                let text = "recipients backfill: \(error)"
                let first = state.withLock { s -> Bool in
                    defer { s.fault = text }
                    return s.fault == nil
                }
                if first { logger.error("recipients backfill failed; retrying", metadata: ["error": "\(error)"]) }
                let retry = self.retry
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: retry) } } catch { break }
                continue
            }
            if clock.now - lastLog >= logEvery {
                lastLog = clock.now
                logger.info("recipients backfill: in progress", metadata: ["left": "\(state.withLock { $0.pending ?? 0 })"])
            }
            do { try await Task.sleep(for: pause) } catch { break }
        }
        if isComplete, state.withLock({ $0.after }) > 0 {
            logger.info("recipients backfill: complete", metadata: ["seconds": "\((clock.now - started).components.seconds)"])
        }
        // Done (or shutting down): a part that returns would stop the daemon; wait for shutdown.
        try? await LoopClock().waitForGracefulShutdown()
    }
}
