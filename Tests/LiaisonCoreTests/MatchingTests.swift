import Foundation
import Testing
@testable import LiaisonCore

/// An in-memory stand-in for the store's read side.
struct FakeLookup: CaseLookup {
    var cases: [Case] = []
    var messageIDs: [String: String] = [:]  // Message-ID → case number
    /// (thread subject, address, date, case number)
    var threads: [(String, String, Date, String)] = []

    func caseWithNumber(_ number: String) throws -> Case? { cases.first { $0.number == number } }
    func caseForMessageID(_ id: String) throws -> Case? { messageIDs[id].flatMap { n in cases.first { $0.number == n } } }
    func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        let numbers = threads.filter { $0.0 == subject && addresses.contains($0.1) && $0.2 >= since }.map(\.3)
        return cases.filter { numbers.contains($0.number) }
    }
}

let matchOrg = try! Organization(name: "示例", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                       authservID: "mx.corp.example", timeZone: "Asia/Shanghai")
/// 2026-11-16T09:12:33+08:00
let t0 = Date(timeIntervalSince1970: 1_794_791_553)

func complaintCase() -> Case {
    Case(number: "EC20261116-001", isInternal: false,
         counterparty: Counterparty(organization: "huadong.example", contacts: ["liu@huadong.example"]),
         owner: "zhang@corp.example", category: "complaint", openedAt: t0)
}

@Suite("Case matching")
struct MatchingTests {
    let matcher = CaseMatcher(organization: matchOrg)
    var lookup: FakeLookup {
        FakeLookup(cases: [complaintCase()], messageIDs: ["<a@huadong.example>": "EC20261116-001"],
                   threads: [("投诉:设备无法开机", "liu@huadong.example", t0, "EC20261116-001")])
    }

    @Test("joins in the order of semantics.md", arguments: [
        // (input, expected case, rule)
        (MatchInput(from: "x@other.example", to: ["zhang@corp.example"], date: t0, subject: "[EC20261116-001] 进展"), MatchRule.caseTag),
        (MatchInput(inReplyTo: "<a@huadong.example>", from: "x@other.example", date: t0, subject: "whatever"), .reference),
        (MatchInput(references: ["<zz@nowhere>", "<a@huadong.example>"], from: "x@other.example", date: t0, subject: "s"), .reference),
        (MatchInput(inReplyTo: "<liaison.EC20261116-001.r7@corp.example>", from: "x@other.example", date: t0, subject: "s"), .liaisonMessageID),
        (MatchInput(from: "liu@huadong.example", to: ["track@corp.example"], date: t0.addingTimeInterval(29 * 86_400),
                    subject: "Re: 回复：投诉:设备无法开机"), .threadSubject),
    ] as [(MatchInput, MatchRule)])
    func joins(input: MatchInput, rule: MatchRule) throws {
        #expect(try matcher.decide(input, lookup: lookup, now: t0) == .existing(caseNumber: "EC20261116-001", rule: rule))
    }

    @Test func threadSubjectNeedsOverlapAndWindow() throws {
        let late = MatchInput(from: "liu@huadong.example", date: t0.addingTimeInterval(31 * 86_400), subject: "Re: 投诉:设备无法开机")
        #expect(try matcher.decide(late, lookup: lookup, now: t0) == .hold(.noStaffRecipient, detail: nil))
        let stranger = MatchInput(from: "eve@else.example", to: ["li@corp.example"], date: t0, subject: "Re: 投诉:设备无法开机")
        guard case .open(let new) = try matcher.decide(stranger, lookup: lookup, now: t0) else {
            Issue.record("expected a new case"); return
        }
        #expect(new.owner == "li@corp.example")
    }

    @Test func unknownTagIsHeldEvenForTrustedSender() throws {
        let m = MatchInput(from: "gov@agency.example", to: ["qual@corp.example"], date: t0, subject: "[EC20261110-002] 受理")
        #expect(try matcher.decide(m, lookup: lookup, now: t0) == .hold(.unknownCaseTag, detail: "EC20261110-002"))
    }

