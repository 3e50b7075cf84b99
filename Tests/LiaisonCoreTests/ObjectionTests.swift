import Foundation
import LiaisonMail
import Testing
@testable import LiaisonCore

/// A customer's reply to the recap (In-Reply-To set, Re: subject).
func reply(_ body: String, inReplyTo: Bool = true, subject: String = "RE: 会议纪要:关于第二批货物质量问题的电话沟通",
           html: Bool = false) -> Message {
    recapMail(body, trusted: false, html: html, subject: subject,
              headers: inReplyTo ? ["In-Reply-To: <5e1a.20261117154000@corp.example>"] : [])
}

@Suite("Objections in replies")
struct ObjectionTests {
    @Test("disagreement asserted, negated or conditional, in the ways customers write", arguments: [
        ("张经理：\n\n第③点有异议：质保应为6个月，这是合同第8条约定的。其余无异议。", true, [3]),
        ("第③点有异议:质保应为6个月,这是合同第8条约定的。其余无异议。", true, [3]),
        ("没有异议，谢谢。", false, []),
        ("无异议。", false, []),
        ("無異議，謝謝。", false, []),
        ("我们对以上内容没有任何异议。", false, []),
        ("沒有異議。", false, []),
        ("对第2条不同意，其他可以。", true, [2]),
        ("我們對第二項有異議，交期無法接受。", true, [2]),
        ("关于第2条，我们不同意。", true, [2]),
        ("第1条需要修改，交期应为11月25日。", true, [1]),
        ("无需修改，确认。", false, []),
        ("不需要修改，同意以上内容。", false, []),
        ("以上内容我们不认可。", true, []),
        ("第①③点有不同意见。", true, [1, 3]),
        ("无不同意见，按此执行。", false, []),
        ("同意以上内容，没意见。", false, []),
        ("如有异议我们会再联系您。", false, []),
        ("No objection from our side.", false, []),
        ("We have no objections. Thanks.", false, []),
        ("Agree with all, thanks.", false, []),
        ("We disagree with item 3: the warranty should be 6 months.", true, [3]),
        ("We do not agree with point 2.", true, [2]),
        ("We object to item 2, the rest is fine.", true, [2]),
        ("I don't disagree with the plan.", false, []),
        ("收到，谢谢。\n\n> 第③点有异议", false, []),
        ("好的，已确认。\n\n-----原始邮件-----\n发件人: 王磊\n第③点有异议", false, []),
        ("第２条有异议。", true, [2]),
        ("Thanks. We have no objection to the minutes\nas written.", false, []),
        ("关于第2条，\n我们不同意。", true, [2]),
    ] as [(String, Bool, [Int])])
    func assertion(_ body: String, _ objects: Bool, _ itemsNamed: [Int]) {
        let f = facts(reply(body))
        #expect(f.objection == objects)
        #expect(f.objectedItems == itemsNamed)
        #expect(f.kind == .correspondence && f.recap == nil)
    }

    @Test("only replies object: In-Reply-To, References or a reply subject")
    func onlyReplies() {
        #expect(facts(reply("第③点有异议", inReplyTo: false, subject: "会议纪要")).objection == false)
        #expect(facts(reply("第③点有异议", inReplyTo: false, subject: "回复：会议纪要")).objection == true)
        #expect(facts(reply("第③点有异议", inReplyTo: false, subject: "Re: 会议纪要")).objection == true)
        #expect(facts(recapMail("第③点有异议", trusted: false, headers: ["References: <a@corp.example>"])).objection == true)
    }

    @Test("an HTML-only reply is read too")
    func htmlReply() {
        let f = facts(reply("<html><body><p>张经理：</p><p>第③点有异议：质保应为6个月。</p><p>其余无异议。</p></body></html>", html: true))
        #expect(f.objection == true)
        #expect(f.objectedItems == [3])
    }

    @Test("an HTML reply's Gmail quote is not the customer's own words")
    func htmlQuote() {
        let f = facts(reply("<div>收到，无异议。</div><div class=\"gmail_quote\"><div>On Tue, 17 Nov 2026 at 15:40, 张伟 "
                            + "&lt;zhang.wei@corp.example&gt; wrote:</div><blockquote>第③点有异议</blockquote></div>", html: true))
        #expect(f.objection == false)
        let g = facts(reply("<div>第2条不同意。</div><div class=\"gmail_quote\"><div>On Tue, 17 Nov 2026 at 15:40, 张伟 "
                            + "&lt;zhang.wei@corp.example&gt; wrote:</div><blockquote>②同步单号</blockquote></div>", html: true))
        #expect(g.objection == true && g.objectedItems == [2])
    }

    @Test("auto-replies never object")
    func autoReply() {
        let f = facts(reply("不同意", subject: "自动回复: 会议纪要"))
        #expect(f.kind == .autoReply)
        #expect(f.objection == false)
    }

    @Test("item numbers named in a clause")
    func itemNumbers() {
        #expect(ObjectionReader.itemNumbers(in: "第③点") == [3])
        #expect(ObjectionReader.itemNumbers(in: "第十二条") == [12])
        #expect(ObjectionReader.itemNumbers(in: "第 2 项") == [2])
        #expect(ObjectionReader.itemNumbers(in: "item 4") == [4])
        #expect(ObjectionReader.itemNumbers(in: "#5") == [5])
        #expect(ObjectionReader.itemNumbers(in: "质保应为6个月").isEmpty)
    }
}

