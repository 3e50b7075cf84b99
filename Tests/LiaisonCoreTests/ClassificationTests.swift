import Testing
import LiaisonMail
@testable import LiaisonCore

let org = Organization(name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                       authservID: "mx.corp.example")

func message(_ s: String) -> Message {
    MessageParser.parse(Array(s.replacingOccurrences(of: "\n", with: "\r\n").utf8))
}

@Suite("Thread subject and case tag")
struct ThreadSubjectTests {
    @Test("reply and forward prefixes are removed repeatedly, in every language and colon", arguments: [
        ("Re: 会议纪要", "会议纪要"),
        ("RE: 回复：Fwd: 会议纪要", "会议纪要"),
        ("回复:投诉:第二批货物12台设备无法开机", "投诉:第二批货物12台设备无法开机"),
        ("答复： 转发: 采访邀约", "采访邀约"),
        ("回覆：聯合推廣方案確認", "聯合推廣方案確認"),
        ("轉寄:聯合推廣", "聯合推廣"),
        ("自动回复: 会议纪要:关于第二批货物", "会议纪要:关于第二批货物"),
        ("Re[2]: Re: Quote", "Quote"),
        ("FW:  Fw :x", "x"),
        ("re：　全角空格", "全角空格"),
        ("Reply needed", "Reply needed"),
        ("Fwdx: y", "Fwdx: y"),
        ("[EC20261116-001] Re: 提醒", "提醒"),
        ("Re: [EC20261116-001] 会议纪要", "会议纪要"),
        ("", ""),
    ])
    func threadSubject(_ subject: String, _ expected: String) {
        #expect(ThreadSubject.of(subject) == expected)
    }

    @Test("case tags in brackets, ASCII or full-width; look-alikes are not tags", arguments: [
        ("[EC20261110-002] 材料受理通知", "EC20261110-002"),
        ("Re: 【NC20261201-015】周会", "NC20261201-015"),
        ("x [EC20261110-1234] y", "EC20261110-1234"),
        ("[EC2026111-002] short date", nil),
        ("[ec20261110-002] lowercase", nil),
        ("EC20261110-002 without brackets", nil),
        ("[EC20261110-02] short serial", nil),
        ("[note] then [EC20261110-002]", "EC20261110-002"),
    ] as [(String, String?)])
    func caseTag(_ subject: String, _ expected: String?) {
        #expect(CaseTag.find(in: subject) == expected)
    }
}

@Suite("Kind, trust and category")
struct KindTrustCategoryTests {
    @Test("auto-replies are told by headers and subject prefixes")
    func autoReplies() {
        #expect(KindClassifier.kind(of: message("Auto-Submitted: auto-replied\nSubject: hi\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Auto-Submitted: auto-generated; owner-email=a@b\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Auto-Submitted: no\nSubject: hi\n\nx")) == .correspondence)
        #expect(KindClassifier.kind(of: message("Precedence: bulk\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Precedence: first-class\n\nx")) == .correspondence)
        #expect(KindClassifier.kind(of: message("X-Autoreply: yes\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("X-Autorespond: yes\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Subject: Automatic reply: Quote\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Subject: Out of Office: back Monday\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Subject: 自動回覆：休假中\n\nx")) == .autoReply)
        #expect(KindClassifier.kind(of: message("Subject: About the auto parts order\n\nx")) == .correspondence)
    }

    @Test("a DSN is a bounce even though it is also auto-submitted")
    func bounce() {
        let m = message("""
            Auto-Submitted: auto-replied
            Content-Type: multipart/report; report-type=delivery-status; boundary=r

            --r
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx

            Final-Recipient: rfc822; a@b
            Action: failed
            Status: 5.1.1
            --r--
            """)
        #expect(KindClassifier.kind(of: m) == .bounce)
    }

    static let pass = "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example\n"

