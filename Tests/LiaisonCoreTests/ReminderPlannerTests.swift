import Foundation
import LiaisonMail
import Testing
@testable import LiaisonCore

// The reminder planner on a fake clock (every instant is explicit) over the corpus's complaint
// thread: 01 opens EC20261116-001, 02 is the staff reply, 03 the recap, 04 the objection.

// MARK: - Fixtures

/// The corpus organisation (shared/corpus/liaison.toml) with a staff directory that lacks 赵强,
/// the owner of 03's item ②, so that item's reminders fall back to the case owner.
private let plannerOrg = try! Organization(name: "示例科技有限公司", internalDomains: ["corp.example"],
                                      trackingAddress: "track@corp.example", authservID: "mx.corp.example",
                                      timeZone: "Asia/Shanghai", workdayStart: "09:00", workdayEnd: "18:00",
                                      staff: ["王芳": "wang.fang@corp.example", "张伟": "zhang.wei@corp.example"])

private let planner = ReminderPlanner(organization: plannerOrg, rules: .defaults)

/// An instant written as ISO 8601 with its offset.
private func t(_ s: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    guard let d = f.date(from: s) else { fatalError("bad instant \(s)") }
    return d
}

private func cn(_ d: Date?) -> String? { d.map { ISOTime.string($0, in: TimeZone(identifier: "Asia/Shanghai")!) } }

/// The shared corpus: $LIAISON_CORPUS, else ../shared/corpus beside the repository.
private enum Corpus {
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["LIAISON_CORPUS"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    /// A corpus message (by its number prefix, e.g. "03") parsed and read with `plannerOrg`.
    static func message(_ prefix: String) throws -> (Message, MessageFacts) {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let name = try #require(names.first { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".eml") })
        let bytes = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent(name).path))
        let m = MessageParser.parse(Array(bytes))
        return (m, MessageFacts(message: m, organization: plannerOrg))
    }

    /// The corpus message as filed on `caseNumber` with correspondence id `id`.
    static func filed(_ prefix: String, id: Int64, caseNumber: String = complaintNumber, opened: Bool = false,
                      date: Date? = nil) throws -> FiledMessage {
        let (m, f) = try message(prefix)
        let outbound = f.senderTrusted && plannerOrg.isInternal(f.from?.address ?? "")
        return FiledMessage(facts: f, caseNumber: caseNumber, openedCase: opened, correspondenceID: id,
                            direction: outbound ? .outbound : .inbound, date: try #require(date ?? m.date?.date))
    }
}

private let complaintNumber = "EC20261116-001"

/// An in-memory `CaseView` that also applies follow-ups the way the store does (reminders
/// unique by case and key, cancellations by kind and prefix), so a test can chain filings.
private final class FakeCases: CaseView {
    var caseRows: [Case] = []
    var threads: [String: (subject: String, firstMessageID: String?)] = [:]
    var recapRows: [RecapRecord] = []
    var reminderRows: [Reminder] = []
    var events: [CaseEvent] = []
    var nextID: Int64 = 100

    func caseWithNumber(_ number: String) throws -> Case? { caseRows.first { $0.number == number } }
    func cases(status: CaseStatus?, owner: String?) throws -> [Case] {
        caseRows.filter { (status == nil || $0.status == status) && (owner == nil || $0.owner == owner) }
            .sorted { $0.openedAt > $1.openedAt }
    }
    func recaps(caseNumber: String) throws -> [RecapRecord] { recapRows.filter { $0.caseNumber == caseNumber } }
    func recap(id: Int64) throws -> RecapRecord? { recapRows.first { $0.id == id } }
    func reminders(caseNumber: String?, status: ReminderStatus?) throws -> [Reminder] {
        reminderRows.filter { $0.caseNumber == caseNumber && (status == nil || $0.status == status) }
            .sorted { $0.fireAt < $1.fireAt }
    }
    func caseThread(_ number: String) throws -> (subject: String, firstMessageID: String?)? { threads[number] }

    /// Writes a follow-up; `recapID` is the filed message's correspondence id.
    func apply(_ f: FollowUp, caseNumber: String?, recapID: Int64?, at now: Date) {
        if let r = f.recap, let caseNumber, let recapID {
            recapRows.append(RecapRecord(id: recapID, caseNumber: caseNumber, recap: r, state: .pending))
        }
        for s in f.recapStates {
            if let i = recapRows.firstIndex(where: { $0.id == s.recapID }) { recapRows[i].state = s.state }
        }
        for n in f.reminders where !reminderRows.contains(where: { $0.caseNumber == n.caseNumber && $0.key == n.key }) {
            nextID += 1
            reminderRows.append(Reminder(id: nextID, caseNumber: n.caseNumber, kind: n.kind, fireAt: n.fireAt, about: n.about,
                                         recipients: n.recipients, key: n.key, recapID: n.recapID, itemNumber: n.itemNumber,
                                         detail: n.detail, status: .pending, doneAt: nil, late: false, cancelReason: nil))
        }
        for c in f.cancellations {
            for i in reminderRows.indices where reminderRows[i].caseNumber == c.caseNumber && reminderRows[i].status == .pending
                && (c.kinds.isEmpty || c.kinds.contains(reminderRows[i].kind))
                && (c.keyPrefix.map { reminderRows[i].key.hasPrefix($0) } ?? true) {
                reminderRows[i].status = .cancelled
                reminderRows[i].cancelReason = c.reason
                reminderRows[i].doneAt = now
            }
        }
        for (number, status) in f.statusChanges {
            if let i = caseRows.firstIndex(where: { $0.number == number }) { caseRows[i].status = status }
        }
        events += f.events
    }

