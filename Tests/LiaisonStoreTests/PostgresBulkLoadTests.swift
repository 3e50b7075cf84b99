import Foundation
import LiaisonCore
@testable import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The benchmark's bulk load (`PostgresStore.load`) against the filing path: the same messages
/// filed both ways into two fresh databases give the same rows and the same answers.
@Suite("PostgreSQL bulk load")
struct PostgresBulkLoadTests {
    static let day = Date(timeIntervalSince1970: 1_794_791_553)

    /// 60 messages on 9 cases in two batches: cases opened with one or two contacts; replies by
    /// reference adding thread addresses and contacts (some already known, some in capitals,
    /// some twice), aliases, repeated references, a message without a Message-ID.
    static func batches() -> [[Filing]] {
        var all: [Filing] = []
        for j in 0..<60 {
            let k = j % 9
            let party = "Buyer\(k)@Client\(k % 4).example"
            let subject = "询价 #\(k)"
            let opens = j < 9
            let number = CaseNumbering.render(template: "EC20261116-{seq:3}", seq: k + 1)
            let decision: FilingDecision = opens
                ? .open(NewCase(numberTemplate: "EC20261116-{seq:3}", isInternal: false,
                                counterparty: Counterparty(organization: "client\(k % 4).example",
                                                           contacts: k % 3 == 0 ? [party.lowercased(), "boss\(k)@client.example"] : [party.lowercased()]),
                                owner: "sales@corp.example", category: "request", openedAt: day))
                : .existing(caseNumber: number, rule: .reference)
            let extra = "helper\(j % 5)@client\(k % 4).example"
            let message = IncomingMessage(
                messageID: j == 17 ? nil : "<bulk.\(j)@client.example>", date: day.addingTimeInterval(Double(j)),
                subject: opens ? subject : "Re: " + subject, threadSubject: subject, sender: party, kind: .correspondence,
                direction: .inbound,
                references: opens ? [] : ["<bulk.\(k)@client.example>", "<bulk.\(k)@client.example>", "<other.\(j % 4)@x>"],
                alsoKnownAs: j % 7 == 0 ? ["<alias.\(j)@client.example>"] : [],
                addresses: [party, extra.uppercased(), party], contacts: j % 2 == 0 ? [extra, party] : [],
                raw: Array("Message-ID: <bulk.\(j)@client.example>\r\nSubject: \(subject)\r\n\r\nbody \(j)\r\n".utf8))
            all.append(Filing(message: message, decision: decision))
        }
        return [Array(all[0..<25]), Array(all[25...])]
    }

    /// Every row of the filing tables, as text, in a fixed order.
    static func rows(_ store: PostgresStore) throws -> [String: [String]] {
        try store.pool.withSession { s in
            var out: [String: [String]] = [:]
            let queries = [
                "cases": "SELECT concat_ws('|', id, number, internal, organization, owner, category, status, opened_at, resolved_at, muted_until) FROM cases ORDER BY id",
                "case_addresses": "SELECT concat_ws('|', address, case_id, role, seq) FROM case_addresses ORDER BY case_id, role, seq, address",
                "case_counters": "SELECT concat_ws('|', template, last) FROM case_counters ORDER BY template",
                "correspondence": "SELECT concat_ws('|', id, case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, sender, md5(raw), filed_at) FROM correspondence ORDER BY id",
                "message_ids": "SELECT concat_ws('|', message_id, case_id) FROM message_ids ORDER BY message_id",
                "message_references": "SELECT concat_ws('|', correspondence_id, referenced_id) FROM message_references ORDER BY correspondence_id, referenced_id",
                "message_recipients": "SELECT concat_ws('|', address, case_id, correspondence_id) FROM message_recipients ORDER BY correspondence_id, address",
                "indexes": "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
            ]
            for (name, sql) in queries { out[name] = try s.rows(sql).map { try $0[0] as String } }
            return out
        }
    }

