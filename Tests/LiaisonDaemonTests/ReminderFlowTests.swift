import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import LiaisonTransportFakes
import Testing
import LiaisonTestSupport
@testable import LiaisonDaemon

// The corpus's complaint thread through the whole reminder path on a fake clock: IngestPipeline
// → SQLiteStore (filing + follow-up in one transaction) → ReminderPlanner → NoticeRenderer
// (the repository's Templates/) → outbox → OutboxSender over a recording SMTP fake.

private let flowOrg = try! Organization(name: "示例科技有限公司", internalDomains: ["corp.example"],
                                   trackingAddress: "track@corp.example", authservID: "mx.corp.example",
                                   timeZone: "Asia/Shanghai", workdayStart: "09:00", workdayEnd: "18:00",
                                   staff: ["王芳": "wang.fang@corp.example", "张伟": "zhang.wei@corp.example"])

private func t(_ s: String) -> Date {
    let f = ISO8601DateFormatter()
    guard let d = f.date(from: s) else { fatalError("bad instant \(s)") }
    return d
}

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func corpus(_ prefix: String) throws -> [UInt8] {
    let dir = ProcessInfo.processInfo.environment["LIAISON_CORPUS"].map { URL(fileURLWithPath: $0) }
        ?? repository.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path)
        .first { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".eml") })
    return Array(try #require(FileManager.default.contents(atPath: dir.appendingPathComponent(name).path)))
}

/// A fresh store, engine and pipeline in a temporary folder.
private struct Flow {
    let dir: URL
    let store: SQLiteStore
    let engine: ReminderEngine
    let pipeline: IngestPipeline

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
        let templates = try MailTemplates(directory: repository.appendingPathComponent("Templates").path)
        let renderer = NoticeRenderer(templates: templates, config: TemplateConfig(), organization: flowOrg,
                                      from: Address(name: "Liaison 沟通跟踪", address: "track@corp.example"))
        engine = ReminderEngine(planner: ReminderPlanner(organization: flowOrg, rules: .defaults), renderer: renderer, store: store)
        pipeline = IngestPipeline(organization: flowOrg, store: store, followUps: engine)
    }

    /// Files a corpus message as if fetched at `now` (the corpus has no Received stamps, so `now`
    /// is its arrival).
    @discardableResult
    func file(_ prefix: String, at now: Date) throws -> IngestResult {
        try pipeline.ingest(try corpus(prefix), now: now)
    }

    func pending(_ kind: ReminderKind) throws -> [Reminder] {
        try store.reminders(caseNumber: nil, status: .pending, dueBefore: nil).filter { $0.kind == kind }
    }

    func cleanup() { try? FileManager.default.removeItem(at: dir) }
}

@Suite(.ownExecutor) struct ReminderFlowTests {
    let number = "EC20261116-001"

