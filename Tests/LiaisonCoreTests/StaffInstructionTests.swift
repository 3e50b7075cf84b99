import Foundation
import Testing
@testable import LiaisonCore

// What staff write back (issue 14, semantics.md "Staff acting by mail"): commands at the top of
// the message and natural replies, in simplified and traditional Chinese and English, read in
// Asia/Shanghai (workday end 18:00) from the message's Date.

private let zone = TimeZone(identifier: "Asia/Shanghai")!
private let reader = StaffInstructionReader(resolver: DeadlineResolver(timeZone: zone, workdayEnd: ClockTime(hour: 18)!))

private func at(_ local: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    guard let d = f.date(from: local + "+08:00") else { fatalError("bad test instant \(local)") }
    return d
}

/// Tuesday 2026-11-17 15:40, the corpus recap's Date.
private let tue = at("2026-11-17T15:40:00")
/// Monday 2026-12-28: dates without a year roll into 2027.
private let dec28 = at("2026-12-28T10:00:00")

/// An instruction in short words, for tables.
private func render(_ i: StaffInstruction) -> String {
    func item(_ r: ItemReference) -> String {
        switch r {
        case .number(let n): return "\(n)"
        case .repliedTo: return "replied"
        }
    }
    switch i {
    case .itemDone(let r): return "done \(item(r))"
    case .itemCancelled(let r): return "cancel \(item(r))"
    case .itemRescheduled(let r, let due): return "moved \(item(r)) \(ISOTime.string(due.instant, in: zone).prefix(19))"
    case .resolveCase: return "resolve"
    case .reopenCase: return "reopen"
    case .assignCase(.name(let n)): return "assign name \(n)"
    case .assignCase(.address(let a)): return "assign address \(a)"
    case .muteCase(let until): return "mute \(ISOTime.string(until.instant, in: zone).prefix(19))"
    }
}

private func read(_ text: String, _ sentAt: Date? = tue) -> [String] {
    reader.read(text, sentAt: sentAt).all.map(render)
}

private func refusals(_ text: String, _ sentAt: Date? = tue) -> [String] {
    reader.read(text, sentAt: sentAt).refused.map(\.reason.code)
}

struct StaffCase: Sendable, CustomTestStringConvertible {
    let text: String
    let expected: [String]
    init(_ text: String, _ expected: [String]) {
        self.text = text
        self.expected = expected
    }
    var testDescription: String { "\(text.debugDescription) → \(expected)" }
}

