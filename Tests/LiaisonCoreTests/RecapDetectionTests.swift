import Foundation
import LiaisonMail
import Testing
@testable import LiaisonCore

/// What a recap's text must yield: not a recap, or a recap whose window closes at an instant
/// (nil: a recap whose window cannot be resolved, with a note).
enum RecapExpectation: Sendable, CustomStringConvertible {
    case notRecap
    case closes(String?)
    var description: String {
        switch self {
        case .notRecap: return "not a recap"
        case .closes(let s): return "closes \(s ?? "(unresolved)")"
        }
    }
}

@Suite("Recap detection")
struct RecapDetectionTests {
    /// Sent Tue 2026-11-17 15:40 +08:00 by a trusted staff member.
    @Test("objection windows as staff write them, and texts that state none", arguments: [
        // Simplified, full-width punctuation.
        ("根据今天电话沟通内容，现将结论整理如下，如有异议请于今日内回复：\n①更换设备，负责人：王芳", RecapExpectation.closes("2026-11-17T23:59:59+08:00")),
        // ASCII punctuation.
        ("根据今天电话沟通内容,现将结论整理如下,如有异议请于今日内回复:\n①更换设备,负责人:王芳", .closes("2026-11-17T23:59:59+08:00")),
        ("若有不同意见，请在11月20日前反馈。", .closes("2026-11-20T23:59:59+08:00")),
        ("如对以上内容有异议，请于2个工作日内告知。", .closes("2026-11-19T23:59:59+08:00")),
        ("如有异议请在今天下班前提出。", .closes("2026-11-17T18:00:00+08:00")),
        ("如有修改意见，请于本周五下班前反馈。", .closes("2026-11-20T18:00:00+08:00")),
        ("如有异议，请于明天上午10点前回复，逾期视为确认。", .closes("2026-11-18T10:00:00+08:00")),
        ("如有异议请于3个工作日内回复", .closes("2026-11-20T23:59:59+08:00")),
        ("如有异议，请于24小时内回复。", .closes("2026-11-18T15:40:00+08:00")),
        // Traditional.
        ("如有異議，請於今日內回覆。", .closes("2026-11-17T23:59:59+08:00")),
        ("若對以上內容有異議，請於11月20日前告知，逾期視為確認。", .closes("2026-11-20T23:59:59+08:00")),
        ("以上紀要如有不同意見，請在本週五前回覆。", .closes("2026-11-20T23:59:59+08:00")),
        // Silence is consent, the time in the same or the previous sentence.
        ("请于11月19日17:00前确认以上内容，逾期视为确认。", .closes("2026-11-19T17:00:00+08:00")),
        ("以上纪要请于周五前回复，逾期未回复视为同意。", .closes("2026-11-20T23:59:59+08:00")),
        ("请各位于下周一前反馈。\n逾期未反馈的，视为认可。", .closes("2026-11-23T23:59:59+08:00")),
        // English.
        ("If you disagree with any of the above, please reply by end of today.", .closes("2026-11-17T23:59:59+08:00")),
        ("Should you have any objection, please let us know within 24 hours.", .closes("2026-11-18T15:40:00+08:00")),
        ("Please review the notes above by Friday 12:00. Silence will be taken as agreement.", .closes("2026-11-20T12:00:00+08:00")),
        ("If you have any objections, please reply within 2 working days.", .closes("2026-11-19T23:59:59+08:00")),
        // A window stated but unreadable, or no time at all with silence as consent: still a recap, unresolved.
        ("如有异议请于下下周回复，逾期视为确认。", .closes(nil)),
        ("以上为会议结论，逾期未回复视为确认。", .closes(nil)),
        ("如有异议请于月中前回复。", .closes(nil)),
        ("If you disagree, please reply by the agreed date.", .closes(nil)),
        // More ways staff write the window.
        ("对上述结论如有不同意见的，请在两个工作日内反馈。", .closes("2026-11-19T23:59:59+08:00")),
        ("如有异议，请于11月20日(周五)前书面提出。", .closes("2026-11-20T23:59:59+08:00")),
        ("請各位於11月19日下班前回覆，逾期視為無異議。", .closes("2026-11-19T18:00:00+08:00")),
        ("Please confirm the above by Nov 20. If we do not hear from you by then, the minutes will be deemed accepted.",
         .closes("2026-11-20T23:59:59+08:00")),
        ("In case of any disagreement, please let me know before Thursday.", .closes("2026-11-19T23:59:59+08:00")),
        ("Please send comments by Wednesday 17:00; otherwise we will assume you agree.", .closes("2026-11-18T17:00:00+08:00")),
        ("如有异议请在本周内提出", .closes("2026-11-22T23:59:59+08:00")),
        ("如有异议，请尽快回复。", .notRecap),
        // Hard-wrapped by the mail client.
        ("Thanks for the call. If you disagree with any of the above, please reply by end of\ntoday.\n1. Replace 12 units, owner: Li Lei",
         .closes("2026-11-17T23:59:59+08:00")),
        ("各位好，本次会议结论如下，如有异议，\n请于11月20日前回复。", .closes("2026-11-20T23:59:59+08:00")),
        // Questions are not objection windows.
        ("如有疑问请联系我，电话13800000000。", .notRecap),
        ("如有问题请于今日内联系张伟。", .notRecap),
        ("如有任何疑问，请随时与我联系。", .notRecap),
        ("If you have any questions, please let me know by Friday.", .notRecap),
        // An invitation without a time or silence clause states no window.
        ("如有异议请联系我。", .notRecap),
        // 例如 is not 如 (if).
        ("例如修改方案需要在周五前回复客户。", .notRecap),
        ("感谢今天的沟通，我们会在周五前发货。", .notRecap),
        // Quoted text is not the sender's own.
        ("收到，谢谢。\n\n-----原始邮件-----\n发件人: 王磊\n如有异议请于今日内回复：\n①更换设备", .notRecap),
        ("收到。\n> 如有异议请于今日内回复：\n> ①更换设备", .notRecap),
        ("好的，已安排。\n\nOn Tue, 17 Nov 2026 at 15:40, Wang Lei <wang.lei@huadong-precision.example> wrote:\n如有异议请于今日内回复", .notRecap),
        ("好的。\n\n发件人: 王磊 <wang.lei@huadong-precision.example>\n发送时间: 2026年11月17日 15:40\n收件人: 张伟\n主题: 纪要\n\n如有异议请于今日内回复", .notRecap),
        ("已转交。\n\n王磊 <wang.lei@huadong-precision.example> 于2026年11月17日周二 15:40写道：\n如有异议请于今日内回复", .notRecap),
    ])
    func window(_ body: String, _ expected: RecapExpectation) {
        let f = facts(recapMail(body))
        switch expected {
        case .notRecap:
            #expect(f.kind == .correspondence)
            #expect(f.recap == nil)
        case .closes(let instant):
            #expect(f.kind == .recap)
            #expect(f.recap?.objectionDeadline == instant)
            if instant == nil { #expect(f.recap?.objectionDeadlineNote != nil) }
        }
    }

    @Test("a long line of owner-like words is read in bounded time", .timeLimit(.minutes(1)))
    func hostileItem() {
        let byLine = "①" + String(repeating: "x, by y, by ", count: 20_000)
        let f = facts(recapMail("如有异议请于今日内回复：\n" + byLine))
        #expect(f.recap?.actionItems.count == 1)
        #expect(f.recap?.actionItems.first?.owner == "y")
        let noLabels = facts(recapMail("如有异议请于今日内回复：\n①" + String(repeating: "x by 11月20日 ", count: 20_000)))
        #expect(noLabels.recap?.actionItems.first?.dueNote?.contains("longer than") == true)
    }

    @Test("many items are read in bounded time", .timeLimit(.minutes(1)))
    func hostileItems() {
        let manyItems = String(repeating: "①a,负责人:王芳,截止时间:周三\n", count: 2_000)
        let f = facts(recapMail("如有异议请于今日内回复：\n" + manyItems))
        #expect(f.recap?.actionItems.count == 2_000)
        #expect(f.recap?.actionItems.last?.due == "2026-11-18T23:59:59+08:00")
    }

    @Test("many disagreement words and quote-like lines are read in bounded time", .timeLimit(.minutes(1)))
    func hostileReply() {
        #expect(facts(reply(String(repeating: "没有异议", count: 30_000) + "有异议")).objection == true)
        #expect(QuotedText.strip(String(repeating: "From: a\n", count: 50_000)).isEmpty == false)
    }

    @Test("an HTML-only recap is read like a plain one")
    func htmlOnly() {
        let f = facts(recapMail("<html><body><p>王总您好，如有异议请于今日内回复：</p><p>①免费更换设备12台，负责人：售后部王芳，截止时间：11月19日17:00；</p>"
                                + "<p>②质保服务，负责人：张伟，截止时间：11月20日。</p><p>下次沟通时间：11月23日上午10:00。</p></body></html>", html: true))
        #expect(f.kind == .recap)
        #expect(f.recap?.objectionDeadline == "2026-11-17T23:59:59+08:00")
        #expect(f.recap?.nextContact == "2026-11-23T10:00:00+08:00")
        #expect(f.recap?.actionItems.map(\.owner) == ["王芳", "张伟"])
        #expect(f.recap?.actionItems.map(\.due) == ["2026-11-19T17:00:00+08:00", "2026-11-20T23:59:59+08:00"])
    }

    @Test("an HTML-only recap with an ordered list: items numbered by the list")
    func htmlOrderedList() {
        let f = facts(recapMail("<div>如有异议请于今日内回复：</div><ol><li>更换设备（负责人：王芳，截止时间：周四）</li>"
                                + "<li>同步单号（负责人：物流部赵强）</li></ol>", html: true))
        #expect(f.kind == .recap)
        #expect(f.recap?.actionItems.map(\.number) == [1, 2])
        #expect(f.recap?.actionItems.map(\.task) == ["更换设备", "同步单号"])
        #expect(f.recap?.actionItems.map(\.due) == ["2026-11-19T23:59:59+08:00", nil])
        #expect(f.recap?.actionItems.map(\.department) == [nil, "物流部"])
        #expect(f.recap?.actionItems.last?.ownerAddress == "zhao.qiang@corp.example")
    }

    @Test("a recap's own window counts even with the customer's mail quoted below")
    func recapAboveQuote() {
        let f = facts(recapMail("如有异议请于今日内回复：\n①更换设备，负责人：王芳\n\n-----Original Message-----\nFrom: 王磊\n第③点有异议"))
        #expect(f.kind == .recap)
        #expect(f.recap?.actionItems.count == 1)
    }

    @Test("only a trusted sender's mail is a recap; auto-replies and spoofs never are")
    func trust() {
        let body = "如有异议请于今日内回复：\n①更换设备，负责人：王芳，截止时间：11月19日"
        #expect(facts(recapMail(body)).kind == .recap)
        let customer = facts(recapMail(body, trusted: false))
        #expect(customer.kind == .correspondence && customer.recap == nil)
        let spoof = facts(recapMail(body, spoofed: true))
        #expect(spoof.kind == .correspondence && spoof.recap == nil && !spoof.senderTrusted)
        let auto = facts(recapMail(body, subject: "自动回复: 会议纪要"))
        #expect(auto.kind == .autoReply && auto.recap == nil)
        let autoHeader = facts(recapMail(body, headers: ["Auto-Submitted: auto-replied"]))
        #expect(autoHeader.kind == .autoReply && autoHeader.recap == nil)
    }

    @Test("recap facts encode with the corpus names; a recap has objection null")
    func encoding() throws {
        let f = facts(recapMail("如有异议请于今日内回复：\n①更换设备，负责人：售后部王芳，截止时间：11月19日17:00\n下次沟通时间：11月23日上午10:00"))
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(f)) as! [String: Any]
        let recap = try #require(json["recap"] as? [String: Any])
        #expect(recap["objectionDeadline"] as? String == "2026-11-17T23:59:59+08:00")
        #expect(recap["nextContact"] as? String == "2026-11-23T10:00:00+08:00")
        let item = try #require((recap["actionItems"] as? [[String: Any]])?.first)
        #expect(item["owner"] as? String == "王芳")
        #expect(item["department"] as? String == "售后部")
        #expect(item["ownerAddress"] as? String == "wang.fang@corp.example")
        #expect(item["task"] as? String == "更换设备")
        #expect(item["due"] as? String == "2026-11-19T17:00:00+08:00")
        #expect(json["objection"] is NSNull)
        let plain = try JSONSerialization.jsonObject(with: JSONEncoder().encode(facts(recapMail("你好")))) as! [String: Any]
        #expect(plain["recap"] is NSNull)
        #expect(plain["objection"] as? Bool == false)
    }
}
