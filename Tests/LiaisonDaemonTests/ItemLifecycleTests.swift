import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import Testing
@testable import LiaisonDaemon

// The item and case lifecycle (issue 14 part 1) on the corpus's complaint case after 01–03,
// through `ReminderEngine.change` (the CLI's path; staff mail reaches the same `planChange`):
// what the store holds afterwards, which reminders are pending or cancelled, what fires.

@Suite(.ownExecutor) struct ItemLifecycleTests {
    let number = "EC20261116-001"
    let wang = "wang.fang@corp.example"
    let zhang = "zhang.wei@corp.example"
    static func t(_ s: String) -> Date { FlowFixtures.instant(s) }

    /// 01–03 filed as the corpus's times say: the recap with items 1 (王芳), 2 (赵强, not in the
    /// directory: the case owner's) and 3 (张伟).
    func afterRecap(_ label: String) throws -> CorpusFlow {
        let flow = try CorpusFlow(label)
        for (p, at) in [("01", "2026-11-16T09:13:00+08:00"), ("02", "2026-11-16T10:06:00+08:00"), ("03", "2026-11-17T15:41:00+08:00")] {
            try flow.pipeline.ingest(try FlowFixtures.corpusMessage(p), now: Self.t(at))
        }
        return flow
    }

    func item(_ flow: CorpusFlow, _ n: Int) throws -> ActionItemRecord {
        try #require(try flow.store.recaps(caseNumber: number).last?.recap.items.first { $0.number == n })
    }

    func reminders(_ flow: CorpusFlow, item n: Int, _ status: ReminderStatus) throws -> [Reminder] {
        try flow.store.reminders(caseNumber: number, status: status, dueBefore: nil).filter { $0.itemNumber == n }
    }

