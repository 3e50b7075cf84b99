import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import Logging
import Synchronization
import Testing
@testable import LiaisonDaemon
@testable import LiaisonTransport
import LiaisonTransportFakes

// The scheduler and the outbox stepped with a manual `Clock` (their waits) and a manual `Now`
// (the wall clock, which a test makes jump): what is due is judged by "now", how long to wait is
// measured on the clock, and neither a jump forward nor a jump back of two hours moves a wait,
// fires anything twice, or loses anything.

private let jumpOrg = FlowFixtures.organization
private func instant(_ s: String) -> Date { FlowFixtures.instant(s) }

/// A store with the corpus's complaint (01) filed at 2026-11-16 09:13 (+08:00): its first-response
/// reminder is due 2026-11-17 09:13, its solution reminder 2026-11-18 09:13.
private struct JumpFlow {
    let flow: CorpusFlow
    var store: SQLiteStore { flow.store }
    var engine: ReminderEngine { flow.engine }

    init() throws {
        flow = try CorpusFlow("jump")
        _ = try flow.pipeline.ingest(try FlowFixtures.corpusMessage("01"), now: instant("2026-11-16T09:13:00+08:00"))
    }

    func reminders(_ kind: ReminderKind, _ status: ReminderStatus) throws -> Int {
        try store.reminders(caseNumber: nil, status: status, dueBefore: nil).filter { $0.kind == kind }.count
    }

    func outbox(_ purpose: ReminderKind) throws -> Int {
        try store.outbox(status: nil).filter { $0.mail.purpose == .notice(purpose) }.count
    }

    func cleanup() { flow.cleanup() }
}

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Waits until `timer` has run every check asked for and sleeps on `clock` again.
private func settled(_ timer: StoreTimer, _ clock: ManualClock) async -> Bool {
    await eventually(30) { timer.isIdle && clock.pendingWaits.count == 1 }
}

@Suite("Time: a manual clock steps the scheduler and the outbox across wall-clock jumps", .ownExecutor)
struct ClockJumpTests {
    @Test("±2 h wall-clock jumps: nothing fires twice, nothing is lost, no wait is moved")
    func schedulerAcrossJumps() async throws {
        let flow = try JumpFlow()
        defer { flow.cleanup() }
        let wall = ManualNow(instant("2026-11-17T08:30:00+08:00"))
        let clock = ManualClock()
        let firings = Mutex(0)
        let scheduler = SchedulerComponent(engine: flow.engine, organization: jumpOrg, now: wall.now, clock: clock,
                                           logger: quiet, afterFiring: { firings.withLock { $0 += 1 } })
        let running = Task(executorPreference: TestLoop.current) { try await scheduler.run() }
        defer { running.cancel() }

        // Started at 08:30: nothing due, a wait of the safety interval (60 s) on the clock.
        #expect(await settled(scheduler.timer, clock))
        #expect(try flow.reminders(.complaintResponse, .fired) == 0)
        #expect(clock.pendingWaits == [.seconds(60)])

        // The wall clock jumps 2 h forward (10:30): the first-response reminder (09:13) is due
        // now, but the wait in progress is not moved by the jump: it ends when the clock says.
        wall.advance(by: 7_200)
        try await LoopClock().sleep(for: .milliseconds(50))
        #expect(clock.pendingWaits == [.seconds(60)])
        #expect(try flow.reminders(.complaintResponse, .fired) == 0)
        clock.advance(by: .seconds(30))
        #expect(clock.pendingWaits == [.seconds(30)])
        #expect(try flow.reminders(.complaintResponse, .fired) == 0)
        // At the end of the wait the scheduler re-reads "now" and fires what became due, once.
        clock.advance(by: .seconds(30))
        #expect(await settled(scheduler.timer, clock))
        #expect(try flow.reminders(.complaintResponse, .fired) == 1)
        #expect(try flow.outbox(.complaintResponse) == 1)
        #expect(firings.withLock { $0 } >= 1)
        let armed = try #require(scheduler.timer.armedFor)
        #expect(armed <= wall() + 60)

        // The wall clock jumps 2 h back (08:31): the next wait is still the safety interval on the
        // clock, not two hours more; nothing fires again and nothing fires early, however long
        // the clock runs before the wall clock comes back to the solution reminder's time.
        wall.advance(by: -7_200)
        scheduler.poke()
        #expect(await settled(scheduler.timer, clock))
        #expect(clock.pendingWaits == [.seconds(60)])
        for _ in 0..<10 {
            clock.advance(by: .seconds(60))
            wall.advance(by: 60)
            #expect(await settled(scheduler.timer, clock))
            #expect(clock.pendingWaits == [.seconds(60)])
        }
        #expect(try flow.reminders(.complaintResponse, .fired) == 1)
        #expect(try flow.outbox(.complaintResponse) == 1)
        #expect(try flow.reminders(.complaintSolution, .pending) == 1)
        #expect(try flow.reminders(.complaintSolution, .fired) == 0)

        // Time runs on to the solution reminder (2026-11-18 09:13): it fires once, within one wait.
        wall.set(instant("2026-11-18T09:13:30+08:00"))
        clock.advance(by: .seconds(60))
        #expect(await settled(scheduler.timer, clock))
        #expect(try flow.reminders(.complaintSolution, .fired) == 1)
        #expect(try flow.reminders(.complaintResponse, .fired) == 1)
        #expect(try flow.outbox(.complaintSolution) == 1)
        #expect(try flow.outbox(.complaintResponse) == 1)
        #expect(try flow.reminders(.complaintResponse, .pending) + flow.reminders(.complaintSolution, .pending) == 0)

        running.cancel()
        try await running.value
    }