    @Test func opensForOutsiderWritingToStaff() throws {
        let m = MatchInput(from: "Wu@Dongfang.example", to: ["track@corp.example"], cc: ["li.na@corp.example", "x@corp.example"],
                           date: t0, subject: "交期协调", category: "delivery")
        let d = try matcher.decide(m, lookup: lookup, now: t0)
        #expect(d == .open(NewCase(numberTemplate: "EC20261116-{seq:3}", isInternal: false,
                                   counterparty: Counterparty(organization: "dongfang.example", contacts: ["wu@dongfang.example"]),
                                   owner: "li.na@corp.example", category: "delivery", openedAt: t0)))
    }

    @Test func holdsByTheOpeningRule() throws {
        let onlyTracking = MatchInput(from: "a@out.example", to: ["track@corp.example"], date: t0, subject: "hello")
        #expect(try matcher.decide(onlyTracking, lookup: lookup, now: t0) == .hold(.noStaffRecipient, detail: nil))
        let spoof = MatchInput(from: "zhang@corp.example", to: ["track@corp.example"], date: t0, subject: "紧急")
        #expect(try matcher.decide(spoof, lookup: lookup, now: t0) == .hold(.unauthenticatedInternalSender, detail: "zhang@corp.example"))
    }

    @Test func internalOnlyIsNC() throws {
        // 2026-11-23T11:30:00+08:00; the day is taken in the organisation's zone.
        let d = Date(timeIntervalSince1970: 1_795_404_600)
        let m = MatchInput(from: "zhou@corp.example", to: ["sales@corp.example"], cc: ["track@corp.example"],
                           date: d, subject: "纪要", senderTrusted: true)
        guard case .open(let new) = try matcher.decide(m, lookup: lookup, now: t0) else { Issue.record("not opened"); return }
        #expect(new.numberTemplate == "NC20261123-{seq:3}")
        #expect(new.isInternal)
        #expect(new.owner == "zhou@corp.example")
        #expect(new.counterparty == Counterparty(organization: nil, contacts: []))
    }

    @Test func forwardedOriginalIsTheCounterparty() throws {
        let m = MatchInput(from: "pr@corp.example", to: ["track@corp.example"], date: t0, subject: "转发: 采访邀约",
                           senderTrusted: true, category: "media", forwardedFrom: "media@finance-daily.example",
                           forwardedMessageID: "<fd.1@finance-daily.example>")
        guard case .open(let new) = try matcher.decide(m, lookup: lookup, now: t0) else { Issue.record("not opened"); return }
        #expect(!new.isInternal)
        #expect(new.counterparty == Counterparty(organization: "finance-daily.example", contacts: ["media@finance-daily.example"]))
        #expect(new.owner == "pr@corp.example")
    }

    @Test func automaticMailNeverOpens() throws {
        let auto = MatchInput(from: "liu@huadong.example", to: ["zhang@corp.example"], date: t0, subject: "自动回复: 新话题",
                              kind: .autoReply)
        #expect(try matcher.decide(auto, lookup: lookup, now: t0) == .hold(.noThread, detail: "auto-reply"))
        let bounce = MatchInput(from: "mailer-daemon@mx.corp.example", to: ["track@corp.example"], date: t0, subject: "Undelivered",
                                kind: .bounce, bounceOriginalMessageID: "<a@huadong.example>")
        #expect(try matcher.decide(bounce, lookup: lookup, now: t0) == .existing(caseNumber: "EC20261116-001", rule: .reference))
        let lost = MatchInput(from: "mailer-daemon@mx.corp.example", to: ["track@corp.example"], date: t0, subject: "Undelivered",
                              kind: .bounce, bounceOriginalMessageID: "<liaison.EC20261117-001.r1@corp.example>")
        #expect(try matcher.decide(lost, lookup: lookup, now: t0) == .hold(.noThread, detail: "bounce"))
    }

    @Test("Liaison Message-IDs", arguments: [
        ("<liaison.EC20261117-001.r1@corp.example>", "EC20261117-001"),
        ("<liaison.NC20261123-012@corp.example>", "NC20261123-012"),
        ("<liaisonEC20261117-001@corp.example>", nil),
        ("<5e1a.EC20261117-001@corp.example>", nil),
        ("<liaison.hello@corp.example>", nil),
    ] as [(String, String?)])
    func liaisonIDs(id: String, number: String?) {
        #expect(CaseMatcher.caseNumber(inLiaisonMessageID: id) == number)
    }
}

