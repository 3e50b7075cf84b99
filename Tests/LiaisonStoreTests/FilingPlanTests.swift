import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The lookups every arriving message makes in `correspondence` stay on the indexes that bound
/// them by the message or its counterparty: without ANALYZE statistics SQLite chose indexes
/// that match everything a busy sender or a common subject ever had, and the filing of a
/// backlog slowed as the store grew (scripts/bench-backlog, 3 Dec 2026).
@Suite("Filing lookups use the message's and the counterparty's indexes")
struct FilingPlanTests {
    @Test func duplicateAndThreadLookupsAreBounded() throws {
        try withTemporarySQLiteStore("filing-plan") { store in
            let plan = store.queryPlan
            let byMessage = try plan("SELECT c.id FROM correspondence c WHERE " + SQLiteStore.filedByMessageCondition, ["<m@x>", "a@b", "s", 0])
            #expect(byMessage.contains("correspondence_message_id"), "\(byMessage)")
            #expect(!byMessage.contains("correspondence_sender"), "\(byMessage)")
            let thread = try plan(SQLiteStore.threadCasesSQL("?,?"), ["a@client.example", "b@client.example", "Order 4711", 0])
            #expect(thread.contains("case_addresses") || thread.contains("PRIMARY KEY"), "\(thread)")
            // On the covering index, by case and subject: no message row is read.
            #expect(thread.contains("COVERING INDEX correspondence_case_thread (case_id=? AND thread_subject=? AND date>?)"), "\(thread)")
            #expect(!thread.contains("correspondence_thread "), "\(thread)")
        }
    }

    @Test("the thread lookup finds the counterparty's cases with the subject since the date, newest first")
    func threadLookupAnswers() throws {
        try withTemporarySQLiteStore("filing-thread") { store in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            func file(_ id: String, subject: String, from: String, at: Date, on number: String?) throws -> String {
                let m = IncomingMessage(messageID: "<\(id)@x>", date: at, subject: subject, threadSubject: subject, sender: from,
                                        kind: .correspondence, direction: .inbound, addresses: [from], contacts: [from],
                                        raw: Array("Subject: \(subject)\r\nMessage-ID: <\(id)@x>\r\n\r\n\(id)\r\n".utf8))
                let decision: FilingDecision
                if let number {
                    decision = .existing(caseNumber: number, rule: .threadSubject)
                } else {
                    decision = .open(NewCase(numberTemplate: "EC{seq:3}", isInternal: false, counterparty: Counterparty(organization: nil, contacts: [from]),
                                             owner: "zhang.wei@corp.example", category: .complaint, openedAt: at))
                }
                guard case .filed(let n, _, _) = try store.file(Filing(message: m, decision: decision), now: at) else {
                    Issue.record("not filed"); return ""
                }
                return n
            }
            let a = try file("a1", subject: "Order 4711", from: "a@client.example", at: t0, on: nil)
            let b = try file("b1", subject: "Order 4711", from: "b@client.example", at: t0.addingTimeInterval(60), on: nil)
            _ = try file("a2", subject: "Order 4711", from: "a@client.example", at: t0.addingTimeInterval(120), on: a)
            let c = try file("c1", subject: "Other", from: "a@client.example", at: t0.addingTimeInterval(30), on: nil)
            #expect(try store.casesForThread(subject: "Order 4711", addresses: ["A@client.example"], since: t0).map(\.number) == [a])
            #expect(try store.casesForThread(subject: "Order 4711", addresses: ["a@client.example", "b@client.example"], since: t0)
                .map(\.number) == [a, b], "newest message first: a's reply at +120 s, b's at +60 s")
            #expect(try store.casesForThread(subject: "Order 4711", addresses: ["a@client.example"], since: t0.addingTimeInterval(121)).isEmpty)
            #expect(try store.casesForThread(subject: "Other", addresses: ["b@client.example"], since: t0).isEmpty)
            #expect(try store.casesForThread(subject: "Other", addresses: ["a@client.example"], since: t0).map(\.number) == [c])
        }
    }
}