    @Test("trust needs an internal From and a pass from the organisation's own authserv-id")
    func trust() {
        #expect(SenderTrust.isTrusted(message(Self.pass + "From: 张伟 <zhang.wei@corp.example>\n\nx"), organization: org))
        #expect(SenderTrust.isTrusted(message(Self.pass + "From: Zhang.Wei@CORP.example\n\nx"), organization: org))
        // Outsider with a pass for their own domain.
        #expect(!SenderTrust.isTrusted(message(Self.pass + "From: a@client.example\n\nx"), organization: org))
        // Internal address without any Authentication-Results.
        #expect(!SenderTrust.isTrusted(message("From: zhang.wei@corp.example\n\nx"), organization: org))
        // A header written by someone else's server is ignored.
        let foreign = "Authentication-Results: mx.attacker.example; dmarc=pass header.from=corp.example\nFrom: zhang.wei@corp.example\n\nx"
        #expect(!SenderTrust.isTrusted(message(foreign), organization: org))
        // Failures.
        let fail = "Authentication-Results: mx.corp.example; spf=fail smtp.mailfrom=corp.example; dkim=none; dmarc=fail header.from=corp.example\nFrom: zhang.wei@corp.example\n\nx"
        #expect(!SenderTrust.isTrusted(message(fail), organization: org))
        // spf=pass for another domain does not vouch for corp.example.
        let other = "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=evil.example\nFrom: zhang.wei@corp.example\n\nx"
        #expect(!SenderTrust.isTrusted(message(other), organization: org))
        // dkim=pass for the domain alone is enough; a comment does not confuse it.
        let dkim = "Authentication-Results: mx.corp.example (Postfix); dkim=pass (2048-bit key) header.d=corp.example\nFrom: zhang.wei@corp.example\n\nx"
        #expect(SenderTrust.isTrusted(message(dkim), organization: org))
        // A subdomain is not an internal domain.
        let sub = "Authentication-Results: mx.corp.example; dmarc=pass header.from=mail.corp.example\nFrom: a@mail.corp.example\n\nx"
        #expect(!SenderTrust.isTrusted(message(sub), organization: org))
    }

    @Test("category from the subject first, then the body, with configured extra words")
    func categories() {
        #expect(Category.of(subject: "投诉:设备无法开机", text: "", organization: org) == "complaint")
        #expect(Category.of(subject: "关于合同", text: "发货推迟", organization: org) == "contract")
        #expect(Category.of(subject: "Hello", text: "原料发货推迟", organization: org) == "delivery")
        #expect(Category.of(subject: "聯合推廣方案確認", text: "條款如附件", organization: org) == "contract")
        #expect(Category.of(subject: "问候", text: "一切顺利", organization: org) == "general")
        var custom = org
        custom.categoryKeywords = ["complaint": ["差评"], "partnership": ["联合推广"]]
        #expect(Category.of(subject: "一个差评", text: "", organization: custom) == "complaint")
        #expect(Category.of(subject: "联合推广方案", text: "", organization: custom) == "partnership")
    }

    /// LiteralSearch must answer exactly as Foundation's `contains`/`range(of:)` (no options):
    /// where the byte search answers (plain scalars) and where it hands over (canonical
    /// equivalents, combining marks, CR LF, empty needles).
    @Test("the byte search answers as Foundation's search does")
    func literalSearchAgreesWithFoundation() {
        let hays = ["投诉:设备无法开机", "原料发货推迟，请确认。", "Please see the complaint below", "complaint", "",
                    "cafe\u{301} complaint", "café complaint", "complaint\u{301} x", "下次沟通时间：周五",
                    "line\r\nnext call: friday", "①第③点 “合同” — 条款", "ｃｏｍｐｌａｉｎｔ", "投\u{200D}诉", "가나다", "がぎ",
                    "Ｋ", "\u{212A}elvin", "Kelvin", "aaab", "ab\r", "x\r\ny"]
        let needles = ["投诉", "complaint", "café", "cafe\u{301}", "", "e", "next call", "①", "合同", "ｃｏｍ", "\u{212A}", "K",
                       "aab", "\r", "\n", "\r\n", "가", "\u{1100}", "が", "か", "下次沟通"]
        for h in hays {
            let hay = LiteralSearch.Haystack(h)
            for n in needles {
                let needle = LiteralSearch.Needle(n)
                #expect(LiteralSearch.contains(hay, needle) == h.contains(n), "contains \(n.debugDescription) in \(h.debugDescription)")
                #expect(LiteralSearch.range(of: needle, in: hay) == h.range(of: n), "range of \(n.debugDescription) in \(h.debugDescription)")
            }
        }
        // The fast path is the one taken for plain text and keywords.
        #expect(LiteralSearch.Haystack("原料发货推迟，请确认 (ok) ①").plain)
        #expect(!LiteralSearch.Haystack("café").plain)
        #expect(!LiteralSearch.Needle("a\nb").plain)
        #expect(LiteralSearch.firstOffset(of: Array("推迟".utf8), in: "发货推迟") == 6)
    }
}