    @Test("a bulk-loaded store holds the rows and gives the answers of one filled through the filing path")
    func bulkLoadMatchesFiling() throws {
        try PGStores.withFreshStore("PostgreSQL bulk load (filed)") { filed in
            try PGStores.withFreshStore("PostgreSQL bulk load (loaded)") { loaded in
                for batch in Self.batches() { _ = try filed.file(batch: batch, now: Self.day) }
                try loaded.withSecondaryIndexesDropped {
                    for batch in Self.batches() { try loaded.load(batch: batch, now: Self.day) }
                }
                let a = try Self.rows(filed), b = try Self.rows(loaded)
                #expect(a["correspondence"]?.count == 60)
                #expect((a["case_addresses"]?.count ?? 0) > 18)
                for table in a.keys.sorted() { #expect(a[table] == b[table], "table \(table)") }

                // The store's own reads (what `cases show` and matching read).
                let cases = try filed.cases(status: nil, owner: nil)
                #expect(cases.count == 9)
                #expect(try loaded.cases(status: nil, owner: nil) == cases)
                #expect(cases.contains { $0.counterparty.contacts.count > 2 })
                for c in cases {
                    #expect(try loaded.correspondence(caseNumber: c.number) == filed.correspondence(caseNumber: c.number))
                    #expect(try loaded.caseWithNumber(c.number) == c)
                }
                for j in [0, 5, 17, 21, 42, 59] {
                    #expect(try loaded.caseForMessageID("<bulk.\(j)@client.example>") == filed.caseForMessageID("<bulk.\(j)@client.example>"))
                }
                #expect(try loaded.caseForMessageID("<alias.14@client.example>") != nil)
                for k in 0..<9 {
                    let args = (subject: "询价 #\(k)", addresses: ["buyer\(k)@client\(k % 4).example", "HELPER1@client\(k % 4).example"])
                    let got = try loaded.casesForThread(subject: args.subject, addresses: args.addresses, since: Self.day)
                    #expect(!got.isEmpty)
                    #expect(got == (try filed.casesForThread(subject: args.subject, addresses: args.addresses, since: Self.day)))
                }

                // The filing path on the loaded store carries on where the load ended.
                let next = IncomingMessage(messageID: "<next@client.example>", date: Self.day, subject: "新询价", threadSubject: "新询价",
                                           sender: "new@fresh.example", kind: .correspondence, direction: .inbound,
                                           addresses: ["new@fresh.example"], contacts: ["new@fresh.example"], raw: Array("next".utf8))
                let open = FilingDecision.open(NewCase(numberTemplate: "EC20261116-{seq:3}", isInternal: false,
                                                       counterparty: Counterparty(organization: "fresh.example", contacts: ["new@fresh.example"]),
                                                       owner: nil, category: "request", openedAt: Self.day))
                let o1 = try filed.file(Filing(message: next, decision: open), now: Self.day)
                let o2 = try loaded.file(Filing(message: next, decision: open), now: Self.day)
                #expect(o1 == o2)
                guard case .filed(let number, _, true) = o2 else { Issue.record("\(o2)"); return }
                #expect(number == "EC20261116-010")
            }
        }
    }

    @Test("the case a filing hands its follow-up is the case as the store has it after the filing")
    func filedContextCaseIsCurrent() throws {
        try PGStores.withFreshStore("PostgreSQL filed context") { store in
            let batches = Self.batches()
            _ = try store.file(batch: batches[0], now: Self.day)
            // A reply adding two contacts (one in capitals, one twice) and one the case knows.
            let reply = IncomingMessage(messageID: "<ctx@client.example>", date: Self.day, subject: "Re: 询价 #3", threadSubject: "询价 #3",
                                        sender: "buyer3@client3.example", kind: .correspondence, direction: .inbound,
                                        references: ["<bulk.3@client.example>"], addresses: ["buyer3@client3.example"],
                                        contacts: ["NEW1@client3.example", "buyer3@client3.example", "new2@client3.example", "new1@client3.example"],
                                        raw: Array("ctx".utf8))
            let before = try #require(try store.caseWithNumber("EC20261116-004")).counterparty.contacts
            #expect(before.contains("buyer3@client3.example"))
            var seen: Case? = nil
            let outcome = try store.file(DecidedFiling(Filing(message: reply, decision: .existing(caseNumber: "EC20261116-004", rule: .reference))) {
                seen = $0.filedCase
                return FollowUp()
            }, now: Self.day)
            guard case .filed = outcome else { Issue.record("\(outcome)"); return }
            let stored = try #require(try store.caseWithNumber("EC20261116-004"))
            #expect(seen == stored)
            #expect(stored.counterparty.contacts == before + ["new1@client3.example", "new2@client3.example"])
            // A case that is not there: not found, nothing filed.
            #expect(throws: StoreError.self) {
                try store.file(Filing(message: IncomingMessage(messageID: "<none@x>", date: Self.day, subject: "x", threadSubject: "x",
                                                               sender: "a@b.example", kind: .correspondence, direction: .inbound,
                                                               raw: Array("none".utf8)),
                                      decision: .existing(caseNumber: "EC20261116-999", rule: .reference)), now: Self.day)
            }
            #expect(try store.counts().correspondence == 26)
        }
    }
}
