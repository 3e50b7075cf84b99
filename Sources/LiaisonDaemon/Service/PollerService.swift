import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTransport
import Logging
import ServiceLifecycle
import Synchronization

/// The poller: reads the tracking mailbox by UID (RFC 3501 §2.3.1.1) and files each new message
/// through `IngestPipeline`, checkpointing its UID in the same transaction (architecture.md
/// "Nothing lost, nothing twice").
///
/// A pass: read the stored checkpoint → `status()` → `uids(above:)` → `fetch(uids:each:)`, and
/// for each message `ContainedIngest.ingest`, in ascending UID order. A failure
/// stops the pass at the message in hand: its transaction rolled back, so the next pass starts at
/// that same message — nothing is skipped, nothing filed twice. When UIDVALIDITY differs from the
/// checkpoint's (the mailbox was recreated), the stored UIDs name other messages: the pass re-reads
/// the mailbox from UID 0 and relies on the store's duplicate detection (content hash,
/// Message-ID + Date + sender + subject) to file only what is new; the change is logged.
///
/// Between passes it waits on a `MailboxWatching` (IMAP IDLE, RFC 2177) when one is given and
/// the server offers it, else sleeps `poll_interval`; either way a pass runs at least every
/// `poll_interval` (IDLE waits time out then), so polling stays the safety net. Faults (IMAP
/// unreachable, slow or failing mid-session; the database locked or full; a message that cannot
/// be filed) are logged once when they start and once when they clear, retried with exponential
/// back-off, and shown in STATUS. All libcurl and SQLite calls run on a `BlockingLane`.
/// Each message goes through `ContainedIngest`: a message that crashed the reader twice, read
/// past its time budget, or failed to file `max_filing_attempts` times is held for review as
/// `unprocessable` and the pass moves on; store faults are retried forever.
/// On graceful shutdown (SIGTERM) the message being filed is finished, then `run()` returns.
///
/// Several instances over one PostgreSQL store (issue 17): with a `MailboxLeadership`, a pass
/// runs only while this instance leads the mailbox. Before each pass the leadership is taken or
/// confirmed; an instance that cannot take it is on standby (STATUS "standby") and tries again
/// every `standbyRetry` (2 s). Leadership lost (its connection dropped) stops the pass before the
/// next message, at once. "became leader" and "leadership lost" are logged with the mailbox.
/// Filings are stamped with the injected `Now`; waits (between passes, back-off) are measured on
/// a Swift `Clock` (monotonic in production; a manual clock in tests steps the loop).
public final class PollerService: DaemonComponent, Sendable {
    /// How the poller paces itself.
    public struct Settings: Sendable {
        /// The checkpoint's name in the store (one per mailbox read), see `checkpointKey(imap:)`.
        public var mailboxKey: String
        /// `imap.poll_interval`: the longest time between two passes.
        public var pollInterval: Duration
        /// Retry pacing after a fault.
        public var backoff: Backoff
        /// How long one blocking step (an IMAP command, one filing) may take before the watchdog
        /// considers the poller stuck.
        public var stallLimit: Duration
        /// For the time shown in STATUS (the organisation's zone).
        public var timeZone: TimeZone
        /// What one message may cost before it is held as unprocessable (`[containment]`).
        public var containment: ContainmentLimits
        /// `imap.max_response_bytes`: a message announcing more is held unread (named in its hold).
        public var maxMessageBytes: Int
        /// How many of the messages that arrived together are marked and filed per transaction.
        public var batch: ContainedIngest.BatchBounds = .standard

        public init(mailboxKey: String, pollInterval: Duration = .seconds(30), backoff: Backoff = Backoff(),
                    stallLimit: Duration = .seconds(300), timeZone: TimeZone = TimeZone(identifier: "UTC")!,
                    containment: ContainmentLimits = ContainmentLimits(),
                    maxMessageBytes: Int = IMAPSettings.defaultMaxResponseBytes) {
            self.maxMessageBytes = maxMessageBytes
            self.mailboxKey = mailboxKey
            self.pollInterval = pollInterval
            self.backoff = backoff
            self.stallLimit = stallLimit
            self.timeZone = timeZone
            self.containment = containment
        }
    }

    /// Everything a reload may replace, swapped between passes as one.
    public struct Setup: Sendable {
        public var mailbox: any MailboxReading
        /// IDLE, when available; nil polls only.
        public var watcher: (any MailboxWatching)?
        public var pipeline: IngestPipeline
        public var settings: Settings

