import Foundation
import Testing
@testable import LiaisonCore

/// Reads items the way `RecapReader` does: the numbered lines of folded text.
func items(_ text: String) -> [ActionItem] {
    let folded = TextFold.fold(text)
    return ActionItemReader.numberedLines(folded).map {
        ActionItemReader.read(number: $0.number, body: $0.body, staff: recapOrg.staff, resolver: recapResolver, sentAt: recapSent)
    }
}

@Suite("Recap action items")
struct RecapItemTests {
    @Test("every numbering style gives the number and the task", arguments: [
        ("①更换设备12台，负责人：王芳", 1), ("② 更换设备12台，负责人：王芳", 2), ("⑽更换设备12台，负责人：王芳", 10),
        ("❸更换设备12台，负责人：王芳", 3), ("1. 更换设备12台，负责人：王芳", 1), ("12.更换设备12台，负责人：王芳", 12),
        ("2、更换设备12台，负责人：王芳", 2), ("3) 更换设备12台，负责人：王芳", 3), ("(4)更换设备12台，负责人：王芳", 4),
        ("（5）更换设备12台，负责人：王芳", 5), ("三、更换设备12台，负责人：王芳", 3), ("十二、更换设备12台，负责人：王芳", 12),
        ("  • 1. 更换设备12台，负责人：王芳", 1), ("１．更换设备12台，负责人：王芳", 1),
    ])
    func numbering(_ line: String, _ number: Int) throws {
        let read = items("会议结论如下：\n" + line)
        try #require(read.count == 1)
        #expect(read[0].number == number)
        #expect(read[0].task == "更换设备12台")
        #expect(read[0].owner == "王芳")
        #expect(read[0].ownerAddress == "wang.fang@corp.example")
    }

    @Test("lines that only look numbered are not items", arguments: [
        "2026-11-20 发货", "11月23日上午10:00再沟通", "1.5个工作日", "12台设备", "十分感谢", "(注)以上为结论",
    ])
    func notItems(_ line: String) {
        #expect(ActionItemReader.numberedLines(TextFold.fold(line)).isEmpty)
    }

    @Test("several circled items on one line")
    func oneLine() {
        let read = items("①更换设备，负责人：王芳；②同步单号，负责人：赵强；③质保服务，负责人：张伟")
        #expect(read.map(\.number) == [1, 2, 3])
        #expect(read.map(\.task) == ["更换设备", "同步单号", "质保服务"])
        #expect(read.map(\.owner) == ["王芳", "赵强", "张伟"])
    }

    @Test("ASCII and full-width separators and brackets alike", arguments: [
        "①更换设备12台，负责人：王芳，截止时间：11月19日17:00",
        "①更换设备12台,负责人:王芳,截止时间:11月19日17:00",
        "①更换设备12台;负责人:王芳;截止时间:11月19日17:00",
        "①更换设备12台；负责人：王芳；截止时间：11月19日17：00",
        "①更换设备12台(负责人:王芳,截止时间:11月19日17:00)",
        "①更换设备12台（负责人：王芳，截止时间：11月19日17:00）",
        "①更换设备12台【负责人：王芳｜截止时间：11月19日17:00】",
        "①更换设备12台 负责人 王芳 截止时间 11月19日17:00",
        "①更换设备12台 - 负责人: 王芳 - 截止时间: 11月19日17:00",
        "①更换设备12台/负责人:王芳/截止:11月19日17:00",
        "①更换设备12台，责任人：王芳，完成时间：11月19日17:00",
        "①更换设备12台，負責人：王芳，截止時間：11月19日17:00",
        "①更换设备12台，截止时间：11月19日17:00，负责人：王芳",
    ])
    func separators(_ line: String) throws {
        let item = try #require(items(line).first)
        #expect(item.task == "更换设备12台")
        #expect(item.owner == "王芳")
        #expect(recapISO(item.due?.instant) == "2026-11-19T17:00:00+08:00")
        #expect(item.dueNote == nil)
    }

