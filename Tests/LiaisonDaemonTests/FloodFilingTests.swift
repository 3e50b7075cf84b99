import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import Testing
import LiaisonTestSupport
@testable import LiaisonDaemon

// Issue 12, parts 4–5, through the real filing path: IngestPipeline → SQLiteStore (the rate
// ledger counted inside the filing transaction) → ReminderEngine → NoticeRenderer (the
// repository's Templates/) → outbox rows. A user notices cases, held messages and mail.

private let floodOrg = try! Organization(name: "示例科技有限公司", internalDomains: ["corp.example"],
                                    trackingAddress: "track@corp.example", authservID: "mx.corp.example",
                                    timeZone: "Asia/Shanghai",
                                    staff: ["张伟": "zhang.wei@corp.example", "李总": "ceo@corp.example"])

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func instant(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

struct FloodFlow {
    let dir: URL
    let store: SQLiteStore
    let engine: ReminderEngine
    var pipeline: IngestPipeline

    init(caps: RateCaps? = RateCaps()) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-floods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
        let templates = try MailTemplates(directory: packageRoot.appendingPathComponent("Templates").path)
        let renderer = NoticeRenderer(templates: templates, config: TemplateConfig(), organization: floodOrg,
                                      from: Address(name: "Liaison", address: "track@corp.example"))
        engine = ReminderEngine(planner: ReminderPlanner(organization: floodOrg, rules: .defaults), renderer: renderer, store: store)
        engine.noticeCaps = caps
        pipeline = IngestPipeline(organization: floodOrg, store: store, followUps: engine)
        pipeline.rateCaps = caps
    }

    /// The outbox rows of one purpose, after the outbox's render step.
    func outbox(_ purpose: String) throws -> [OutboxEntry] {
        try engine.renderRecorded()
        return try store.outbox(status: nil).filter { $0.mail.purpose.rawValue == purpose }
    }
    func held(_ reason: HoldReason) throws -> [HeldMessage] { try store.heldMessages().filter { $0.reason == reason } }
    func cleanup() { try? FileManager.default.removeItem(at: dir) }
}

/// One flood message: its own subject and Message-ID, to the CEO's staff address.
private func floodMail(_ i: Int, from: String) -> [UInt8] {
    Array("""
    From: Promo <\(from)>\r
    To: ceo@corp.example\r
    Cc: track@corp.example\r
    Subject: 合作机会 第\(i)号\r
    Date: Tue, 17 Nov 2026 10:00:00 +0800\r
    Message-ID: <flood-\(i)-\(from)>\r
    \r
    请查收合作方案 \(i)。\r

    """.utf8)
}

@Suite struct FloodFilingTests {
    static let start = instant("2026-11-17T10:00:00+08:00")

