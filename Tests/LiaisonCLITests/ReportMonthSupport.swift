import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTestSupport

/// A generated month (November 2026, Asia/Shanghai) of cases whose figures are known by hand —
/// see the comments on each case and `ReportCommandTests.generatedMonth`.
enum ReportMonth {
    static let tz = TimeZone(identifier: "Asia/Shanghai")!

    /// `2026-11-02 09:00` in Shanghai.
    static func at(_ s: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = s.count > 16 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        return f.date(from: s)!
    }

    static let a = "a@corp.example", b = "b@corp.example"
    static let hostileSubject = "=HYPERLINK(\"http://evil.example/x\",\"点此查看\")"

    struct Msg {
        var at: String
        var out: Bool
        var subject: String? = nil
        var kind: MessageKind = .correspondence
    }

    /// Builds the month in a new database and returns its path.
    static func build() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("liaison.db").path
        let store = try TestStores.sqlite(path: path)
        var serial = 0

        func open(_ number: String, owner: String, category: CaseCategory, org: String, contact: String, at: String) throws {
            _ = try store.openCase(NewCase(numberTemplate: "EC{date}-{seq:3}", isInternal: false,
                                           counterparty: Counterparty(organization: org, contacts: [contact]),
                                           owner: owner, category: category, openedAt: Self.at(at)), number: number)
        }
        func file(_ number: String, _ m: Msg, from sender: String, subject: String) throws {
            serial += 1
            let raw = Array("From: \(sender)\r\nSubject: \(m.subject ?? subject)\r\nMessage-ID: <m\(serial)@gen.example>\r\n\r\n\(serial)\r\n".utf8)
            _ = try store.file(Filing(message: IncomingMessage(
                messageID: "<m\(serial)@gen.example>", date: Self.at(m.at), subject: m.subject ?? subject,
                threadSubject: m.subject ?? subject, sender: sender, kind: m.kind, direction: m.out ? .outbound : .inbound, raw: raw),
                decision: .existing(caseNumber: number, rule: .caseTag)))
        }
        func recap(_ number: String, author: String, at: String, next: String?, items: [(Int, String, String, String?)]) throws -> Int64 {
            serial += 1
            let raw = Array("From: \(author)\r\nSubject: [\(number)] 沟通纪要\r\nMessage-ID: <r\(serial)@corp.example>\r\n\r\n纪要\r\n".utf8)
            var recapID: Int64 = 0
            _ = try store.file(Filing(message: IncomingMessage(
                messageID: "<r\(serial)@corp.example>", date: Self.at(at), subject: "[\(number)] 沟通纪要", threadSubject: "沟通纪要",
                sender: author, kind: .recap, direction: .outbound, raw: raw),
                decision: .existing(caseNumber: number, rule: .caseTag)), now: Self.at(at)) { ctx in
                recapID = ctx.correspondenceID
                return FollowUp(recap: NewRecap(
                    messageID: "<r\(serial)@corp.example>", author: author, counterparty: [], sentAt: Self.at(at),
                    windowCloses: Self.at(at).addingTimeInterval(8 * 3600), windowNote: nil, nextContact: next.map(Self.at),
                    nextContactNote: nil,
                    items: items.map { ActionItemRecord(number: $0.0, owner: $0.1, department: nil, ownerAddress: nil, task: $0.2,
                                                        due: $0.3.map(Self.at), dueNote: nil) }))
            }
            return recapID
        }
        func state(_ id: Int64, _ s: RecapState, at: String) throws {
            try store.update(now: Self.at(at)) { _ in FollowUp(recapStates: [RecapStateChange(recapID: id, state: s)]) }
        }

        // A1: a complaint; answered in 2 h; recap 24 h after (a solution within 48 h), confirmed;
        // ① due Nov 5, ② due Nov 20; resolved Nov 10 (① done late, ② on time); a satisfaction
        // follow-up Nov 11 10:00, answered 15:00.
        try open("EC20261102-001", owner: a, category: "complaint", org: "huadong.example", contact: "liu@huadong.example", at: "2026-11-02 09:00")
        try file("EC20261102-001", Msg(at: "2026-11-02 09:00", out: false), from: "liu@huadong.example", subject: "投诉:第二批货物12台设备无法开机")
        try file("EC20261102-001", Msg(at: "2026-11-02 11:00", out: true), from: a, subject: "Re: 投诉:第二批货物12台设备无法开机")
        let r1 = try recap("EC20261102-001", author: a, at: "2026-11-03 09:00", next: "2026-11-06 10:00",
                           items: [(1, "王芳", "更换同型号设备12台", "2026-11-05 23:59:59"), (2, "李娜", "提供3个月质保服务", "2026-11-20 17:00")])
        try state(r1, .confirmed(at: at("2026-11-03 17:00")), at: "2026-11-03 17:00")
        try store.setStatus(caseNumber: "EC20261102-001", status: .resolved, at: at("2026-11-10 12:00"))
        try store.update(now: at("2026-11-10 12:00")) { _ in
            FollowUp(reminders: [NewReminder(caseNumber: "EC20261102-001", kind: .satisfaction, fireAt: at("2026-11-11 10:00"),
                                             recipients: [a], key: "satisfaction")])
        }
        _ = try store.fireDue(now: at("2026-11-11 10:00"), limit: 10, lateAfter: 3600) { _, _ in FollowUp() }
        try file("EC20261102-001", Msg(at: "2026-11-11 15:00", out: false, subject: "Re: 回访"), from: "liu@huadong.example", subject: "")