    @Test("English items: owner, by NAME, due and deadline labels")
    func english() {
        let read = items("""
        1. Replace 12 units (owner: Li Lei, due: Nov 19 17:00)
        2. Send tracking numbers, by Li Lei, deadline Friday 12:00
        3. Send the report by Friday
        4) Update the quote (by Wang Fang; due Nov 19 17:00)
        (5) Book the visit - Owner: Support Team Li Lei - Deadline: next Monday
        6. Replace the owner manual for the EU market, owner Li Lei, due Friday
        """)
        #expect(read.map(\.task) == ["Replace 12 units", "Send tracking numbers", "Send the report by Friday", "Update the quote",
                                     "Book the visit", "Replace the owner manual for the EU market"])
        #expect(read.map(\.owner) == ["Li Lei", "Li Lei", nil, "Wang Fang", "Li Lei", "Li Lei"])
        #expect(read.map(\.department) == [nil, nil, nil, nil, "Support Team", nil])
        #expect(read.map(\.ownerAddress) == ["li.lei@corp.example", "li.lei@corp.example", nil, nil, "li.lei@corp.example",
                                             "li.lei@corp.example"])
        #expect(read.map { recapISO($0.due?.instant) } == ["2026-11-19T17:00:00+08:00", "2026-11-20T12:00:00+08:00", "2026-11-20T23:59:59+08:00",
                                                           "2026-11-19T17:00:00+08:00", "2026-11-23T23:59:59+08:00",
                                                           "2026-11-20T23:59:59+08:00"])
    }

    @Test("a leading department is split from the person", arguments: [
        ("售后部王芳", "王芳", "售后部"), ("物流部 赵强", "赵强", "物流部"), ("研发中心李雷", "李雷", "研发中心"),
        ("客服组陈静", "陈静", "客服组"), ("業務部陳靜", "陳靜", "業務部"), ("財務處林美", "林美", "財務處"),
        ("售后服务中心客服部王芳", "王芳", "售后服务中心客服部"), ("质量管理室周敏", "周敏", "质量管理室"),
        ("采购科王科", "王科", "采购科"), ("张伟", "张伟", nil), ("李科", "李科", nil),
        ("Support Team Li Lei", "Li Lei", "Support Team"),
    ] as [(String, String, String?)])
    func departments(_ raw: String, _ person: String, _ department: String?) {
        let (owner, dept) = ActionItemReader.splitOwner(raw, staff: [:])
        #expect(owner == person)
        #expect(dept == department)
    }

    @Test("the staff directory decides where the name starts")
    func staffHint() {
        // Without the directory 技术支持 ends in no department word; with it, 王科 is the person.
        #expect(ActionItemReader.splitOwner("技术支持王科", staff: [:]) == ("技术支持王科", nil))
        #expect(ActionItemReader.splitOwner("技术支持王科", staff: recapOrg.staff) == ("王科", "技术支持"))
        #expect(ActionItemReader.splitOwner("示例科技张伟", staff: recapOrg.staff) == ("张伟", "示例科技"))
        let item = items("①回访客户，负责人：售后部王芳").first
        #expect(item?.department == "售后部" && item?.ownerAddress == "wang.fang@corp.example")
        #expect(items("①回访客户，负责人：市场部周敏").first?.ownerAddress == nil)
    }

    @Test("due from the task when no label: weekdays, 本週, 下周, dates", arguments: [
        ("①周三前提交方案（负责人：周敏）", "2026-11-18T23:59:59+08:00"),
        ("①本週五前完成報價(負責人:陳靜)", "2026-11-20T23:59:59+08:00"),
        ("①下周一提交整改报告，负责人：王芳", "2026-11-23T23:59:59+08:00"),
        ("①12月1日前寄回样品，负责人：赵强", "2026-12-01T23:59:59+08:00"),
        ("①明天下午3点前确认库存，负责人：赵强", "2026-11-18T15:00:00+08:00"),
        ("①市场部经理周三前提交活动方案初稿(负责人:周敏,截止时间:周三17:00)", "2026-11-18T17:00:00+08:00"),
    ])
    func dueFromTask(_ line: String, _ due: String) {
        #expect(recapISO(items(line).first?.due?.instant) == due)
    }

    @Test("an unreadable or missing due leaves no due and says why", arguments: [
        ("①更换设备，负责人：王芳，截止时间：待定", "待定"),
        ("①更换设备，负责人：王芳，截止时间：2月30日", "2月30日"),
        ("①更换设备，负责人：王芳，截止时间：下下周", "下下周"),
        ("①跟进客户反馈，负责人：王芳", "no due date stated"),
        ("①周三前提交初稿，周五前定稿，负责人：王芳", "different deadlines"),
    ])
    func unreadableDue(_ line: String, _ noteContains: String) throws {
        let item = try #require(items(line).first)
        #expect(item.due == nil)
        #expect(item.owner == "王芳")
        #expect(item.dueNote?.contains(noteContains) == true, "\(item.dueNote ?? "nil")")
    }

    @Test("next contact in every spelling", arguments: [
        ("下次沟通时间：11月23日上午10:00。", "2026-11-23T10:00:00+08:00"),
        ("下次溝通時間：下週一下午3點", "2026-11-23T15:00:00+08:00"),
        ("下次会议：周五14:00", "2026-11-20T14:00:00+08:00"),
        ("Next call: Friday 10am.", "2026-11-20T10:00:00+08:00"),
    ])
    func nextContact(_ line: String, _ instant: String) {
        let r = RecapReader.read(text: "如有异议请于今日内回复。\n" + line, sentAt: recapSent, resolver: recapResolver, staff: [:])
        #expect(recapISO(r?.nextContact?.instant) == instant)
    }

    @Test("an unreadable next contact is noted, not guessed")
    func nextContactUnreadable() {
        let r = RecapReader.read(text: "如有异议请于今日内回复。\n下次沟通时间：另行通知", sentAt: recapSent, resolver: recapResolver, staff: [:])
        #expect(r?.nextContact == nil)
        #expect(r?.nextContactNote?.contains("另行通知") == true)
        let none = RecapReader.read(text: "如有异议请于今日内回复。", sentAt: recapSent, resolver: recapResolver, staff: [:])
        #expect(none?.nextContact == nil && none?.nextContactNote == nil)
        let mention = RecapReader.read(text: "如有异议请于今日内回复。\n下次沟通时我们再确认细节。", sentAt: recapSent, resolver: recapResolver, staff: [:])
        #expect(mention?.nextContact == nil && mention?.nextContactNote == nil)
        let spaced = RecapReader.read(text: "如有异议请于今日内回复。\n下次会议定在周五上午9点", sentAt: recapSent, resolver: recapResolver, staff: [:])
        #expect(recapISO(spaced?.nextContact?.instant) == "2026-11-20T09:00:00+08:00")
    }
}