@Suite("Staff instructions: commands")
struct StaffCommandTests {
    @Test("command lines at the top, each language and form", arguments: [
        StaffCase("#结案", ["resolve"]),
        StaffCase("#resolve", ["resolve"]),
        StaffCase("#RESOLVE", ["resolve"]),
        StaffCase("＃結案", ["resolve"]),
        StaffCase("# 结案", ["resolve"]),
        StaffCase("#结案。", ["resolve"]),
        StaffCase("#结案 客户已确认", ["resolve"]),
        StaffCase("#重开", ["reopen"]),
        StaffCase("#重開", ["reopen"]),
        StaffCase("#Reopen", ["reopen"]),
        StaffCase("#转交 王芳", ["assign name 王芳"]),
        StaffCase("#轉交 王芳", ["assign name 王芳"]),
        StaffCase("#转交给 王芳", ["assign name 王芳"]),
        StaffCase("#转交 售后部/王芳", ["assign name 售后部/王芳"]),
        StaffCase("#owner wang.fang@example.com", ["assign address wang.fang@example.com"]),
        StaffCase("#assign <Wang.Fang@Example.com>", ["assign address wang.fang@example.com"]),
        StaffCase("#assign to Wang Fang", ["assign name Wang Fang"]),
        StaffCase("#完成 2", ["done 2"]),
        StaffCase("#done 2", ["done 2"]),
        StaffCase("#DONE 2", ["done 2"]),
        StaffCase("#完成２", ["done 2"]),
        StaffCase("＃完成　２", ["done 2"]),
        StaffCase("#完成 1,3", ["done 1", "done 3"]),
        StaffCase("#完成 1、3", ["done 1", "done 3"]),
        StaffCase("#完成 １，３", ["done 1", "done 3"]),
        StaffCase("#完成 1 3", ["done 1", "done 3"]),
        StaffCase("#完成 ①③", ["done 1", "done 3"]),
        StaffCase("#完成 2-4", ["done 2", "done 3", "done 4"]),
        StaffCase("#完成 第2项", ["done 2"]),
        StaffCase("#done item 2", ["done 2"]),
        StaffCase("#done 1 and 3", ["done 1", "done 3"]),
        StaffCase("#完成", ["done replied"]),
        StaffCase("#辦結 3", ["done 3"]),
        StaffCase("#延期 2 12月10日", ["moved 2 2026-12-10T23:59:59"]),
        StaffCase("#延期 2 至12月10日", ["moved 2 2026-12-10T23:59:59"]),
        StaffCase("#postpone 2 Dec 10", ["moved 2 2026-12-10T23:59:59"]),
        StaffCase("#postpone 2 10 Dec", ["moved 2 2026-12-10T23:59:59"]),
        StaffCase("#reschedule 2 to Friday", ["moved 2 2026-11-20T23:59:59"]),
        StaffCase("#postpone 2 Friday", ["moved 2 2026-11-20T23:59:59"]),
        StaffCase("#延期 2 周五", ["moved 2 2026-11-20T23:59:59"]),
        StaffCase("#延期 2 下周一上午10点", ["moved 2 2026-11-23T10:00:00"]),
        StaffCase("#延期 1,3 11月30日", ["moved 1 2026-11-30T23:59:59", "moved 3 2026-11-30T23:59:59"]),
        StaffCase("#延期 12月10日", ["moved replied 2026-12-10T23:59:59"]),
        StaffCase("#推遲 2 下週三", ["moved 2 2026-11-25T23:59:59"]),
        StaffCase("#延期 2 12/10", ["moved 2 2026-12-10T23:59:59"]),
        StaffCase("#取消 3", ["cancel 3"]),
        StaffCase("#cancel 3", ["cancel 3"]),
        StaffCase("#撤銷 3", ["cancel 3"]),
        StaffCase("#静默 3天", ["mute 2026-11-20T23:59:59"]),
        StaffCase("#mute 3 days", ["mute 2026-11-20T23:59:59"]),
        StaffCase("#靜默 一週", ["mute 2026-11-24T23:59:59"]),
        StaffCase("#mute 48 hours", ["mute 2026-11-19T15:40:00"]),
        StaffCase("#静默 至12月10日", ["mute 2026-12-10T23:59:59"]),
        StaffCase("#mute until Dec 10", ["mute 2026-12-10T23:59:59"]),
        StaffCase("#完成 1\n#延期 2 12月10日\n\n#结案", ["done 1", "moved 2 2026-12-10T23:59:59", "resolve"]),
        StaffCase("\n\n#结案\n谢谢", ["resolve"]),
    ])
    func command(_ c: StaffCase) {
        let r = reader.read(c.text, sentAt: tue)
        #expect(r.all.map(render) == c.expected)
        #expect(r.refused.isEmpty)
        #expect(r.instructions.allSatisfy { if case .command = $0.origin { return true } else { return false } })
    }

    @Test("commands it cannot apply are refused with a reason", arguments: [
        ("#foo", "unknown-command"),
        ("#finalise 2", "unknown-command"),
        ("#关闭提醒", "unknown-command"),
        ("#完成 x", "unreadable-items"),
        ("#完成 0", "unreadable-items"),
        ("#完成 100", "unreadable-items"),
        ("#完成 1-30", "unreadable-items"),
        ("#延期 2", "missing-argument"),
        ("#延期 2 13月5日", "unreadable-date"),
        ("#延期 2 改天", "unreadable-date"),
        ("#延期 2 11月10日", "date-in-past"),
        ("#静默", "missing-argument"),
        ("#mute", "missing-argument"),
        ("#转交", "missing-argument"),
        ("#转交 <a@b", "unreadable-owner"),
        ("#结案 2", "unexpected-words"),
        ("#reopen case 2", "unexpected-words"),
    ])
    func refused(_ text: String, _ code: String) {
        let r = reader.read(text, sentAt: tue)
        #expect(r.all.isEmpty)
        #expect(r.refused.map(\.reason.code) == [code])
        #expect(r.refused.first?.line == text)
        #expect(!(r.refused.first?.reason.english.isEmpty ?? true) && !(r.refused.first?.reason.chinese.isEmpty ?? true))
        #expect(!r.isEmpty)
    }

