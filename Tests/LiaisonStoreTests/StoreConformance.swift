import Foundation
import LiaisonCore
import LiaisonStore
import Testing

/// What the suite needs of a backend besides its roles: test-only set-up operations that are
/// not part of any role protocol (a backend's tests provide them).
protocol StoreFixtures {
    func openCase(_ newCase: NewCase) throws -> Case
    func openCase(_ newCase: NewCase, number: String) throws -> Case
    func setStatus(caseNumber: String, status: CaseStatus, at: Date) throws
}

extension SQLiteStore: StoreFixtures {}

extension FilingStore {
    /// Files a decided message at the suite's day, through the one filing operation.
    func file(_ filing: Filing) throws -> FilingOutcome { try file(filing, now: StoreConformance.day) }

    /// Files a decided message with a follow-up, through the one filing operation.
    func file(_ filing: Filing, now: Date, followUp: @escaping (FiledContext) throws -> FollowUp) throws -> FilingOutcome {
        try file(DecidedFiling(filing, then: followUp), now: now)
    }
}

/// The behaviour every `LiaisonStore` backend must have. A backend's test runs each check on a
/// fresh, empty store from its own factory (see SQLiteStoreTests); a later PostgreSQL backend
/// runs the same checks unchanged.
enum StoreConformance: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case numbersCasesPerTemplate
    case looksUpByNumberMessageIDAndThread
    case duplicateByMessageIDAdvancesCheckpoint
    case duplicateByContentHashWithoutMessageID
    case reusedMessageIDWithOtherContentIsFiled
    case holdsOnceAndFilesLater
    case acceptAndReject
    case checkpointMovesForwardPerUIDValidity
    case filtersCasesAndSetsStatus
    case keepsCorrespondenceInOrderWithRawBytes
    case failedFilingWritesNothing
    case explicitNumbers

    var testDescription: String { rawValue }

    static let day = Date(timeIntervalSince1970: 1_794_791_553)  // 2026-11-16T09:12:33+08:00

    static func message(_ id: String?, subject: String = "投诉:设备无法开机", from: String = "liu@huadong.example",
                        date: Date = day, extraHeader: String = "", body: String = "正文", refs: [String] = [],
                        aka: [String] = [], addresses: [String] = ["liu@huadong.example"], kind: MessageKind = .correspondence)
        -> IncomingMessage {
        let raw = Array("\(extraHeader)From: \(from)\r\nSubject: \(subject)\r\n\(id.map { "Message-ID: \($0)\r\n" } ?? "")\r\n\(body)\r\n".utf8)
        return IncomingMessage(messageID: id, date: date, subject: subject, threadSubject: ThreadSubject.of(subject), sender: from,
                               kind: kind, direction: .inbound, references: refs, alsoKnownAs: aka, addresses: addresses,
                               contacts: addresses, raw: raw)
    }

    static func newCase(_ template: String = "EC20261116-{seq:3}", owner: String = "zhang@corp.example",
                        category: String = "complaint", at: Date = day) -> NewCase {
        NewCase(numberTemplate: template, isInternal: false,
                counterparty: Counterparty(organization: "huadong.example", contacts: ["liu@huadong.example"]),
                owner: owner, category: category, openedAt: at)
    }

    /// Files held message `heldID` on `caseNumber` as `liaison review accept` does: the held
    /// message through the filing operation with `accepting` set.
    static func accept(_ s: any LiaisonStore, _ m: IncomingMessage, heldID: Int64, caseNumber: String) throws -> FilingOutcome {
        try s.file(Filing(message: m, decision: .existing(caseNumber: caseNumber, rule: .review), accepting: heldID))
    }

    func run(_ s: any LiaisonStore & StoreFixtures) throws {
        typealias C = StoreConformance
        switch self {
        case .numbersCasesPerTemplate:
            let a = try s.file(Filing(message: C.message("<a@x>"), decision: .open(C.newCase())))
            let b = try s.file(Filing(message: C.message("<b@x>", body: "2"), decision: .open(C.newCase())))
            let c = try s.file(Filing(message: C.message("<c@x>", body: "3"), decision: .open(C.newCase("NC20261116-{seq:3}"))))
            guard case .filed("EC20261116-001", _, true) = a, case .filed("EC20261116-002", _, true) = b,
                  case .filed("NC20261116-001", _, true) = c else {
                Issue.record("numbers: \(a) \(b) \(c)"); return
            }
            #expect(try s.counts() == (3, 3, 0))

        case .looksUpByNumberMessageIDAndThread:
            _ = try s.file(Filing(message: C.message("<a@x>", aka: ["<orig@y>"]), decision: .open(C.newCase())))
            let c = try #require(try s.caseWithNumber("EC20261116-001"))
            #expect(c.counterparty == Counterparty(organization: "huadong.example", contacts: ["liu@huadong.example"]))
            #expect(c.owner == "zhang@corp.example")
            #expect(c.status == .open)
            #expect(c.openedAt == C.day)
            #expect(try s.caseWithNumber("EC20261116-002") == nil)
            #expect(try s.caseForMessageID("<a@x>")?.number == "EC20261116-001")
            #expect(try s.caseForMessageID("<orig@y>")?.number == "EC20261116-001")
            #expect(try s.caseForMessageID("<zz@x>") == nil)
            let subject = ThreadSubject.of("投诉:设备无法开机")
            #expect(try s.casesForThread(subject: subject, addresses: ["nobody@else", "liu@huadong.example"],
                                         since: C.day.addingTimeInterval(-30 * 86_400)).map(\.number) == ["EC20261116-001"])
            #expect(try s.casesForThread(subject: subject, addresses: ["nobody@else"], since: C.day.addingTimeInterval(-86_400)).isEmpty)
            #expect(try s.casesForThread(subject: "other", addresses: ["liu@huadong.example"], since: .distantPast).isEmpty)
            #expect(try s.casesForThread(subject: subject, addresses: ["liu@huadong.example"], since: C.day.addingTimeInterval(1)).isEmpty)
            // Addresses of later correspondence tie the case too.
            _ = try s.file(Filing(message: C.message("<b@x>", from: "wang@huadong.example", body: "b", addresses: ["wang@huadong.example"]),
                                  decision: .existing(caseNumber: "EC20261116-001", rule: .reference)))
            #expect(try s.casesForThread(subject: subject, addresses: ["wang@huadong.example"], since: .distantPast).count == 1)
            #expect(try s.caseWithNumber("EC20261116-001")?.counterparty.contacts == ["liu@huadong.example", "wang@huadong.example"])

        case .duplicateByMessageIDAdvancesCheckpoint:
            let cp1 = MailboxCheckpoint(mailbox: "INBOX", uidValidity: 7, lastUID: 1)
            let first = try s.file(Filing(message: C.message("<a@x>"), decision: .open(C.newCase()), checkpoint: cp1))
            guard case .filed(let n, let id, true) = first else { Issue.record("\(first)"); return }
            // A second copy: other trace/list headers, same message.
            let copy = C.message("<a@x>", extraHeader: "X-Copied: via cc\r\n")
            let cp2 = MailboxCheckpoint(mailbox: "INBOX", uidValidity: 7, lastUID: 2)
            #expect(try s.file(Filing(message: copy, decision: .open(C.newCase()), checkpoint: cp2)) == .duplicate(.filed(caseNumber: n, correspondenceID: id)))
            #expect(try s.checkpoint(mailbox: "INBOX") == cp2)
            #expect(try s.counts() == (1, 1, 0))

        case .duplicateByContentHashWithoutMessageID:
            let m = C.message(nil)
            guard case .filed(let n, let id, _) = try s.file(Filing(message: m, decision: .open(C.newCase()))) else { Issue.record("not filed"); return }
            let again = C.message(nil, extraHeader: "Received: from relay\r\n")
            #expect(again.contentHash == m.contentHash)
            #expect(try s.file(Filing(message: again, decision: .open(C.newCase()))) == .duplicate(.filed(caseNumber: n, correspondenceID: id)))
            guard case .filed = try s.file(Filing(message: C.message(nil, body: "另一封"), decision: .existing(caseNumber: n, rule: .threadSubject))) else {
                Issue.record("a different message without Message-ID must be filed"); return
            }
            #expect(try s.counts() == (2, 1, 0))

        case .reusedMessageIDWithOtherContentIsFiled:
            _ = try s.file(Filing(message: C.message("<same@broken>"), decision: .open(C.newCase())))
            let other = C.message("<same@broken>", subject: "另一件事", date: C.day.addingTimeInterval(3_600), body: "x")
            guard case .filed(_, _, true) = try s.file(Filing(message: other, decision: .open(C.newCase()))) else {
                Issue.record("a different message reusing a Message-ID must be filed"); return
            }
            #expect(try s.counts() == (2, 2, 0))

        case .holdsOnceAndFilesLater:
            let m = C.message("<h@x>", subject: "[EC20261110-002] 受理")
            guard case .held(let hid, .unknownCaseTag) = try s.file(Filing(message: m, decision: .hold(.unknownCaseTag, detail: "EC20261110-002"))) else {
                Issue.record("not held"); return
            }
            #expect(try s.file(Filing(message: m, decision: .hold(.unknownCaseTag, detail: "EC20261110-002"))) == .duplicate(.held(heldID: hid)))
            let held = try s.heldMessages()
            #expect(held.map(\.id) == [hid])
            #expect(held.first?.detail == "EC20261110-002")
            #expect(held.first?.raw == m.raw)
            // Once the case exists, the same message files on it and leaves the review list.
            _ = try s.openCase(C.newCase("EC20261110-{seq:3}"), number: "EC20261110-002")
            guard case .filed("EC20261110-002", _, false) = try s.file(Filing(message: m, decision: .existing(caseNumber: "EC20261110-002", rule: .caseTag))) else {
                Issue.record("not filed on the new case"); return
            }
            #expect(try s.heldMessages().isEmpty)
            #expect(try s.counts() == (1, 1, 0))

        case .acceptAndReject:
            _ = try s.openCase(C.newCase())
            let m1 = C.message("<1@x>")
            guard case .held(let h1, _) = try s.file(Filing(message: m1, decision: .hold(.noStaffRecipient, detail: nil))),
                  case .held(let h2, _) = try s.file(Filing(message: C.message("<2@x>", body: "2"), decision: .hold(.noStaffRecipient, detail: nil)))
            else { Issue.record("not held"); return }
            #expect(try s.heldMessage(id: h1)?.raw == m1.raw)
            #expect(try s.heldMessage(id: h1)?.heldAt == C.day)
            #expect(throws: StoreError(.notFound, "no case EC29990101-001")) { try C.accept(s, m1, heldID: h1, caseNumber: "EC29990101-001") }
            // A failed acceptance leaves the message held.
            #expect(try s.heldMessage(id: h1) != nil)
            guard case .filed("EC20261116-001", _, false) = try C.accept(s, m1, heldID: h1, caseNumber: "EC20261116-001") else {
                Issue.record("not accepted"); return
            }
            try s.reject(heldID: h2)
            #expect(throws: StoreError.self) { try s.reject(heldID: h2) }
            #expect(throws: StoreError.self) { try C.accept(s, m1, heldID: h1, caseNumber: "EC20261116-001") }
            #expect(try s.heldMessage(id: h1) == nil)
            #expect(try s.heldMessages().isEmpty)
            #expect(try s.correspondence(caseNumber: "EC20261116-001").map(\.messageID) == ["<1@x>"])
            #expect(try s.caseForMessageID("<1@x>")?.number == "EC20261116-001")

        case .checkpointMovesForwardPerUIDValidity:
            #expect(try s.checkpoint(mailbox: "INBOX") == nil)
            _ = try s.file(Filing(message: C.message("<1@x>"), decision: .hold(.noStaffRecipient, detail: nil),
                                  checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 5, lastUID: 10)))
            _ = try s.file(Filing(message: C.message("<2@x>", body: "2"), decision: .hold(.noStaffRecipient, detail: nil),
                                  checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 5, lastUID: 4)))
            #expect(try s.checkpoint(mailbox: "INBOX") == MailboxCheckpoint(mailbox: "INBOX", uidValidity: 5, lastUID: 10))
            _ = try s.file(Filing(message: C.message("<3@x>", body: "3"), decision: .hold(.noStaffRecipient, detail: nil),
                                  checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 6, lastUID: 2)))
            #expect(try s.checkpoint(mailbox: "INBOX") == MailboxCheckpoint(mailbox: "INBOX", uidValidity: 6, lastUID: 2))
            #expect(try s.checkpoint(mailbox: "Other") == nil)

        case .filtersCasesAndSetsStatus:
            _ = try s.openCase(C.newCase(owner: "zhang@corp.example"))
            _ = try s.openCase(C.newCase(owner: "Li@corp.example", at: C.day.addingTimeInterval(60)))
            #expect(try s.cases(status: nil, owner: nil).map(\.number) == ["EC20261116-002", "EC20261116-001"])
            #expect(try s.cases(status: nil, owner: "li@corp.example").map(\.number) == ["EC20261116-002"])
            let at = C.day.addingTimeInterval(86_400)
            try s.setStatus(caseNumber: "EC20261116-001", status: .resolved, at: at)
            #expect(try s.cases(status: .resolved, owner: nil).map(\.number) == ["EC20261116-001"])
            #expect(try s.cases(status: .open, owner: "zhang@corp.example").isEmpty)
            #expect(try s.caseWithNumber("EC20261116-001")?.resolvedAt == at)
            #expect(throws: StoreError.self) { try s.setStatus(caseNumber: "EC00000000-001", status: .closed, at: at) }

        case .keepsCorrespondenceInOrderWithRawBytes:
            let late = C.message("<late@x>", date: C.day.addingTimeInterval(7_200), body: "晚")
            let early = C.message("<early@x>", date: C.day, body: "早")
            guard case .filed(let n, _, _) = try s.file(Filing(message: late, decision: .open(C.newCase()))) else { Issue.record("x"); return }
            _ = try s.file(Filing(message: early, decision: .existing(caseNumber: n, rule: .reference)))
            let mail = try s.correspondence(caseNumber: n)
            #expect(mail.map(\.messageID) == ["<early@x>", "<late@x>"])
            #expect(mail.map(\.raw) == [early.raw, late.raw])
            #expect(mail.first?.threadSubject == "投诉:设备无法开机")
            #expect(mail.first?.date == C.day)

        case .failedFilingWritesNothing:
            let cp = MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 9)
            #expect(throws: StoreError.self) {
                try s.file(Filing(message: C.message("<a@x>"), decision: .existing(caseNumber: "EC20990101-001", rule: .caseTag), checkpoint: cp))
            }
            #expect(try s.checkpoint(mailbox: "INBOX") == nil)
            #expect(try s.counts() == (0, 0, 0))

        case .explicitNumbers:
            _ = try s.openCase(C.newCase(), number: "EC20261116-001")
            #expect(throws: StoreError.self) { try s.openCase(C.newCase(), number: "EC20261116-001") }
            // The counter skips numbers already taken.
            #expect(try s.openCase(C.newCase()).number == "EC20261116-002")
        }
    }
}