        public init(mailbox: any MailboxReading, watcher: (any MailboxWatching)? = nil, pipeline: IngestPipeline, settings: Settings) {
            self.mailbox = mailbox
            self.watcher = watcher
            self.pipeline = pipeline
            self.settings = settings
        }
    }

    /// Builds a new `Setup` from a reloaded configuration (throws to keep the old one).
    public typealias SetupBuilder = @Sendable (LiaisonConfig) throws -> Setup

    /// What one pass did.
    public struct PassReport: Sendable, Equatable {
        public var uidValidity: UInt32 = 0
        public var fetched = 0
        public var filed = 0
        public var opened = 0
        public var duplicates = 0
        public var held = 0
        /// Of `held`: held unread as `unprocessable` (containment).
        public var unprocessable = 0
        /// The checkpoint's UIDVALIDITY differed: the mailbox was re-read from UID 0.
        public var uidValidityReset = false
        /// Where the pass's time went: `times.read` reading messages, `times.store` the
        /// containment marks, matching and filing; the rest of `elapsed` is the mailbox (STATUS,
        /// SEARCH, FETCH: network and the server). Logged with "pass done" for the backlog benchmark.
        public var times = IngestTimes()
        public var elapsed: Duration = .zero
        public init() {}
    }

    /// A failed pass: which fault, and why (never a secret or a message body).
    public struct PassFailure: Error, CustomStringConvertible, Sendable {
        public var kind: FaultKind
        public var reason: String
        /// For a mailbox fault: its label in `liaison_imap_faults_total`.
        public var imapKind: IMAPFaultKind?
        public var description: String { "\(kind): \(reason)" }
    }

    public let name = "poller"
    /// Signal to end the current wait early (tests; reload and shutdown use it too).
    public let wakeup = Wakeup()
    /// The watchdog's view of this loop.
    public let progress: ProgressMonitor
    /// Fault bookkeeping (logged once per fault).
    public let faults: FaultTracker

    /// Everything that changes while the poller runs, behind one lock.
    private struct State {
        var setup: Setup
        /// With a leadership: whether this instance leads the mailbox (nil: not tried yet).
        var leading: Bool?
        var pendingSetup: Setup?
        var stopRequested = false
        var idleUnsupportedLogged = false
        var idleFailing = false
        var lastPassAt: Date?
        var lastReport: PassReport?
        var totalFiled = 0
        var passes = 0
        var unprocessable = 0
    }
    private let state: Mutex<State>
    /// Reads each message under the time budget; lives across passes and reloads, since it
    /// tracks readings abandoned in earlier ones.
    private let reader: ReadingWorker
    private let rebuild: SetupBuilder?
    private let afterFiling: (@Sendable () -> Void)?
    /// Who polls the mailbox when several instances share the store (nil: this one, always).
    private let leadership: (any MailboxLeadership)?
    /// How often a standby instance tries to take the leadership.
    private let standbyRetry: Duration
    private let logger: Logger
    private let now: Now
    private let clock: any Clock<Duration>
    private let lane = BlockingLane(label: "liaison.poller.imap")
    private let watchLane = BlockingLane(label: "liaison.poller.idle")
    /// Where the loop itself runs (off the cooperative pool).
    private let executor = LoopExecutor(label: "liaison.poller.loop")

    /// `rebuild` makes a new setup on SIGHUP (nil: reloads change nothing here); `now` gives
    /// the time used for filing (`--now` replaces it); `clock` measures the waits.
    /// `afterFiling` runs after a pass that filed something (the scheduler and the outbox re-arm).
    /// `onStuckReading` ends the process when an abandoned reading runs on too long (default:
    /// exit with `ContainedIngest.stuckReaderExitCode`, so that systemd restarts the service).
    public init(setup: Setup, rebuild: SetupBuilder? = nil, logger: Logger = Logger(label: "liaison.poller"),
                now: Now = .system, clock: any Clock<Duration> = LoopClock(), afterFiling: (@Sendable () -> Void)? = nil,
                onStuckReading: (@Sendable (String) -> Void)? = nil,
                leadership: (any MailboxLeadership)? = nil, standbyRetry: Duration = .seconds(2)) {
        self.leadership = leadership
        self.standbyRetry = standbyRetry
        self.reader = ReadingWorker(onStuck: onStuckReading ?? ContainedIngest.exitStuck(logger: logger))
        self.afterFiling = afterFiling
        self.state = Mutex(State(setup: setup))
        self.rebuild = rebuild
        self.logger = logger
        self.now = now
        self.clock = clock
        self.progress = ProgressMonitor(initial: setup.settings.stallLimit)
        self.faults = FaultTracker(component: "poller", logger: logger, now: now)
        leadership?.onLoss { [weak self] in self?.leadershipLost() }
    }