    @Test("a refused line does not stop the lines around it")
    func refusedAmongOthers() {
        let r = reader.read("#完成 1\n#foo\n#取消 3", sentAt: tue)
        #expect(r.all.map(render) == ["done 1", "cancel 3"])
        #expect(r.refused.map(\.reason) == [.unknownCommand("foo")])
    }

    @Test("only the top is a command block: # after prose, #2 and a hashtag are not commands")
    func onlyAtTheTop() {
        #expect(reader.read("好的\n#结案", sentAt: tue).isEmpty)
        #expect(reader.read("Thanks.\n\n#resolve", sentAt: tue).isEmpty)
        #expect(reader.read("Please see the #urgent tag.", sentAt: tue).isEmpty)
        #expect(read("#2 done") == ["done 2"])
        #expect(reader.read("# Notes\n#结案", sentAt: tue).isEmpty)
    }

    @Test("more than maxCommands lines: the rest is refused once")
    func tooMany() {
        let lines = (1...25).map { "#完成 \($0)" }.joined(separator: "\n")
        let r = reader.read(lines, sentAt: tue)
        #expect(r.all.count == StaffInstructionReader.maxCommands)
        #expect(r.refused.map(\.reason.code) == ["too-many-commands"])
    }

    @Test("without a message date only dates with a year read")
    func noMessageDate() {
        #expect(refusals("#延期 2 下周三", nil) == ["no-message-date"])
        #expect(refusals("#静默 3天", nil) == ["no-message-date"])
        #expect(read("#延期 2 2026年12月10日", nil) == ["moved 2 2026-12-10T23:59:59"])
        #expect(read("#完成 2", nil) == ["done 2"])
    }

    @Test("dates without a year roll into the next year in late December")
    func yearRollover() {
        #expect(read("#延期 2 1月5日", dec28) == ["moved 2 2027-01-05T23:59:59"])
        #expect(read("#postpone 1 Jan 3", dec28) == ["moved 1 2027-01-03T23:59:59"])
        #expect(read("#postpone 3 Jan", dec28) == ["moved replied 2027-01-03T23:59:59"])
        #expect(read("延期到下周三", dec28) == ["moved replied 2027-01-06T23:59:59"])
        #expect(read("#mute 7 days", dec28) == ["mute 2027-01-04T23:59:59"])
    }

    @Test("quoted text is never read")
    func quoted() {
        #expect(reader.read("收到\n\n> #结案\n> 已完成", sentAt: tue).isEmpty)
        #expect(reader.read("-----原始邮件-----\n发件人: 张伟\n#结案", sentAt: tue).isEmpty)
        #expect(reader.read("谢谢\n\nOn Tue, Nov 17, 2026 at 3:40 PM 张伟 <zhang.wei@corp.example> wrote:\n已完成", sentAt: tue).isEmpty)
        #expect(reader.read("好的\n在 2026-11-17 15:40，张伟 写道：\n第1项已完成", sentAt: tue).isEmpty)
        #expect(reader.read("好的\n发件人: 张伟\n发送时间: 2026年11月17日 15:40\n主题: 提醒\n#结案\n已完成", sentAt: tue).isEmpty)
        #expect(read("#结案\n\n------------------ 原始邮件 ------------------\n#重开") == ["resolve"])
    }

    @Test("only the top of a long text is read, in bounded time")
    func bounded() {
        let long = "#完成 1\n" + String(repeating: "普通的一行文字，没有任何指令。\n", count: 50_000) + "第2项已完成\n"
        #expect(read(long) == ["done 1"])
        let oneLine = "#完成 1\n" + String(repeating: "x", count: 1_000_000)
        #expect(read(oneLine) == ["done 1"])
    }
}

