import Foundation
import LiaisonCore
@testable import LiaisonPostgres
import LiaisonStore
import Testing

/// A reply filed in two statements (`PostgresFilingView`, `PostgresStore.fileAlone`): the
/// lookups by Message-ID or number outside a transaction block, then the filing alone, which
/// reads them again inside its own transaction — the same outcomes as the transaction, and a
/// filing decided again when a lookup no longer answers the same.
@Suite("PostgreSQL read-ahead filing")
struct PostgresReadAheadFilingTests {
    typealias C = StoreConformance

    /// A plan that asks the view for the case of each of `refs` in order, as `CaseMatcher`
    /// does, files on the first found (else opens a case), and may act between its lookups and
    /// its decision (`between`, with the attempt's number). Without follow-ups.
    final class RefPlan: FilingPlan {
        let message: IncomingMessage
        let refs: [String]
        var thenThread = false
        var holdUnfound = false
        var between: (Int) throws -> Void = { _ in }
        private(set) var attempts = 0
        init(_ message: IncomingMessage, refs: [String]) {
            self.message = message
            self.refs = refs
        }
        func filing(_ view: any FilingView) throws -> Filing {
            attempts += 1
            var found: Case? = nil
            for r in refs where found == nil { found = try view.caseForMessageID(r) }
            if found == nil, thenThread {
                found = try view.casesForThread(subject: message.threadSubject, addresses: message.addresses,
                                                since: C.day.addingTimeInterval(-86_400)).first
            }
            try between(attempts)
            let decision: FilingDecision = found.map { .existing(caseNumber: $0.number, rule: .reference) }
                ?? (holdUnfound ? .hold(.noThread, detail: nil) : .open(C.newCase()))
            return Filing(message: message, decision: decision, checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 7))
        }
        /// With follow-ups (as the daemon's `MessageFiling`): an event on the filed case (or on
        /// `followCase`, which may name no case: the follow-up then fails).
        var follow = false
        var followCase: String? = nil
        func followUp(_ context: FiledContext) throws -> FollowUp {
            guard follow else { return FollowUp() }
            return FollowUp(events: [CaseEvent(caseNumber: followCase ?? context.filedCase.number, at: C.day, kind: .recapFiled,
                                               detail: "followed \(message.messageID ?? "")")])
        }
        func summary(_ context: HeldContext) throws -> FollowUp { FollowUp() }
        var followsUp: Bool { follow }
    }

    /// Files `id` on a new case opened with `template`; its case's number.
    /// A message of the thread `subject` from `from` alone (what the thread search is asked).
    static func threadMessage(_ id: String, _ subject: String = "新事项", from: String = "new@fresh.example", body: String) -> IncomingMessage {
        C.message(id, subject: subject, from: from, body: body, addresses: [from])
    }

    /// Another instance files `message` on `number` by the thread rule: what a race does between
    /// a plan's reads and its filing.
    static func fileMeanwhile(_ store: PostgresStore, _ message: IncomingMessage, on number: String) throws {
        _ = try store.file(Filing(message: message, decision: .existing(caseNumber: number, rule: .threadSubject)), now: C.day)
    }

    static func seed(_ store: PostgresStore, _ id: String, _ template: String) throws -> String {
        guard case .filed(let number, _, true) = try store.file(
            Filing(message: C.message(id, body: id), decision: .open(C.newCase(template))), now: C.day)
        else { throw StoreError(.invalid, "not seeded") }
        return number
    }

    @Test("a reply found by its In-Reply-To is filed without a transaction block, checkpoint moved, duplicate recognised")
    func replyFiled() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead reply") { store in
            let number = try Self.seed(store, "<first@x>", "EC20261116-{seq:3}")
            let plan = RefPlan(C.message("<reply@x>", body: "reply", refs: ["<first@x>"]), refs: ["<unknown@x>", "<first@x>"])
            guard case .filed(number, let id, false) = try store.file(plan, now: C.day) else { Issue.record("not filed"); return }
            #expect(plan.attempts == 1)
            #expect(try store.correspondence(caseNumber: number).map(\.messageID) == ["<first@x>", "<reply@x>"])
            #expect(try store.checkpoint(mailbox: "INBOX")?.lastUID == 7)
            #expect(try store.caseForMessageID("<reply@x>")?.number == number)
            // The same bytes again: the earlier filing, nothing written.
            #expect(try store.file(plan, now: C.day) == .duplicate(.filed(caseNumber: number, correspondenceID: id)))
            #expect(try store.counts() == (2, 1, 0))
        }
    }

    @Test("the filing alone refuses when a read answers otherwise inside it: LQ409, nothing written, checkpoint unmoved")
    func changedReadRefused() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead refused") { store in
            let number = try Self.seed(store, "<first@x>", "EC20261116-{seq:3}")
            let caseID: Int64 = try #require(try store.pool.withSession { try $0.value("SELECT id FROM cases WHERE number = ?", [number]) })
            let filing = Filing(message: C.message("<reply@x>", body: "reply"), decision: .existing(caseNumber: number, rule: .reference),
                                checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 7))
            typealias Read = PostgresFilingView.Read
            let wrong: [[Read]] = [
                [Read(kind: "m", key: "<first@x>", caseID: caseID + 1)],   // another case
                [Read(kind: "m", key: "<first@x>", caseID: 0)],            // none
                [Read(kind: "m", key: "<nobody@x>", caseID: caseID)],      // a case where there is none
                [Read(kind: "n", key: number, caseID: 0)],
                [Read(kind: "n", key: number, caseID: caseID), Read(kind: "m", key: "<first@x>", caseID: 0)],
            ]
            for reads in wrong {
                try store.pool.withSession { s in
                    #expect(throws: PostgresStore.LostRace.self) {
                        _ = try PostgresStore.fileAlone(s, filing, verifying: .init(keys: reads), now: C.day)
                    }
                }
            }
            #expect(try store.counts() == (1, 1, 0))
            #expect(try store.checkpoint(mailbox: "INBOX") == nil)
            let right = [Read(kind: "n", key: number, caseID: caseID), Read(kind: "m", key: "<first@x>", caseID: caseID),
                         Read(kind: "m", key: "<nobody@x>", caseID: 0)]
            // The thread search read again: another answer refused, the same accepted.
            let since = C.day.addingTimeInterval(-86_400)
            let thread = PostgresFilingView.ThreadRead(subject: ThreadSubject.of("投诉:设备无法开机"), since: since.timeIntervalSince1970,
                                                       addresses: ["liu@huadong.example"], caseIDs: [caseID])
            #expect(try store.casesForThread(subject: thread.subject, addresses: thread.addresses, since: since).map(\.number) == [number])
            for ids in [[Int64](), [caseID + 1], [caseID, caseID + 1]] {
                var other = thread
                other.caseIDs = ids
                try store.pool.withSession { s in
                    #expect(throws: PostgresStore.LostRace.self) {
                        _ = try PostgresStore.fileAlone(s, filing, verifying: .init(keys: right, thread: other), now: C.day)
                    }
                }
            }
            #expect(try store.counts() == (1, 1, 0))
            let outcome = try store.pool.withSession { s in
                try PostgresStore.fileAlone(s, filing, verifying: .init(keys: right, thread: thread), now: C.day)
            }
            guard case .filed(number, _, false) = outcome else { Issue.record("not filed: \(String(describing: outcome))"); return }
            #expect(try store.checkpoint(mailbox: "INBOX")?.lastUID == 7)
            // Not a filing on a known case: nothing sent.
            let opening = Filing(message: C.message("<new@x>"), decision: .open(C.newCase()))
            #expect(try store.pool.withSession { s in try PostgresStore.fileAlone(s, opening, verifying: .init(), now: C.day) } == nil)
        }
    }

    /// Two cases, `later` holding <b@x> and `other`; a reply that names <a@x> (no case yet) then
    /// <b@x>; before it files, another instance files <a@x> on `other`. The plan is decided again
    /// and filed on `other` (at its first attempt it would have chosen `later`). Returns both numbers.
    static func raceOnAMessageID(_ store: PostgresStore, follow: Bool) throws -> (later: String, other: String)? {
        let later = try seed(store, "<b@x>", "EC20261116-{seq:3}")
        let other = try seed(store, "<seed@x>", "OT-{seq:2}")
        let plan = RefPlan(C.message("<reply@x>", body: "reply", refs: ["<a@x>", "<b@x>"]), refs: ["<a@x>", "<b@x>"])
        plan.follow = follow
        plan.between = { attempt in
            if attempt == 1 {
                _ = try store.file(Filing(message: C.message("<a@x>", body: "a"), decision: .existing(caseNumber: other, rule: .reference)),
                                   now: C.day)
            }
        }
        guard case .filed(other, _, false) = try store.file(plan, now: C.day) else { Issue.record("not filed on the other case"); return nil }
        #expect(plan.attempts == 2)
        #expect(try store.correspondence(caseNumber: later).map(\.messageID) == ["<b@x>"])
        #expect(try store.correspondence(caseNumber: other).map(\.messageID) == ["<seed@x>", "<a@x>", "<reply@x>"])
        #expect(try store.checkpoint(mailbox: "INBOX")?.lastUID == 7)
        return (later, other)
    }

    @Test("a Message-ID filed on another case between the lookups and the filing: decided again, filed where the matcher now says")
    func raceDecidedAgain() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead race") { store in
            _ = try Self.raceOnAMessageID(store, follow: false)
        }
    }

    @Test("lookups by Message-ID and thread outside the transaction: a reply filed alone, a case opened, a hold decided again inside one")
    func threadAndOpening() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead thread") { store in
            let number = try Self.seed(store, "<first@x>", "EC20261116-{seq:3}")
            // A Message-ID that has no case, then the thread search: both read again by the filing.
            let m = C.message("<reply@x>", body: "reply", refs: ["<nobody@x>"])
            let plan = RefPlan(m, refs: ["<nobody@x>"])
            plan.thenThread = true
            guard case .filed(number, _, false) = try store.file(plan, now: C.day) else { Issue.record("not filed by thread"); return }
            #expect(plan.attempts == 1)
            #expect(try store.correspondence(caseNumber: number).map(\.messageID) == ["<first@x>", "<reply@x>"])
            // Nothing found at all: a case opened, its filing reading both again.
            let fresh = RefPlan(Self.threadMessage("<fresh@x>", body: "fresh"), refs: ["<nobody@x>"])
            fresh.thenThread = true
            guard case .filed(let opened, _, true) = try store.file(fresh, now: C.day) else { Issue.record("not opened"); return }
            #expect(fresh.attempts == 1)
            #expect(opened == "EC20261116-002")
            #expect(try store.checkpoint(mailbox: "INBOX")?.lastUID == 7)
            // Another filing on the case found between the search and the filing: the search
            // answers the same cases in the same order, so the filing stands.
            let late = RefPlan(Self.threadMessage("<late@x>", body: "late"), refs: [])
            late.thenThread = true
            late.between = { attempt in
                if attempt == 1 {
                    try Self.fileMeanwhile(store, Self.threadMessage("<other@x>", body: "other"), on: opened)
                }
            }
            guard case .filed(opened, _, false) = try store.file(late, now: C.day) else { Issue.record("not filed on the opened case"); return }
            #expect(late.attempts == 1)
            // A hold decided after reads outside the transaction: decided again inside one, held once.
            let held = RefPlan(C.message("<held@x>", subject: "别的", from: "x@else.example", body: "held", addresses: ["x@else.example"]),
                               refs: ["<nobody@x>"])
            held.thenThread = true
            held.holdUnfound = true
            guard case .held(_, .noThread) = try store.file(held, now: C.day) else { Issue.record("not held"); return }
            #expect(held.attempts == 2)
            #expect(try store.counts() == (5, 2, 1))
        }
    }

    @Test("a thread search that answers otherwise when the new case's filing reads it again: rolled back, no number taken, filed where it now matches")
    func openingRaceDecidedAgain() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead opening race") { store in
            let existing = try Self.seed(store, "<seed@x>", "OT-{seq:2}")
            // The plan's thread search (subject 新事项, new@fresh.example) finds nothing; before it
            // decides, another instance files a message of that thread and address on `existing`.
            let plan = RefPlan(Self.threadMessage("<new@x>", body: "new"), refs: [])
            plan.thenThread = true
            plan.between = { attempt in
                if attempt == 1 {
                    try Self.fileMeanwhile(store, Self.threadMessage("<meanwhile@x>", body: "meanwhile"), on: existing)
                }
            }
            guard case .filed(existing, _, false) = try store.file(plan, now: C.day) else { Issue.record("not filed on the existing case"); return }
            #expect(plan.attempts == 2)
            #expect(try store.counts() == (3, 1, 0))
            // The opening rolled back with its counter: the next case takes the first number.
            guard case .filed("EC20261116-001", _, true) = try store.file(
                Filing(message: C.message("<next@x>", body: "next"), decision: .open(C.newCase())), now: C.day)
            else { Issue.record("a number was taken by the rolled-back opening"); return }
        }
    }

    @Test("the thread search of pg9-latency answers as pg8-perf's query in each of its branches (address first, subject first, both common, none)")
    func threadSearchBranches() throws {
        try PGStores.withFreshStore("PostgreSQL thread search branches") { store in
            try store.pool.withSession { s in
                // 70 cases; "common@x" a thread address of all, "rare@x" of cases 1 and 2 (and a
                // contact, not a thread address, of case 3). Subject S: one message on each case
                // (dated by case), T: cases 1, 2 and 40 only.
                try s.execute("""
                    INSERT INTO cases (number, internal, category, status, opened_at)
                    SELECT 'B-' || g, false, 'request', 'open', 0 FROM generate_series(1, 70) g
                    """)
                try s.execute("""
                    INSERT INTO case_addresses (address, case_id, role, seq)
                    SELECT 'common@x', id, 'thread', 1 FROM cases
                    UNION ALL SELECT 'rare@x', id, 'thread', 2 FROM cases WHERE number IN ('B-1', 'B-2')
                    UNION ALL SELECT 'rare@x', id, 'contact', 1 FROM cases WHERE number = 'B-3'
                    """)
                try s.execute("""
                    INSERT INTO correspondence (case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, raw, filed_at)
                    SELECT id, '<s' || id || '@x>', 's' || id, 'inbound', 'correspondence', 1000 + id, 'S', 'S', ''::bytea, 0 FROM cases
                    UNION ALL
                    SELECT id, '<t' || id || '@x>', 't' || id, 'inbound', 'correspondence', 2000 + id, 'T', 'T', ''::bytea, 0 FROM cases
                    WHERE number IN ('B-1', 'B-2', 'B-40')
                    """)
                try s.execute("ANALYZE cases, case_addresses, correspondence")
                let pg8 = """
                    SELECT c.case_id, MAX(c.date) FROM correspondence c
                    WHERE c.thread_subject = ?::text AND c.date >= ?::double precision
                      AND EXISTS (SELECT 1 FROM case_addresses a
                                  WHERE a.case_id = c.case_id AND a.role = 'thread' AND a.address = ANY(?::text[]))
                    GROUP BY c.case_id ORDER BY 2 DESC, 1
                    """
                let now = "SELECT matched_case, last_date FROM liaison_thread_cases(?::text, ?::double precision, ?::text[]) ORDER BY 2 DESC, 1"
                var nonEmpty = 0
                for subject in ["S", "T", "U"] {
                    for addresses in [["rare@x"], ["common@x"], ["rare@x", "common@x"], ["nobody@x"], ["nobody@x", "rare@x"], ["rare@x", "rare@x"]] {
                        for since in [0.0, 1035.0, 5000.0] {
                            let args: [PGArg] = [subject, since, addresses]
                            let expected = try s.rows(pg8, args).map { [try $0[0] as Int64, Int64(try $0[1] as Double)] }
                            let got = try s.rows(now, args).map { [try $0[0] as Int64, Int64(try $0[1] as Double)] }
                            #expect(got == expected, "\(subject) \(addresses) \(since)")
                            if !expected.isEmpty { nonEmpty += 1 }
                        }
                    }
                }
                // The branches were taken with answers: rare (address first), common with T
                // (subject first), common with S (both full), each with two dates.
                #expect(nonEmpty == 17)
            }
        }
    }

    @Test("a plan with follow-ups reads ahead too: a Message-ID filed elsewhere meanwhile is decided again, its follow-up written once, where it was filed")
    func followUpRaceDecidedAgain() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead follow-up race") { store in
            // Inside a transaction from the start the plan would have filed on `later` at its
            // first attempt (READ COMMITTED).
            guard let (later, other) = try Self.raceOnAMessageID(store, follow: true) else { return }
            #expect(try store.events(caseNumber: later).filter { $0.detail == "followed <reply@x>" }.isEmpty)
            #expect(try store.events(caseNumber: other).filter { $0.detail == "followed <reply@x>" }.count == 1)
            // Unchanged reads: filed at the first attempt with its follow-up; the same bytes
            // again a duplicate, no second follow-up.
            let reply = RefPlan(C.message("<reply2@x>", body: "reply2", refs: ["<b@x>"]), refs: ["<nobody@x>", "<b@x>"])
            reply.follow = true
            guard case .filed(later, let id, false) = try store.file(reply, now: C.day) else { Issue.record("reply not filed"); return }
            #expect(reply.attempts == 1)
            #expect(try store.file(reply, now: C.day) == .duplicate(.filed(caseNumber: later, correspondenceID: id)))
            #expect(try store.events(caseNumber: later).filter { $0.detail == "followed <reply2@x>" }.count == 1)
        }
    }

    @Test("a plan with follow-ups: a case opened after the thread search with its follow-up, a changed search decided again, a failing follow-up rolls the filing back, a hold decided inside a transaction")
    func followUpOpeningAndAtomicity() throws {
        try PGStores.withFreshStore("PostgreSQL read-ahead follow-up opening") { store in
            let existing = try Self.seed(store, "<seed@x>", "OT-{seq:2}")
            // Nothing found: a case opened, its filing reading the lookups again, the follow-up on it.
            let fresh = RefPlan(Self.threadMessage("<fresh@x>", body: "fresh"), refs: ["<nobody@x>"])
            fresh.thenThread = true
            fresh.follow = true
            guard case .filed(let opened, _, true) = try store.file(fresh, now: C.day) else { Issue.record("not opened"); return }
            #expect(fresh.attempts == 1)
            #expect(try store.events(caseNumber: opened).filter { $0.detail == "followed <fresh@x>" }.count == 1)
            // The thread search answers otherwise by the time of the filing (a message of the
            // thread filed on `existing` meanwhile): decided again, filed on... the cases the
            // search now finds, the first of them by date.
            let plan = RefPlan(Self.threadMessage("<new@x>", "另一事项", from: "other@fresh.example", body: "new"), refs: [])
            plan.thenThread = true
            plan.follow = true
            plan.between = { attempt in
                if attempt == 1 {
                    try Self.fileMeanwhile(store, Self.threadMessage("<meanwhile@x>", "另一事项", from: "other@fresh.example", body: "meanwhile"), on: existing)
                }
            }
            guard case .filed(existing, _, false) = try store.file(plan, now: C.day) else { Issue.record("not filed on the existing case"); return }
            #expect(plan.attempts == 2)
            #expect(try store.events(caseNumber: existing).filter { $0.detail == "followed <new@x>" }.count == 1)
            #expect(try store.counts() == (4, 2, 0))
            // A follow-up that fails (an event on no case): the filing rolled back with it,
            // checkpoint unmoved, nothing filed.
            try store.pool.withSession { try $0.execute("DELETE FROM checkpoints") }
            let failing = RefPlan(C.message("<fails@x>", body: "fails", refs: ["<seed@x>"]), refs: ["<seed@x>"])
            failing.follow = true
            failing.followCase = "NO-SUCH-CASE"
            #expect(throws: StoreError.self) { _ = try store.file(failing, now: C.day) }
            #expect(try store.counts() == (4, 2, 0))
            #expect(try store.caseForMessageID("<fails@x>") == nil)
            #expect(try store.checkpoint(mailbox: "INBOX") == nil)
            // A hold after reads outside the transaction: decided again inside one, held once.
            let held = RefPlan(C.message("<held@x>", subject: "别的", from: "x@else.example", body: "held", addresses: ["x@else.example"]),
                               refs: ["<nobody@x>"])
            held.thenThread = true
            held.holdUnfound = true
            held.follow = true
            guard case .held(_, .noThread) = try store.file(held, now: C.day) else { Issue.record("not held"); return }
            #expect(held.attempts == 2)
            #expect(try store.counts() == (4, 2, 1))
        }
    }
}
