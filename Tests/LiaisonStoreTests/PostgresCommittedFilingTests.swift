import Foundation
import LiaisonCore
@testable import LiaisonPostgres
import LiaisonStore
import Testing

/// Filing with the COMMIT sent behind the filing statement and cases opened by
/// `liaison_open_case` (migration pg8-perf): the same outcomes, numbers and rollbacks as the
/// statements one by one.
@Suite("PostgreSQL filing in one wait")
struct PostgresCommittedFilingTests {
    typealias C = StoreConformance

    @Test("number templates split into prefix, padded sequence and suffix exactly as CaseNumbering renders them")
    func numberPartsAgreeWithRender() throws {
        let templates = ["EC20261116-{seq:3}", "IN{seq}", "工单{seq:2}号", "{seq:6}", "plain", "a{seq:0}b{seq:2}", "x{seq:-2}",
                         "half{seq", "EC{seq:x}"]
        for t in templates {
            let parts = try #require(PostgresStore.numberParts(t), "\(t)")
            for seq in [1, 9, 10, 99, 100, 123_456_789] {
                let digits = String(seq)
                let composed = parts.prefix + String(repeating: "0", count: max(0, parts.width - digits.count)) + digits + parts.suffix
                #expect(composed == CaseNumbering.render(template: t, seq: seq), "\(t) \(seq)")
            }
        }
        // A width past the bound is left to the Swift path.
        #expect(PostgresStore.numberParts("EC{seq:500}") == nil)
    }

