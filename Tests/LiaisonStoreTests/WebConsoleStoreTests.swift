import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonPostgres
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The web console's store role (`WebConsoleStore`, migrations `v8-web` / `pg4-web`) on both
/// backends: links once, bound, expiring; sessions; the log the rate limits count; who sees a
/// case; the list's filters. The PostgreSQL half needs `LIAISON_PG_URL` (scripts/pgrig), and
/// runs in the serial run with the other PostgreSQL suites.
enum WebConsoleStoreChecks {
    typealias C = StoreConformance

    static func mail(_ id: String) -> OutgoingMail {
        OutgoingMail(caseNumber: nil, messageID: "<\(id)@corp.example>", envelopeFrom: "track@corp.example", recipients: ["zhang@corp.example"],
                     raw: Array("Subject: sign in\r\n\r\nlink\r\n".utf8), purpose: .other("sign-in"))
    }

    static func run(_ s: any LiaisonStore & WebConsoleStore & StoreFixtures) throws {
        let t0 = C.day
        // Links: bound to the browser, once, until they expire; the mail queued with the link.
        try s.createSignInLink(NewSignInLink(tokenHash: "h1", address: "Zhang@corp.example", browserHash: "b1", expiresAt: t0.addingTimeInterval(900)),
                               mail: mail("l1"), now: t0)
        #expect(try s.outbox(status: .pending).map(\.mail.messageID) == ["<l1@corp.example>"])
        #expect(try s.redeemSignInLink(tokenHash: "h1", browserHash: "other", now: t0) == .otherBrowser)
        #expect(try s.redeemSignInLink(tokenHash: "nope", browserHash: "b1", now: t0) == .unknown)
        #expect(try s.redeemSignInLink(tokenHash: "h1", browserHash: "b1", now: t0.addingTimeInterval(60)) == .signedIn(address: "zhang@corp.example"))
        #expect(try s.redeemSignInLink(tokenHash: "h1", browserHash: "b1", now: t0.addingTimeInterval(61)) == .used)
        try s.createSignInLink(NewSignInLink(tokenHash: "h2", address: "zhang@corp.example", browserHash: "b1", expiresAt: t0.addingTimeInterval(900)),
                               mail: mail("l2"), now: t0)
        #expect(try s.redeemSignInLink(tokenHash: "h2", browserHash: "b1", now: t0.addingTimeInterval(900)) == .expired)
        try s.createSignInLink(NewSignInLink(tokenHash: "h3", address: "zhang@corp.example", browserHash: "unbound", expiresAt: t0.addingTimeInterval(900)),
                               mail: mail("l3"), now: t0)
        #expect(try s.redeemSignInLink(tokenHash: "h3", browserHash: "", now: t0) == .signedIn(address: "zhang@corp.example"))

        // Sessions: live until they expire or end.
        try s.createSession(tokenHash: "s1", address: "zhang@corp.example", now: t0, expiresAt: t0.addingTimeInterval(3600))
        #expect(try s.session(tokenHash: "s1", now: t0.addingTimeInterval(10))?.address == "zhang@corp.example")
        #expect(try s.session(tokenHash: "s1", now: t0.addingTimeInterval(3600)) == nil)
        try s.endSession(tokenHash: "s1", now: t0.addingTimeInterval(20))
        #expect(try s.session(tokenHash: "s1", now: t0.addingTimeInterval(30)) == nil)
        #expect(try s.session(tokenHash: "none", now: t0) == nil)

        // The log: what the limits count (not the rate-limited attempts themselves).
        for (i, outcome) in [SignInEvent.Outcome.linkSent, .refusedOutsider, .rateLimited, .signedIn].enumerated() {
            try s.recordSignIn(SignInEvent(at: t0.addingTimeInterval(Double(i)), address: "a@corp.example", client: "10.0.0.1", outcome: outcome))
        }
        #expect(try s.signInAttempts(address: "A@corp.example", client: nil, since: t0) == 2)
        #expect(try s.signInAttempts(address: nil, client: "10.0.0.1", since: t0.addingTimeInterval(1)) == 1)
        #expect(try s.signInAttempts(address: nil, client: "10.0.0.2", since: t0) == 0)

        // Who sees what: the owner, a sender of the case's mail, a case address; not another.
        let m = C.message("<c1@x>", subject: "投诉 100%_done", from: "liu@huadong.example")
        guard case .filed(let n, _, _) = try s.file(Filing(message: m, decision: .open(C.newCase(owner: "zhang@corp.example")))) else {
            Issue.record("not filed"); return
        }
        let staffReply = C.message("<c2@x>", subject: "回复", from: "wang@corp.example", addresses: [])
        _ = try s.file(Filing(message: staffReply, decision: .existing(caseNumber: n, rule: .reference)))
        #expect(try s.canSee(caseNumber: n, address: "Zhang@corp.example"))
        #expect(try s.canSee(caseNumber: n, address: "wang@corp.example"))
        #expect(try s.canSee(caseNumber: n, address: "liu@huadong.example"))
        #expect(try !s.canSee(caseNumber: n, address: "li@corp.example"))
        #expect(try !s.canSee(caseNumber: "EC19990101-001", address: "zhang@corp.example"))
        let all = WebCaseFilter()
        #expect(try s.webCases(visibleTo: "li@corp.example", filter: all, now: t0).isEmpty)
        let rows = try s.webCases(visibleTo: "zhang@corp.example", filter: all, now: t0)
        #expect(rows.map(\.number) == [n])
        #expect(rows.first?.subject == "投诉 100%_done" && rows.first?.organization == "huadong.example")
        #expect(rows.first?.contacts == ["liu@huadong.example"])
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(search: "100%_"), now: t0).map(\.number) == [n])
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(search: "1000"), now: t0).isEmpty)
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(search: "%"), now: t0).map(\.number) == [n], "% found as itself")
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(status: .resolved), now: t0).isEmpty)
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(counterparty: "HUADONG"), now: t0).map(\.number) == [n])
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(owner: "wang@corp.example"), now: t0).isEmpty)
        #expect(try s.webCases(visibleTo: nil, filter: WebCaseFilter(category: "complaint"), now: t0).map(\.number) == [n])

        // To/Cc of staff mail (outbound: its sender trusted): those staff see the case (normalised
        // like the rest); an outsider's To/Cc are not kept for that (the store refuses them even
        // when handed over); Bcc is never given to the store; someone absent sees nothing.
        var ccd = C.message("<c3@x>", subject: "回复", from: "wang@corp.example",
                            extraHeader: "To: liu@huadong.example\r\nCc: Chen <Chen@Corp.example>\r\n", addresses: [])
        ccd.direction = .outbound
        ccd.recipients = IncomingMessage.recipients(["liu@huadong.example", "Chen@Corp.example", "CHEN@corp.example", "not-an-address"])
        #expect(ccd.recipients == ["liu@huadong.example", "chen@corp.example"])
        _ = try s.file(Filing(message: ccd, decision: .existing(caseNumber: n, rule: .reference)))
        #expect(try s.canSee(caseNumber: n, address: "chen@CORP.example"))
        #expect(try s.webCases(visibleTo: "chen@corp.example", filter: all, now: t0).map(\.number) == [n])
        var outsiders = C.message("<c4@x>", subject: "回复", from: "liu@huadong.example",
                                  extraHeader: "To: zhang@corp.example\r\nCc: xu@corp.example\r\n")
        outsiders.recipients = IncomingMessage.recipients(["zhang@corp.example", "xu@corp.example"])
        _ = try s.file(Filing(message: outsiders, decision: .existing(caseNumber: n, rule: .reference)))
        #expect(try !s.canSee(caseNumber: n, address: "xu@corp.example"), "an outsider's Cc does not widen who sees the case")
        #expect(try s.webCases(visibleTo: "xu@corp.example", filter: all, now: t0).isEmpty)
        #expect(try !s.canSee(caseNumber: n, address: "zhao@corp.example"))
        #expect(try s.webCases(visibleTo: "zhao@corp.example", filter: all, now: t0).isEmpty)
        #expect(IncomingMessage.recipients((0..<500).map { "p\($0)@corp.example" }).count == IncomingMessage.maxRecipients)

        // Pages: newest first from a cursor, both ways, the same rows whichever way they are read.
        var numbers: [String] = []
        for k in 0..<7 {
            numbers.append(try s.openCase(C.newCase("EC20261120-{seq:3}", owner: "page@corp.example", at: t0.addingTimeInterval(Double(k + 1) * 60))).number)
        }
        let newest = Array(numbers.reversed())
        for who in ["page@corp.example", nil] as [String?] {
            let filter = WebCaseFilter(owner: "page@corp.example", limit: 3)
            let first = try s.webCases(visibleTo: who, filter: filter, now: t0).map(\.number)
            #expect(first == Array(newest[0..<3]), "\(who ?? "manager")")
            var older = filter
            older.cursor = .olderThan(first[2])
            let second = try s.webCases(visibleTo: who, filter: older, now: t0).map(\.number)
            #expect(second == Array(newest[3..<6]))
            older.cursor = .olderThan(second[2])
            #expect(try s.webCases(visibleTo: who, filter: older, now: t0).map(\.number) == [newest[6]])
            var newer = filter
            newer.cursor = .newerThan(second[0])
            #expect(try s.webCases(visibleTo: who, filter: newer, now: t0).map(\.number) == first)
            newer.cursor = .newerThan(first[0])
            #expect(try s.webCases(visibleTo: who, filter: newer, now: t0).isEmpty)
            newer.cursor = .olderThan("EC19990101-001")
            #expect(try s.webCases(visibleTo: who, filter: newer, now: t0).isEmpty, "an unknown cursor lists nothing")
        }
        #expect(try s.webCases(visibleTo: "zhang@corp.example", filter: WebCaseFilter(owner: "page@corp.example"), now: t0).isEmpty)
    }
}

