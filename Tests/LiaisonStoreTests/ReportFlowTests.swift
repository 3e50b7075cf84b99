import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// `reportCases` computes each case's times (first message and its subject, first inbound, first
/// response, first outbound and its sender, last outbound) in one ordered pass over
/// `correspondence_case_flow` (issue 15: the export's rows flow from the first case). These checks
/// hold it to the correlated subqueries it replaced — kept as the reference,
/// `SQLiteStore.reportCasesBySubqueries` — on cases made for the corners: ties at one instant, undated mail, outbound mail before the
/// first inbound, auto-replies and bounces only, no mail at all, case numbers not in opening order;
/// to PostgreSQL's store on the same cases; and to a plan that neither sorts nor materialises.
@Suite("Report cases in one ordered pass")
struct ReportFlowTests {
    static let t0 = Date(timeIntervalSince1970: 1_794_790_800)  // 2026-11-16T09:00:00+08:00
    static let a = "a@corp.example", b = "b@corp.example"
    static let from = t0.addingTimeInterval(-10 * 86_400), to = t0.addingTimeInterval(10 * 86_400)

    /// The cases: `store` is any backend with the test fixtures.
    static func fill(_ s: any LiaisonStore & StoreFixtures) throws {
        var serial = 0
        func open(_ number: String, owner: String = a, at: Date = t0) throws {
            _ = try s.openCase(NewCase(numberTemplate: "R-{seq:3}", isInternal: false,
                                       counterparty: Counterparty(organization: "x.example", contacts: ["c@x.example"]),
                                       owner: owner, category: .request, openedAt: at), number: number)
        }
        func file(_ number: String, _ hours: Double?, out: Bool, kind: MessageKind = .correspondence, from sender: String,
                  subject: String) throws {
            serial += 1
            let raw = Array("From: \(sender)\r\nSubject: \(subject)\r\nMessage-ID: <f\(serial)@flow.example>\r\n\r\n\(serial)\r\n".utf8)
            _ = try s.file(Filing(message: IncomingMessage(
                messageID: "<f\(serial)@flow.example>", date: hours.map { t0.addingTimeInterval($0 * 3_600) }, subject: subject,
                threadSubject: subject, sender: sender, kind: kind, direction: out ? .outbound : .inbound, raw: raw),
                decision: .existing(caseNumber: number, rule: .caseTag)), now: t0)
        }
        // Opened in this order, so that case numbers and ids disagree.
        try open("R-010")
        try open("R-002", owner: b)
        try open("R-001")
        for n in ["R-003", "R-004", "R-005", "R-006", "R-007", "R-008", "R-009"] { try open(n, owner: n < "R-006" ? a : b) }
        try open("R-011", at: t0.addingTimeInterval(20 * 86_400))   // opened after the period
        try open("R-012", at: t0.addingTimeInterval(-20 * 86_400))  // resolved before it
        try s.setStatus(caseNumber: "R-012", status: .resolved, at: t0.addingTimeInterval(-15 * 86_400))

        // Ordinary: in, out, in, out.
        try file("R-001", 0, out: false, from: "c@x.example", subject: "询价")
        try file("R-001", 1, out: true, from: "s1@corp.example", subject: "Re: 询价")
        try file("R-001", 3, out: false, from: "c@x.example", subject: "Re: 询价 2")
        try file("R-001", 5, out: true, from: "s2@corp.example", subject: "Re: 询价 3")
        // Staff wrote first: the first message is outbound, the response is the outbound after the first inbound.
        try file("R-002", 0, out: true, from: "x@corp.example", subject: "我方来函")
        try file("R-002", 1, out: false, from: "c@x.example", subject: "Re: 我方来函")
        try file("R-002", 2, out: true, from: "y@corp.example", subject: "Re: Re: 我方来函")
        // Ties at one instant: inbound before outbound, then the index's order (sender, subject);
        // an outbound recap at the first outbound's instant loses to the correspondence (kind
        // before sender in the index).
        try file("R-003", 0, out: true, kind: .recap, from: "a0@corp.example", subject: "纪要")
        try file("R-003", 0, out: true, from: "z0@corp.example", subject: "丙")
        try file("R-003", 0, out: false, from: "b@x.example", subject: "乙")
        try file("R-003", 0, out: false, from: "a@x.example", subject: "甲")
        try file("R-003", 2, out: true, from: "z@corp.example", subject: "Re: 甲")
        // No correspondence: a bounce before an auto-reply; no first inbound, no response.
        try file("R-004", 0, out: false, kind: .autoReply, from: "c@x.example", subject: "自动回复")
        try file("R-004", -1, out: false, kind: .bounce, from: "mailer-daemon@x.example", subject: "退信")
        try file("R-004", 3, out: true, kind: .recap, from: "s1@corp.example", subject: "纪要")
        // Undated mail only.
        try file("R-005", nil, out: false, from: "c@x.example", subject: "无日期")
        try file("R-005", nil, out: true, from: "s1@corp.example", subject: "Re: 无日期")
        // R-006: no mail at all.
        // Undated mail beside dated: the undated never counts; a recap is a response.
        try file("R-007", nil, out: false, from: "c@x.example", subject: "无日期")
        try file("R-007", 4, out: false, from: "c@x.example", subject: "有日期")
        try file("R-007", 1, out: true, from: "early@corp.example", subject: "之前")
        try file("R-007", 6, out: true, kind: .recap, from: "s1@corp.example", subject: "纪要")
        try file("R-007", 9, out: true, from: "s2@corp.example", subject: "最后")
        // An auto-reply before the customer's first message does not start anything.
        try file("R-008", -2, out: false, kind: .autoReply, from: "c@x.example", subject: "自动回复")
        try file("R-008", 0, out: false, from: "c@x.example", subject: "采访")
        try file("R-008", 0.5, out: true, from: "s1@corp.example", subject: "Re: 采访")
        // Inbound only, and a recap whose items were marked done and cancelled (`liaison items`).
        try file("R-009", 0, out: false, from: "c@x.example", subject: "无人回复")
        serial += 1
        let recapRaw = Array("From: \(b)\r\nSubject: [R-009] 沟通纪要\r\nMessage-ID: <f\(serial)@flow.example>\r\n\r\n纪要\r\n".utf8)
        var recapID: Int64 = 0
        _ = try s.file(Filing(message: IncomingMessage(
            messageID: "<f\(serial)@flow.example>", date: t0.addingTimeInterval(3_600), subject: "[R-009] 沟通纪要", threadSubject: "沟通纪要",
            sender: b, kind: .recap, direction: .outbound, raw: recapRaw),
            decision: .existing(caseNumber: "R-009", rule: .caseTag)), now: t0.addingTimeInterval(3_600)) { ctx in
            recapID = ctx.correspondenceID
            return FollowUp(recap: NewRecap(
                messageID: "<f\(serial)@flow.example>", author: b, counterparty: [], sentAt: t0.addingTimeInterval(3_600),
                windowCloses: t0.addingTimeInterval(8 * 3_600), windowNote: nil, nextContact: nil, nextContactNote: nil,
                items: (1...3).map { ActionItemRecord(number: $0, owner: "王芳", department: nil, ownerAddress: nil, task: "第\($0)项",
                                                      due: t0.addingTimeInterval(Double($0) * 86_400), dueNote: nil) }))
        }
        try s.update(now: t0.addingTimeInterval(2 * 86_400)) { _ in
            FollowUp(itemStates: [
                ItemStateChange(recapID: recapID, number: 1, status: .done, due: t0.addingTimeInterval(86_400),
                                doneAt: t0.addingTimeInterval(2 * 86_400), doneBy: b),
                ItemStateChange(recapID: recapID, number: 2, status: .cancelled, due: t0.addingTimeInterval(2 * 86_400),
                                doneAt: t0.addingTimeInterval(2 * 86_400), doneBy: b),
            ])
        }
        try file("R-010", 0, out: false, from: "c@x.example", subject: "十")
        try file("R-010", 48, out: true, from: "s3@corp.example", subject: "Re: 十")
        try file("R-011", 500, out: false, from: "c@x.example", subject: "将来")
        try file("R-012", -480, out: false, from: "c@x.example", subject: "过去")
    }

