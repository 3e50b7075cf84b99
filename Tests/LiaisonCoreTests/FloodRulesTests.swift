import Foundation
import Testing
@testable import LiaisonCore

/// Issue 12, parts 4–5, the pure rules: who owns a case an outsider opens, the rate decision,
/// which bounces call for a notice.
@Suite("Owners, floods and bounces: the pure rules")
struct FloodRulesTests {
    static func org(staff: [String: String], defaultOwner: String? = nil) -> Organization {
        var o = Organization(name: "示例", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                             authservID: "mx.corp.example", staff: staff)
        o.defaultOwner = defaultOwner
        return o
    }
    static let staff = ["张伟": "zhang.wei@corp.example", "李总": "ceo@corp.example"]

    static func outsider(to: [String], cc: [String] = ["track@corp.example"]) -> MatchInput {
        MatchInput(messageID: "<m@evil.example>", from: "x@evil.example", to: to, cc: cc, date: t0, subject: "合作")
    }

    static func owner(_ d: FilingDecision) -> String? {
        if case .open(let c) = d { return c.owner }
        return nil
    }

    // MARK: owners

    @Test func ownerIsAStaffRecipientNeverAListOrAlias() throws {
        let m = CaseMatcher(organization: Self.org(staff: Self.staff))
        // A list first in To, the staff member after it: the staff member owns.
        let d = try m.decide(Self.outsider(to: ["all-hands@corp.example", "zhang.wei@corp.example"]), lookup: FakeLookup(), now: t0)
        #expect(Self.owner(d) == "zhang.wei@corp.example")
        // Staff only in Cc still counts.
        let cc = try m.decide(Self.outsider(to: ["sales@corp.example"], cc: ["track@corp.example", "ceo@corp.example"]),
                              lookup: FakeLookup(), now: t0)
        #expect(Self.owner(cc) == "ceo@corp.example")
    }

    @Test func unknownInternalAddressIsHeldWithoutADefaultOwner() throws {
        let m = CaseMatcher(organization: Self.org(staff: Self.staff))
        let d = try m.decide(Self.outsider(to: ["sales@corp.example"]), lookup: FakeLookup(), now: t0)
        guard case .hold(.noStaffRecipient, let detail) = d else { Issue.record("not held: \(d)"); return }
        #expect(detail?.contains("sales@corp.example") == true && detail?.contains("default_owner") == true)
    }

    @Test func unknownInternalAddressGoesToTheDefaultOwner() throws {
        let m = CaseMatcher(organization: Self.org(staff: Self.staff, defaultOwner: "zhang.wei@corp.example"))
        let d = try m.decide(Self.outsider(to: ["sales@corp.example"]), lookup: FakeLookup(), now: t0)
        #expect(Self.owner(d) == "zhang.wei@corp.example")
        // Only the tracking address: held, default owner or not (semantics.md).
        let only = try m.decide(Self.outsider(to: ["track@corp.example"], cc: []), lookup: FakeLookup(), now: t0)
        #expect(only == .hold(.noStaffRecipient, detail: nil))
    }

    @Test func withoutAStaffSectionAnyInternalRecipientOwns() throws {
        // The corpus's configuration has no [staff]: today's rule, so its facts do not change.
        let m = CaseMatcher(organization: Self.org(staff: [:]))
        let d = try m.decide(Self.outsider(to: ["sales@corp.example"]), lookup: FakeLookup(), now: t0)
        #expect(Self.owner(d) == "sales@corp.example")
    }

    // MARK: rate caps

    static let gate = RateGate(sender: "X@evil.example", owner: "ceo@corp.example", caps: RateCaps(), at: t0)

    @Test func belowEveryCapIsAllowed() {
        #expect(RateLimit.decide(RateCounts(senderHour: 4, senderDay: 19, ownerHour: 29), gate: Self.gate) == .allow)
    }

    @Test func eachCapHoldsAndOnlyTheFirstSummarises() {
        let hour = RateLimit.decide(RateCounts(senderHour: 5, senderDay: 5, ownerHour: 5), gate: Self.gate)
        #expect(hour == .hold(RateLimitHit(scope: .senderHour, who: "x@evil.example", count: 5, cap: 5), summarise: true))
        let day = RateLimit.decide(RateCounts(senderHour: 1, senderDay: 20, ownerHour: 1, summariesHour: 1), gate: Self.gate)
        #expect(day == .hold(RateLimitHit(scope: .senderDay, who: "x@evil.example", count: 20, cap: 20), summarise: false))
        let owner = RateLimit.decide(RateCounts(ownerHour: 30), gate: Self.gate)
        guard case .hold(let hit, true) = owner else { Issue.record("\(owner)"); return }
        #expect(hit.scope == .ownerHour && hit.detail.contains("ceo@corp.example"))
    }