        // A2: a request answered after 26 h; a recap disputed; ① due Nov 8 (overdue), ② no due (open).
        // Its subject is an outsider's formula.
        try open("EC20261105-001", owner: a, category: "request", org: "xinda.example", contact: "chen@xinda.example", at: "2026-11-05 10:00")
        try file("EC20261105-001", Msg(at: "2026-11-05 10:00", out: false), from: "chen@xinda.example", subject: hostileSubject)
        try file("EC20261105-001", Msg(at: "2026-11-06 12:00", out: true), from: a, subject: "Re: 需求")
        let r2 = try recap("EC20261105-001", author: a, at: "2026-11-06 13:00", next: nil,
                           items: [(1, "张伟", "-5台 @仓库 +补发", "2026-11-08 18:00"), (2, "张伟", "评估开发难度", nil)])
        try state(r2, .disputed(at: at("2026-11-06 15:00"), objectedItems: [1]), at: "2026-11-06 15:00")

        // A3: a complaint never answered by mail, resolved after 72 h (no solution within 48 h).
        try open("EC20261120-001", owner: a, category: "complaint", org: "dongfang.example", contact: "zhao@dongfang.example", at: "2026-11-20 08:00")
        try file("EC20261120-001", Msg(at: "2026-11-20 08:00", out: false), from: "zhao@dongfang.example", subject: "质量问题反馈")
        try store.setStatus(caseNumber: "EC20261120-001", status: .resolved, at: at("2026-11-23 08:00"))

        // B1: delivery, answered in 30 min; a pending recap, ① due Dec 5 (open).
        try open("EC20261110-001", owner: b, category: "delivery", org: "supply.example", contact: "qian@supply.example", at: "2026-11-10 09:00")
        try file("EC20261110-001", Msg(at: "2026-11-10 09:00", out: false), from: "qian@supply.example", subject: "交期推迟")
        try file("EC20261110-001", Msg(at: "2026-11-10 09:30", out: true), from: b, subject: "Re: 交期推迟")
        _ = try recap("EC20261110-001", author: b, at: "2026-11-10 10:00", next: "2026-11-12 10:00",
                      items: [(1, "孙丽", "确认新交期, 数量 \"12台\"", "2026-12-05 17:00")])

        // B2: opened in October, still open (open > 14 days; not opened in November).
        try open("EC20261020-001", owner: b, category: "general", org: "old.example", contact: "li@old.example", at: "2026-10-20 09:00")
        try file("EC20261020-001", Msg(at: "2026-10-20 09:00", out: false), from: "li@old.example", subject: "旧事项")

        // B3: opened Nov 29 12:00, answered in 1 h (open 1.5 days at the period's end). An auto-reply
        // filed before the customer's message does not start the clock.
        try open("EC20261129-001", owner: b, category: "media", org: "news.example", contact: "reporter@news.example", at: "2026-11-29 12:00")
        try file("EC20261129-001", Msg(at: "2026-11-29 11:00", out: false, subject: "自动回复: 外出", kind: .autoReply),
                 from: "reporter@news.example", subject: "")
        try file("EC20261129-001", Msg(at: "2026-11-29 12:00", out: false), from: "reporter@news.example", subject: "采访邀请")
        try file("EC20261129-001", Msg(at: "2026-11-29 13:00", out: true), from: b, subject: "Re: 采访邀请")

        // Outside the period: resolved before it, and opened after it.
        try open("EC20261001-001", owner: a, category: "general", org: "past.example", contact: "p@past.example", at: "2026-10-01 09:00")
        try file("EC20261001-001", Msg(at: "2026-10-01 09:00", out: false), from: "p@past.example", subject: "过去")
        try store.setStatus(caseNumber: "EC20261001-001", status: .resolved, at: at("2026-10-05 09:00"))
        try open("EC20261203-001", owner: b, category: "general", org: "future.example", contact: "f@future.example", at: "2026-12-03 09:00")
        try file("EC20261203-001", Msg(at: "2026-12-03 09:00", out: false), from: "f@future.example", subject: "将来")
        return path
    }
}
