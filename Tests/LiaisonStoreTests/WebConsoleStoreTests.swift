import Foundation
import LiaisonCore
@testable import LiaisonPostgres
import LiaisonStore
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
    }
}

@Suite("web console store")
struct WebConsoleStoreTests {
    @Test func onSQLite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-web-\(UUID().uuidString).db").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        try WebConsoleStoreChecks.run(try SQLiteStore(path: path))
    }
}

@Suite("web console store on PostgreSQL")
struct WebConsolePostgresTests {
    @Test func onPostgreSQL() throws {
        try PGStores.withFreshStore("web console store") { try WebConsoleStoreChecks.run($0) }
    }
}
