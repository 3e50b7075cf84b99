import Foundation
import LiaisonMail
import Testing
@testable import LiaisonCore

/// Issue 14 part 4: quoted text of every client kept out, item tables, 部门/姓名 owners, English
/// objection and time phrasings.
@Suite("Client shapes: reading")
struct ClientShapesReadingTests {
    @Test("the quote openers of real clients end the own text", arguments: [
        "------------------ 原始邮件 ------------------\n发件人: \"张伟\"<zhang.wei@corp.example>;",
        "------------------&nbsp;Original&nbsp;------------------\nFrom: &nbsp;\"张伟\"<zhang.wei@corp.example&gt;;",
        "------------------ Original ------------------\nFrom:  \"张伟\"<zhang.wei@corp.example>;",
        "-----邮件原件-----\n发件人: 张伟",
        "________________________________\nFrom: Zhang Wei <zhang.wei@corp.example>\nSent: Wednesday, November 18, 2026 10:12 AM\nTo: Wang Lei",
        "________________________________\n发件人: 张伟 <zhang.wei@corp.example>\n发送时间: 2026年11月18日 10:12\n收件人: 王磊",
        "------------------------------------------------------------------\n发件人：张伟 <zhang.wei@corp.example>\n发送时间：2026年11月18日(星期三) 10:12\n收件人：王磊\n主　题：纪要",
        "在 2026-11-18 10:12:33，\"张伟\" <zhang.wei@corp.example> 写道：",
        "张伟 <zhang.wei@corp.example> 于2026年11月18日周三 10:12写道：",
        "On Wed, Nov 18, 2026 at 10:12 AM Zhang Wei <zhang.wei@corp.example> wrote:",
        "On Wed, Nov 18, 2026 at 10:12 AM Zhang Wei <\nzhang.wei@corp.example> wrote:",
        "2026年11月18日 上午10:12，张伟 写道：",
        "在 2026年11月18日，下午3:02，张伟 <zhang.wei@corp.example> 写道：",
        "Begin forwarded message:",
    ])
    func quoteOpeners(_ opener: String) {
        let text = "收到，没有异议。\n\n" + opener + "\n如有异议请于今日内回复。我们对第2项有异议。"
        let own = QuotedText.strip(text)
        #expect(own == "收到，没有异议。", "\(opener)")
        #expect(ObjectionReader.read(text) == ObjectionReader.Assertion(objects: false, items: []), "\(opener)")
    }

    @Test("own words that only look like openers stay")
    func notOpeners() {
        for text in ["客户写道：交期太紧。", "From: the warehouse, 12 units arrived.", "----\n第2项已完成"] {
            #expect(QuotedText.strip(text).contains(text.split(separator: "\n").last!), "\(text)")
        }
    }

    static let tableText = """
    纪要如下：
    序号\t事项\t负责人\t截止时间\t状态
    1\t免费更换同型号设备12台\t售后部/王芳\t11月20日17:00\t跟进中
    2\t物流单号同步\t物流部 赵强\t11月19日\t
    3\t提供质保服务\t张伟\t\t未开始
    如有异议请于今日内回复。
    """

