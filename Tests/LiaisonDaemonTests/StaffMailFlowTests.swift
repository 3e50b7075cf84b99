import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import LiaisonTestSupport
import Testing
@testable import LiaisonDaemon

// Staff closing the loop by mail (issue 14 part 2) on the corpus's complaint case after 01–03,
// through the one filing path (`IngestPipeline` → store → `ReminderEngine.followUp`): a trusted
// reply to a reminder, `#` commands, negations, and the same words from people who may not.

/// A plain-text UTF-8 mail as a client sends it; `authentication` is the header our MX adds
/// (nil: none).
enum StaffMail {
    static let staffPass = "mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example"
    static let customerPass = "mx.corp.example; spf=pass smtp.mailfrom=huadong-precision.example; dmarc=pass header.from=huadong-precision.example"

    static func make(from: String, name: String, to: String, subject: String, inReplyTo: String?, body: String,
                     date: String, id: String, authentication: String?) -> [UInt8] {
        func word(_ s: String) -> String { "=?UTF-8?B?\(Data(s.utf8).base64EncodedString())?=" }
        var h: [String] = []
        if let a = authentication { h.append("Authentication-Results: \(a)") }
        h.append("From: \(word(name)) <\(from)>")
        h.append("To: \(to)")
        h.append("Cc: track@corp.example")
        h.append("Subject: \(word(subject))")
        h.append("Date: \(date)")
        h.append("Message-ID: \(id)")
        if let r = inReplyTo {
            h.append("In-Reply-To: \(r)")
            h.append("References: \(r)")
        }
        h += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]
        let b64 = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
            .replacingOccurrences(of: "\r", with: "\r\n")
        return Array((h.joined(separator: "\r\n") + "\r\n\r\n" + b64 + "\r\n").utf8)
    }
}

@Suite(.ownExecutor) struct StaffMailFlowTests {
    let number = "EC20261116-001"
    let wang = "wang.fang@corp.example"
    let zhang = "zhang.wei@corp.example"
    let customer = "liu.yang@huadong-precision.example"
    static func t(_ s: String) -> Date { FlowFixtures.instant(s) }