    @Test func twoHundredFromOneSenderOpenAtMostTheCapAndOneSummary() throws {
        let flow = try FloodFlow()
        defer { flow.cleanup() }
        for i in 0..<200 {
            _ = try flow.pipeline.ingest(floodMail(i, from: "promo@flood.example"), now: Self.start.addingTimeInterval(Double(i)))
        }
        let cases = try flow.store.cases(status: nil, owner: nil)
        #expect(cases.count == 5, "cases per sender per hour")
        #expect(cases.allSatisfy { $0.owner == "ceo@corp.example" })
        let held = try flow.held(.rateLimited)
        #expect(held.count == 195, "nothing dropped: every message past the cap is held")
        #expect(held.first?.detail?.contains("promo@flood.example opened 5 cases in the last hour") == true)
        let summaries = try flow.outbox("rate-limited")
        #expect(summaries.count == 1)
        #expect(summaries.first?.mail.recipients == ["ceo@corp.example"])
        #expect(summaries.first?.mail.caseNumber == nil)
        let m = MessageParser.parse(try #require(summaries.first).mail.raw)
        #expect(m.text.contains("promo@flood.example opened 5 cases"))
        // Nothing else was mailed to the CEO for the flood.
        #expect(try flow.store.outbox(status: nil).count == 1)
    }

    @Test func twoHundredSendersMeetTheOwnerCap() throws {
        let flow = try FloodFlow()
        defer { flow.cleanup() }
        for i in 0..<200 {
            _ = try flow.pipeline.ingest(floodMail(i, from: "s\(i)@flood\(i).example"), now: Self.start.addingTimeInterval(Double(i)))
        }
        #expect(try flow.store.cases(status: nil, owner: "ceo@corp.example").count == 30)
        #expect(try flow.held(.rateLimited).count == 170)
        #expect(try flow.outbox("rate-limited").count == 1)

        // An hour after the first openings, the window has slid: one more opens, and the next
        // held message after the summary's hour gets a new summary.
        let later = Self.start.addingTimeInterval(3600 + 40)
        let r = try flow.pipeline.ingest(floodMail(1000, from: "late@flood.example"), now: later)
        guard case .filed(_, true, _) = r else { Issue.record("not opened: \(r)"); return }
        #expect(try flow.outbox("rate-limited").count == 1)
    }

    @Test func withoutCapsTheFloodOpensEverything() throws {
        // The control: the same 40 messages with no caps open 40 cases (the tests above can fail).
        let flow = try FloodFlow(caps: nil)
        defer { flow.cleanup() }
        for i in 0..<40 {
            _ = try flow.pipeline.ingest(floodMail(i, from: "promo@flood.example"), now: Self.start.addingTimeInterval(Double(i)))
        }
        #expect(try flow.store.cases(status: nil, owner: nil).count == 40)
        #expect(try flow.outbox("rate-limited").isEmpty)
    }

    @Test func aListAddressNeverOwnsAndWithoutADefaultOwnerTheMessageIsHeld() throws {
        let flow = try FloodFlow()
        defer { flow.cleanup() }
        let mail = Array("""
        From: x@evil.example\r
        To: all-staff@corp.example\r
        Cc: track@corp.example\r
        Subject: hello\r
        Date: Tue, 17 Nov 2026 10:00:00 +0800\r
        Message-ID: <list@evil.example>\r
        \r
        hi\r

        """.utf8)
        let r = try flow.pipeline.ingest(mail, now: Self.start)
        guard case .held(_, .noStaffRecipient) = r else { Issue.record("\(r)"); return }
        #expect(try flow.store.cases(status: nil, owner: nil).isEmpty)
    }
}

// MARK: - Bounces

private let caseNumber = "EC20261116-001"
private let sentID = "<liaison.EC20261116-001.r7.00aa11bb22cc33dd@corp.example>"
private let customer = "liu.yang@huadong-precision.example"

private func fixture(_ name: String) throws -> [UInt8] {
    Array(try #require(FileManager.default.contents(atPath: packageRoot.appendingPathComponent("Tests/Fixtures/floods/\(name)").path)))
}

/// A delivery report as Postfix writes it: `recipient` failed for the mail `original`.
private func dsn(_ n: Int, recipient: String, original: String) -> [UInt8] {
    Array("""
    From: MAILER-DAEMON@mx.corp.example (Mail Delivery System)\r
    To: track@corp.example\r
    Subject: Undelivered Mail Returned to Sender\r
    Date: Wed, 18 Nov 2026 09:00:1\(n % 10) +0800\r
    Message-ID: <dsn.real\(n)@mx.corp.example>\r
    Auto-Submitted: auto-replied\r
    MIME-Version: 1.0\r
    Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r
    \r
    --b\r
    Content-Type: text/plain\r
    \r
    Your message could not be delivered.\r
    --b\r
    Content-Type: message/delivery-status\r
    \r
    Reporting-MTA: dns; mx.corp.example\r
    \r
    Final-Recipient: rfc822; \(recipient)\r
    Action: failed\r
    Status: 5.1.1\r
    \r
    --b\r
    Content-Type: text/rfc822-headers\r
    \r
    From: track@corp.example\r
    To: \(recipient)\r
    Message-ID: \(original)\r
    \r
    --b--\r

    """.utf8)
}

@Suite struct BounceNoticeTests {
    /// The corpus complaint opens EC20261116-001 (owner 张伟); Liaison sends `mails` mails to the
    /// customer (the first with `sentID`).
    static func flowWithSentMail(caps: RateCaps = RateCaps(), mails: Int = 1) throws -> FloodFlow {
        let flow = try FloodFlow(caps: caps)
        let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: corpus.path).first { $0.hasPrefix("01-") && $0.hasSuffix(".eml") })
        let complaint = Array(try #require(FileManager.default.contents(atPath: corpus.appendingPathComponent(name).path)))
        #expect(try flow.pipeline.ingest(complaint, now: instant("2026-11-16T09:13:00+08:00"))
                == .filed(caseNumber: caseNumber, openedCase: true, rule: nil))
        let at = instant("2026-11-17T15:40:00+08:00")
        for i in 0..<mails {
            let id = Self.messageID(i)
            try flow.store.update(now: at) { _ in
                FollowUp(mails: [OutgoingMail(caseNumber: caseNumber, messageID: id, envelopeFrom: "track@corp.example",
                                              recipients: [customer], raw: Array("Subject: recap\r\n\r\nrecap\r\n".utf8), purpose: .recap)])
            }
            let row = try #require(try flow.store.outboxEntry(messageID: id))
            try flow.store.outboxSent(id: row.id, at: at)
        }
        return flow
    }

    static func messageID(_ i: Int) -> String {
        i == 0 ? sentID : "<liaison.EC20261116-001.r\(7 + i).00aa11bb22cc33d\(i)@corp.example>"
    }

    @Test func noticesPastTheNoticeCapAreCountedNotSent() throws {
        // Three different sent mails bounce; the owner may be sent two notices an hour.
        let flow = try Self.flowWithSentMail(caps: RateCaps(noticesPerOwnerHour: 2), mails: 3)
        defer { flow.cleanup() }
        for i in 0..<3 {
            _ = try flow.pipeline.ingest(dsn(i, recipient: customer, original: Self.messageID(i)),
                                         now: instant("2026-11-18T09:01:00+08:00").addingTimeInterval(Double(i)))
        }
        #expect(try flow.outbox("delivery-failed").count == 2)
        let capped = try flow.store.events(caseNumber: caseNumber).filter { $0.kind == CaseEvent.Kind.noticeCapped }
        #expect(capped.count == 1)
        #expect(capped.first?.detail.contains("delivery-failed notice not sent to zhang.wei@corp.example: 2 notices in the last hour (cap 2)") == true)
    }