    @Test func complaintThreadWithObjection() throws {
        let flow = try Flow()
        defer { flow.cleanup() }

        // 01: the complaint opens the case; 24 h and 48 h reminders to its owner.
        // Counted from its arrival (no Received stamp: the fetch at 09:13), not its Date (09:12:33).
        let opened = try flow.file("01", at: t("2026-11-16T09:13:00+08:00"))
        #expect(opened == .filed(caseNumber: number, openedCase: true, rule: nil))
        let response = try #require(try flow.pending(.complaintResponse).first)
        #expect(response.fireAt == t("2026-11-17T09:13:00+08:00"))
        #expect(try flow.pending(.complaintSolution).first?.fireAt == t("2026-11-18T09:13:00+08:00"))

        // 02: the staff reply cancels the first-response reminder, not the solution one.
        try flow.file("02", at: t("2026-11-16T10:06:00+08:00"))
        #expect(try flow.pending(.complaintResponse).isEmpty)
        let cancelled = try flow.store.reminders(caseNumber: number, status: .cancelled, dueBefore: nil)
        #expect(cancelled.map(\.id) == [response.id])
        #expect(try flow.pending(.complaintSolution).count == 1)

        // 03: the recap — pending, items stored, a window-close reminder at its close.
        try flow.file("03", at: t("2026-11-17T15:41:00+08:00"))
        let recap = try #require(try flow.store.recaps(caseNumber: number).first)
        #expect(recap.state == .pending)
        #expect(recap.recap.windowCloses == t("2026-11-17T23:59:59+08:00"))
        #expect(recap.recap.items.count >= 3)
        let window = try #require(try flow.pending(.recapWindow).first)
        #expect(window.about == recap.recap.windowCloses)
        #expect(try !flow.pending(.itemDue).isEmpty)
        #expect(try flow.store.outbox(status: nil).isEmpty)

        // 04: the objection disputes it at once and tells its author by mail.
        try flow.file("04", at: t("2026-11-17T18:03:00+08:00"))
        let disputed = try #require(try flow.store.recaps(caseNumber: number).first)
        guard case .disputed(_, let items) = disputed.state else {
            Issue.record("recap is \(disputed.state.name), not disputed")
            return
        }
        #expect(items == [3])
        // Recorded as data in the filing transaction; rendered after the commit, on the outbox's side.
        let recorded = try #require(try flow.store.outbox(status: .pending).first)
        #expect(recorded.mail.raw.isEmpty)
        #expect(try flow.store.dueOutbox(now: t("2026-11-18T00:00:00+08:00"), limit: 10).isEmpty, "not sendable before it is rendered")
        #expect(try flow.engine.renderRecorded() == OutboxSender.Rendering(rendered: 1, unrenderable: 0))
        let notice = try #require(try flow.store.outbox(status: .pending).first)
        #expect(notice.mail.messageID == recorded.mail.messageID, "the Message-ID fixed when it was planned")
        #expect(notice.mail.purpose == .notice(.recapDisputed))
        #expect(notice.mail.recipients == [recap.recap.author])
        let parsed = MessageParser.parse(notice.mail.raw)
        #expect(parsed.subject?.contains("[\(number)]") == true)
        #expect(parsed.header["Auto-Submitted"] == "auto-generated")
        #expect(CaseMatcher.caseNumber(inLiaisonMessageID: parsed.messageID ?? "") == number)
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.recapDisputed })

        // The window closes: the notice says disputed; the recap stays disputed.
        let fired = try flow.engine.fireDue(now: t("2026-11-18T00:00:05+08:00"))
        #expect(fired.contains { $0.id == window.id })
        try flow.engine.renderRecorded()
        let windowMail = try #require(try flow.store.outbox(status: .pending).first { $0.mail.purpose == .notice(.recapWindow) })
        let text = MessageParser.parse(windowMail.mail.raw).text
        #expect(text.contains("异议"))
        #expect(!text.contains("已确认"))
        guard case .disputed = try #require(try flow.store.recaps(caseNumber: number).first).state else {
            Issue.record("window close changed a disputed recap")
            return
        }

        // Re-filing the same messages (a refetch after a crash) schedules nothing twice.
        let before = try flow.store.reminders(caseNumber: nil, status: nil, dueBefore: nil).count
        let mails = try flow.store.outbox(status: nil).count
        for p in ["01", "02", "03", "04"] {
            guard case .duplicate = try flow.file(p, at: t("2026-11-18T08:00:00+08:00")) else {
                Issue.record("\(p) was not a duplicate")
                return
            }
        }
        #expect(try flow.store.reminders(caseNumber: nil, status: nil, dueBefore: nil).count == before)
        #expect(try flow.store.outbox(status: nil).count == mails)

        // Resolution: the solution reminder is cancelled, the satisfaction follow-up scheduled
        // one working day later at workday_start (Wed 18 → Thu 19 09:00).
        try flow.engine.resolve(caseNumber: number, at: t("2026-11-18T08:30:00+08:00"))
        #expect(try flow.pending(.complaintSolution).isEmpty)
        #expect(try flow.pending(.satisfaction).first?.fireAt == t("2026-11-19T09:00:00+08:00"))
        #expect(try flow.store.caseWithNumber(number)?.status == .resolved)
    }

    @Test func recapWithoutObjectionIsConfirmedAtTheClose() throws {
        let flow = try Flow()
        defer { flow.cleanup() }
        for (p, at) in [("01", "2026-11-16T09:13:00+08:00"), ("02", "2026-11-16T10:06:00+08:00"), ("03", "2026-11-17T15:41:00+08:00")] {
            try flow.file(p, at: t(at))
        }
        // Nothing fires before the close.
        let early = try flow.engine.fireDue(now: t("2026-11-17T23:00:00+08:00"))
        #expect(!early.contains { $0.kind == .recapWindow })
        #expect(try flow.store.recaps(caseNumber: number).first?.state == .pending)

        let fired = try flow.engine.fireDue(now: t("2026-11-18T00:00:05+08:00"))
        #expect(fired.filter { $0.kind == .recapWindow }.count == 1)
        #expect(try flow.store.recaps(caseNumber: number).first?.state == .confirmed(at: t("2026-11-17T23:59:59+08:00")))
        try flow.engine.renderRecorded()
        let mail = try #require(try flow.store.outbox(status: .pending).first { $0.mail.purpose == .notice(.recapWindow) })
        #expect(MessageParser.parse(mail.mail.raw).text.contains("确认"))
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.recapConfirmed })

        // Firing again at the same instant does nothing more.
        #expect(try flow.engine.fireDue(now: t("2026-11-18T00:00:05+08:00")).isEmpty)

        // 04 arrives only now, though its Date is inside the window: the recap stays confirmed
        // (a Date is the sender's word), and the late objection is recorded on the case.
        try flow.file("04", at: t("2026-11-18T08:00:00+08:00"))
        #expect(try flow.store.recaps(caseNumber: number).first?.state == .confirmed(at: t("2026-11-17T23:59:59+08:00")))
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.objectionLate })
    }

    @Test func remindersThatFellDueWhileStoppedFireOnceFlaggedLate() throws {
        let flow = try Flow()
        defer { flow.cleanup() }
        try flow.file("01", at: t("2026-11-16T09:13:00+08:00"))
        // The service comes back three days later: both complaint reminders fire, late, once.
        let fired = try flow.engine.fireDue(now: t("2026-11-19T12:00:00+08:00"))
        #expect(Set(fired.map(\.kind)) == [.complaintResponse, .complaintSolution])
        #expect(fired.allSatisfy { $0.late })
        #expect(try flow.engine.fireDue(now: t("2026-11-19T12:00:01+08:00")).isEmpty)
        try flow.engine.renderRecorded()
        let mails = try flow.store.outbox(status: .pending)
        #expect(mails.count == 2)
        #expect(mails.allSatisfy { MessageParser.parse($0.mail.raw).subject?.contains("延迟发送") == true })
    }

    @Test func outboxRetriesTransientFailuresAndReportsPermanentOnes() throws {
        let flow = try Flow()
        defer { flow.cleanup() }
        try flow.file("01", at: t("2026-11-16T09:13:00+08:00"))
        try flow.engine.fireDue(now: t("2026-11-17T09:13:00+08:00"))   // the 24 h reminder → one mail
        let time = ManualNow(t("2026-11-17T09:13:00+08:00"))
        let smtp = RecordingMailSender(script: [.transient("451 4.3.0 try again"), .transient("451 4.3.0 try again")])
        let outbox = OutboxSender(store: flow.store, sender: smtp, policy: RetryPolicy(initial: 30, cap: 900, jitter: 0),
                                  now: time.now, failureNotice: { e, r, n in flow.engine.deliveryFailure(e, reason: r, now: n) },
                                  renderNotice: { try flow.engine.render($0) })
        #expect(try outbox.drain(now: time()) == OutboxSender.Summary(sent: 0, retrying: 1, failed: 0))
        // Not due again before its back-off (30 s, then 60 s).
        #expect(try outbox.drain(now: time() + 10) == OutboxSender.Summary())
        time.advance(by: 30)
        #expect(try outbox.drain(now: time()).retrying == 1)
        time.advance(by: 60)
        #expect(try outbox.drain(now: time()).sent == 1)
        #expect(smtp.sent.count == 3)
        #expect(try flow.store.outbox(status: .sent).count == 1)
        #expect(try outbox.drain(now: time() + 3_600) == OutboxSender.Summary())

        // A permanent failure: recorded on the case, and its owner told by a notice (which, if it
        // failed too, would not produce another).
        try flow.engine.fireDue(now: t("2026-11-18T09:13:00+08:00"))   // the 48 h reminder
        smtp.enqueue([.permanent("550 5.1.1 mailbox unavailable")])
        time.set(t("2026-11-18T09:13:00+08:00"))
        #expect(try outbox.drain(now: time()) == OutboxSender.Summary(sent: 1, retrying: 0, failed: 1))
        #expect(try flow.store.outbox(status: .failed).count == 1)
        let notices = try flow.store.outbox(status: .sent).filter { $0.mail.purpose == .notice(.deliveryFailed) }
        #expect(notices.count == 1)
        #expect(try flow.store.outboxCounts() == [.sent: 2, .failed: 1])
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.deliveryFailed })
    }

    @Test func aNoticeThatCannotBeRenderedIsRecordedAndBlocksNothing() throws {
        let flow = try Flow()
        defer { flow.cleanup() }
        try flow.file("01", at: t("2026-11-16T09:13:00+08:00"))
        let plan = Plan(notices: [Notice(kind: .deliveryFailed, recipients: ["not an address"], caseNumber: number),
                                  Notice(kind: .deliveryFailed, recipients: ["zhang.wei@corp.example"], caseNumber: number)])
        // Planning renders nothing: both are recorded, with Message-IDs fixed now.
        let f = flow.engine.realize(plan, now: t("2026-11-16T10:00:00+08:00"))
        #expect(f.mails.isEmpty)
        #expect(f.notices.map(\.notice.recipients) == [["not an address"], ["zhang.wei@corp.example"]])
        #expect(Set(f.notices.map(\.messageID)).count == 2)
        try flow.store.update(now: t("2026-11-16T10:00:00+08:00")) { _ in f }
        // After the commit, the outbox's render step: the bad one fails visibly, the good one is sent.
        let smtp = RecordingMailSender(script: [])
        let outbox = OutboxSender(store: flow.store, sender: smtp, now: .fixed(t("2026-11-16T10:00:00+08:00")),
                                  renderNotice: { try flow.engine.render($0) })
        #expect(try outbox.drain(now: t("2026-11-16T10:00:00+08:00")).sent == 1)
        #expect(smtp.sent.map(\.recipients) == [["zhang.wei@corp.example"]])
        let failed = try flow.store.outbox(status: .failed)
        #expect(failed.map(\.mail.recipients) == [["not an address"]])
        #expect(failed.first?.lastError?.contains("not a mail address") == true)
        #expect(try flow.store.events(caseNumber: number).filter { $0.kind == CaseEvent.Kind.noticeFailed }.count == 1)
        #expect(try flow.store.unrenderedNotices(limit: 10).isEmpty)
    }

    @Test func retryPolicyBacksOffWithJitterAndGivesUpAfterMaxAge() {
        let p = RetryPolicy(initial: 30, cap: 900, jitter: 0.2, maxAge: 3_600)
        let created = t("2026-11-17T09:00:00Z")
        #expect(p.baseDelay(afterAttempts: 1) == 30)
        #expect(p.baseDelay(afterAttempts: 4) == 240)
        #expect(p.baseDelay(afterAttempts: 20) == 900)
        let low = p.retryAt(now: created, createdAt: created, attempts: 1, unit: 0)!
        let high = p.retryAt(now: created, createdAt: created, attempts: 1, unit: 0.999)!
        #expect(abs(low.timeIntervalSince(created) - 24) < 0.01)
        #expect(high.timeIntervalSince(created) > 35.9 && high.timeIntervalSince(created) <= 36)
        #expect(p.retryAt(now: created + 3_600, createdAt: created, attempts: 9, unit: 0.5) == nil)
    }

    @Test func storeTimerFiresAtTheEarliestDueTimeAndRearmsOnPoke() async throws {
        let due = LockedBox<[Date]>([])
        let ran = LockedBox<[Date]>([])
        let timer = StoreTimer(name: "test", safetyInterval: .seconds(30), logger: .init(label: "test"),
                               next: { due.value.min() },
                               work: { now in
                                   let fire = due.value.filter { $0 <= now }
                                   if !fire.isEmpty { ran.mutate { $0 += fire }; due.mutate { $0.removeAll { $0 <= now } } }
                               })
        timer.start()
        defer { timer.stop() }
        // Nothing due: armed for the safety interval.
        let armed = try #require(await timer.armedForNow())
        #expect(armed.timeIntervalSinceNow > 20)
        // A row due in 0.3 s, announced by a poke, runs without waiting for the safety interval.
        due.mutate { $0.append(Date() + 0.3) }
        timer.poke()
        for _ in 0..<100 where ran.value.isEmpty { try await LoopClock().sleep(for: .milliseconds(50)) }
        #expect(ran.value.count == 1)
    }
}