@Suite("Staff instructions: natural replies")
struct StaffReplyTests {
    @Test("done and moved, in the ways staff write", arguments: [
        // Simplified Chinese
        StaffCase("已完成", ["done replied"]),
        StaffCase("已完成，谢谢。", ["done replied"]),
        StaffCase("完成了。", ["done replied"]),
        StaffCase("已办结", ["done replied"]),
        StaffCase("已发出", ["done replied"]),
        StaffCase("已处理", ["done replied"]),
        StaffCase("搞定了", ["done replied"]),
        StaffCase("办好了", ["done replied"]),
        StaffCase("王经理：\n\n样品已经发出了，请查收。\n\n王芳", ["done replied"]),
        StaffCase("第1项已完成", ["done 1"]),
        StaffCase("①②已办结", ["done 1", "done 2"]),
        StaffCase("第1、3项已完成。", ["done 1", "done 3"]),
        StaffCase("关于第2项，已经处理完毕。", ["done 2"]),
        StaffCase("第三点延期到周五", ["moved 3 2026-11-20T23:59:59"]),
        StaffCase("延期至12月10日", ["moved replied 2026-12-10T23:59:59"]),
        StaffCase("改到下周三", ["moved replied 2026-11-25T23:59:59"]),
        StaffCase("推迟到周五", ["moved replied 2026-11-20T23:59:59"]),
        StaffCase("顺延至11月30日", ["moved replied 2026-11-30T23:59:59"]),
        StaffCase("第1项已完成，第2项延期至12月10日。", ["done 1", "moved 2 2026-12-10T23:59:59"]),
        StaffCase("第1项已完成，第2项还没完成。", ["done 1"]),
        StaffCase("第1项已完成。第3项推迟到下周一上午10点。", ["done 1", "moved 3 2026-11-23T10:00:00"]),
        // Traditional Chinese
        StaffCase("已辦結", ["done replied"]),
        StaffCase("已發出", ["done replied"]),
        StaffCase("已處理，謝謝。", ["done replied"]),
        StaffCase("第2項已完成", ["done 2"]),
        StaffCase("第三點順延至下週三", ["moved 3 2026-11-25T23:59:59"]),
        // English
        StaffCase("Done.", ["done replied"]),
        StaffCase("Completed, thanks.", ["done replied"]),
        StaffCase("Finished.", ["done replied"]),
        StaffCase("Shipped today.", ["done replied"]),
        StaffCase("It has been done.", ["done replied"]),
        StaffCase("item 2 done", ["done 2"]),
        StaffCase("Items 1 and 3 completed.", ["done 1", "done 3"]),
        StaffCase("#2 done", ["done 2"]),
        StaffCase("Postpone to Dec 10.", ["moved replied 2026-12-10T23:59:59"]),
        StaffCase("Moved to Friday.", ["moved replied 2026-11-20T23:59:59"]),
        StaffCase("Reschedule to next Monday.", ["moved replied 2026-11-23T23:59:59"]),
        StaffCase("Item 1 is done; item 2 is postponed until Dec 10.", ["done 1", "moved 2 2026-12-10T23:59:59"]),
    ])
    func natural(_ c: StaffCase) {
        let r = reader.read(c.text, sentAt: tue)
        #expect(r.all.map(render) == c.expected)
        #expect(r.refused.isEmpty)
        #expect(r.instructions.allSatisfy { if case .natural = $0.origin { return true } else { return false } })
    }

    @Test("negations, questions, conditions and promises change nothing", arguments: [
        "还没完成", "未完成", "尚未完成", "没有完成", "没完成", "不能完成", "完成不了", "第1项还没完成。",
        "not done yet", "Not yet done.", "It isn't done.", "Item 2 hasn't been sent.",
        "完成了吗？", "是否已完成", "办好了没有", "第1项已完成了吗", "Is it done?", "has item 2 been sent?",
        "如果完成请告知", "完成后回复我", "Once done I'll let you know.", "We will ship it tomorrow.",
        "第1项明天完成", "尚未發出", "還沒處理", "延期到周五吗？", "不延期", "Can we postpone to Friday?",
        "如有需要可以延期至12月10日", "第2项延期", "Please postpone item 2.", "Sent from my iPhone",
        "第几项已完成？", "所有事项均已完成", "All items are done.",
    ])
    func nothing(_ text: String) {
        #expect(reader.read(text, sentAt: tue).isEmpty, "\(text)")
    }