extension WebConsoleStoreChecks {
    /// Search (subjects, organisation, number, contacts) against the answer a plain
    /// case-insensitive (ASCII) substring test gives over the same data: Chinese, English and mixed
    /// queries, `%`, `_`, `"` and MATCH words taken literally, queries under 3 characters (the
    /// LIKE alone) and longer ones (SQLite's trigram index, PostgreSQL's ILIKE). Kept in step:
    /// a message filed later, a changed subject and organisation, a removed message.
    static func search(_ s: any LiaisonStore & WebConsoleStore & StoreFixtures, change: ((_ sql: String) throws -> Void)? = nil) throws {
        let t0 = C.day
        struct Known { var number: String; var subjects: [String]; var organization: String?; var contacts: [String] }
        var known: [Known] = []
        let data: [(subjects: [String], org: String?, contacts: [String])] = [
            (["订单50000 延迟交货", "回复: 订单50000 延迟交货"], "huadong.example", ["liu@huadong.example"]),
            (["Order #50000 delayed", "RE: Order #50000 delayed"], "acme-tools.example", ["Buyer.One@acme-tools.example"]),
            (["质量问题 Quality issue 100%_done \"quoted\""], "深圳精工", ["qa_team@szjg.example"]),
            (["AND OR NEAR * ^ col:umn"], nil, []),
            (["普通来信"], "example.org", ["x%y@example.org"]),
        ]
        for (k, d) in data.enumerated() {
            let first = C.message("<s\(k)-0@x>", subject: d.subjects[0], from: d.contacts.first ?? "nobody@elsewhere.example",
                                  addresses: d.contacts)
            let new = NewCase(numberTemplate: "EC20261201-{seq:3}", isInternal: false,
                              counterparty: Counterparty(organization: d.org, contacts: d.contacts), owner: "zhang@corp.example",
                              category: .complaint, openedAt: t0.addingTimeInterval(Double(k)))
            guard case .filed(let n, _, _) = try s.file(Filing(message: first, decision: .open(new))) else { Issue.record("not filed"); return }
            for (j, subject) in d.subjects.enumerated().dropFirst() {
                _ = try s.file(Filing(message: C.message("<s\(k)-\(j)@x>", subject: subject, from: "zhang@corp.example", addresses: []),
                                      decision: .existing(caseNumber: n, rule: .reference)))
            }
            known.append(Known(number: n, subjects: d.subjects, organization: d.org, contacts: d.contacts.map { $0.lowercased() }))
        }
        func asciiLower(_ x: String) -> String {
            String(String.UnicodeScalarView(x.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
        }
        func expected(_ q: String) -> Set<String> {
            let needle = asciiLower(q)
            return Set(known.filter { k in
                (k.subjects + [k.organization].compactMap { $0 } + [k.number] + k.contacts).contains { asciiLower($0).contains(needle) }
            }.map(\.number))
        }
        let queries = ["订单", "订单5", "订单50000", "50000", "order", "ORDER #5", "delayed 延迟", "%", "%_", "100%_", "_d", "\"quoted\"", "\"",
                       "qu\"o", "huadong", "HUADONG.EX", "liu@", "EC20261201", "-00", "不存在的", "a", "ab", "Quality issue 100", "issue 1",
                       "OR", "NEAR", "*", "AND OR", "col:umn", "^", "buyer.one", "QA_TEAM", "深圳", "深圳精工", "x%y", "x_y", "\\", "延迟交货"]
        func check(_ label: String) throws {
            for q in queries {
                let got = Set(try s.webCases(visibleTo: nil, filter: WebCaseFilter(search: q, limit: 1_000), now: t0).map(\.number))
                #expect(got == expected(q), "\(label): \(q)")
                let staff = Set(try s.webCases(visibleTo: "zhang@corp.example", filter: WebCaseFilter(search: q, limit: 1_000), now: t0).map(\.number))
                #expect(staff == expected(q), "\(label), as the owner: \(q)")
                // A page smaller than the matches: the first try (a window next to the cursor) fills it.
                let newest = known.reversed().first { expected(q).contains($0.number) }?.number
                for who in [nil, "zhang@corp.example"] as [String?] {
                    let one = try s.webCases(visibleTo: who, filter: WebCaseFilter(search: q, limit: 1), now: t0).map(\.number)
                    #expect(one == (newest.map { [$0] } ?? []), "\(label), a page of one: \(q)")
                }
            }
        }
        try check("as filed")
        // Kept in step: another message on a case, then (where the test can reach the tables)
        // a changed subject and organisation and a removed message.
        _ = try s.file(Filing(message: C.message("<s-late@x>", subject: "追加 Invoice 7788", from: "zhang@corp.example", addresses: []),
                              decision: .existing(caseNumber: known[4].number, rule: .reference)))
        known[4].subjects.append("追加 Invoice 7788")
        try check("after a later message")
        if let change {
            try change("UPDATE correspondence SET subject = '改过的主题 Renamed' WHERE message_id = '<s0-1@x>'")
            known[0].subjects[1] = "改过的主题 Renamed"
            try change("UPDATE cases SET organization = 'renamed-org.example' WHERE number = '\(known[1].number)'")
            known[1].organization = "renamed-org.example"
            try change("DELETE FROM message_recipients WHERE correspondence_id IN (SELECT id FROM correspondence WHERE message_id = '<s1-1@x>')")
            try change("DELETE FROM message_references WHERE correspondence_id IN (SELECT id FROM correspondence WHERE message_id = '<s1-1@x>')")
            try change("DELETE FROM correspondence WHERE message_id = '<s1-1@x>'")
            known[1].subjects.removeLast()
            try change("UPDATE case_addresses SET address = 'renamed@acme-tools.example' WHERE address = 'buyer.one@acme-tools.example' AND role = 'contact'")
            known[1].contacts = ["renamed@acme-tools.example"]
            #expect(expected("改过的主题") == [known[0].number] && expected("renamed-org") == [known[1].number])
            try check("after changes")
        }
    }
}

@Suite("web console store")
struct WebConsoleStoreTests {
    @Test func searchOnSQLiteIsTheLikeAnswer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-search-\(UUID().uuidString).db").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try SQLiteStore(path: path)
        try WebConsoleStoreChecks.search(store) { sql in try store.pool.write { try $0.execute(sql: sql) } }
        // The index answers as the scan does (the reference), for every query of the check.
        for q in ["订单50000", "order #5", "100%_", "\"quoted\"", "AND OR", "x%y", "延迟 Order", "acme"] {
            func ids(_ dialect: WebCaseSQL.SearchDialect) throws -> [Int64] {
                let (sql, args, _) = WebCaseSQL.pageIDs(visibleTo: nil, filter: WebCaseFilter(search: q), dialect: dialect)
                return try store.pool.read { try Int64.fetchAll($0, sql: sql, arguments: StatementArguments(args.map { $0 as (any DatabaseValueConvertible)? } + [1_000])) }
            }
            #expect(try ids(.sqlite) == ids(.sqliteScan), "\(q)")
        }
    }

    @Test func onSQLite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-web-\(UUID().uuidString).db").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        try WebConsoleStoreChecks.run(try SQLiteStore(path: path))
    }
}