    @Test("an item table in its tab-separated rendering: columns by header, any order, English too")
    func tableItems() throws {
        let recap = try #require(RecapReader.read(text: Self.tableText, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff))
        #expect(recap.actionItems.map(\.number) == [1, 2, 3])
        #expect(recap.actionItems.map(\.task) == ["免费更换同型号设备12台", "物流单号同步", "提供质保服务"])
        #expect(recap.actionItems.map(\.owner) == ["王芳", "赵强", "张伟"])
        #expect(recap.actionItems.map(\.department) == ["售后部", "物流部", nil])
        #expect(recap.actionItems.map(\.ownerAddress) == ["wang.fang@corp.example", "zhao.qiang@corp.example", "zhang.wei@corp.example"])
        #expect(recap.actionItems.map { recapISO($0.due?.instant) } == ["2026-11-20T17:00:00+08:00", "2026-11-19T23:59:59+08:00", nil])

        let english = "Owner\tDeadline\tAction item\nLi Lei\tFriday 5pm\tReplace the units\n王芳\tThursday noon\tShare tracking\nIf you disagree, please reply by end of today."
        let en = try #require(RecapReader.read(text: english, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff))
        #expect(en.actionItems.map(\.number) == [1, 2])
        #expect(en.actionItems.map(\.task) == ["Replace the units", "Share tracking"])
        #expect(en.actionItems.map(\.owner) == ["Li Lei", "王芳"])
        #expect(en.actionItems.map { recapISO($0.due?.instant) } == ["2026-11-20T17:00:00+08:00", "2026-11-19T12:00:00+08:00"])
    }

    @Test("an Item column beside a Description column numbers the rows")
    func itemColumnNumbers() throws {
        let text = "Item\tDescription\tOwner\tDue\n2\tShip the samples\tLi Lei\tFriday\nIf you disagree, please reply by end of today."
        let r = try #require(RecapReader.read(text: text, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff))
        #expect(r.actionItems.map(\.number) == [2])
        #expect(r.actionItems.map(\.task) == ["Ship the samples"])
        #expect(r.actionItems.map(\.owner) == ["Li Lei"])
    }

    @Test("a table without a task column, or with no owner and no due column, gives no items")
    func notItemTables() throws {
        let attendees = "参会人员：\n姓名\t部门\t电话\n王芳\t售后部\t123\n如有异议请于今日内回复。"
        let r1 = try #require(RecapReader.read(text: attendees, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff))
        #expect(r1.actionItems.isEmpty)
        let prices = "事项\t单价\n更换\t100\n如有异议请于今日内回复。"
        let r2 = try #require(RecapReader.read(text: prices, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff))
        #expect(r2.actionItems.isEmpty)
    }

    @Test("a hostile table is read in one pass and at most 200 rows a table")
    func hostileTables() {
        let rows = String(repeating: "1\t复检\t王芳\t11月20日\n", count: 50_000)
        let wide = String(repeating: "事项\t负责人\t", count: 5_000)
        let text = "序号\t事项\t负责人\t截止时间\n" + rows + wide + "\n" + String(repeating: "事项\t负责人\n", count: 20_000)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = ContinuousClock.now
        let tables = TableItemReader.tables(in: lines)
        // A generous bound (debug build, shared cores): a quadratic reader would take many minutes.
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(tables.first?.rows.count == TableItemReader.maxRows)
        #expect(tables.allSatisfy { $0.rows.count <= TableItemReader.maxRows })
    }

    @Test("numbered lines around a table are items too, in the order written")
    func tableAndNumberedLines() throws {
        let text = "1. 先确认库存（负责人：赵强）\n事项\t负责人\n复检\t王芳\n如有异议请于今日内回复。"
        let r = try #require(RecapReader.read(text: text, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff))
        #expect(r.actionItems.map(\.task) == ["先确认库存", "复检"])
        #expect(r.actionItems.map(\.owner) == ["赵强", "王芳"])
    }

    @Test("owners as the source documents' tables write them", arguments: [
        ("售后部/王芳", "王芳", "售后部"),
        ("售后部／王芳", "王芳", "售后部"),
        ("售后部 / 王芳", "王芳", "售后部"),
        ("售后部 王芳", "王芳", "售后部"),
        ("市场 李娜", "李娜", "市场"),
        ("售后部王芳", "王芳", "售后部"),
        ("Li Lei", "Li Lei", nil),
        ("Sales Team Li Lei", "Li Lei", "Sales Team"),
    ] as [(String, String, String?)])
    func owners(_ raw: String, _ owner: String, _ department: String?) {
        let split = ActionItemReader.splitOwner(raw, staff: recapOrg.staff)
        #expect(split.owner == owner)
        #expect(split.department == department)
    }