    @Test("a clause naming no item beside one that does is dropped; disagreeing readings too")
    func ambiguity() {
        #expect(read("第1项已完成，另外样品已寄出。") == ["done 1"])
        #expect(read("第2项已完成。第2项延期至12月10日。").isEmpty)
        #expect(read("#完成 2\n\n第2项延期至12月10日。") == ["done 2"])
        #expect(read("#完成 2\n\n第2项已完成。") == ["done 2"])
    }

    @Test("a past or unreadable new date moves nothing; a done clause with a past date is done")
    func dates() {
        #expect(reader.read("延期到11月10日", sentAt: tue).isEmpty)
        #expect(reader.read("延期到13月5日", sentAt: tue).isEmpty)
        #expect(read("第2项已于11月16日发货。") == ["done 2"])
        #expect(read("延期到下周三", nil).isEmpty)
    }

    // Phrasings not used while the reader was written: the rules, not the samples.
    @Test("unseen phrasings", arguments: [
        StaffCase("样品已寄出，请查收", ["done replied"]),
        StaffCase("报告已经提交给客户了。", ["done replied"]),
        StaffCase("第2条已落实。", ["done 2"]),
        StaffCase("④已处理完毕", ["done 4"]),
        StaffCase("Item 3 has been delivered to the customer.", ["done 3"]),
        StaffCase("Point 1 is finished.", ["done 1"]),
        StaffCase("第2项截止时间改为12月15日", ["moved 2 2026-12-15T23:59:59"]),
        StaffCase("交期推迟到下周五", ["moved replied 2026-11-27T23:59:59"]),
        StaffCase("Item 2: pushed back to Dec 15.", ["moved 2 2026-12-15T23:59:59"]),
        StaffCase("第3项暫時還沒處理", []),
        StaffCase("Not finished yet, sorry.", []),
        StaffCase("第1项完成了没？", []),
        StaffCase("Has the invoice been sent?", []),
        StaffCase("如已完成请忽略", []),
        StaffCase("完成之后再通知客户", []),
        StaffCase("第②项已于11月16日发货。", ["done 2"]),
        StaffCase("Item 1 will be done by Friday.", []),
        StaffCase("第1项和第2项都已经搞定", ["done 1", "done 2"]),
        StaffCase("Deadline for item 4 extended to 30 Nov.", ["moved 4 2026-11-30T23:59:59"]),
        StaffCase("第二项我们下周一完成", []),
        StaffCase("客户同意第3点延后到12月1日", ["moved 3 2026-12-01T23:59:59"]),
        StaffCase("Items 2 & 3 were shipped this morning.", ["done 2", "done 3"]),
    ])
    func unseen(_ c: StaffCase) {
        #expect(read(c.text) == c.expected)
    }

    // A second set, written after the first passed, in shapes neither set used before.
    @Test("unseen phrasings, second set", arguments: [
        StaffCase("货已经发了", ["done replied"]),
        StaffCase("第一项：已办理完成。", ["done 1"]),
        StaffCase("This has been taken care of.", ["done replied"]),
        StaffCase("We've completed item 2 and item 5.", ["done 2", "done 5"]),
        StaffCase("第2点的交期调整到12月3日", ["moved 2 2026-12-03T23:59:59"]),
        StaffCase("The due date for item 1 has been moved to Nov 27.", ["moved 1 2026-11-27T23:59:59"]),
        StaffCase("第3項尚未完成，預計下週完成。", []),
        StaffCase("Item 2 still isn't finished.", []),
        StaffCase("Did you ship it?", []),
        StaffCase("完成没有？", []),
        StaffCase("已发现问题，正在处理", []),
    ])
    func unseenSecond(_ c: StaffCase) {
        #expect(read(c.text) == c.expected)
    }
}