extension ReminderFlowTests {
    /// A store that fails (locked, disk full) is retried after the daemon's back-off, logged once
    /// when the fault starts and once when it clears, and shown in STATUS meanwhile; the due work
    /// then runs.
    @Test func storeTimerFaultsAreRetriedAndLoggedOnce() async throws {
        let logs = LogCapture()
        let failuresLeft = LockedBox(2)
        let ran = LockedBox(0)
        let timer = StoreTimer(name: "scheduler", logger: logs.logger(),
                               backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(100)),
                               next: { nil },
                               work: { _ in
                                   if failuresLeft.value > 0 {
                                       failuresLeft.mutate { $0 -= 1 }
                                       throw StoreError("database is locked")
                                   }
                                   ran.mutate { $0 += 1 }
                               })
        timer.start()
        defer { timer.stop() }
        var sawFault = false
        for _ in 0..<200 where ran.value == 0 {
            if timer.currentError?.contains("database is locked") == true { sawFault = true }
            try await LoopClock().sleep(for: .milliseconds(10))
        }
        // The timer logs "fault cleared" after the work returned: wait for the line, not only the work.
        for _ in 0..<200 where logs.count("fault cleared") == 0 { try await LoopClock().sleep(for: .milliseconds(10)) }
        #expect(ran.value == 1)
        #expect(sawFault || logs.count("fault started") == 1)
        #expect(logs.count("fault started") == 1)
        #expect(logs.count("fault cleared") == 1)
        #expect(timer.currentError == nil)
    }
}

/// A value shared with Dispatch closures in tests.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&stored) } }
}