    @Test("two people are not a department and a person")
    func twoPeople() {
        let split = ActionItemReader.splitOwner("王芳/赵强", staff: recapOrg.staff)
        #expect(split.owner == "王芳/赵强")
        #expect(split.department == nil)
    }

    @Test("English invitations to object: concerns, corrections; a question is not one", arguments: [
        ("If you have any concerns or corrections, please reply within 24 hours.", "2026-11-18T15:40:00+08:00"),
        ("Should you have any concerns, please let us know by Friday 5pm.", "2026-11-20T17:00:00+08:00"),
        ("If anything needs to be corrected, please reply by Thursday noon.", "2026-11-19T12:00:00+08:00"),
        ("In case of corrections, please reply by end of today.", "2026-11-17T23:59:59+08:00"),
        ("Please let us know within 24 hours if you have any concerns.", "2026-11-18T15:40:00+08:00"),
        ("Please reply by end of today if you disagree.", "2026-11-17T23:59:59+08:00"),
        ("If you have any objections or corrections, please reply by COB Thursday.", "2026-11-19T18:00:00+08:00"),
        ("Kindly revert by Wednesday noon should you have any corrections.", "2026-11-18T12:00:00+08:00"),
    ])
    func englishWindows(_ sentence: String, _ closes: String) throws {
        let recap = try #require(RecapReader.read(text: "1. Replace units (owner: Li Lei)\n" + sentence, sentAt: recapSent,
                                                  resolver: recapResolver, staff: recapOrg.staff), "\(sentence)")
        #expect(recapISO(recap.objectionDeadline?.instant) == closes, "\(sentence)")
    }

    @Test("a question is not an objection window, whichever side its condition stands")
    func questionIsNoWindow() {
        for text in ["If you have any questions, please reply by end of today.",
                     "Please reply by end of today if you have any questions.",
                     "Please let me know if you have concerns."] {
            #expect(RecapReader.read(text: text, sentAt: recapSent, resolver: recapResolver, staff: recapOrg.staff) == nil, "\(text)")
        }
    }

    @Test("English objections: concerns and corrections, negations respected", arguments: [
        ("We have concerns about item 2: the date is too early.", true, [2]),
        ("I have some concerns regarding point 3.", true, [3]),
        ("One correction: item 3 should be 6 months, not 3.", true, [3]),
        ("Correction: item 1 owner is Li Lei.", true, [1]),
        ("Item 2 needs a correction.", true, [2]),
        ("The due date of item 1 isn't right.", true, [1]),
        ("Please correct item 2, the owner is wrong.", true, [2]),
        ("No concerns from our side.", false, []),
        ("We have no concerns or corrections. Thanks!", false, []),
        ("Not concerned about item 2.", false, []),
        ("Nothing to correct, thanks.", false, []),
        ("If you have concerns, call me.", false, []),
        ("Any concerns? Let me know.", false, []),
        ("有异议：第3项质保期应为6个月。", true, [3]),
        ("我们有异议，第2项我们已经确认没问题。", true, []),
        ("Any concerns about item 2? We can talk tomorrow.", false, []),
        ("第2项有异议吗？", false, []),
    ])
    func englishObjections(_ text: String, _ objects: Bool, _ items: [Int]) {
        #expect(ObjectionReader.read(text) == ObjectionReader.Assertion(objects: objects, items: items), "\(text)")
    }

    @Test("an HTML-only reply: the quoted objection in a gmail_quote is not the reply's")
    func htmlQuoteInFacts() {
        let html = "<div>Thanks, no objection.</div><div class=\"gmail_quote\"><blockquote class=\"gmail_quote\">我们对第2项有异议</blockquote></div>"
        let f = facts(reply(html, html: true))
        #expect(f.objection == false)
        #expect(f.text.contains("> 我们对第2项有异议"))
    }
}