@Suite("web console store: recipients read back, query plans")
struct WebConsoleRecipientsTests {
    /// A store made before `v9-recipients` (migrated up to v8-web), messages filed there with
    /// To/Cc, then opened by today's code: the migration queues them, opening does not read them
    /// (it returns with the queue full: visibility falls back to what is known), the backfill
    /// does, staff mail only.
    @Test func recipientsOfEarlierMailAreReadBackFromTheStoredBytesAfterOpen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("web-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.db").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]))
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteSchema.migrator.migrate(pool, upTo: "v8-web: console sign-in links, sessions, sign-in log")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO cases (id, number, internal, organization, owner, category, status, opened_at) VALUES
                      (1, 'EC20261116-001', 0, 'huadong.example', 'zhang@corp.example', 'complaint', 'open', 0),
                      (2, 'EC20261116-002', 0, 'huadong.example', 'zhang@corp.example', 'complaint', 'open', 1);
                    INSERT INTO correspondence (id, case_id, content_hash, direction, kind, thread_subject, sender, raw, filed_at) VALUES
                      (1, 1, 'h1', 'outbound', 'correspondence', 's', 'wang@corp.example', ?, 0),
                      (2, 2, 'h2', 'outbound', 'correspondence', 's', 'wang@corp.example', ?, 0),
                      (3, 1, 'h3', 'inbound', 'correspondence', 's', 'liu@huadong.example', ?, 0);
                    UPDATE correspondence SET raw = X'', body_removed_at = 5 WHERE id = 2;
                    """, arguments: [Data("From: wang@corp.example\r\nTo: liu@huadong.example\r\nCc: a, Chen <CHEN@corp.example>\r\nBcc: zhao@corp.example\r\n\r\nbody\r\n".utf8),
                                     Data("From: wang@corp.example\r\nCc: wu@corp.example\r\n\r\nbody\r\n".utf8),
                                     Data("From: liu@huadong.example\r\nTo: zhang@corp.example\r\nCc: xu@corp.example\r\n\r\nbody\r\n".utf8)])
            }
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.recipientsBackfillPending() == 2, "opening the store leaves the queue (bodies not removed) to the daemon")
        #expect(try !store.canSee(caseNumber: "EC20261116-001", address: "chen@corp.example"), "not read yet: not known")
        #expect(try store.backfillRecipients(after: 0, limit: 1) == (read: 1, last: 1))
        #expect(try store.recipientsBackfillPending() == 1)
        #expect(try store.canSee(caseNumber: "EC20261116-001", address: "chen@corp.example"))
        #expect(try store.backfillRecipients() == 0, "the inbound message gives no rows")
        #expect(try store.backfillRecipients(after: 0, limit: 100) == (read: 0, last: nil))
        #expect(try !store.canSee(caseNumber: "EC20261116-001", address: "zhao@corp.example"), "Bcc is not a recipient")
        #expect(try !store.canSee(caseNumber: "EC20261116-001", address: "xu@corp.example"), "an outsider's Cc is not read")
        #expect(try !store.canSee(caseNumber: "EC20261116-002", address: "wu@corp.example"), "a removed body cannot be read")
        #expect(try store.recipientsBackfillPending() == 0)
        // A row an earlier version kept for an outsider's Cc gives no visibility either.
        try store.pool.write { try $0.execute(sql: "INSERT INTO message_recipients (address, case_id, correspondence_id) VALUES ('xu@corp.example', 1, 3)") }
        #expect(try !store.canSee(caseNumber: "EC20261116-001", address: "xu@corp.example"))
        #expect(try store.webCases(visibleTo: "xu@corp.example", filter: WebCaseFilter(), now: Date()).isEmpty)
        #expect(try store.webCases(visibleTo: "chen@corp.example", filter: WebCaseFilter(), now: Date()).map(\.number) == ["EC20261116-001"])
    }

    /// The list and `canSee` go by indexes: a manager's page reads `cases_opened` in order (no
    /// sort), a staff member's page starts from index searches by address (never a scan of
    /// `cases`), and `canSee` probes by the case.
    @Test func theListAndCanSeeUseTheirIndexes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("web-plan-\(UUID().uuidString).db").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try SQLiteStore(path: path)
        func plan(_ sql: String, _ args: [String]) throws -> String {
            var bound: [(any DatabaseValueConvertible)?] = args.map { $0 }
            if sql.hasSuffix("LIMIT ?") { bound.append(51) }
            return try store.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(bound)).map { $0["detail"] as String }
                    .joined(separator: "; ")
            }
        }
        for cursor in [nil, WebCaseFilter.Cursor.olderThan("EC20261116-001"), .newerThan("EC20261116-001")] {
            let manager = WebCaseSQL.pageIDs(visibleTo: nil, filter: WebCaseFilter(cursor: cursor))
            let m = try plan(manager.sql, manager.args)
            #expect(m.contains("cases_opened") && !m.contains("TEMP B-TREE"), "\(m)")
            let staff = WebCaseSQL.pageIDs(visibleTo: "zhang@corp.example", filter: WebCaseFilter(cursor: cursor))
            let p = try plan(staff.sql, staff.args)
            for index in ["x USING COVERING INDEX cases_owner", "i USING INDEX action_items_owner_address", "m USING COVERING INDEX correspondence_sender",
                          "a USING PRIMARY KEY (address=?)", "t USING PRIMARY KEY (address=?)", "tm USING INTEGER PRIMARY KEY",
                          "c USING INTEGER PRIMARY KEY"] {
                #expect(p.contains(index), "\(index): \(p)")
            }
            #expect(!p.contains("SCAN c") && !p.contains("SCAN x") && !p.contains("SCAN m") && !p.contains("SCAN t") && !p.contains("SCAN i"), "\(p)")
            // One range of case_people's key (v11-visibility) from the cursor, in the list's order
            // (no sort), each candidate probed, never a scan of cases nor a read of cases_opened.
            let windowed = WebCaseSQL.pageIDs(visibleTo: "zhang@corp.example", filter: WebCaseFilter(cursor: cursor), window: true)
            let w = try plan(windowed.sql, windowed.args)
            #expect(w.contains("SEARCH p USING PRIMARY KEY (address=?"), "\(w)")
            if cursor != nil { #expect(w.contains("SEARCH p USING PRIMARY KEY (address=? AND opened_at"), "\(w)") }
            #expect(!w.contains("cases_opened") && !w.contains("SCAN p") && !w.contains("TEMP B-TREE"), "\(w)")
            #expect(!w.contains("SCAN c") && !w.contains("SCAN m") && !w.contains("SCAN t") && !w.contains("SCAN i") && !w.contains("SCAN a"), "\(w)")
            // From the case's side an item's owner is reached through the case's recaps, never by
            // the index of everyone's items by owner.
            #expect(w.contains("r USING COVERING INDEX recaps_case") && !w.contains("action_items_owner_address"), "\(w)")
        }
        // A search of 3 characters or more starts from the trigram index (v10-search); every
        // message read after it by its case (`correspondence_case`), never a scan of the messages.
        for who in [nil, "zhang@corp.example"] as [String?] {
            let search = WebCaseSQL.pageIDs(visibleTo: who, filter: WebCaseFilter(search: "订单500"))
            let s = try plan(search.sql, search.args)
            #expect(s.contains("VIRTUAL TABLE INDEX") && s.contains("case_search"), "\(s)")
            #expect(!s.contains("SCAN m") && !s.contains("SCAN correspondence"), "\(s)")
            #expect(search.args.contains("\"订单500\""), "the query bound as one quoted phrase")
        }
        let short = WebCaseSQL.pageIDs(visibleTo: nil, filter: WebCaseFilter(search: "订单"))
        #expect(!short.sql.contains("MATCH"), "2 characters: the LIKE alone")
        let see = try plan("SELECT 1 FROM cases c WHERE c.number = ? AND \(WebCaseSQL.visible)",
                           ["EC20261116-001"] + Array(repeating: "zhang@corp.example", count: WebCaseSQL.tieCount))
        #expect(!see.contains("SCAN") && !see.contains("action_items_owner_address"), "\(see)")
    }
}

@Suite("web console store: the staff list by case_people")
struct WebConsoleCasePeopleTests {
    /// A generated store with cases tied each way (owner, an item's owner in mixed case, sender,
    /// case address, To/Cc of staff mail and of an outsider's mail), then ties removed (an owner
    /// changed, addresses and items deleted, staff mail turned inbound, cases deleted) and one
    /// person erased: every staff member's list, page by page both ways, is the list by the exact
    /// rule (`WebCaseSQL.visible` over every case), and the erased address keeps no row.
    @Test func theStaffListIsTheListByTheExactRule() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("web-people-\(UUID().uuidString).db").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try SQLiteStore(path: path)
        let staff = ["zhang@corp.example", "li@corp.example", "wu@corp.example", "chen@corp.example", "zhao@corp.example"]
        let outside = ["buyer@acme.example", "ops@globex.example"]
        var g = SplitMix(seed: 19)
        func pick<T>(_ xs: [T]) -> T { xs[Int(g.next() % UInt64(xs.count))] }
        let cases = 300
        try store.pool.write { db in
            var message: Int64 = 0
            for k in 1...cases {
                // Some cases share an opened_at: the id breaks the tie, as in the list.
                let opened = 1_700_000_000.0 + Double(k / 3) * 60
                let owner: String? = g.next() % 4 == 0 ? nil : pick(staff)
                try db.execute(sql: "INSERT INTO cases (id, number, internal, owner, category, status, opened_at) VALUES (?, ?, 0, ?, 'general', 'open', ?)",
                               arguments: [k, String(format: "EC20261116-%04d", k), owner, opened])
                for _ in 0..<Int(g.next() % 3) {
                    message += 1
                    let outbound = g.next() % 2 == 0
                    try db.execute(sql: """
                        INSERT INTO correspondence (id, case_id, content_hash, direction, kind, thread_subject, sender, raw, filed_at)
                        VALUES (?, ?, ?, ?, 'mail', 's', ?, X'', 0)
                        """, arguments: [message, k, "h\(message)", outbound ? "outbound" : "inbound", outbound ? pick(staff) : pick(outside)])
                    for r in Set([pick(staff), pick(staff)]) where g.next() % 2 == 0 {
                        try db.execute(sql: "INSERT INTO message_recipients (address, case_id, correspondence_id) VALUES (?, ?, ?)", arguments: [r, k, message])
                    }
                    if g.next() % 4 == 0 {
                        try db.execute(sql: """
                            INSERT INTO recaps (id, case_id, counterparty, state, objected_items) VALUES (?, ?, 'acme', 'pending', '[]')
                            """, arguments: [message, k])
                        let who = pick(staff)
                        try db.execute(sql: "INSERT INTO action_items (recap_id, seq, number, owner_address, task) VALUES (?, 1, 1, ?, 't')",
                                       arguments: [message, g.next() % 2 == 0 ? who.uppercased() : who])
                    }
                }
                if g.next() % 3 == 0 {
                    try db.execute(sql: "INSERT INTO case_addresses (address, case_id, role, seq) VALUES (?, ?, 'thread', 1)", arguments: [pick(staff + outside), k])
                }
            }
            // Ties removed later: the rows they left in case_people must show nothing.
            try db.execute(sql: "UPDATE cases SET owner = 'chen@corp.example' WHERE id % 7 = 0 AND owner IS NOT NULL")
            try db.execute(sql: "DELETE FROM case_addresses WHERE case_id % 5 = 0")
            try db.execute(sql: "DELETE FROM action_items WHERE recap_id % 3 = 0")
            try db.execute(sql: "UPDATE correspondence SET direction = 'inbound' WHERE id % 4 = 0")
            try db.execute(sql: "UPDATE correspondence SET sender = 'buyer@acme.example' WHERE id % 6 = 0")
            for k in stride(from: 11, through: cases, by: 37) {
                try db.execute(sql: """
                    DELETE FROM action_items WHERE recap_id IN (SELECT id FROM recaps WHERE case_id = :k);
                    DELETE FROM recaps WHERE case_id = :k;
                    DELETE FROM message_recipients WHERE case_id = :k;
                    DELETE FROM case_addresses WHERE case_id = :k;
                    DELETE FROM correspondence WHERE case_id = :k;
                    DELETE FROM cases WHERE id = :k;
                    """, arguments: ["k": k])
            }
            // A tie added after the case, on the case's side.
            try db.execute(sql: "UPDATE cases SET owner = 'li@corp.example' WHERE id % 11 = 0 AND id % 37 <> 11")
            _ = try SQLiteStore.replaceEverywhere(db, "wu@corp.example", with: "erased-0001@invalid")
        }
        let rows = try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM case_people WHERE address LIKE '%wu@corp%'") }
        #expect(rows == 0, "the erased address keeps no row")
        let orphans = try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM case_people WHERE case_id NOT IN (SELECT id FROM cases)") }
        #expect(orphans == 0, "a deleted case keeps no row")
        var seen = 0
        for who in staff + ["erased-0001@invalid", "buyer@acme.example", "nobody@corp.example"] {
            let exact = try store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT c.number FROM cases c WHERE \(WebCaseSQL.visible) ORDER BY c.opened_at DESC, c.id DESC",
                                    arguments: StatementArguments(Array(repeating: who, count: WebCaseSQL.tieCount)))
            }
            seen += exact.count
            for limit in [7, 1_000] {
                var listed: [String] = []
                var cursor: WebCaseFilter.Cursor?
                while true {
                    let page = try store.webCases(visibleTo: who, filter: WebCaseFilter(limit: limit, cursor: cursor), now: Date()).map(\.number)
                    listed += page
                    guard page.count == limit, let last = page.last else { break }
                    cursor = .olderThan(last)
                }
                #expect(listed == exact, "\(who), pages of \(limit)")
                // Backwards from the oldest: the pages before the cursor, each in the list's order.
                if exact.count > limit, let oldest = exact.last {
                    let before = try store.webCases(visibleTo: who, filter: WebCaseFilter(limit: limit, cursor: .newerThan(oldest)), now: Date()).map(\.number)
                    #expect(before == Array(exact.dropLast().suffix(limit)), "\(who) before \(oldest)")
                }
            }
        }
        #expect(seen > 100, "the generated store ties people to cases (\(seen))")
    }

    /// A small deterministic generator (the test's store is the same on every run).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

@Suite("web console store on PostgreSQL")
struct WebConsolePostgresTests {
    @Test func onPostgreSQL() throws {
        try PGStores.withFreshStore("web console store") { try WebConsoleStoreChecks.run($0) }
    }

    @Test func searchOnPostgreSQLIsTheLikeAnswer() throws {
        try PGStores.withFreshStore("web console search") { try WebConsoleStoreChecks.search($0) }
    }
}