    @Test("the outbox waits on the clock: a wall-clock jump back delays no sending, a jump forward sends no retry early twice")
    func outboxAcrossJumps() async throws {
        let flow = try JumpFlow()
        defer { flow.cleanup() }
        try flow.engine.fireDue(now: instant("2026-11-17T09:13:00+08:00"))   // one mail queued at 09:13
        let wall = ManualNow(instant("2026-11-17T09:13:00+08:00"))
        let clock = ManualClock()
        let smtp = RecordingMailSender(script: [.transient("451 4.3.0 try again")])
        let config = try LiaisonConfig(toml: """
            [organization]
            name = "示例科技有限公司"
            internal_domains = ["corp.example"]
            tracking_address = "track@corp.example"
            authserv_id = "mx.corp.example"
            """)
        let outbox = try OutboxComponent(store: flow.store, config: config, now: wall.now, clock: clock, logger: quiet) { _ in
            OutboxSender(store: flow.store, sender: smtp, policy: RetryPolicy(initial: 30, cap: 900, jitter: 0), now: wall.now,
                         renderNotice: { try flow.engine.render($0) })
        }
        let running = Task(executorPreference: TestLoop.current) { try await outbox.run() }
        defer { running.cancel() }

        // The first attempt fails (451): retry at 09:13:30 (wall); the wait on the clock is 30 s.
        #expect(await settled(outbox.timer, clock))
        #expect(smtp.sent.count == 1)
        #expect(clock.pendingWaits == [.seconds(30)])

        // A jump 2 h back does not stretch the wait: after 30 s on the clock the outbox looks
        // again; the retry is not due by the wall clock yet, so nothing is sent, and it looks
        // again within the safety interval rather than in two hours.
        wall.advance(by: -7_200)
        clock.advance(by: .seconds(30))
        #expect(await settled(outbox.timer, clock))
        #expect(smtp.sent.count == 1)
        #expect(clock.pendingWaits == [.seconds(60)])

        // A jump 2 h forward (past the retry time): the next look sends it, once.
        wall.advance(by: 2 * 7_200)
        clock.advance(by: .seconds(60))
        #expect(await settled(outbox.timer, clock))
        #expect(smtp.sent.count == 2)
        #expect(try flow.store.outbox(status: .sent).count == 1)
        for _ in 0..<3 {
            clock.advance(by: .seconds(60))
            #expect(await settled(outbox.timer, clock))
        }
        #expect(smtp.sent.count == 2)

        running.cancel()
        try await running.value
    }

    @Test("IMAP timeouts and the connection-age rule are on the monotonic clock")
    func imapTimeoutsAreMonotonic() {
        // Deadlines and the idle age are `ContinuousClock` instants: nothing that reads the wall
        // clock (a manual `Now`, a stepped system clock) enters them.
        let used = ContinuousClock.now
        #expect(IMAPConnection.isFresh(lastUsed: used, maxAge: 600, now: used + .seconds(599)))
        #expect(!IMAPConnection.isFresh(lastUsed: used, maxAge: 600, now: used + .seconds(601)))
        let deadline: ContinuousClock.Instant = IMAPConnection.deadline(after: 300)
        #expect(deadline - ContinuousClock.now <= .seconds(300))
        #expect(deadline - ContinuousClock.now > .seconds(290))
    }
}