    func pending(_ kind: ReminderKind? = nil, case number: String = complaintNumber) -> [Reminder] {
        reminderRows.filter { $0.caseNumber == number && $0.status == .pending && (kind == nil || $0.kind == kind) }
            .sorted { ($0.fireAt, $0.key) < ($1.fireAt, $1.key) }
    }
    func reminder(key: String, case number: String = complaintNumber) -> Reminder? {
        reminderRows.first { $0.caseNumber == number && $0.key == key }
    }
}

/// The complaint case as the store opens it from 01: its owner is the staff member 01 was written to.
private func complaintCases() -> FakeCases {
    let v = FakeCases()
    v.caseRows = [Case(number: complaintNumber, isInternal: false,
                       counterparty: Counterparty(organization: "huadong-precision.example",
                                                  contacts: ["liu.yang@huadong-precision.example"]),
                       owner: "zhang.wei@corp.example", category: "complaint", openedAt: t("2026-11-16T09:12:33+08:00"))]
    v.threads[complaintNumber] = ("投诉:第二批货物12台设备无法开机", "<20261116091233.4f2a@huadong-precision.example>")
    return v
}

/// Files a message: plans it against the view, then applies the plan.
@discardableResult
private func file(_ m: FiledMessage, on v: FakeCases) throws -> Plan {
    let plan = try planner.planFiling(m, view: v)
    v.apply(plan.followUp, caseNumber: m.caseNumber, recapID: m.correspondenceID, at: m.date)
    return plan
}

/// 01, 02, 03 (and 04 when `objection`) filed in order.
private func corpusThread(objection: Bool) throws -> FakeCases {
    let v = complaintCases()
    try file(Corpus.filed("01", id: 1, opened: true), on: v)
    try file(Corpus.filed("02", id: 2), on: v)
    try file(Corpus.filed("03", id: 3), on: v)
    if objection { try file(Corpus.filed("04", id: 4), on: v) }
    return v
}

// MARK: - Filing

@Suite struct ReminderPlannerFilingTests {
    @Test func complaintOpensResponseAndSolutionReminders() throws {
        let v = complaintCases()
        let plan = try file(Corpus.filed("01", id: 1, opened: true), on: v)
        let r = plan.followUp.reminders
        #expect(r.map(\.kind) == [.complaintResponse, .complaintSolution])
        #expect(r.map { cn($0.fireAt) } == ["2026-11-17T09:12:33+08:00", "2026-11-18T09:12:33+08:00"])
        #expect(r.map { cn($0.about) } == ["2026-11-17T09:12:33+08:00", "2026-11-18T09:12:33+08:00"])
        #expect(r.allSatisfy { $0.recipients == ["zhang.wei@corp.example"] && $0.caseNumber == complaintNumber })
        #expect(r.map(\.key) == ["complaint-response", "complaint-solution"])
        #expect(plan.followUp.recap == nil && plan.notices.isEmpty)
    }

