import Foundation
import LiaisonTestSupport
import LiaisonCore
@testable import LiaisonDaemon
import LiaisonStore
import LiaisonTransportFakes
import Synchronization
import Testing

/// A leadership the test grants and takes away (PostgreSQL's is `PostgresLeadership`,
/// exercised in `PostgresCooperationTests`).
final class FakeLeadership: MailboxLeadership {
    private struct State {
        var available = false
        var held = false
        var attempts = 0
        var handlers: [@Sendable () -> Void] = []
        var released = 0
    }
    private let state = Mutex(State())
    var attempts: Int { state.withLock { $0.attempts } }
    var released: Int { state.withLock { $0.released } }
    /// Whether the next `acquire` gets it.
    func make(available: Bool) { state.withLock { $0.available = available } }
    /// The connection drops: lost at once, handlers run.
    func drop() {
        let handlers = state.withLock { s in s.held = false; s.available = false; return s.handlers }
        for h in handlers { h() }
    }
    func acquire(mailbox: String) throws -> Bool {
        state.withLock { s in
            s.attempts += 1
            s.held = s.held || s.available
            return s.held
        }
    }
    var isHeld: Bool { state.withLock { $0.held } }
    func onLoss(_ handler: @escaping @Sendable () -> Void) { state.withLock { $0.handlers.append(handler) } }
    func release() { state.withLock { $0.held = false; $0.released += 1 } }
}

@Suite("PollerService leadership (several instances)", .ownExecutor)
struct PollerLeadershipTests {
    static func make(_ mailbox: InMemoryMailbox, leadership: FakeLeadership, step: BlockingStep? = nil,
                     logs: LogCapture) throws -> (PollerService, SQLiteStore) {
        let store = try temporaryStore()
        var pipeline = IngestPipeline(organization: try CorpusLocation.organization(), store: store)
        if let step { pipeline.readObserver = { step.read($0) } }
        let settings = PollerService.Settings(mailboxKey: PollerServiceTests.key, pollInterval: .milliseconds(100),
                                              backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(80)),
                                              stallLimit: .seconds(30), containment: ContainmentLimits(readingBudget: .seconds(120)))
        let poller = PollerService(setup: .init(mailbox: mailbox, pipeline: pipeline, settings: settings),
                                   logger: logs.logger("liaison.poller"), onStuckReading: { _ in },
                                   leadership: leadership, standbyRetry: .milliseconds(50))
        return (poller, store)
    }

    @Test("a standby instance does not poll, says so in STATUS, retries, and polls once it leads")
    func standbyThenLeader() async throws {
        let (mailbox, _) = try PollerServiceTests.loadedMailbox()
        let leadership = FakeLeadership()
        let logs = LogCapture()
        let (poller, store) = try Self.make(mailbox, leadership: leadership, logs: logs)
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        #expect(await eventually(60) { leadership.attempts >= 3 })
        #expect(poller.counters.passes == 0)
        #expect(mailbox.calls.isEmpty, "a standby instance does not touch the mailbox")
        #expect(poller.status().summary.first == "standby")
        #expect(logs.count("standby: another instance polls this mailbox") == 1)
        leadership.make(available: true)
        #expect(await eventually(60) { poller.counters.passes >= 1 })
        #expect(logs.count("became leader") == 1)
        #expect(poller.status().summary.first != "standby")
        #expect(try store.counts().correspondence > 0)
        poller.requestStop()
        try await task.value
        #expect(leadership.released == 1, "a graceful stop gives the leadership up")
    }

    @Test("leadership lost mid-pass: the message in hand is finished, no other is started; STATUS says standby")
    func lossStopsThePass() async throws {
        let (mailbox, count) = try PollerServiceTests.loadedMailbox()
        let leadership = FakeLeadership()
        leadership.make(available: true)
        let step = BlockingStep()
        let logs = LogCapture()
        let (poller, store) = try Self.make(mailbox, leadership: leadership, step: step, logs: logs)
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        #expect(await eventually(60) { step.entered })
        leadership.drop()
        #expect(logs.count("leadership lost") == 1)
        #expect(poller.status().summary.first == "standby")
        step.release()
        #expect(await eventually(60) { leadership.attempts >= 3 })
        let counts = try store.counts()
        #expect(counts.correspondence + counts.held == 1, "only the message in hand was filed (of \(count))")
        #expect(try store.checkpoint(mailbox: PollerServiceTests.key)?.lastUID == 1)
        poller.requestStop()
        try await task.value
    }
}