    @Test("cases opened in one call are numbered as CaseNumbering renders, past the width too, without a gap for a duplicate")
    func openedCasesNumbered() throws {
        try PGStores.withFreshStore("PostgreSQL one-wait opening") { store in
            let template = "工单{seq:2}号"
            func open(_ id: String, then: ((FiledContext) throws -> FollowUp)? = nil) throws -> FilingOutcome {
                var new = C.newCase(template)
                new.counterparty.contacts = ["liu@huadong.example", "Wang@Huadong.example"]
                let filing = Filing(message: C.message(id, body: id), decision: .open(new),
                                    checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 5))
                return try store.file(DecidedFiling(filing, then: then), now: C.day)
            }
            guard case .filed("工单01号", let first, true) = try open("<a@x>") else { Issue.record("not opened"); return }
            // The same message again: found by the function, no number taken.
            #expect(try open("<a@x>") == .duplicate(.filed(caseNumber: "工单01号", correspondenceID: first)))
            // With a follow-up (the COMMIT after it): the same function, the follow-up written.
            guard case .filed("工单02号", _, true) = try open("<b@x>", then: { context in
                FollowUp(events: [CaseEvent(caseNumber: context.filedCase.number, at: C.day, kind: .recapFiled, detail: "seen")])
            }) else { Issue.record("not opened with a follow-up"); return }
            #expect(try store.events(caseNumber: "工单02号").map(\.detail) == ["seen"])
            // Past the template's width.
            try store.pool.withSession { s in try s.execute("UPDATE case_counters SET last = 99 WHERE template = ?", [template]) }
            guard case .filed("工单100号", _, true) = try open("<c@x>") else { Issue.record("not numbered past the width"); return }
            let c = try #require(try store.caseWithNumber("工单100号"))
            #expect(c.counterparty.contacts == ["liu@huadong.example", "wang@huadong.example"])
            #expect(try store.correspondence(caseNumber: "工单100号").map(\.messageID) == ["<c@x>"])
            #expect(try store.checkpoint(mailbox: "INBOX")?.lastUID == 5)
            // A number already taken (a case opened with a given number) is skipped.
            _ = try store.openCase(C.newCase(template), number: "工单101号")
            guard case .filed("工单102号", _, true) = try open("<d@x>") else { Issue.record("a taken number was not skipped"); return }
        }
    }

    @Test("a filing on no case rolls back with its checkpoint, and the connection stays in the pool")
    func missingCaseRollsBack() throws {
        try PGStores.withFreshStore("PostgreSQL one-wait missing case") { first in
            var location = first.location
            location.maxConnections = 1
            let store = try PostgresStore(location)
            defer { store.close() }
            let pid: () throws -> Int32? = { try store.pool.withSession { try $0.value("SELECT pg_backend_pid()") } }
            let before = try pid()
            let filing = Filing(message: C.message("<lost@x>"), decision: .existing(caseNumber: "EC29990101-001", rule: .reference),
                                checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 9))
            #expect(throws: StoreError(.notFound, "no case EC29990101-001")) { try store.file(filing, now: C.day) }
            #expect(try store.checkpoint(mailbox: "INBOX") == nil)
            #expect(try store.counts() == (0, 0, 0))
            // Not a failed preparation: the same connection serves the next call.
            #expect(try pid() == before)
            _ = try store.openCase(C.newCase())
            guard case .filed("EC20261116-001", _, false) = try store.file(
                Filing(message: C.message("<lost@x>"), decision: .existing(caseNumber: "EC20261116-001", rule: .reference),
                       checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 9)), now: C.day)
            else { Issue.record("not filed"); return }
            #expect(try store.checkpoint(mailbox: "INBOX")?.lastUID == 9)
        }
    }

    @Test("the filing statement refuses to commit a lost race: LQ409, a LostRace, the transaction rolled back")
    func lostRaceRaises() throws {
        try PGStores.withFreshStore("PostgreSQL one-wait lost race") { store in
            _ = try store.openCase(C.newCase())
            let m = C.message("<race@x>")
            try store.pool.withSession { s in
                try s.execute("BEGIN")
                // A row with the message's content hash that the statement's earlier-filing check
                // is not asked about (as when another instance commits it after the check's
                // snapshot): the check is given another hash and Message-ID, the insert the real
                // hash, which the unique index then refuses (ON CONFLICT DO NOTHING: no row).
                try s.execute("""
                    INSERT INTO correspondence (case_id, message_id, content_hash, direction, kind, thread_subject, raw, filed_at)
                    SELECT id, '<other@x>', ?, 'inbound', 'correspondence', '', ''::bytea, 0 FROM cases
                    """, [m.contentHash])
                var unseen = m
                unseen.contentHash = "unseen"
                unseen.messageID = "<unseen@x>"
                var (sql, args) = PostgresStore.filingStatement(unseen, into: .number("EC20261116-001"), at: C.day)
                args[8] = m.contentHash  // the correspondence insert's hash (after the case's 1 and the check's 6, the Message-ID)
                #expect(throws: PostgresStore.LostRace.self) { try s.run(sql, args, prepared: true) }
                try s.execute("ROLLBACK")
            }
            #expect(try store.counts() == (0, 1, 0))
        }
    }

    @Test("a case just opened is not left empty: an earlier filing seen by the filing statement is a lost race")
    func openedCaseLostRaceRaises() throws {
        try PGStores.withFreshStore("PostgreSQL one-wait opened lost race") { store in
            let existing = try store.openCase(C.newCase("OLD-{seq}"))
            let m = C.message("<race@x>")
            try store.pool.withSession { s in
                try s.execute("BEGIN")
                let sent = try #require(try PostgresStore.sendOpenCase(s, C.newCase(), m))
                try s.settle()
                #expect(try sent.result?.rows.first?["opened_number"] as String? == "EC20261116-001")
                // Another instance files the same bytes after the function looked.
                try s.execute("""
                    INSERT INTO correspondence (case_id, message_id, content_hash, direction, kind, thread_subject, raw, filed_at)
                    SELECT id, '<race@x>', ?, 'inbound', 'correspondence', '', ''::bytea, 0 FROM cases WHERE number = ?
                    """, [m.contentHash, existing.number])
                let (sql, args) = PostgresStore.filingStatement(m, into: .opened, at: C.day)
                #expect(throws: PostgresStore.LostRace.self) { try s.run(sql, args, prepared: true) }
                try s.execute("ROLLBACK")
            }
            #expect(try store.counts() == (0, 1, 0))
        }
    }
}