    @Test func staffReplyCancelsTheResponseReminderOnly() throws {
        let v = complaintCases()
        try file(Corpus.filed("01", id: 1, opened: true), on: v)
        let plan = try file(Corpus.filed("02", id: 2), on: v)
        #expect(plan.followUp.cancellations == [ReminderCancellation(caseNumber: complaintNumber, kinds: [.complaintResponse],
                                                                     reason: "staff replied")])
        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.reminderCancelled])
        #expect(plan.followUp.events.first?.at == t("2026-11-16T10:05:10+08:00"))
        #expect(plan.followUp.reminders.isEmpty)
        #expect(v.pending().map(\.kind) == [.complaintSolution])
        #expect(v.reminder(key: "complaint-response")?.status == .cancelled)
        // A second staff message finds nothing pending to cancel.
        let again = try planner.planFiling(Corpus.filed("02", id: 5), view: v)
        #expect(again.followUp.isEmpty)
    }

    @Test func customerMessageDoesNotCancel() throws {
        let v = complaintCases()
        try file(Corpus.filed("01", id: 1, opened: true), on: v)
        var follow = try Corpus.filed("01", id: 7)
        follow.date = t("2026-11-16T11:00:00+08:00")
        let plan = try planner.planFiling(follow, view: v)
        #expect(plan.followUp.cancellations.isEmpty && plan.followUp.reminders.isEmpty)
    }

    @Test func recapStoresItsItemsAndSchedulesTheirReminders() throws {
        let v = complaintCases()
        try file(Corpus.filed("01", id: 1, opened: true), on: v)
        try file(Corpus.filed("02", id: 2), on: v)
        let plan = try file(Corpus.filed("03", id: 3), on: v)
        let recap = try #require(plan.followUp.recap)
        #expect(recap.author == "zhang.wei@corp.example")
        #expect(recap.counterparty == ["wang.lei@huadong-precision.example", "liu.yang@huadong-precision.example"])
        #expect(recap.messageID == "<5e1a.20261117154000@corp.example>")
        #expect(cn(recap.sentAt) == "2026-11-17T15:40:00+08:00")
        #expect(cn(recap.windowCloses) == "2026-11-17T23:59:59+08:00")
        #expect(cn(recap.nextContact) == "2026-11-23T10:00:00+08:00")
        #expect(recap.items.map(\.number) == [1, 2, 3])
        #expect(recap.items.map(\.ownerAddress) == ["wang.fang@corp.example", nil, "zhang.wei@corp.example"])
        #expect(recap.items.map { cn($0.due) } == ["2026-11-19T17:00:00+08:00", "2026-11-19T18:00:00+08:00",
                                                   "2026-11-20T23:59:59+08:00"])

        let rows = plan.followUp.reminders.map { "\($0.key) \(cn($0.fireAt)!) \($0.recipients.joined(separator: ","))" }
        #expect(rows == [
            "item-due:3:1:morning 2026-11-19T09:00:00+08:00 wang.fang@corp.example",
            "item-due:3:1:before 2026-11-18T17:00:00+08:00 wang.fang@corp.example",
            "item-overdue:3:1 2026-11-19T17:00:00+08:00 wang.fang@corp.example,zhang.wei@corp.example",
            // 赵强 is not in the staff directory: the case owner is reminded instead.
            "item-due:3:2:morning 2026-11-19T09:00:00+08:00 zhang.wei@corp.example",
            "item-due:3:2:before 2026-11-18T18:00:00+08:00 zhang.wei@corp.example",
            "item-overdue:3:2 2026-11-19T18:00:00+08:00 zhang.wei@corp.example",
            "item-due:3:3:morning 2026-11-20T09:00:00+08:00 zhang.wei@corp.example",
            "item-due:3:3:before 2026-11-19T23:59:59+08:00 zhang.wei@corp.example",
            "item-overdue:3:3 2026-11-20T23:59:59+08:00 zhang.wei@corp.example",
            "next-contact:3 2026-11-23T09:00:00+08:00 zhang.wei@corp.example",
            "recap-window:3 2026-11-18T00:00:00+08:00 zhang.wei@corp.example",
        ])
        let window = try #require(plan.followUp.reminders.first { $0.kind == .recapWindow })
        #expect(cn(window.about) == "2026-11-17T23:59:59+08:00")
        #expect(window.recapID == 3)
        let item1 = try #require(plan.followUp.reminders.first { $0.key == "item-due:3:1:morning" })
        #expect(item1.itemNumber == 1 && item1.recapID == 3 && item1.detail == "我方免费更换同型号设备12台")
        #expect(cn(item1.about) == "2026-11-19T17:00:00+08:00")
        #expect(cn(plan.followUp.reminders.first { $0.kind == .nextContact }?.about) == "2026-11-23T10:00:00+08:00")

        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.recapFiled])
        let filed = try #require(plan.followUp.events.first)
        #expect(filed.detail.contains("3 action items"))
        #expect(filed.detail.contains("item 2: owner 赵强 is not in the staff directory; its reminders go to zhang.wei@corp.example"))
        #expect(plan.notices.isEmpty)
        // 03 is a staff message too, but the response reminder was already cancelled by 02.
        #expect(plan.followUp.cancellations.isEmpty)
    }

    @Test func refilingPlansTheSameKeysAndAddsNothing() throws {
        let v = try corpusThread(objection: false)
        let count = v.reminderRows.count
        let m = try Corpus.filed("03", id: 3)
        let first = try planner.planFiling(m, view: v)
        let second = try planner.planFiling(m, view: v)
        #expect(first == second)
        #expect(first.followUp.reminders.map(\.key) == v.reminderRows.filter { $0.recapID == 3 }.sorted { $0.id < $1.id }.map(\.key))
        #expect(first.followUp.reminders.count == 11)
        v.apply(second.followUp, caseNumber: complaintNumber, recapID: 3, at: m.date)
        #expect(v.reminderRows.count == count)
        let opened = try Corpus.filed("01", id: 1, opened: true)
        #expect(try planner.planFiling(opened, view: v).followUp.reminders.map(\.key)
            == ["complaint-response", "complaint-solution"])
    }

    @Test func objectionInsideTheWindowDisputesAtOnce() throws {
        let v = try corpusThread(objection: false)
        let plan = try file(Corpus.filed("04", id: 4), on: v)
        #expect(plan.followUp.recapStates == [RecapStateChange(recapID: 3, state: .disputed(at: t("2026-11-17T18:02:45+08:00"),
                                                                                               objectedItems: [3]))])
        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.recapDisputed])
        #expect(plan.followUp.events.first?.detail == "recap 3 disputed by wang.lei@huadong-precision.example: 第3点")
        let notice = try #require(plan.notices.first)
        #expect(plan.notices.count == 1)
        #expect(notice.kind == .recapDisputed)
        #expect(notice.recipients == ["zhang.wei@corp.example"])
        #expect(notice.caseNumber == complaintNumber && notice.caseSubject == "投诉:第二批货物12台设备无法开机")
        #expect(notice.counterparty == "huadong-precision.example" && notice.caseOwner == "zhang.wei@corp.example")
        #expect(notice.recap?.state == .disputed(at: t("2026-11-17T18:02:45+08:00"), objectedItems: [3]))
        #expect(notice.recap?.id == 3)
        #expect(cn(notice.about) == "2026-11-17T23:59:59+08:00")
        #expect(notice.inReplyTo == "<5e1a.20261117154000@corp.example>")
        #expect(v.recapRows.first?.state.name == "disputed")
    }

    @Test func objectionAfterTheWindowDoesNotDispute() throws {
        let v = try corpusThread(objection: false)
        let late = try Corpus.filed("04", id: 4, date: t("2026-11-18T10:00:00+08:00"))
        let plan = try file(late, on: v)
        #expect(plan.followUp.recapStates == [RecapStateChange(recapID: 3, state: .confirmed(at: t("2026-11-17T23:59:59+08:00")))])
        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.recapConfirmed, CaseEvent.Kind.objectionLate])
        #expect(plan.notices.isEmpty)
        // Once confirmed, a further late objection is only recorded.
        let again = try planner.planFiling(Corpus.filed("04", id: 5, date: t("2026-11-19T10:00:00+08:00")), view: v)
        #expect(again.followUp.recapStates.isEmpty)
        #expect(again.followUp.events.map(\.kind) == [CaseEvent.Kind.objectionLate])
    }

    @Test func objectionFromSomeoneElseIsIgnored() throws {
        let v = try corpusThread(objection: false)
        var other = try Corpus.filed("04", id: 4)
        // Neither a stranger nor a colleague of the counterparty (same domain) who was not
        // addressed speaks for it (semantics.md: exact addresses, never merely the domain): the
        // objection is recorded, not applied, and the recap's author is told.
        for sender in ["someone@elsewhere.example", "boss@huadong-precision.example"] {
            other.sender = sender
            let plan = try planner.planFiling(other, view: v)
            #expect(plan.followUp.recapStates.isEmpty, "\(sender)")
            #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.objectionIgnored], "\(sender)")
            #expect(plan.followUp.events.first?.detail.contains(sender) == true)
            let notice = try #require(plan.notices.first)
            #expect(plan.notices.count == 1)
            #expect(notice.kind == .objectionIgnored && notice.recipients == ["zhang.wei@corp.example"])
            #expect(notice.detail == sender && notice.recap?.state == .pending && notice.about == other.date)
        }
        // The case owner is told besides the recap's author.
        v.caseRows[0].owner = "wang.fang@corp.example"
        #expect(try planner.planFiling(other, view: v).notices.first?.recipients == ["wang.fang@corp.example", "zhang.wei@corp.example"])
        // A reply that does not object changes nothing.
        var agree = try Corpus.filed("04", id: 4)
        agree.objection = ObjectionReader.read("没有异议,谢谢。")
        #expect(try planner.planFiling(agree, view: v).followUp.isEmpty)
    }

    @Test func anAddresseeOrAContactOnTheCaseSpeaksForTheCounterparty() throws {
        // liu.yang was in the recap's Cc (and opened the case): disputes.
        var cc = try Corpus.filed("04", id: 4)
        cc.sender = "liu.yang@huadong-precision.example"
        #expect(try planner.planFiling(cc, view: try corpusThread(objection: false)).followUp.recapStates.map(\.state.name) == ["disputed"])
        // A contact on the case whom the recap did not address: disputes; case-insensitively.
        let v = try corpusThread(objection: false)
        v.caseRows[0].counterparty.contacts.append("chen.jing@huadong-precision.example")
        var contact = try Corpus.filed("04", id: 4)
        contact.sender = "Chen.Jing@Huadong-Precision.example"
        #expect(try planner.planFiling(contact, view: v).followUp.recapStates.map(\.state.name) == ["disputed"])
        // Staff are never the counterparty, even when addressed.
        var staff = try Corpus.filed("04", id: 4)
        staff.sender = "wang.fang@corp.example"
        #expect(try planner.planFiling(staff, view: v).followUp.recapStates.isEmpty)
    }

    @Test func aFreeMailCounterpartyIsAPersonNotADomain() throws {
        // The customer writes from qq.com: a stranger there cannot dispute, and notices name the
        // contact, not "qq.com".
        let v = FakeCases()
        v.caseRows = [Case(number: complaintNumber, isInternal: false,
                           counterparty: Counterparty(organization: "qq.com", contacts: ["liuyang88@qq.com"]),
                           owner: "zhang.wei@corp.example", category: "complaint", openedAt: t("2026-11-16T09:12:33+08:00"))]
        v.threads[complaintNumber] = ("投诉", nil)
        var recap = try Corpus.filed("03", id: 3)
        recap.recipients = ["liuyang88@qq.com", "track@corp.example"]
        try file(recap, on: v)
        var stranger = try Corpus.filed("04", id: 4)
        stranger.sender = "attacker2026@qq.com"
        let plan = try file(stranger, on: v)
        #expect(plan.followUp.recapStates.isEmpty)
        #expect(plan.notices.first?.kind == .objectionIgnored)
        #expect(plan.notices.first?.counterparty == "liuyang88@qq.com")
        #expect(v.recapRows.first?.state == .pending)
        var real = try Corpus.filed("04", id: 5)
        real.sender = "LiuYang88@qq.com"
        #expect(try file(real, on: v).followUp.recapStates.map(\.state.name) == ["disputed"])
    }

    @Test func unreadableDueIsRecordedAndGetsNoReminder() throws {
        let v = complaintCases()
        let body = """
            王总您好,根据今天电话沟通内容,现将结论整理如下,如有异议请于今日内回复:
            ①更换设备,负责人:王芳,截止时间:另行通知;
            ②核对批次记录,负责人:张伟;
            ③提供质保,负责人:张伟,截止时间:11月20日。
            """
        let m = recapMail(body)
        let f = MessageFacts(message: m, organization: plannerOrg)
        #expect(f.kind == .recap)
        let filed = FiledMessage(facts: f, caseNumber: complaintNumber, openedCase: false, correspondenceID: 9,
                                 direction: .outbound, date: try #require(m.date?.date))
        let plan = try planner.planFiling(filed, view: v)
        let unreadable = plan.followUp.events.filter { $0.kind == CaseEvent.Kind.dueUnreadable }
        #expect(unreadable.count == 1)
        #expect(unreadable.first?.detail.hasPrefix("item 1: due date unreadable") == true)
        #expect(plan.followUp.reminders.filter { $0.itemNumber == 1 || $0.itemNumber == 2 }.isEmpty)
        #expect(plan.followUp.reminders.filter { $0.itemNumber == 3 }.map(\.key)
            == ["item-due:9:3:morning", "item-due:9:3:before", "item-overdue:9:3"])
        #expect(plan.followUp.recap?.items.first?.dueNote?.contains("另行通知") == true)
    }

    @Test func unreadableWindowIsRecordedAndGetsNoWindowReminder() throws {
        let v = complaintCases()
        let r = Recap(windowWords: "如有异议请于下下周某天回复", objectionDeadline: nil,
                      objectionDeadlineNote: "objection window unreadable: “下下周某天”", nextContact: nil,
                      nextContactNote: "next contact unreadable: “另行通知”", actionItems: [])
        let m = FiledMessage(caseNumber: complaintNumber, openedCase: false, correspondenceID: 11, kind: .recap,
                             direction: .outbound, sender: "zhang.wei@corp.example",
                             recipients: ["wang.lei@huadong-precision.example"], date: t("2026-11-17T15:40:00+08:00"),
                             messageID: "<r11@corp.example>", recap: r)
        let plan = try planner.planFiling(m, view: v)
        #expect(plan.followUp.reminders.isEmpty)
        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.recapFiled, CaseEvent.Kind.dueUnreadable,
                                                     CaseEvent.Kind.dueUnreadable])
        #expect(plan.followUp.events[1].detail.hasPrefix("next contact: next contact unreadable"))
        #expect(plan.followUp.events[2].detail.hasPrefix("objection window: objection window unreadable"))
        #expect(plan.followUp.recap?.windowNote == "objection window unreadable: “下下周某天”")
    }

    @Test func autoRepliesTriggerNothing() throws {
        let v = complaintCases()
        var m = try Corpus.filed("01", id: 1, opened: true)
        m.kind = .autoReply
        #expect(try planner.planFiling(m, view: v).followUp.isEmpty)
    }

    @Test func qualificationCaseOpensTheWeeklyCheck() throws {
        let v = FakeCases()
        let number = "EC20261110-002"
        v.caseRows = [Case(number: number, isInternal: false, counterparty: Counterparty(organization: "gxq.gov.example", contacts: []),
                           owner: "qual@corp.example", category: "qualification", openedAt: t("2026-11-10T11:00:00+08:00"))]
        let m = FiledMessage(caseNumber: number, openedCase: true, correspondenceID: 20, kind: .correspondence,
                             direction: .outbound, sender: "qual@corp.example", recipients: ["zwfw@gxq.gov.example"],
                             date: t("2026-11-10T11:00:00+08:00"), messageID: "<f20@corp.example>")
        let plan = try file(m, on: v)
        #expect(plan.followUp.reminders.map { "\($0.key) \(cn($0.fireAt)!) \($0.recipients)" }
            == ["filing-check:2026-11-17 2026-11-17T09:00:00+08:00 [\"qual@corp.example\"]"])

        // Firing it tells the owner and schedules next Tuesday's.
        let check = try #require(v.pending(.filingCheck, case: number).first)
        let fired = try planner.planFiring(check, now: check.fireAt, view: v)
        #expect(fired.notices.map(\.kind) == [.filingCheck])
        #expect(fired.notices.first?.recipients == ["qual@corp.example"])
        #expect(fired.followUp.reminders.map { "\($0.key) \(cn($0.fireAt)!)" } == ["filing-check:2026-11-24 2026-11-24T09:00:00+08:00"])

        // Resolved: no notice and no next check.
        v.caseRows[0].status = .resolved
        #expect(try planner.planFiring(check, now: check.fireAt, view: v) == Plan())
    }

    @Test func filingCheckOnAHolidayMovesToTheNextWorkingDay() throws {
        // Opened Thursday 2026-09-24: next Thursday is 10-01, 国庆节 (10-01…10-07 off), so it fires 10-08.
        let first = planner.filingCheck(caseNumber: "X", weekday: 4, after: LocalDate(year: 2026, month: 9, day: 24)!,
                                        recipients: ["a@corp.example"])
        #expect(first.key == "filing-check:2026-10-01")
        #expect(cn(first.fireAt) == "2026-10-08T09:00:00+08:00")
        let next = planner.filingCheck(caseNumber: "X", weekday: 4, after: LocalDate(year: 2026, month: 10, day: 8)!,
                                       recipients: ["a@corp.example"])
        #expect(next.key == "filing-check:2026-10-15")
        #expect(cn(next.fireAt) == "2026-10-15T09:00:00+08:00")
    }
}

