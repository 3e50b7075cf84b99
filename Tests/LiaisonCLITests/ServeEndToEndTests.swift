import Foundation
import LiaisonMail
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `liaison serve` end to end on the mail rig (issue 7, "What must hold"): the built binary runs
/// as a child process against the rig's Dovecot and Postfix, on its own SQLite database, and
/// everything is judged from outside — the CLI's JSON (`cases`, `reminders`), the serve log, and
/// the staff mailboxes read back with `liaison fetch`. Each test reads its own folder of the
/// tracking mailbox; in the staff mailboxes only mail above the UIDNEXT seen at the test's start
/// counts. Every wait polls a condition (~200 ms) up to a generous bound: no fixed sleeps.
@Suite("liaison serve end to end (binary, mail rig)", .serialized)
struct ServeEndToEndTests {
    typealias CLI = InspectCommandTests
    static var enabled: Bool { ServeCommandTests.rigAvailable || ServeCommandTests.rigRequired }

    static let caseNumber = "EC20261116-001"
    static let ids = IngestCorpusTests.ids

    // MARK: - the scenario

    @Test("the corpus scenario: one case, the recap disputed, the notice and the 17:00 digest in the owner's mailbox; SIGTERM exits 0",
          .enabled(if: enabled))
    func scenario() throws {
        try ServeCommandTests.requireRig()
        let corpus = ServeCommandTests.corpus(["01-", "02-", "03-", "04-"])
        try #require(corpus.count == 4, "corpus not found at \(CorpusLocation.directory.path)")
        let ws = try E2E.Workspace("e2e-scenario")
        let folder = "E2E\(UUID().uuidString.prefix(8))"
        let staff = [("张伟", "zhang.wei@corp.example"), ("王芳", "wang.fang@corp.example"), ("赵强", "zhao.qiang@corp.example")]
        let config = try ws.writeConfig("liaison.toml", folder: folder, staff: staff)
        let zhangWei = try ws.writeConfig("zhang-wei.toml", user: "zhang.wei@corp.example", staff: staff)
        let firstUID = try E2E.uidNext(config: zhangWei)

        // The complaint (16 Nov 09:12) and the reply (10:05) are in the mailbox before serve
        // starts, as in scripts/demo. Under the fake clock (17 Nov 16:59:40) the complaint's 24 h
        // response reminder (17 Nov 09:12) is already overdue: were the complaint filed in a pass
        // of its own, that reminder would fire before the reply is filed — in real time the reply
        // came 53 minutes after the complaint. Both in the mailbox at start: the first pass files
        // them in UID order, and the reply cancels the reminder.
        try E2E.deliver("track+\(folder)@corp.example", Array(corpus[0...1]))
        let serve = try E2E.Serve(config: config, now: "2026-11-17T16:59:40+08:00", logPath: ws.path("serve.log"))
        defer { serve.ensureStopped() }
        try serve.waitReady()

        func filed() throws -> [String] {
            guard try E2E.cases(config: config).contains(where: { $0["number"] as? String == Self.caseNumber }) else { return [] }
            return (try E2E.caseShown(Self.caseNumber, config: config)["correspondence"] as? [[String: Any]] ?? [])
                .compactMap { $0["messageID"] as? String }
        }
        try E2E.waitUntil("filing of 01 and 02", timeout: 60, detail: { serve.logTail }) { try filed().count >= 2 }
        try E2E.deliver("track+\(folder)@corp.example", [corpus[2]])
        try E2E.waitUntil("filing of 03", timeout: 60, detail: { serve.logTail }) { try filed().count >= 3 }
        try E2E.deliver("track+\(folder)@corp.example", [corpus[3]])
        try E2E.waitUntil("filing of 04", timeout: 60, detail: { serve.logTail }) { try filed().count >= 4 }

        // One case with the four messages, in date order.
        let cases = try E2E.cases(config: config)
        #expect(cases.compactMap { $0["number"] as? String } == [Self.caseNumber])
        let shown = try E2E.caseShown(Self.caseNumber, config: config)
        #expect(try filed() == ["01", "02", "03", "04"].map { Self.ids[$0]! })
        #expect(shown["owner"] as? String == "zhang.wei@corp.example")
        #expect(shown["category"] as? String == "complaint")
        #expect(shown["status"] as? String == "open")

        // The recap (03) disputed by the objection (04) to item 3.
        let recaps = try #require(shown["recaps"] as? [[String: Any]])
        #expect(recaps.count == 1)
        #expect(recaps.first?["messageID"] as? String == Self.ids["03"]!)
        #expect(recaps.first?["state"] as? String == "disputed")
        #expect(recaps.first?["objectedItems"] as? [Int] == [3])
        #expect(recaps.first?["windowCloses"] as? String == "2026-11-17T23:59:59+08:00")
        let events = (shown["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(events == ["reminder-cancelled", "recap-filed", "recap-disputed"], "\(events)")

        // The reminders: the 24 h response cancelled by the reply; the rest pending, in firing order.
        let reminders = try #require(shown["reminders"] as? [[String: Any]])
        func row(_ r: [String: Any]) -> String {
            "\(r["kind"] as? String ?? "?") \(r["fireAt"] as? String ?? "?") \((r["recipients"] as? [String] ?? []).joined(separator: ","))"
        }
        let cancelled = reminders.filter { $0["status"] as? String == "cancelled" }.map(row)
        #expect(cancelled == ["complaint-response 2026-11-17T09:12:33+08:00 zhang.wei@corp.example"], "\(cancelled)")
        #expect(!reminders.contains { $0["status"] as? String == "fired" })
        let pending = reminders.filter { $0["status"] as? String == "pending" }.map(row)
        let w = "wang.fang@corp.example", z = "zhao.qiang@corp.example", zw = "zhang.wei@corp.example"
        let expectedPending = [
            "recap-window 2026-11-18T00:00:00+08:00 \(zw)",             // the window (今日内) closes at 23:59:59
            "complaint-solution 2026-11-18T09:12:33+08:00 \(zw)",       // 48 h after the complaint
            "item-due 2026-11-18T17:00:00+08:00 \(w)",                  // item 1 due 19 Nov 17:00, 24 h before
            "item-due 2026-11-18T18:00:00+08:00 \(z)",                  // item 2 due 19 Nov 18:00, 24 h before
            "item-due 2026-11-19T09:00:00+08:00 \(w)",                  // the morning of the due day
            "item-due 2026-11-19T09:00:00+08:00 \(z)",
            "item-overdue 2026-11-19T17:00:00+08:00 \(w),\(zw)",        // at the due time, owner and case owner
            "item-overdue 2026-11-19T18:00:00+08:00 \(z),\(zw)",
            "item-due 2026-11-19T23:59:59+08:00 \(zw)",                 // item 3 due 20 Nov (end of day)
            "item-due 2026-11-20T09:00:00+08:00 \(zw)",
            "item-overdue 2026-11-20T23:59:59+08:00 \(zw)",
            "next-contact 2026-11-23T09:00:00+08:00 \(zw)",             // 1 h before 23 Nov 10:00
        ]
        #expect(pending == expectedPending, "\(pending)")

        // zhang.wei's mailbox: the recap-disputed notice at once, then the digest after 17:00 of
        // the fake clock (20 s after the start).
        let scratch = ws.dir
        var mine: [E2E.Mail] = []
        let isOurs: (E2E.Mail) -> Bool = { m in
            (m.messageID ?? "").hasPrefix("<liaison.\(Self.caseNumber).") || (m.messageID ?? "").hasPrefix("<liaison.digest.")
        }
        try E2E.waitUntil("the notice and the digest in zhang.wei's mailbox", timeout: 90, every: 0.5,
                          detail: { "got \(mine.map { "\($0.messageID ?? "-") \($0.subject)" }); \(serve.logTail)" }) {
            mine = try E2E.mails(config: zhangWei, from: firstUID, scratch: scratch).filter(isOurs)
            return mine.count >= 2
        }
        let notices = mine.filter { ($0.messageID ?? "").hasPrefix("<liaison.\(Self.caseNumber).") }
        let digests = mine.filter { ($0.messageID ?? "").hasPrefix("<liaison.digest.") }
        #expect(notices.count == 1, "\(notices.map(\.subject))")
        #expect(digests.count == 1, "\(digests.map(\.subject))")
        if let notice = notices.first {
            #expect(notice.subject.hasPrefix("[\(Self.caseNumber)] "), "\(notice.subject)")
            #expect(notice.subject.contains("异议"), "\(notice.subject)")
            #expect(notice.header("Auto-Submitted") == "auto-generated")
            #expect(notice.message.inReplyTo == [Self.ids["03"]!])
            #expect(notice.message.to.map(\.address) == ["zhang.wei@corp.example"])
        }
        let fired = try E2E.reminders(config: config, status: "fired")
        let firedDigests = fired.filter { $0["kind"] as? String == "digest" }
        #expect(firedDigests.map { $0["fireAt"] as? String } == ["2026-11-17T17:00:00+08:00"])
        if let digest = digests.first, let id = firedDigests.first?["id"] as? Int {
            #expect(digest.messageID?.hasPrefix("<liaison.digest.r\(id).") == true, "\(digest.messageID ?? "-")")
            #expect(digest.header("Auto-Submitted") == "auto-generated")
            let sentAt = try #require(digest.message.date?.date)
            #expect(sentAt >= ISO8601DateFormatter().date(from: "2026-11-17T17:00:00+08:00")!,
                    "the digest is dated \(E2E.iso(sentAt)), before 17:00 of the fake clock")
            #expect(digest.subject.contains("11月17日"), "\(digest.subject)")
        }
        // The next digest is scheduled, once.
        let pendingDigests = try E2E.reminders(config: config, status: "pending").filter { $0["kind"] as? String == "digest" }
        #expect(pendingDigests.map { $0["fireAt"] as? String } == ["2026-11-18T17:00:00+08:00"])

        // SIGTERM: finishes, exits 0.
        let status = serve.stop(SIGTERM, timeout: 20)
        #expect(status == 0, "exit status \(status.map(String.init) ?? "none within 20 s"). \(serve.logTail)")
        #expect(serve.log.contains("liaison stopped"))
        #expect(!serve.log.contains(E2E.env["LIAISON_RIG_PASSWORD"]!), "the password must never be logged")
    }
}
