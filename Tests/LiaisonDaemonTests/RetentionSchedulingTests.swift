import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import Testing
@testable import LiaisonDaemon

private func instant(_ s: String) -> Date { FlowFixtures.instant(s) }
private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// `[retention]` applied by the running scheduler (issue 18), on a manual clock and a manual
/// "now": the bodies of a resolved case go at the first check of the day they expire (Shanghai
/// midnight), not a minute before, and once a day only.
@Suite("Retention: the scheduler applies [retention] daily", .ownExecutor)
struct RetentionSchedulingTests {
    @Test func bodiesGoAtTheFirstCheckOfTheirDayNeverBefore() async throws {
        let flow = try CorpusFlow("retention")
        defer { flow.cleanup() }
        _ = try flow.pipeline.ingest(try FlowFixtures.corpusMessage("01"), now: instant("2026-11-16T09:13:00+08:00"))
        let number = try #require(try flow.store.cases(status: nil, owner: nil).first?.number)
        try flow.store.setStatus(caseNumber: number, status: .resolved, at: instant("2026-11-20T10:00:00+08:00"))
        func bodies() throws -> [Int] { try flow.store.correspondence(caseNumber: number).map(\.raw.count) }
        let full = try bodies()
        try #require(full.allSatisfy { $0 > 0 })

        let wall = ManualNow(instant("2026-11-26T23:59:00+08:00"))
        let clock = ManualClock()
        let scheduler = SchedulerComponent(engine: flow.engine, organization: FlowFixtures.organization, now: wall.now, clock: clock,
                                           logger: quiet)
        let runner = RetentionRunner(store: flow.store, policy: RetentionPolicy(bodies: RetentionPeriod.parse("7 days")),
                                     timeZone: FlowFixtures.organization.timeZone, logger: quiet)
        scheduler.attachRetention(runner)
        let running = Task(executorPreference: TestLoop.current) { try await scheduler.run() }
        defer { running.cancel() }
        #expect(await eventually(30) { scheduler.timer.isIdle && clock.pendingWaits.count == 1 })
        #expect(try bodies() == full, "removed the day before they expired")

        // The next check, a minute later, is on 27 November in Shanghai: the bodies go.
        wall.advance(by: 60)
        clock.advance(by: .seconds(60))
        #expect(await eventually(30) { (try? bodies().allSatisfy { $0 == 0 }) == true })
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == .bodiesRemoved })
        #expect(scheduler.timer.currentError == nil)

        // Once a day: the same day's later checks do not run it again.
        #expect(try runner.runIfDue(now: instant("2026-11-27T12:00:00+08:00")) == nil)
        #expect(try runner.runIfDue(now: instant("2026-11-28T00:00:01+08:00")) != nil)
    }
}