    struct Times: Equatable, CustomStringConvertible {
        var number: String
        var firstAt, firstIn, firstOut, lastOut: Double?
        var subject, sender: String?
        var description: String {
            "\(number): first \(firstAt.map { String($0) } ?? "-") \(subject ?? "-"), in \(firstIn.map { String($0) } ?? "-"), "
                + "response \(firstOut.map { String($0) } ?? "-"), sender \(sender ?? "-"), last \(lastOut.map { String($0) } ?? "-")"
        }
    }

    static func times(_ cases: [ReportCase]) -> [Times] {
        cases.map { Times(number: $0.number, firstAt: $0.firstMessageAt?.timeIntervalSince1970, firstIn: $0.firstInboundAt?.timeIntervalSince1970,
                          firstOut: $0.firstResponseAt?.timeIntervalSince1970, lastOut: $0.lastOutboundAt?.timeIntervalSince1970,
                          subject: $0.firstSubject, sender: $0.firstOutboundSender) }
    }

    static func withSQLite(_ body: (SQLiteStore) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TestStores.sqlite(path: dir.appendingPathComponent("s.db").path)
        try fill(store)
        try body(store)
    }

    @Test func onePassGivesWhatTheSubqueriesGave() throws {
        try Self.withSQLite { store in
            func reference(owner: String?, details: Bool, lastOutbound: Bool) throws -> [ReportCase] {
                var cases: [ReportCase] = []
                try store.reportCasesBySubqueries(from: Self.from, to: Self.to, owner: owner, details: details, lastOutbound: lastOutbound) {
                    cases.append($0)
                }
                return cases
            }
            let before = try reference(owner: nil, details: true, lastOutbound: true)
            #expect(before.map(\.number) == (1...10).map { String(format: "R-%03d", $0) })
            let cases = try store.reportCases(from: Self.from, to: Self.to, owner: nil, details: true, lastOutbound: true)
            let got = Self.times(cases)
            #expect(got.count == before.count)
            for (g, r) in zip(got, Self.times(before)) { #expect(g == r) }
            #expect(cases == before)
            for owner in [nil, Self.a, "B@corp.example"] {
                for (details, last) in [(false, false), (true, false), (false, true)] {
                    #expect(try store.reportCases(from: Self.from, to: Self.to, owner: owner, details: details, lastOutbound: last)
                            == (try reference(owner: owner, details: details, lastOutbound: last)), "\(owner ?? "-") \(details) \(last)")
                }
            }
            // The corners say what they were made to say (so that the reference is no tautology).
            let by = Dictionary(uniqueKeysWithValues: got.map { ($0.number, $0) })
            let h = { (x: Double) in Self.t0.timeIntervalSince1970 + x * 3_600 }
            #expect(by["R-002"] == Times(number: "R-002", firstAt: h(0), firstIn: h(1), firstOut: h(2), lastOut: h(2),
                                         subject: "我方来函", sender: "x@corp.example"))
            #expect(by["R-003"] == Times(number: "R-003", firstAt: h(0), firstIn: h(0), firstOut: h(0), lastOut: h(2),
                                         subject: "甲", sender: "z0@corp.example"))
            #expect(by["R-004"] == Times(number: "R-004", firstAt: h(-1), firstIn: nil, firstOut: nil, lastOut: h(3),
                                         subject: "退信", sender: "s1@corp.example"))
            #expect(by["R-005"] == Times(number: "R-005"))
            #expect(by["R-006"] == Times(number: "R-006"))
            #expect(by["R-007"] == Times(number: "R-007", firstAt: h(1), firstIn: h(4), firstOut: h(6), lastOut: h(9),
                                         subject: "之前", sender: "early@corp.example"))

            // Items marked done or cancelled are read with their state; an open one without.
            let items = try #require(cases.first { $0.number == "R-009" }?.recaps.first?.items)
            #expect(items.map(\.recorded) == [.done(at: Self.t0.addingTimeInterval(2 * 86_400)),
                                                .cancelled(at: Self.t0.addingTimeInterval(2 * 86_400)), nil])
            let open = try #require(cases.first { $0.number == "R-009" })
            #expect(ItemProgress.of(items[0], in: open, asOf: Self.to).progress == .doneLate)
            #expect(ItemProgress.of(items[1], in: open, asOf: Self.to).progress == .cancelled)

            // By owner, and without the details: the same times, the details left out.
            let ofB = try store.reportCases(from: Self.from, to: Self.to, owner: "B@corp.example", details: false, lastOutbound: false)
            #expect(ofB.map(\.number) == cases.filter { $0.owner == Self.b }.map(\.number))
            #expect(!ofB.isEmpty)
            for c in ofB {
                let r = try #require(by[c.number])
                #expect(c.firstSubject == nil && c.firstOutboundSender == nil && c.lastOutboundAt == nil)
                #expect(c.firstMessageAt?.timeIntervalSince1970 == r.firstAt && c.firstInboundAt?.timeIntervalSince1970 == r.firstIn
                        && c.firstResponseAt?.timeIntervalSince1970 == r.firstOut, "\(c.number)")
            }
            // The streamed cases are the returned ones.
            var each: [ReportCase] = []
            try store.reportCases(from: Self.from, to: Self.to, owner: nil, details: true, lastOutbound: true) { each.append($0) }
            #expect(each == cases)
        }
    }

    @Test func planReadsTheFlowIndexInOrderWithoutSortingOrMaterialising() throws {
        try Self.withSQLite { store in
            for owner in [false, true] {
                let sql = SQLiteStore.reportFlowSQL + (owner ? " AND cases.owner = ?" : "") + SQLiteStore.reportFlowOrder
                let args: StatementArguments = owner ? [Self.to.timeIntervalSince1970, Self.from.timeIntervalSince1970, Self.a]
                    : [Self.to.timeIntervalSince1970, Self.from.timeIntervalSince1970]
                let plan = try store.pool.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: args).map { $0["detail"] as String }.joined(separator: "; ")
                }
                #expect(plan.contains("sqlite_autoindex_cases_1"), "\(plan)")
                #expect(plan.contains("COVERING INDEX correspondence_case_flow"), "\(plan)")
                #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
                #expect(!plan.contains("MATERIALIZE"), "\(plan)")
            }
        }
    }

    @Test func postgresGivesTheSameCases() throws {
        try PGStores.withFreshStore("report cases in one pass vs PostgreSQL") { pg in
            try Self.fill(pg)
            try Self.withSQLite { sqlite in
                for (details, last) in [(true, true), (false, false)] {
                    let p = try pg.reportCases(from: Self.from, to: Self.to, owner: nil, details: details, lastOutbound: last)
                    let s = try sqlite.reportCases(from: Self.from, to: Self.to, owner: nil, details: details, lastOutbound: last)
                    #expect(p.map(\.number) == s.map(\.number))
                    for (x, y) in zip(Self.times(p), Self.times(s)) { #expect(x == y) }
                    #expect(p == s)
                }
            }
        }
    }
}