// MARK: - Firing

@Suite struct ReminderPlannerFiringTests {
    @Test func windowCloseAfterTheObjectionSaysDisputed() throws {
        let v = try corpusThread(objection: true)
        let window = try #require(v.reminder(key: "recap-window:3"))
        let plan = try planner.planFiring(window, now: window.fireAt, view: v)
        #expect(plan.followUp.recapStates.isEmpty)
        #expect(plan.followUp.events.isEmpty)
        let notice = try #require(plan.notices.first)
        #expect(plan.notices.count == 1)
        #expect(notice.kind == .recapWindow)
        #expect(notice.detail == "disputed")
        #expect(notice.recap?.state == .disputed(at: t("2026-11-17T18:02:45+08:00"), objectedItems: [3]))
        #expect(notice.recipients == ["zhang.wei@corp.example"])
        #expect(notice.reminderID == window.id && notice.late == false)
        #expect(notice.inReplyTo == "<5e1a.20261117154000@corp.example>")
    }

    @Test func windowCloseWithoutObjectionConfirms() throws {
        let v = try corpusThread(objection: false)
        let window = try #require(v.reminder(key: "recap-window:3"))
        let plan = try planner.planFiring(window, now: window.fireAt, view: v)
        let confirmed = RecapState.confirmed(at: t("2026-11-17T23:59:59+08:00"))
        #expect(plan.followUp.recapStates == [RecapStateChange(recapID: 3, state: confirmed)])
        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.recapConfirmed])
        #expect(plan.followUp.events.first?.at == t("2026-11-17T23:59:59+08:00"))
        #expect(plan.notices.map(\.detail) == ["confirmed"])
        #expect(plan.notices.first?.recap?.state == confirmed)
    }

    @Test func lateFiringIsFlagged() throws {
        let v = try corpusThread(objection: false)
        var window = try #require(v.reminder(key: "recap-window:3"))
        window.late = true
        let plan = try planner.planFiring(window, now: t("2026-11-18T08:30:00+08:00"), view: v)
        #expect(plan.notices.first?.late == true)
        #expect(plan.followUp.recapStates.map(\.state) == [.confirmed(at: t("2026-11-17T23:59:59+08:00"))])
    }

    @Test func itemReminderCarriesTheItemAndRecap() throws {
        let v = try corpusThread(objection: true)
        let r = try #require(v.reminder(key: "item-overdue:3:1"))
        let plan = try planner.planFiring(r, now: r.fireAt, view: v)
        let n = try #require(plan.notices.first)
        #expect(n.kind == .itemOverdue)
        #expect(n.recipients == ["wang.fang@corp.example", "zhang.wei@corp.example"])
        #expect(n.item?.number == 1 && n.item?.owner == "王芳" && n.item?.task == "我方免费更换同型号设备12台")
        #expect(n.recap?.state.name == "disputed")
        #expect(cn(n.about) == "2026-11-19T17:00:00+08:00")
        #expect(n.caseSubject == "投诉:第二批货物12台设备无法开机")
        #expect(plan.followUp.isEmpty)
    }

    @Test func digestPerOwnerAndNextDigest() throws {
        let v = try corpusThread(objection: true)
        // Another open case of 李磊 with no items, and a resolved case of 王科: no digest for 王科.
        v.caseRows.append(Case(number: "EC20261118-001", isInternal: false, counterparty: Counterparty(organization: "x.example", contacts: []),
                               owner: "li.lei@corp.example", category: "delivery", openedAt: t("2026-11-18T09:00:00+08:00")))
        v.threads["EC20261118-001"] = ("交期推迟", nil)
        v.caseRows.append(Case(number: "EC20261101-001", isInternal: false, counterparty: Counterparty(organization: "y.example", contacts: []),
                               owner: "wang.ke@corp.example", category: "general", status: .resolved,
                               openedAt: t("2026-11-01T09:00:00+08:00")))
        let digest = Reminder(id: 900, caseNumber: nil, kind: .digest, fireAt: t("2026-11-18T17:00:00+08:00"), about: nil,
                              recipients: [], key: "digest:2026-11-18", recapID: nil, itemNumber: nil, detail: nil,
                              status: .pending, doneAt: nil, late: false, cancelReason: nil)
        let plan = try planner.planFiring(digest, now: digest.fireAt, view: v)
        #expect(plan.notices.map(\.recipients) == [["li.lei@corp.example"], ["wang.fang@corp.example"], ["zhang.wei@corp.example"]])
        #expect(plan.notices.allSatisfy { $0.kind == .digest && $0.reminderID == 900 })
        let li = plan.notices[0].digest
        #expect(li.map(\.caseNumber) == ["EC20261118-001"] && li.first?.items == [])
        let wang = plan.notices[1].digest
        #expect(wang.map(\.caseNumber) == [complaintNumber])
        #expect(wang.first?.items.map(\.number) == [1])
        let zhang = plan.notices[2].digest
        #expect(zhang.map(\.caseNumber) == [complaintNumber])
        #expect(zhang.first?.subject == "投诉:第二批货物12台设备无法开机")
        // 赵强's item ② counts as the case owner's; soonest first.
        #expect(zhang.first?.items.map(\.number) == [2, 3])
        #expect(plan.followUp.reminders.map { "\($0.key) \(cn($0.fireAt)!)" } == ["digest:2026-11-19 2026-11-19T17:00:00+08:00"])
        #expect(plan.followUp.reminders.first?.caseNumber == nil)
    }

    @Test func digestWithLiteralAddressGetsEveryCase() throws {
        let v = try corpusThread(objection: false)
        var rules = ReminderRules.defaults
        rules.digest.recipients = [.address("boss@corp.example")]
        let p = ReminderPlanner(organization: plannerOrg, rules: rules)
        let digest = try #require(p.nextDigest(after: t("2026-11-18T12:00:00+08:00")))
        let r = Reminder(id: 1, caseNumber: nil, kind: .digest, fireAt: digest.fireAt, about: nil, recipients: [], key: digest.key,
                         recapID: nil, itemNumber: nil, detail: nil, status: .pending, doneAt: nil, late: false, cancelReason: nil)
        let plan = try p.planFiring(r, now: r.fireAt, view: v)
        #expect(plan.notices.map(\.recipients) == [["boss@corp.example"]])
        #expect(plan.notices.first?.digest.first?.items.map(\.number) == [1, 2, 3])
    }

    @Test func nextDigestSkipsWeekendsAndHolidays() throws {
        #expect(planner.nextDigest(after: t("2026-11-18T12:00:00+08:00"))?.key == "digest:2026-11-18")
        #expect(cn(planner.nextDigest(after: t("2026-11-18T12:00:00+08:00"))?.fireAt) == "2026-11-18T17:00:00+08:00")
        #expect(planner.nextDigest(after: t("2026-11-18T17:00:00+08:00"))?.key == "digest:2026-11-19")
        #expect(planner.nextDigest(after: t("2026-11-20T17:00:00+08:00"))?.key == "digest:2026-11-23")   // Fri → Mon
        #expect(planner.nextDigest(after: t("2026-09-30T18:00:00+08:00"))?.key == "digest:2026-10-08")   // 国庆节
        #expect(planner.nextDigest(after: t("2026-10-09T17:30:00+08:00"))?.key == "digest:2026-10-10")   // 调休 Saturday
        var off = ReminderRules.defaults
        off.digest.enabled = false
        #expect(ReminderPlanner(organization: plannerOrg, rules: off).nextDigest(after: t("2026-11-18T12:00:00+08:00")) == nil)
    }

    @Test func complaintReminderOfAResolvedCaseSaysNothing() throws {
        let v = try corpusThread(objection: false)
        let solution = try #require(v.reminder(key: "complaint-solution"))
        #expect(try planner.planFiring(solution, now: solution.fireAt, view: v).notices.map(\.kind) == [.complaintSolution])
        v.caseRows[0].status = .resolved
        #expect(try planner.planFiring(solution, now: solution.fireAt, view: v) == Plan())
        let item = try #require(v.reminder(key: "item-due:3:1:morning"))
        #expect(try planner.planFiring(item, now: item.fireAt, view: v) == Plan())
        // The window close still settles the recap of a resolved case.
        let window = try #require(v.reminder(key: "recap-window:3"))
        #expect(try planner.planFiring(window, now: window.fireAt, view: v).notices.map(\.detail) == ["confirmed"])
    }
}