@Suite("Case numbering and content hash")
struct CaseNumberingTests {
    @Test func defaultPattern() {
        let n = CaseNumbering()
        let day = LocalDate(year: 2026, month: 11, day: 6)!
        #expect(n.template(internal: false, day: day) == "EC20261106-{seq:3}")
        #expect(CaseNumbering.render(template: n.template(internal: true, day: day), seq: 7) == "NC20261106-007")
        #expect(CaseNumbering.render(template: "EC20261106-{seq:3}", seq: 1234) == "EC20261106-1234")
        let custom = CaseNumbering(pattern: "{yyyy}/{E|N}-{seq:5}")
        #expect(CaseNumbering.render(template: custom.template(internal: false, day: day), seq: 42) == "2026/E-00042")
    }

    @Test func sha256KnownAnswers() {
        #expect(ContentHash.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentHash.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(ContentHash.hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func traceFieldsDoNotChangeTheHash() {
        let a = Array("Received: from a\r\n by b\r\nSubject: x\r\n\r\nReceived: body\r\n".utf8)
        let b = Array("Return-Path: <q@r>\r\nSubject: x\r\n\r\nReceived: body\r\n".utf8)
        let c = Array("Subject: y\r\n\r\nReceived: body\r\n".utf8)
        #expect(ContentHash.of(a) == ContentHash.of(b))
        #expect(ContentHash.of(a) != ContentHash.of(c))
    }

    @Test func sha256InPiecesIsTheHashOfTheWhole() {
        // Every length around the block and padding edges, cut at every kind of place.
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096 + 7] {
            let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let whole = SHA256.hash(data)
            for cuts in [[n / 2], [1, n / 3, n - 1], Array(stride(from: 0, to: n, by: 13)), Array(0..<min(n, 70))] {
                var hasher = SHA256()
                var from = 0
                for cut in cuts.filter({ $0 > 0 && $0 < n }).sorted() {
                    data[from..<cut].withUnsafeBytes { hasher.update($0) }
                    from = cut
                }
                data[from...].withUnsafeBytes { hasher.update($0) }
                #expect(hasher.finish() == whole, "n=\(n) cuts=\(cuts)")
            }
        }
        // A million "a": FIPS 180-2 appendix B.3.
        #expect(ContentHash.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func contentHashLeavesOutTraceFieldsAsBefore() {
        // The hash is SHA-256 of the message with its trace fields (any case, blanks before the
        // colon, folded lines) left out; the body is hashed whole even when it holds one.
        let raw = Array("RECEIVED : from a\r\n\tby b\r\nX-Original-To: t@x\r\nSubject: x\r\n  folded\r\nReceivedX: kept\r\nDelivered-To:t\r\n\r\nReceived: body\r\n".utf8)
        let kept = Array("Subject: x\r\n  folded\r\nReceivedX: kept\r\n\r\nReceived: body\r\n".utf8)
        #expect(ContentHash.stripTrace(raw) == kept)
        #expect(ContentHash.of(raw) == ContentHash.hex(SHA256.hash(kept)))
        // No blank line, no final line feed.
        let open = Array("Return-Path: <a@b>\nSubject: z".utf8)
        #expect(ContentHash.stripTrace(open) == Array("Subject: z".utf8))
        #expect(ContentHash.of(open) == ContentHash.hex(SHA256.hash(Array("Subject: z".utf8))))
    }
}
