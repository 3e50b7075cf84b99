import Foundation
import LiaisonMail
@testable import LiaisonCore

/// The corpus organisation with a staff directory, for the recap tests.
let recapOrg = Organization(name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                            authservID: "mx.corp.example",
                            staff: ["王芳": "wang.fang@corp.example", "赵强": "zhao.qiang@corp.example",
                                    "张伟": "zhang.wei@corp.example", "Li Lei": "li.lei@corp.example", "王科": "wang.ke@corp.example"])

/// Tue 2026-11-17 15:40 +08:00, the Date of the recaps below.
let recapSent = Date(timeIntervalSince1970: 1_794_901_200)   // 2026-11-17T07:40:00Z

let recapZone = TimeZone(identifier: "Asia/Shanghai")!
let recapResolver = DeadlineResolver(organization: recapOrg)

func recapISO(_ d: Date?) -> String? { d.map { ISOTime.string($0, in: recapZone) } }

/// A mail with the given body; trusted staff sender unless `trusted` is false (then a customer).
func recapMail(_ body: String, trusted: Bool = true, spoofed: Bool = false, html: Bool = false,
               subject: String = "会议纪要:关于第二批货物质量问题的电话沟通", headers: [String] = []) -> Message {
    var h: [String] = []
    if trusted || spoofed {
        h.append("From: 张伟 <zhang.wei@corp.example>")
        if !spoofed { h.append("Authentication-Results: mx.corp.example; dmarc=pass header.from=corp.example") }
    } else {
        h.append("From: 王磊 <wang.lei@huadong-precision.example>")
    }
    h += ["To: wang.lei@huadong-precision.example", "Cc: track@corp.example",
          "Date: Tue, 17 Nov 2026 15:40:00 +0800", "Subject: \(subject)", "Message-ID: <t1@corp.example>",
          "MIME-Version: 1.0", "Content-Type: text/\(html ? "html" : "plain"); charset=utf-8",
          "Content-Transfer-Encoding: 8bit"] + headers
    let s = h.joined(separator: "\n") + "\n\n" + body + "\n"
    return MessageParser.parse(Array(s.replacingOccurrences(of: "\n", with: "\r\n").utf8))
}

func facts(_ m: Message) -> MessageFacts { MessageFacts(message: m, organization: recapOrg) }