// MARK: - Resolution

@Suite struct ReminderPlannerResolutionTests {
    @Test func resolutionCancelsAndSchedulesSatisfaction() throws {
        let v = try corpusThread(objection: true)
        let at = t("2026-11-18T14:00:00+08:00")
        let plan = try planner.planResolution(caseNumber: complaintNumber, at: at, view: v)
        #expect(plan.followUp.statusChanges.map(\.status) == [.resolved])
        #expect(plan.followUp.cancellations == [ReminderCancellation(
            caseNumber: complaintNumber, kinds: [.complaintResponse, .complaintSolution, .itemDue, .itemOverdue, .filingCheck],
            reason: "case resolved")])
        #expect(plan.followUp.events.map(\.kind) == [CaseEvent.Kind.statusChanged, CaseEvent.Kind.reminderCancelled])
        #expect(plan.followUp.events[1].detail == "case resolved: 1 complaint-solution, 6 item-due, 3 item-overdue cancelled")
        #expect(plan.followUp.reminders.map { "\($0.kind.rawValue) \($0.key) \(cn($0.fireAt)!) \($0.recipients)" }
            == ["satisfaction satisfaction:2026-11-18 2026-11-19T09:00:00+08:00 [\"zhang.wei@corp.example\"]"])
        v.apply(plan.followUp, caseNumber: complaintNumber, recapID: nil, at: at)
        #expect(v.pending().map(\.kind) == [.recapWindow, .satisfaction, .nextContact])
        #expect(v.caseRows[0].status == .resolved)
    }

    @Test func satisfactionCrossesAWeekendAndAHoliday() throws {
        let v = complaintCases()
        // Thursday 2026-09-24; Friday 09-25 is 中秋节, then the weekend: Monday 09-28.
        let plan = try planner.planResolution(caseNumber: complaintNumber, at: t("2026-09-24T16:00:00+08:00"), view: v)
        #expect(plan.followUp.reminders.map { cn($0.fireAt) } == ["2026-09-28T09:00:00+08:00"])
        #expect(plan.followUp.cancellations.isEmpty)   // nothing pending to cancel
        // Wednesday 09-30, before 国庆节 (10-01…10-07): Thursday 10-08.
        let golden = try planner.planResolution(caseNumber: complaintNumber, at: t("2026-09-30T10:00:00+08:00"), view: v)
        #expect(golden.followUp.reminders.map { cn($0.fireAt) } == ["2026-10-08T09:00:00+08:00"])
        // Friday 10-09: the next day is a 调休 Saturday, a working day.
        let adjusted = try planner.planResolution(caseNumber: complaintNumber, at: t("2026-10-09T10:00:00+08:00"), view: v)
        #expect(adjusted.followUp.reminders.map { cn($0.fireAt) } == ["2026-10-10T09:00:00+08:00"])
    }

    @Test func unknownCaseThrows() throws {
        #expect(throws: ReminderPlanner.PlanError.unknownCase("EC20990101-001")) {
            try planner.planResolution(caseNumber: "EC20990101-001", at: t("2026-11-18T14:00:00+08:00"), view: FakeCases())
        }
    }
}