    @Test func doneCancelsOnlyThatItemsRemindersAndRecordsWhoAndWhen() throws {
        let flow = try afterRecap("item-done")
        defer { flow.cleanup() }
        let at = Self.t("2026-11-18T10:00:00+08:00")
        let before1 = try reminders(flow, item: 1, .pending)
        let before2 = try reminders(flow, item: 2, .pending)
        #expect(!before1.isEmpty && !before2.isEmpty)

        let outcome = try flow.engine.change(.itemDone(item: 1), caseNumber: number, by: wang, at: at)
        #expect(outcome.refusal == nil)
        let done = try item(flow, 1)
        #expect(done.status == .done)
        #expect(done.doneAt == at)
        #expect(done.doneBy == wang)
        #expect(try reminders(flow, item: 1, .pending).isEmpty)
        let cancelled = try reminders(flow, item: 1, .cancelled)
        #expect(Set(cancelled.map(\.id)) == Set(before1.map(\.id)))
        #expect(cancelled.allSatisfy { $0.cancelReason == "item 1 done" && $0.doneAt == at })
        #expect(try reminders(flow, item: 2, .pending).map(\.id) == before2.map(\.id), "item 2 untouched")
        #expect(try item(flow, 2).status == .open)
        let events = try flow.store.events(caseNumber: number)
        #expect(events.contains { $0.kind == CaseEvent.Kind.itemDone && $0.detail.contains(wang) })

        // Twice: refused, nothing written.
        let again = try flow.engine.change(.itemDone(item: 1), caseNumber: number, by: wang, at: at.addingTimeInterval(60))
        #expect(again.refusal == .itemClosed(1, .done))
        #expect(try flow.store.events(caseNumber: number).count == events.count)
        #expect(try item(flow, 1).doneAt == at)
        // No such item: refused.
        #expect(try flow.engine.change(.itemCancelled(item: 9), caseNumber: number, by: nil, at: at).refusal == .noSuchItem(9))
        // No such case: an error, not a refusal.
        #expect(throws: ReminderPlanner.PlanError.unknownCase("EC19990101-001")) {
            try flow.engine.change(.resolve, caseNumber: "EC19990101-001", by: nil, at: at)
        }
        // The item's reminder that would have fired says nothing even if it fired (none pending).
        let fired = try flow.engine.fireDue(now: Self.t("2026-11-19T09:00:05+08:00"))
        #expect(!fired.contains { $0.itemNumber == 1 })
    }

    @Test func rescheduleMovesTheDueAndPlansItsRemindersAgain() throws {
        let flow = try afterRecap("item-reschedule")
        defer { flow.cleanup() }
        let at = Self.t("2026-11-18T10:00:00+08:00")
        let newDue = Self.t("2026-11-21T18:00:00+08:00")
        let old = try reminders(flow, item: 2, .pending)
        let firstDue = try item(flow, 2).due

        #expect(try flow.engine.change(.itemRescheduled(item: 2, due: at.addingTimeInterval(-60)), caseNumber: number,
                                       by: zhang, at: at).refusal == .dueNotAhead(2))
        #expect(try item(flow, 2).due == firstDue)

        let outcome = try flow.engine.change(.itemRescheduled(item: 2, due: newDue), caseNumber: number, by: zhang, at: at)
        #expect(outcome.refusal == nil)
        let moved = try item(flow, 2)
        #expect(moved.status == .rescheduled)
        #expect(moved.due == newDue)
        #expect(Set(try reminders(flow, item: 2, .cancelled).map(\.id)) == Set(old.map(\.id)))
        let pending = try reminders(flow, item: 2, .pending)
        #expect(!pending.isEmpty)
        #expect(pending.allSatisfy { $0.about == newDue && $0.fireAt > at })
        // Saturday 21st: the morning reminder at workday_start, the overdue one after the new due.
        #expect(pending.contains { $0.kind == .itemDue && $0.fireAt == Self.t("2026-11-21T09:00:00+08:00") })
        #expect(pending.contains { $0.kind == .itemOverdue && $0.fireAt >= newDue })
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.itemRescheduled })
        // Rescheduled again: the new ones give way to newer ones (keys never reused).
        let later = Self.t("2026-11-24T18:00:00+08:00")
        #expect(try flow.engine.change(.itemRescheduled(item: 2, due: later), caseNumber: number, by: zhang, at: at).refusal == nil)
        #expect(try reminders(flow, item: 2, .pending).allSatisfy { $0.about == later })
    }

    @Test func resolveReopenAssignAndMute() throws {
        let flow = try afterRecap("case-lifecycle")
        defer { flow.cleanup() }
        let at = Self.t("2026-11-18T10:00:00+08:00")
        _ = try flow.engine.change(.itemDone(item: 1), caseNumber: number, by: wang, at: at)

        // Resolved: item and complaint reminders cancelled, satisfaction follow-up scheduled.
        #expect(try flow.engine.change(.resolve, caseNumber: number, by: zhang, at: at).refusal == nil)
        #expect(try flow.store.caseWithNumber(number)?.status == .resolved)
        let open = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil)
        #expect(!open.contains { $0.kind == .itemDue || $0.kind == .itemOverdue })
        #expect(open.contains { $0.kind == .satisfaction })
        #expect(try flow.engine.change(.resolve, caseNumber: number, by: zhang, at: at).refusal == .caseNotOpen(.resolved))

        // Reopened: satisfaction cancelled; items 2 and 3 (still open) planned again, not item 1.
        let reopenAt = at.addingTimeInterval(3600)
        #expect(try flow.engine.change(.reopen, caseNumber: number, by: zhang, at: reopenAt).refusal == nil)
        #expect(try flow.store.caseWithNumber(number)?.status == .open)
        let again = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil)
        #expect(!again.contains { $0.kind == .satisfaction })
        #expect(again.contains { $0.itemNumber == 2 } && again.contains { $0.itemNumber == 3 })
        #expect(!again.contains { $0.itemNumber == 1 })
        #expect(again.filter { $0.itemNumber != nil }.allSatisfy { $0.fireAt > reopenAt })
        #expect(try flow.engine.change(.reopen, caseNumber: number, by: zhang, at: reopenAt).refusal == .caseAlreadyOpen)

        // Handed to 王芳: what 张伟 got as case owner goes to her; item 3, his own, stays his.
        #expect(try flow.engine.change(.assign(owner: "someone@elsewhere.example"), caseNumber: number, by: zhang, at: reopenAt)
            .refusal == .ownerNotStaff("someone@elsewhere.example"))
        #expect(try flow.engine.change(.assign(owner: "Wang.Fang@corp.example"), caseNumber: number, by: zhang, at: reopenAt)
            .refusal == nil)
        #expect(try flow.store.caseWithNumber(number)?.owner == wang)
        let handed = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil)
        let item2 = handed.filter { $0.itemNumber == 2 }
        #expect(!item2.isEmpty && item2.allSatisfy { $0.recipients.contains(wang) && !$0.recipients.contains(zhang) })
        let item3due = handed.filter { $0.itemNumber == 3 && $0.kind == .itemDue }
        #expect(!item3due.isEmpty && item3due.allSatisfy { $0.recipients == [zhang] })
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.caseAssigned })

        // Muted until the 25th: what falls due before fires without a notice.
        #expect(try flow.engine.change(.mute(until: Self.t("2026-11-25T00:00:00+08:00")), caseNumber: number, by: wang,
                                       at: reopenAt).refusal == nil)
        let fired = try flow.engine.fireDue(now: Self.t("2026-11-21T00:00:00+08:00"))
        #expect(fired.contains { $0.caseNumber == number && $0.kind == .itemDue })
        #expect(try flow.store.outbox(status: nil).filter { $0.mail.caseNumber == number }.isEmpty)
    }

    @Test func theDigestShowsWhatWasDoneToday() throws {
        let flow = try afterRecap("digest-done")
        defer { flow.cleanup() }
        _ = try flow.engine.change(.itemDone(item: 1), caseNumber: number, by: wang, at: Self.t("2026-11-18T10:00:00+08:00"))
        try flow.engine.ensureDigest(now: Self.t("2026-11-18T10:00:00+08:00"))
        try flow.engine.fireDue(now: Self.t("2026-11-18T17:00:05+08:00"))
        try flow.engine.renderRecorded()
        let digest = try #require(try flow.store.outbox(status: .pending).first {
            $0.mail.purpose == .notice(.digest) && $0.mail.recipients == [wang]
        })
        let text = MessageParser.parse(digest.mail.raw).text
        #expect(text.contains("今日已完成"))
        #expect(text.contains("免费更换同型号设备12台"))
        // The next day she has nothing open and nothing done: no digest for her.
        try flow.engine.fireDue(now: Self.t("2026-11-19T17:00:05+08:00"))
        try flow.engine.renderRecorded()
        let mine = try flow.store.outbox(status: nil).filter { $0.mail.purpose == .notice(.digest) && $0.mail.recipients == [wang] }
        #expect(mine.count == 1)
        // 张伟 (case owner, item 2's fallback and item 3's owner) gets his open items, not hers as done.
        let his = try flow.store.outbox(status: nil).filter { $0.mail.purpose == .notice(.digest) && $0.mail.recipients == [zhang] }
        #expect(his.count == 2)
        #expect(his.allSatisfy { !MessageParser.parse($0.mail.raw).text.contains("今日已完成") })
    }
}