    @Test func twentyForgedBouncesGiveNoNotice() throws {
        let flow = try Self.flowWithSentMail()
        defer { flow.cleanup() }
        let now = instant("2026-11-18T09:01:00+08:00")
        let forged = String(decoding: try fixture("forged-bounce-00.eml"), as: UTF8.self)
        for n in 0..<20 {
            // The hostile sample (a Liaison Message-ID never sent), ten times …
            var text = forged.replacingOccurrences(of: "<dsn.forged0@attacker.example>", with: "<dsn.forged\(n)@attacker.example>")
            // … and ten times naming the mail really sent, for an address it was never sent to.
            if n >= 10 { text = text.replacingOccurrences(of: "<liaison.EC20261116-001.ef77b46e64ed7e37@corp.example>", with: sentID) }
            let r = try flow.pipeline.ingest(Array(text.utf8), now: now)
            // Filed on the case its Message-ID names, for the record.
            #expect(r == .filed(caseNumber: caseNumber, openedCase: false, rule: .liaisonMessageID), "\(r)")
        }
        #expect(try flow.outbox("delivery-failed").isEmpty)
        let events = try flow.store.events(caseNumber: caseNumber)
        #expect(events.filter { $0.kind == CaseEvent.Kind.bounceUnmatched }.count == 20)
        #expect(!events.contains { $0.kind == CaseEvent.Kind.deliveryFailed })
    }

    @Test func aRealBounceGivesExactlyOneNoticeHoweverManyArrive() throws {
        let flow = try Self.flowWithSentMail()
        defer { flow.cleanup() }
        for n in 0..<3 {
            _ = try flow.pipeline.ingest(dsn(n, recipient: customer, original: sentID),
                                         now: instant("2026-11-18T09:01:00+08:00").addingTimeInterval(Double(n)))
        }
        let notices = try flow.outbox("delivery-failed")
        #expect(notices.count == 1)
        #expect(notices.first?.mail.recipients == ["zhang.wei@corp.example"])
        #expect(notices.first?.mail.caseNumber == caseNumber)
        let failed = try flow.store.events(caseNumber: caseNumber).filter { $0.kind == CaseEvent.Kind.deliveryFailed }
        #expect(failed.count == 3, "each bounce is on record")
        #expect(failed.allSatisfy { $0.detail.contains(customer) })
    }
}

// MARK: - Configuration

@Suite struct LimitsConfigTests {
    static let organization = """
        [organization]
        name = "示例"
        internal_domains = ["corp.example"]
        tracking_address = "track@corp.example"
        authserv_id = "mx.corp.example"

        """

    @Test func defaultsAndOverrides() throws {
        #expect(try LiaisonConfig(toml: Self.organization).rateCaps() == RateCaps())
        let c = try LiaisonConfig(toml: Self.organization + """
            [limits]
            cases_per_sender_hour = 2
            cases_per_owner_hour = 0
            notify = "Ops@corp.example"
            """)
        let caps = try c.rateCaps()
        #expect(caps.casesPerSenderHour == 2 && caps.casesPerSenderDay == 20 && caps.casesPerOwnerHour == 0)
        #expect(caps.notify == "ops@corp.example")
        #expect(c.validate().issues.allSatisfy { !$0.key.hasPrefix("limits") })
    }

    @Test func badValuesNameTheKey() throws {
        for (body, key) in [("cases_per_sender_hour = -1", "limits.cases_per_sender_hour"),
                            ("notices_per_owner_hour = \"many\"", "limits.notices_per_owner_hour"),
                            ("notify = \"nobody\"", "limits.notify")] {
            let c = try LiaisonConfig(toml: Self.organization + "[limits]\n" + body + "\n")
            #expect(throws: ConfigError.self) { try c.rateCaps() }
            #expect(c.validate().errors.contains { $0.key == key }, "\(key)")
        }
    }

    @Test func defaultOwnerMustBeStaffOrInternal() throws {
        let staff = "[staff]\n\"张伟\" = \"zhang.wei@corp.example\"\n"
        let ok = try LiaisonConfig(toml: Self.organization.replacingOccurrences(of: "authserv_id", with: "default_owner = \"Zhang.Wei@corp.example\"\nauthserv_id") + staff)
        #expect(try ok.organization().defaultOwner == "zhang.wei@corp.example")
        let outside = try LiaisonConfig(toml: Self.organization.replacingOccurrences(of: "authserv_id", with: "default_owner = \"boss@gmail.example\"\nauthserv_id") + staff)
        #expect(throws: ConfigError.self) { try outside.organization() }
        #expect(try LiaisonConfig(toml: Self.organization).organization().defaultOwner == nil)
    }
}