    /// The checkpoint name for an `[imap]` mailbox: user and URL, so two mailboxes never share one.
    public static func checkpointKey(url: String, username: String) -> String { "\(username) \(url)" }

    /// Passes made, messages filed (not counting duplicates and held) since start.
    public var counters: (passes: Int, filed: Int) { state.withLock { ($0.passes, $0.totalFiled) } }

    // MARK: Service

    public func run() async throws {
        await withTaskExecutorPreference(executor) {
            await withGracefulShutdownHandler {
                await loop()
            } onGracefulShutdown: {
                self.requestStop()
            }
        }
    }

    /// Ends `run()` after the message in hand (what graceful shutdown does).
    public func requestStop() {
        let watcher = state.withLock { s -> (any MailboxWatching)? in
            s.stopRequested = true
            return s.setup.watcher
        }
        wakeup.signal()
        watcher?.interrupt()
    }

    private var shouldStop: Bool { stopRequested || Task.isCancelled }
    private var stopRequested: Bool { state.withLock { $0.stopRequested } }

    private func loop() async {
        var current = currentSetup()
        logger.info("poller started", metadata: [
            "mailbox": "\(current.settings.mailboxKey)",
            "poll_interval_s": "\(current.settings.pollInterval.components.seconds)",
            "idle": "\(current.watcher == nil ? "off" : "on")",
        ])
        while !shouldStop {
            current = currentSetup()
            do {
                if let leadership, !(try await lead(leadership, setup: current)) {
                    faults.succeeded()
                    progress.expect(within: standbyRetry + current.settings.stallLimit)
                    _ = await wakeup.wait(for: standbyRetry, on: clock)
                    continue
                }
                _ = try await pass(setup: current)
                faults.succeeded()
            } catch is StopRequested {
                break
            } catch is LeadershipLost {
                continue
            } catch let failure as PassFailure {
                let attempt = faults.failed(failure.kind, reason: failure.reason)
                let delay = current.settings.backoff.delay(attempt: attempt)
                logger.debug("retrying", metadata: ["attempt": "\(attempt)", "delay_s": "\(delay.components.seconds)"])
                progress.expect(within: delay + current.settings.stallLimit)
                _ = await wakeup.wait(for: delay, on: clock)
                continue
            } catch {
                // pass() only throws the two above; keep the loop alive regardless.
                faults.failed(.other("poller"), reason: "\(error)")
                _ = await wakeup.wait(for: current.settings.backoff.delay(attempt: 1), on: clock)
                continue
            }
            if shouldStop { break }
            await waitBetweenPasses(current)
        }
        if let leadership {
            _ = try? await lane.run { leadership.release() }
        }
        logger.info("poller stopped", metadata: ["passes": "\(counters.passes)", "filed": "\(counters.filed)"])
    }

    // MARK: leadership

    /// Takes or confirms the leadership of the mailbox (on the lane); logs a change of role.
    /// Throws `PassFailure` (store) when the database cannot be reached.
    private func lead(_ leadership: any MailboxLeadership, setup: Setup) async throws -> Bool {
        let key = setup.settings.mailboxKey
        let held: Bool
        do {
            held = try await lane.run { try leadership.acquire(mailbox: key) }
        } catch {
            noteRole(false, mailbox: key)
            throw PassFailure(kind: .store, reason: "mailbox leadership: " + Self.reason(error))
        }
        noteRole(held, mailbox: key)
        return held
    }

    private func noteRole(_ leading: Bool, mailbox: String) {
        let was = state.withLock { s -> Bool? in
            defer { s.leading = leading }
            return s.leading
        }
        if leading, was != true {
            logger.notice("became leader: polling this mailbox", metadata: ["mailbox": "\(mailbox)"])
        } else if !leading, was == true {
            logger.warning("leadership lost: polling stopped", metadata: ["mailbox": "\(mailbox)"])
        } else if !leading, was == nil {
            logger.notice("standby: another instance polls this mailbox", metadata: ["mailbox": "\(mailbox)"])
        }
    }