    /// 01–03 filed, then the reminders due on the 18th at 17:00 fired and rendered: 王芳's
    /// item-due notice for item 1. Returns the flow and that notice's Message-ID.
    func afterItemReminder(_ label: String) throws -> (CorpusFlow, String) {
        let flow = try CorpusFlow(label)
        for (p, at) in [("01", "2026-11-16T09:13:00+08:00"), ("02", "2026-11-16T10:06:00+08:00"), ("03", "2026-11-17T15:41:00+08:00")] {
            try flow.pipeline.ingest(try FlowFixtures.corpusMessage(p), now: Self.t(at))
        }
        try flow.engine.fireDue(now: Self.t("2026-11-18T17:00:05+08:00"))
        try flow.engine.renderRecorded()
        let reminder = try #require(try flow.store.outbox(status: nil).first {
            $0.mail.purpose == .notice(.itemDue) && $0.mail.recipients == [wang]
        })
        return (flow, reminder.mail.messageID)
    }

    func item(_ flow: CorpusFlow, _ n: Int) throws -> ActionItemRecord {
        try #require(try flow.store.recaps(caseNumber: number).last?.recap.items.first { $0.number == n })
    }

    func confirmations(_ flow: CorpusFlow) throws -> [OutboxEntry] {
        try flow.store.outbox(status: nil).filter { $0.mail.purpose == .notice(.confirmation) }
    }

    func reply(_ flow: CorpusFlow, from: String, name: String, body: String, inReplyTo: String?, at: String, id: String,
               authentication: String? = StaffMail.staffPass) throws -> IngestResult {
        let raw = StaffMail.make(from: from, name: name, to: "track@corp.example",
                                 subject: "回复: [\(number)] 待办事项提醒", inReplyTo: inReplyTo, body: body,
                                 date: at, id: id, authentication: authentication)
        return try flow.pipeline.ingest(raw, now: Self.t("2026-11-18T17:31:00+08:00"))
    }

    @Test func aTrustedReplyToHerReminderMarksTheItemDoneAndIsConfirmed() throws {
        let (flow, reminderID) = try afterItemReminder("staff-done")
        defer { flow.cleanup() }
        #expect(reminderID.contains(".item-due.item1."), "the Message-ID names kind and item: \(reminderID)")
        let pendingBefore = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).filter { $0.itemNumber == 1 }
        #expect(!pendingBefore.isEmpty)

        let filed = try reply(flow, from: wang, name: "王芳", body: "已完成，12台设备今天已经发出。\n\n王芳\n",
                              inReplyTo: reminderID, at: "Wed, 18 Nov 2026 17:30:00 +0800", id: "<done.1@corp.example>")
        #expect(filed == .filed(caseNumber: number, openedCase: false, rule: nil) || { if case .filed = filed { return true }; return false }())
        let done = try item(flow, 1)
        #expect(done.status == .done)
        #expect(done.doneBy == wang)
        #expect(try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).filter { $0.itemNumber == 1 }.isEmpty)
        #expect(try item(flow, 2).status == .open && item(flow, 3).status == .open, "only the reminder's item")

        // One confirmation, to her only, threaded on her mail, auto-replied.
        let recorded = try confirmations(flow)
        #expect(recorded.count == 1)
        #expect(recorded.first?.mail.recipients == [wang])
        try flow.engine.renderRecorded()
        let mail = try #require(try confirmations(flow).first).mail
        let parsed = MessageParser.parse(mail.raw)
        #expect(parsed.header["Auto-Submitted"] == "auto-replied")
        #expect(parsed.inReplyTo == ["<done.1@corp.example>"])
        #expect(parsed.subject?.contains("[\(number)]") == true)
        let text = parsed.text
        #expect(text.contains("第1项已完成"))
        #expect(text.contains("物流单号") && text.contains("质保"), "what is still open: items 2 and 3")

        // 还没完成 to the same reminder: nothing changes, nothing is sent.
        let events = try flow.store.events(caseNumber: number).count
        let outbox = try flow.store.outbox(status: nil).count
        try reply(flow, from: wang, name: "王芳", body: "还没完成，明天再发。\n", inReplyTo: reminderID,
                  at: "Wed, 18 Nov 2026 17:35:00 +0800", id: "<notyet.1@corp.example>")
        #expect(try flow.store.events(caseNumber: number).count == events)
        #expect(try flow.store.outbox(status: nil).count == outbox)
    }

    @Test func theCustomerSayingDoneOrGivingCommandsChangesNothing() throws {
        let (flow, reminderID) = try afterItemReminder("customer-done")
        defer { flow.cleanup() }
        let reminders = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).map(\.id)
        let outbox = try flow.store.outbox(status: nil).count
        // The customer: the same words, naming the item, and a command; filed, nothing more.
        for (i, body) in ["已完成", "第1项已完成", "#结案\n#完成 2\n"].enumerated() {
            let result = try reply(flow, from: customer, name: "刘洋", body: body, inReplyTo: reminderID,
                                   at: "Wed, 18 Nov 2026 17:3\(i):00 +0800", id: "<customer.\(i)@huadong-precision.example>",
                                   authentication: StaffMail.customerPass)
            guard case .filed = result else { Issue.record("customer mail \(i) not filed: \(result)"); return }
        }
        #expect(try flow.store.recaps(caseNumber: number).last?.recap.items.allSatisfy { $0.status == .open } == true)
        #expect(try flow.store.caseWithNumber(number)?.status == .open)
        #expect(try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).map(\.id) == reminders)
        #expect(try flow.store.outbox(status: nil).count == outbox, "nothing sent to anyone")

        // A forged staff From (our MX says dmarc=fail; a forged pass below it): held, nothing changes.
        var forged = String(decoding: try #require(FileManager.default.contents(atPath: CorpusLocation.packageRoot
            .appendingPathComponent("Tests/Fixtures/trust/forged-staff-reply.eml").path)), as: UTF8.self)
        forged = forged.replacingOccurrences(of: "In-Reply-To: <20261116091233.4f2a@huadong-precision.example>",
                                             with: "In-Reply-To: \(reminderID)")
        forged = forged.replacingOccurrences(of: "Subject: =?gb2312?B?u9i4tDrNtsvfOrXatv7F+rv1zu8xMsyoyeixuM7et6i/qrv6?=",
                                             with: "Subject: [\(number)] #resolve")
        let bodyStart = try #require(forged.range(of: "\r\n\r\n") ?? forged.range(of: "\n\n"))
        forged = String(forged[..<bodyStart.upperBound]).replacingOccurrences(of: "Content-Transfer-Encoding: quoted-printable", with: "Content-Transfer-Encoding: 7bit")
            + "#resolve\r\n#done 1\r\n"
        _ = try flow.pipeline.ingest(Array(forged.utf8), now: Self.t("2026-11-18T17:40:00+08:00"))
        #expect(try flow.store.caseWithNumber(number)?.status == .open)
        #expect(try item(flow, 1).status == .open)
        #expect(try flow.store.outbox(status: nil).count == outbox)
    }

    @Test func commandsFromStaffRescheduleAndResolve() throws {
        let (flow, _) = try afterItemReminder("staff-commands")
        defer { flow.cleanup() }
        // #延期 2 11月21日 from 张伟, on the case (not a reply to any reminder).
        let oldDue = try #require(try item(flow, 2).due)
        try reply(flow, from: zhang, name: "张伟", body: "#延期 2 11月21日\n\n物流排期调整。\n", inReplyTo: nil,
                  at: "Wed, 18 Nov 2026 17:30:00 +0800", id: "<postpone.2@corp.example>")
        let moved = try item(flow, 2)
        #expect(moved.status == .rescheduled)
        let newDue = try #require(moved.due)
        #expect(newDue > oldDue)
        let zone = FlowFixtures.organization.timeZone
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        #expect(cal.component(.day, from: newDue) == 21 && cal.component(.month, from: newDue) == 11)
        let pending2 = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).filter { $0.itemNumber == 2 }
        #expect(!pending2.isEmpty && pending2.allSatisfy { $0.about == newDue })
        #expect(try confirmations(flow).map(\.mail.recipients) == [[zhang]])

        // A command that cannot be applied: answered with why, nothing changed.
        let events = try flow.store.events(caseNumber: number).filter { $0.kind != CaseEvent.Kind.instructionRefused }.count
        try reply(flow, from: zhang, name: "张伟", body: "#完成 7\n", inReplyTo: nil,
                  at: "Wed, 18 Nov 2026 17:32:00 +0800", id: "<done.7@corp.example>")
        #expect(try flow.store.events(caseNumber: number).filter { $0.kind != CaseEvent.Kind.instructionRefused }.count == events)
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.instructionRefused })
        try flow.engine.renderRecorded()
        let answer = try #require(try confirmations(flow).last)
        #expect(MessageParser.parse(answer.mail.raw).text.contains("没有第7项"))

        // #结案: resolved, the satisfaction follow-up scheduled.
        try reply(flow, from: zhang, name: "张伟", body: "＃结案\n", inReplyTo: nil,
                  at: "Wed, 18 Nov 2026 17:40:00 +0800", id: "<resolve@corp.example>")
        #expect(try flow.store.caseWithNumber(number)?.status == .resolved)
        let pending = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil)
        #expect(pending.contains { $0.kind == .satisfaction })
        #expect(!pending.contains { $0.kind == .itemDue || $0.kind == .itemOverdue })
        #expect(try confirmations(flow).count == 3)
    }
}