    @Test func zeroTurnsACapOff() {
        var g = Self.gate
        g.caps = RateCaps(casesPerSenderHour: 0, casesPerSenderDay: 0, casesPerOwnerHour: 0, noticesPerOwnerHour: 0)
        #expect(RateLimit.decide(RateCounts(senderHour: 1000, senderDay: 1000, ownerHour: 1000), gate: g) == .allow)
        #expect(RateLimit.allowsNotice(sentHour: 1000, caps: g.caps))
        #expect(!RateLimit.allowsNotice(sentHour: 60, caps: RateCaps()))
        #expect(RateLimit.allowsNotice(sentHour: 59, caps: RateCaps()))
    }

    @Test func theSummaryGoesToTheOperatorWhenOneIsNamed() {
        var g = Self.gate
        #expect(g.summaryRecipient == "ceo@corp.example")
        g.caps.notify = "ops@corp.example"
        #expect(g.summaryRecipient == "ops@corp.example")
    }

    // MARK: bounces

    static let sentID = "<liaison.EC20261116-001.r3.0011223344556677@corp.example>"
    static func entry(status: OutboxStatus = .sent, attempts: Int = 1, purpose: MailPurpose = .recap) -> OutboxEntry {
        OutboxEntry(id: 1, mail: OutgoingMail(caseNumber: "EC20261116-001", messageID: sentID, envelopeFrom: "track@corp.example",
                                              recipients: ["liu.yang@huadong.example"], raw: [], purpose: purpose),
                    status: status, attempts: attempts, nextAttemptAt: t0, lastError: nil, createdAt: t0, sentAt: t0)
    }

    @Test func aMatchingBounceOfASentMailNotifiesOnce() {
        let first = BounceMatch.judge(recipient: "Liu.Yang@huadong.example", status: "5.1.1", originalMessageID: Self.sentID,
                                      sent: Self.entry(), alreadyNotified: false)
        guard case .notify(let reason) = first else { Issue.record("\(first)"); return }
        #expect(reason.contains(Self.sentID) && reason.contains("liu.yang@huadong.example") && reason.contains("5.1.1"))
        let again = BounceMatch.judge(recipient: "liu.yang@huadong.example", status: "5.1.1", originalMessageID: Self.sentID,
                                      sent: Self.entry(), alreadyNotified: true)
        guard case .record = again else { Issue.record("\(again)"); return }
    }

    @Test func forgedOrUnattemptedBouncesNotifyNobody() {
        func isIgnored(_ v: BounceMatch.Verdict) -> Bool { if case .ignore = v { return true } else { return false } }
        // Names a Message-ID Liaison never sent.
        #expect(isIgnored(BounceMatch.judge(recipient: "liu.yang@huadong.example", status: "5.1.1", originalMessageID: "<x@y>",
                                            sent: nil, alreadyNotified: false)))
        // Names a real one, for an address it was not sent to.
        #expect(isIgnored(BounceMatch.judge(recipient: "wang.lie@huadong.example", status: "5.1.1", originalMessageID: Self.sentID,
                                            sent: Self.entry(), alreadyNotified: false)))
        // No failed recipient at all.
        #expect(isIgnored(BounceMatch.judge(recipient: nil, status: nil, originalMessageID: Self.sentID,
                                            sent: Self.entry(), alreadyNotified: false)))
        // Queued, never attempted.
        #expect(isIgnored(BounceMatch.judge(recipient: "liu.yang@huadong.example", status: "5.1.1", originalMessageID: Self.sentID,
                                            sent: Self.entry(status: .pending, attempts: 0), alreadyNotified: false)))
        // A bounce of a delivery-failed notice, or of a mail already failed for good: recorded only.
        let loop = BounceMatch.judge(recipient: "liu.yang@huadong.example", status: nil, originalMessageID: Self.sentID,
                                     sent: Self.entry(purpose: .notice(.deliveryFailed)), alreadyNotified: false)
        let failed = BounceMatch.judge(recipient: "liu.yang@huadong.example", status: nil, originalMessageID: Self.sentID,
                                       sent: Self.entry(status: .failed), alreadyNotified: false)
        for v in [loop, failed] { if case .record = v {} else { Issue.record("\(v)") } }
    }
}