// MARK: - Rules

@Suite struct ReminderRulesTests {
    @Test func rulesChangeWhatIsPlanned() throws {
        var rules = ReminderRules.defaults
        rules.itemDue.before = 2 * 3600
        rules.itemDue.morning = false
        rules.itemOverdue.enabled = false
        rules.complaintResponse.offset = 4 * 3600
        rules.complaintResponse.recipients = [.caseOwner, .address("Service@corp.example")]
        let p = ReminderPlanner(organization: plannerOrg, rules: rules)
        let v = complaintCases()
        let opened = try p.planFiling(Corpus.filed("01", id: 1, opened: true), view: v)
        let response = try #require(opened.followUp.reminders.first { $0.kind == .complaintResponse })
        #expect(cn(response.fireAt) == "2026-11-16T13:12:33+08:00")
        #expect(response.recipients == ["zhang.wei@corp.example", "service@corp.example"])
        let recap = try p.planFiling(Corpus.filed("03", id: 3), view: v)
        #expect(recap.followUp.reminders.filter { $0.itemNumber != nil }.map { "\($0.key) \(cn($0.fireAt)!)" } == [
            "item-due:3:1:before 2026-11-19T15:00:00+08:00",
            "item-due:3:2:before 2026-11-19T16:00:00+08:00",
            "item-due:3:3:before 2026-11-20T21:59:59+08:00",
        ])
    }

    @Test func beforeReminderInThePastOrCoincidingIsSkipped() throws {
        var rules = ReminderRules.defaults
        rules.itemDue.before = 8 * 3600   // 11-19 17:00 − 8 h = 09:00, the morning reminder's instant
        let p = ReminderPlanner(organization: plannerOrg, rules: rules)
        let v = complaintCases()
        let plan = try p.planFiling(Corpus.filed("03", id: 3), view: v)
        #expect(plan.followUp.reminders.filter { $0.itemNumber == 1 }.map(\.key) == ["item-due:3:1:morning", "item-overdue:3:1"])
        // Filed the evening before the due day: 24 h before is already past.
        let late = try planner.planFiling(Corpus.filed("03", id: 3, date: t("2026-11-18T20:00:00+08:00")), view: v)
        #expect(late.followUp.reminders.filter { $0.itemNumber == 1 }.map(\.key) == ["item-due:3:1:morning", "item-overdue:3:1"])
    }

    @Test func recipientRolesParse() {
        #expect(ReminderRecipient(configValue: "owner") == .owner)
        #expect(ReminderRecipient(configValue: "case_owner") == .caseOwner)
        #expect(ReminderRecipient(configValue: "author") == .author)
        #expect(ReminderRecipient(configValue: "Boss@Corp.Example") == .address("boss@corp.example"))
        #expect(ReminderRecipient(configValue: "nobody") == nil)
        #expect(ReminderRecipient(configValue: "a@b") == nil)
        #expect(ReminderRecipient(configValue: "x <a@b.example>") == nil)
    }
}