    /// The leadership's connection dropped (any thread): stop polling at once.
    private func leadershipLost() {
        let (was, watcher, key) = state.withLock { s -> (Bool?, (any MailboxWatching)?, String) in
            defer { s.leading = false }
            return (s.leading, s.setup.watcher, s.setup.settings.mailboxKey)
        }
        if was == true {
            logger.warning("leadership lost: polling stopped", metadata: ["mailbox": "\(key)"])
        }
        watcher?.interrupt()
        wakeup.signal()
    }

    /// Whether this instance may poll now: no leadership (one instance), or leadership held.
    private var mayPoll: Bool { leadership?.isHeld ?? true }

    /// Applies a reload that was committed, between passes.
    private func currentSetup() -> Setup {
        state.withLock { s in
            if let next = s.pendingSetup {
                s.setup = next
                s.pendingSetup = nil
            }
            return s.setup
        }
    }

    // MARK: one pass

    /// One pass over the mailbox with the current setup (no retry); throws `PassFailure`.
    @discardableResult
    public func pass() async throws -> PassReport {
        try await pass(setup: currentSetup())
    }

    private func pass(setup: Setup) async throws -> PassReport {
        progress.expect(within: setup.settings.stallLimit)
        // A UIDVALIDITY change between STATUS and SEARCH ends the pass early: run it again at once.
        for _ in 0..<3 {
            do {
                let report = try await lane.run { [self] in try passBlocking(setup) }
                finishPass(report, setup: setup)
                return report
            } catch let failure as PassFailure {
                // Every failed attempt at the mailbox is one IMAP fault (retries included).
                if let kind = failure.imapKind { setup.pipeline.metrics.imapFault(kind) }
                throw failure
            } catch MailboxError.uidValidityChanged(let old, let new) {
                logger.warning("mailbox UIDVALIDITY changed during a pass; starting it again",
                               metadata: ["old": "\(old)", "new": "\(new)"])
            }
        }
        let failure = PassFailure(kind: .mailbox, reason: "UIDVALIDITY keeps changing", imapKind: .uidvalidity)
        setup.pipeline.metrics.imapFault(.uidvalidity)
        throw failure
    }

    private func finishPass(_ report: PassReport, setup: Setup) {
        let at = now()
        state.withLock { s in
            s.lastPassAt = at
            s.lastReport = report
            s.totalFiled += report.filed
            s.passes += 1
        }
        setup.pipeline.metrics.polled(at: at)
        progress.expect(within: setup.settings.pollInterval + setup.settings.stallLimit)
        if report.filed > 0 { afterFiling?() }
        if report.fetched > 0 {
            logger.info("pass done", metadata: [
                "fetched": "\(report.fetched)", "filed": "\(report.filed)", "opened": "\(report.opened)",
                "duplicates": "\(report.duplicates)", "held": "\(report.held)", "unprocessable": "\(report.unprocessable)",
                "elapsed_ms": "\(Self.milliseconds(report.elapsed))", "read_ms": "\(Self.milliseconds(report.times.read))",
                "store_ms": "\(Self.milliseconds(report.times.store))",
                "read_wait_ms": "\(Self.milliseconds(report.times.readWait))",
            ])
        }
    }