@Suite("Quoted text")
struct QuotedTextTests {
    @Test("quote markers cut the rest; the own text stays", arguments: [
        ("收到\n> 旧内容\n>> 更旧", "收到"),
        ("收到\n\n-----原始邮件-----\n旧内容", "收到"),
        ("收到\n\n----- 原始郵件 -----\n旧内容", "收到"),
        ("OK\n\n-----Original Message-----\nFrom: a\nold", "OK"),
        ("OK\n\nOn Tue, 17 Nov 2026 at 15:40, Zhang Wei <zhang.wei@corp.example> wrote:\nold", "OK"),
        ("OK\n\nOn Tue, 17 Nov 2026 at 15:40, Zhang Wei <zhang.wei@corp.example>\nwrote:\nold", "OK"),
        ("好的\n\n张伟 <zhang.wei@corp.example> 于2026年11月17日周二 15:40写道：\n旧", "好的"),
        ("好的\n________________________________\n发件人: 张伟\n发送时间: 2026年11月17日 15:40\n收件人: 王磊\n旧", "好的"),
        ("好的\n\nFrom: Zhang Wei\nSent: Tuesday, November 17, 2026 3:40 PM\nTo: Wang Lei\nold", "好的"),
        ("好的\n\n發件人：張偉\n時間：2026年11月17日\n舊", "好的"),
    ])
    func strips(_ text: String, _ own: String) {
        #expect(QuotedText.strip(text) == own)
    }

    @Test("text that only mentions a sender or 'wrote' is kept")
    func keeps() {
        let text = "发件人：王磊先生的意见已收到。\n我们讨论后再回复。\nHe wrote the report."
        #expect(QuotedText.strip(text) == text)
    }
}

@Suite("Recap state")
struct RecapStateTests {
    let deadline = Date(timeIntervalSince1970: 1_794_931_199)   // 2026-11-17T23:59:59+08:00
    let before = Date(timeIntervalSince1970: 1_794_909_765)     // 18:02:45 that day
    let after = Date(timeIntervalSince1970: 1_794_931_200 + 3600)

    @Test("an objection inside the window disputes, with its instant and items")
    func disputed() {
        let (state, t) = RecapState.pending.objection(at: before, items: [3, 3, 1], deadline: deadline)
        #expect(state == .disputed(at: before, objectedItems: [1, 3]))
        #expect(t == RecapState.Transition(from: .pending, to: state, at: before))
        // Final: the window closing later changes nothing.
        #expect(state.windowCheck(now: after, deadline: deadline).1 == nil)
        #expect(state.name == "disputed")
    }

    @Test("silence until the window closes confirms at the close")
    func confirmed() {
        #expect(RecapState.pending.windowCheck(now: before, deadline: deadline).0 == .pending)
        #expect(RecapState.pending.windowCheck(now: deadline, deadline: deadline).0 == .pending)
        let (state, t) = RecapState.pending.windowCheck(now: after, deadline: deadline)
        #expect(state == .confirmed(at: deadline))
        #expect(t?.at == deadline)
        // A late objection does not reopen it.
        #expect(state.objection(at: after, items: [2], deadline: deadline).0 == .confirmed(at: deadline))
    }

    @Test("a late objection on a pending recap confirms it at the close, not disputes it")
    func lateObjection() {
        let (state, t) = RecapState.pending.objection(at: after, items: [2], deadline: deadline)
        #expect(state == .confirmed(at: deadline))
        #expect(t?.to == .confirmed(at: deadline))
    }

    @Test("an unreadable window is never confirmed by silence, and any objection disputes")
    func unreadableWindow() {
        #expect(RecapState.pending.windowCheck(now: after, deadline: nil).0 == .pending)
        #expect(RecapState.pending.objection(at: after, items: [], deadline: nil).0 == .disputed(at: after, objectedItems: []))
    }

    @Test("the words' pre-check gives the expressions' answer, plain and not plain")
    func preCheckAgreesWithExpressions() {
        let words = ["I disagree", "we object to item 2", "objections", "do not agree", "cannot agree", "not acceptable",
                     "can't accept", "is wrong", "are not correct", "needs to be amended", "have some serious concerns",
                     "concerns about", "concerned that", "a few corrections", "correction", "needs a correction",
                     "should be changed", "please revise", "isn't right", "no objection", "don't disagree",
                     "if you disagree", "no longer concerned", "nothing to correct", "thanks, all fine", "see you monday",
                     "有异议", "没有异议", "如有异议", "第3项需修改", "谢谢", "agreed", "accepted", "rightly so", ""]
        // Scalars that case-fold to ASCII letters (ſ→s, K→k, ﬁ→fi, ß→ss), accents, full-width and
        // circled forms, upper case: the pre-check must step aside or agree.
        let twists: [(String) -> String] = [
            { $0 }, { $0.uppercased() }, { $0.replacingOccurrences(of: "s", with: "ſ") },
            { $0.replacingOccurrences(of: "k", with: "\u{212A}") }, { $0.replacingOccurrences(of: "fi", with: "ﬁ") },
            { $0.replacingOccurrences(of: "ss", with: "ß") }, { "Ⓢ " + $0 }, { "résumé: " + $0 }, { "ｓｈｏｕｌｄ " + $0 },
            { $0.replacingOccurrences(of: "e", with: "e\u{301}") }, { "第③点 " + $0 + "。" },
        ]
        var checked = 0
        for w in words {
            for twist in twists {
                let clause = twist(w)
                #expect(ObjectionReader.asserts(clause) == ObjectionReader.assertsByExpressions(clause.lowercased()), "\(clause)")
                checked += 1
            }
        }
        #expect(checked == words.count * twists.count)
        // A plain clause with no stem skips the expressions; one with a stem does not.
        #expect(!ObjectionReader.mayAssertEN("thanks, see you on monday. 谢谢"))
        #expect(ObjectionReader.mayAssertEN("we have concerns"))
        #expect(ObjectionReader.mayAssertEN("ſhould be changed"), "not plain: the expressions decide")
    }
}