    /// Re-reads the count of unprocessable messages awaiting review, for STATUS (on the lane).
    private func refreshUnprocessable(_ store: any IngestStore) {
        guard let n = try? store.unprocessableCount() else { return }
        state.withLock { $0.unprocessable = n }
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    /// Runs on the lane. Throws `PassFailure`, `StopRequested`, or `MailboxError.uidValidityChanged`.
    private func passBlocking(_ setup: Setup) throws -> PassReport {
        let clock = ContinuousClock()
        let started = clock.now
        var report = PassReport()
        try passBlocking(setup, into: &report)
        report.elapsed = clock.now - started
        return report
    }

    private func passBlocking(_ setup: Setup, into report: inout PassReport) throws {
        let key = setup.settings.mailboxKey
        let pipeline = setup.pipeline
        let contained = ContainedIngest(pipeline: pipeline, limits: setup.settings.containment, worker: reader, logger: logger)
        let mailbox = setup.mailbox
        let stored: MailboxCheckpoint?
        do { stored = try pipeline.store.checkpoint(mailbox: key) } catch { throw Self.failure(error, uid: nil) }
        defer { refreshUnprocessable(pipeline.store) }
        let status: MailboxStatus
        do { status = try mailbox.status() } catch { throw Self.mailboxFailure(error) }
        report.uidValidity = status.uidValidity
        var start: UInt32 = 0
        if let stored {
            if stored.uidValidity == status.uidValidity {
                start = stored.lastUID
            } else {
                report.uidValidityReset = true
                logger.warning("mailbox UIDVALIDITY changed: re-reading it from the start; messages already filed are recognised as duplicates",
                               metadata: ["mailbox": "\(key)", "old": "\(stored.uidValidity)", "new": "\(status.uidValidity)"])
            }
        }
        let uids: [UInt32]
        do { uids = try mailbox.uids(above: start) } catch let e as MailboxError {
            if case .uidValidityChanged = e { throw e }
            throw Self.mailboxFailure(e)
        } catch { throw Self.mailboxFailure(error) }
        guard !uids.isEmpty else { return }
        progress.expect(within: setup.settings.stallLimit)
        var times = IngestTimes()
        defer { report.times += times }
        var bounds = leadership == nil ? setup.settings.batch : ContainedIngest.BatchBounds(maxCount: 1, maxBytes: 1)
        if let n = TestHooks.batchCount { bounds.maxCount = min(bounds.maxCount, n) }
        // What arrived together (one FETCH response) is filed in batches (`ingest(batch:)`):
        // marks and filings a batch per transaction, the next batch read while one is filed.
        // `more` hands over the responses that follow (`FetchAhead`), so that the reading goes
        // on across them: one stream of messages, indexed in the order they came.
        func incoming(_ group: [FetchedMessage], _ hashes: [String]?) -> [ContainedIngest.Incoming] {
            group.enumerated().map { k, m in
                ContainedIngest.Incoming(raw: m.bytes,
                                         marker: .uid(mailbox: key, uidValidity: status.uidValidity, uid: m.uid),
                                         checkpoint: MailboxCheckpoint(mailbox: key, uidValidity: status.uidValidity, lastUID: m.uid),
                                         contentHash: hashes?[k])
            }
        }
        func fileGroup(_ group: [FetchedMessage], hashes: [String]? = nil,
                       more: (() throws -> (group: [FetchedMessage], hashes: [String])?)? = nil) throws {
            // The UIDs of the stream so far, by index (4 bytes a message).
            var streamUIDs = group.map(\.uid)
            let following: (() throws -> [ContainedIngest.Incoming]?)? = more.map { more in
                {
                    guard let (group, hashes) = try more() else { return nil }
                    streamUIDs += group.map(\.uid)
                    return incoming(group, hashes)
                }
            }
            do {
                // Several instances (a leadership): one message in hand at a time, as its
                // loss must stop the pass before the next message.
                try contained.ingest(batch: incoming(group, hashes), more: following, bounds: bounds,
                                     overlapped: leadership == nil, now: { self.now() }, times: &times, before: {
                    // Finish the batch in hand, start no new one once shutdown was asked for.
                    if self.stopRequested { throw StopRequested() }
                    if !self.mayPoll { throw LeadershipLost() }
                    self.progress.expect(within: setup.settings.stallLimit)
                }, done: { i, result in
                    report.fetched += 1
                    pipeline.metrics.messageFetched()
                    self.record(result, uid: streamUIDs[i], into: &report)
                })
            } catch let failure as ContainedIngest.BatchFailure {
                report.fetched += 1
                pipeline.metrics.messageFetched()
                throw Self.failure(failure.error, uid: streamUIDs[failure.index])
            }
        }
        func holdTooLarge(_ uid: UInt32, _ size: Int) throws {
            // Larger than the reader may fetch: held unread, the mailbox behind it goes on.
            if stopRequested { throw StopRequested() }
            if !mayPoll { throw LeadershipLost() }
            let checkpoint = MailboxCheckpoint(mailbox: key, uidValidity: status.uidValidity, lastUID: uid)
            let marker = ProcessingMarker.uid(mailbox: key, uidValidity: status.uidValidity, uid: uid)
            let result: IngestResult
            do {
                result = try contained.holdTooLarge(announcedSize: size, limit: setup.settings.maxMessageBytes,
                                                    marker: marker, checkpoint: checkpoint, now: now())
            } catch {
                throw Self.failure(error, uid: uid)
            }
            record(result, uid: uid, into: &report)
        }
        do {
            if leadership == nil {
                // The next response is fetched while this one is filed (one response ahead:
                // each within `max_response_bytes` and the fetch plan, as before).
                let ahead = FetchAhead(mailbox: mailbox, uids: uids)
                defer { ahead.finish() }
                var item = try ahead.next()
                while let current = item {
                    item = nil
                    switch current {
                    case .group(let group, let hashes):
                        // This response and the ones after it as one stream, up to a message
                        // too large to fetch (held in its turn, after them) or the end.
                        try fileGroup(group, hashes: hashes, more: {
                            guard let following = try ahead.next() else { return nil }
                            guard case .group(let group, let hashes) = following else {
                                item = following
                                return nil
                            }
                            return (group, hashes)
                        })
                    case .tooLarge(let uid, let size):
                        try holdTooLarge(uid, size)
                        item = try ahead.next()
                    }
                }
            } else {
                try mailbox.fetch(uids: uids, groups: { try fileGroup($0) }, tooLarge: holdTooLarge)
            }
        } catch let e as PassFailure {
            throw e
        } catch let e as StopRequested {
            throw e
        } catch let e as LeadershipLost {
            throw e
        } catch let e as MailboxError {
            if case .uidValidityChanged = e { throw e }
            throw Self.mailboxFailure(e)
        } catch {
            throw Self.mailboxFailure(error)
        }
    }

    private func record(_ result: IngestResult, uid: UInt32, into report: inout PassReport) {
        var meta: Logger.Metadata = ["uid": "\(uid)"]
        switch result {
        case .filed(let number, let opened, let rule):
            report.filed += 1
            if opened { report.opened += 1 }
            meta["case"] = "\(number)"
            meta["outcome"] = "\(opened ? "opened" : "filed")"
            if let rule { meta["rule"] = "\(rule.rawValue)" }
        case .duplicate(let existing):
            report.duplicates += 1
            meta["outcome"] = "duplicate"
            switch existing {
            case .filed(let number, _): meta["case"] = "\(number)"
            case .held(let id): meta["held"] = "\(id)"
            }
        case .held(let id, let reason):
            report.held += 1
            if reason == .unprocessable { report.unprocessable += 1 }
            meta["outcome"] = "held"
            meta["held"] = "\(id)"
            meta["reason"] = "\(reason.rawValue)"
        }
        logger.info("message", metadata: meta)
    }

    /// The store being unavailable (`StoreFaults.isUnavailable`: busy, locked, full, I/O…) is a
    /// store fault, as is any error outside a message; any other error while filing a message is
    /// tied to that message (and counted towards holding it, by `ContainedIngest`).
    static func failure(_ error: Error, uid: UInt32?) -> PassFailure {
        if StoreFaults.isUnavailable(error) || uid == nil {
            return PassFailure(kind: .store, reason: reason(error))
        }
        return PassFailure(kind: .message(uid: uid!), reason: reason(error))
    }

    /// The mailbox failed (`error` from the IMAP reader): a mailbox fault, with its metric label.
    static func mailboxFailure(_ error: Error) -> PassFailure {
        PassFailure(kind: .mailbox, reason: reason(error), imapKind: .of(error))
    }

    /// An error's description, first line only, at most 200 characters (GRDB adds the SQL).
    static func reason(_ error: Error) -> String {
        let text = "\(error)".split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    // MARK: waiting

    private func waitBetweenPasses(_ setup: Setup) async {
        let interval = setup.settings.pollInterval
        progress.expect(within: interval + setup.settings.stallLimit)
        if let watcher = setup.watcher, !state.withLock({ $0.idleUnsupportedLogged }) {
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            do {
                let changed = try await watchLane.run { try watcher.waitForChange(timeout: seconds) }
                if state.withLock({ s in defer { s.idleFailing = false }; return s.idleFailing }) {
                    logger.notice("IDLE works again")
                }
                logger.debug("idle ended", metadata: ["changed": "\(changed)"])
                return
            } catch MailboxWatchError.unsupported {
                state.withLock { $0.idleUnsupportedLogged = true }
                logger.notice("the IMAP server offers no IDLE; polling", metadata: ["poll_interval_s": "\(interval.components.seconds)"])
            } catch {
                setup.pipeline.metrics.imapFault(.of(error))
                if !state.withLock({ s in defer { s.idleFailing = true }; return s.idleFailing }) {
                    logger.warning("IDLE failed; polling until it works again", metadata: ["reason": "\(Self.reason(error))"])
                }
            }
            if shouldStop { return }
        }
        _ = await wakeup.wait(for: interval, on: clock)
    }

    // MARK: DaemonComponent

    /// One pass, no retry: `liaison serve --once`.
    public func runOnce(now: Date) async throws {
        let report: PassReport
        if let leadership {
            // One pass if this instance can lead the mailbox now; a standby one leaves it to the leader.
            guard try await lead(leadership, setup: currentSetup()) else { return }
            do {
                report = try await pass()
            } catch {
                _ = try? await lane.run { leadership.release() }
                throw error
            }
            _ = try? await lane.run { leadership.release() }
        } else {
            report = try await pass()
        }
        faults.succeeded()
        logger.info("once: pass done", metadata: ["fetched": "\(report.fetched)", "filed": "\(report.filed)",
                                                 "duplicates": "\(report.duplicates)", "held": "\(report.held)"])
    }

    public func status() -> ComponentStatus {
        let (at, total, zone, held) = state.withLock { ($0.lastPassAt, $0.totalFiled, $0.setup.settings.timeZone, $0.unprocessable) }
        var summary: [String] = []
        if leadership != nil, state.withLock({ $0.leading }) == false {
            summary.append("standby")
        }
        if let at {
            summary.append("polled \(WallClock(timeZone: zone).timeOfDay(at))")
        } else {
            summary.append("not polled yet")
        }
        summary.append("\(total) filed")
        if held > 0 { summary.append("\(held) unprocessable") }
        return ComponentStatus(summary: summary, fault: faults.statusText, progress: progress)
    }

    public func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? {
        guard let rebuild else { return nil }
        let next = try rebuild(config)
        return { [self] in
            let old = state.withLock { s -> (any MailboxWatching)? in
                s.pendingSetup = next
                s.idleUnsupportedLogged = false
                return s.setup.watcher
            }
            logger.info("configuration reloaded; applied from the next pass")
            old?.interrupt()
            wakeup.signal()
        }
    }
}

/// Thrown inside a pass to stop before the next message (graceful shutdown).
struct StopRequested: Error {}

/// A pass's `MailboxReading.fetch(uids:groups:tooLarge:)` on a thread of its own, at most one
/// response ahead of the poller: the next `UID FETCH` is read while the poller files the
/// groups before it. `next()` hands the groups and oversized UIDs over in order, rethrows what
/// the fetch threw, and returns nil at the end; `finish()` stops the fetch after the command in
/// flight and waits for the thread. Memory: the group being filed and one more.
/// `@unchecked Sendable`: `queue`, `ended` and `stopped` are only touched under `condition`.
final class FetchAhead: @unchecked Sendable {
    enum Item {
        /// The messages of one response and their `ContentHash`es (worked out on this thread,
        /// off the filing one).
        case group([FetchedMessage], hashes: [String])
        case tooLarge(UInt32, Int)
    }
    private struct Stopped: Error {}
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var ended: Result<Void, any Error>?
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(mailbox: any MailboxReading, uids: [UInt32]) {
        let thread = Thread { [self] in
            let result: Result<Void, any Error>
            do {
                try mailbox.fetch(uids: uids, groups: { group in try self.put(.group(group, hashes: group.map { ContentDigest.of($0.bytes) })) },
                                  tooLarge: { try self.put(.tooLarge($0, $1)) })
                result = .success(())
            } catch {
                result = .failure(error)
            }
            condition.lock()
            ended = result
            condition.broadcast()
            condition.unlock()
            done.signal()
        }
        thread.name = "liaison.poller.fetch"
        thread.start()
    }

    /// Hands `item` over and waits until the poller took it (so the fetch of the response after
    /// it starts only then: one response ahead, never more), unless stopped.
    private func put(_ item: Item) throws {
        condition.lock()
        defer { condition.unlock() }
        if stopped { throw Stopped() }
        queue.append(item)
        condition.broadcast()
        while !queue.isEmpty && !stopped { condition.wait() }
        if !queue.isEmpty { throw Stopped() }
    }

    func next() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && ended == nil { condition.wait() }
        if !queue.isEmpty {
            let item = queue.removeFirst()
            condition.broadcast()
            return item
        }
        if case .failure(let error) = ended!, !(error is Stopped) { throw error }
        return nil
    }

    func finish() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        done.wait()
    }
}

/// Thrown inside a pass when the mailbox's leadership was lost: stop before the next message.
struct LeadershipLost: Error {}
