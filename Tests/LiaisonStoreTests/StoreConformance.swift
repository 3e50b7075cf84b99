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
    // Filing: the plan is asked inside the transaction, through the transaction's own view.
    case planReadsTheTransactionsView
    case followUpAndItsReadsInOneTransaction
    // Reminder queue and updates.
    case reminderQueueFiresOnceAndCancels
    // Outbox: notices recorded as data, rendered after the commit, sent or failed.
    case outboxRendersSendsAndFails
    // Containment.
    case containmentMarksCrashesAndHolds

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
                        category: CaseCategory = .complaint, at: Date = day) -> NewCase {
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

        case .planReadsTheTransactionsView:
            _ = try s.file(Filing(message: C.message("<a@x>", aka: ["<orig@y>"]), decision: .open(C.newCase())))
            // The plan's view sees what is committed and what this transaction wrote before it.
            let plan = ViewProbe { view throws in
                #expect(try view.caseForMessageID("<a@x>")?.number == "EC20261116-001")
                #expect(try view.caseForMessageID("<orig@y>")?.number == "EC20261116-001")
                #expect(try view.casesForThread(subject: "投诉:设备无法开机", addresses: ["liu@huadong.example"],
                                                since: C.day.addingTimeInterval(-60)).map(\.number) == ["EC20261116-001"])
                #expect(try view.outboxEntry(messageID: "<none@x>") == nil)
                #expect(try view.countEvents(scope: "probe", key: "k", since: .distantPast) == 0)
                try view.recordEvent(scope: "probe", key: "k", at: C.day)
                #expect(try view.countEvents(scope: "probe", key: "k", since: .distantPast) == 1)
                let number = try #require(try view.caseWithNumber("EC20261116-001")).number
                return Filing(message: C.message("<b@x>", body: "b"), decision: .existing(caseNumber: number, rule: .reference),
                              checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 2))
            }
            guard case .filed("EC20261116-001", _, false) = try s.file(plan, now: C.day) else { Issue.record("not filed"); return }
            #expect(try s.checkpoint(mailbox: "INBOX")?.lastUID == 2)
            // A plan that throws writes nothing, its ledger event and checkpoint included.
            #expect(throws: ConformanceBoom.self) {
                try s.file(ViewProbe { view in
                    try view.recordEvent(scope: "probe", key: "k", at: C.day)
                    throw ConformanceBoom()
                }, now: C.day)
            }
            let seen = try s.file(ViewProbe { view throws in
                #expect(try view.countEvents(scope: "probe", key: "k", since: .distantPast) == 1, "the thrown plan's event rolled back")
                return Filing(message: C.message("<c@x>", body: "c"), decision: .hold(.noStaffRecipient, detail: nil))
            }, now: C.day)
            guard case .held = seen else { Issue.record("\(seen)"); return }
            #expect(try s.counts() == (2, 1, 1))

        case .followUpAndItsReadsInOneTransaction:
            let at = C.day.addingTimeInterval(3_600)
            let outcome = try s.file(Filing(message: C.message("<r@x>"), decision: .open(C.newCase())), now: at) { ctx throws in
                #expect(ctx.openedCase)
                #expect(try ctx.view.caseThread(ctx.filedCase.number)?.firstMessageID == "<r@x>")
                return FollowUp(recap: NewRecap(messageID: "<r@x>", author: "zhang@corp.example", counterparty: ["liu@huadong.example"],
                                                sentAt: C.day, windowCloses: at, windowNote: nil, nextContact: nil, nextContactNote: nil,
                                                items: []),
                                reminders: [NewReminder(caseNumber: ctx.filedCase.number, kind: .recapWindow, fireAt: at, recipients: ["zhang@corp.example"],
                                                        key: "w", recapID: ctx.correspondenceID, itemNumber: nil, detail: nil)],
                                events: [CaseEvent(caseNumber: ctx.filedCase.number, at: at, kind: .recapFiled, detail: "0 items")])
            }
            guard case .filed(let n, let cid, true) = outcome else { Issue.record("\(outcome)"); return }
            #expect(try s.recaps(caseNumber: n).map(\.id) == [cid])
            #expect(try s.reminders(caseNumber: n, status: .pending, dueBefore: nil).map(\.recapID) == [cid])
            #expect(try s.events(caseNumber: n).map(\.kind) == [.recapFiled])
            #expect(try s.read { try $0.recap(id: cid)?.state } == .pending)

        case .reminderQueueFiresOnceAndCancels:
            _ = try s.openCase(C.newCase())
            let n = "EC20261116-001"
            #expect(try s.nextReminderTime() == nil)
            try s.update(now: C.day) { _ in
                FollowUp(reminders: (1...3).map {
                    NewReminder(caseNumber: n, kind: .itemDue, fireAt: C.day.addingTimeInterval(Double($0) * 60), recipients: ["zhang@corp.example"],
                                key: "i\($0)", recapID: nil, itemNumber: $0, detail: nil)
                })
            }
            #expect(try s.nextReminderTime() == C.day.addingTimeInterval(60))
            let third = try #require(try s.reminders(caseNumber: n, status: .pending, dueBefore: nil).last)
            #expect(try s.cancelReminder(id: third.id, reason: "by hand", at: C.day))
            #expect(try !s.cancelReminder(id: third.id, reason: "again", at: C.day))
            let fired = try s.fireDue(now: C.day.addingTimeInterval(600), limit: 10, lateAfter: 60) { r, _ in
                FollowUp(events: [CaseEvent(caseNumber: n, at: C.day, kind: .reminderFired, detail: r.key)])
            }
            #expect(fired.map(\.key) == ["i1", "i2"])
            #expect(fired.allSatisfy { $0.late && $0.status == .fired })
            #expect(try s.fireDue(now: C.day.addingTimeInterval(600), limit: 10, lateAfter: 60) { _, _ in FollowUp() }.isEmpty)
            #expect(try s.nextReminderTime() == nil)
            #expect(try s.events(caseNumber: n).map(\.detail) == ["i1", "i2"])

        case .outboxRendersSendsAndFails:
            _ = try s.openCase(C.newCase())
            let n = "EC20261116-001"
            let recap = RecapRecord(id: 7, caseNumber: n, recap: NewRecap(messageID: "<r@x>", author: "zhang@corp.example", counterparty: [],
                                                                          sentAt: C.day, windowCloses: C.day, windowNote: nil, nextContact: nil,
                                                                          nextContactNote: nil, items: []),
                                    state: .disputed(at: C.day, objectedItems: [2, 3]))
            let good = Notice(kind: .recapDisputed, recipients: ["zhang@corp.example"], caseNumber: n, recap: recap, detail: "细节")
            let bad = Notice(kind: .itemDue, recipients: ["zhang@corp.example"], caseNumber: n)
            let built = OutgoingMail(caseNumber: n, messageID: "<built@x>", envelopeFrom: "track@corp.example", recipients: ["liu@huadong.example"],
                                     raw: Array("Subject: x\r\n\r\nx\r\n".utf8), purpose: .recap)
            try s.update(now: C.day) { _ in
                FollowUp(mails: [built], notices: [PlannedNotice(notice: good, messageID: "<n1@x>"), PlannedNotice(notice: bad, messageID: "<n2@x>")])
            }
            // Only the built mail is sendable; the notices wait, as data, for the render step.
            #expect(try s.dueOutbox(now: C.day, limit: 10).map(\.mail.messageID) == ["<built@x>"])
            #expect(try s.nextOutboxAttempt() == C.day)
            let pending = try s.unrenderedNotices(limit: 10)
            #expect(pending.map(\.planned) == [PlannedNotice(notice: good, messageID: "<n1@x>"), PlannedNotice(notice: bad, messageID: "<n2@x>")])
            #expect(pending.first?.createdAt == C.day)
            let rendered = OutgoingMail(caseNumber: n, messageID: "<n1@x>", envelopeFrom: "track@corp.example", recipients: ["zhang@corp.example"],
                                        raw: Array("Subject: n\r\n\r\nn\r\n".utf8), purpose: .notice(.recapDisputed))
            try s.noticeRendered(id: pending[0].id, mail: rendered)
            try s.noticeRendered(id: pending[0].id, mail: built)  // rendered already: left as it is
            try s.noticeUnrenderable(id: pending[1].id, at: C.day, error: "`x` is not a mail address")
            #expect(try s.unrenderedNotices(limit: 10).isEmpty)
            #expect(try s.dueOutbox(now: C.day, limit: 10).map(\.mail) == [built, rendered])
            #expect(try s.events(caseNumber: n).map(\.kind) == [.noticeFailed])
            // Sent, retried, failed for good.
            let rows = try s.dueOutbox(now: C.day, limit: 10)
            try s.outboxSent(id: rows[0].id, at: C.day)
            try s.outboxFailed(id: rows[1].id, at: C.day, error: "451", retryAt: C.day.addingTimeInterval(30), followUp: FollowUp())
            #expect(try s.dueOutbox(now: C.day, limit: 10).isEmpty)
            #expect(try s.nextOutboxAttempt() == C.day.addingTimeInterval(30))
            try s.outboxFailed(id: rows[1].id, at: C.day, error: "550", retryAt: nil, followUp: FollowUp())
            #expect(try s.outboxCounts() == [.sent: 1, .failed: 2])
            #expect(try s.outboxEntry(messageID: "<n1@x>")?.attempts == 2)
            #expect(try s.outbox(status: .failed).map(\.mail.messageID) == ["<n1@x>", "<n2@x>"])
            #expect(try s.events(caseNumber: n).map(\.kind) == [.noticeFailed, .deliveryFailed])
            #expect(throws: StoreError.self) { try s.outboxSent(id: 9_999, at: C.day) }

        case .containmentMarksCrashesAndHolds:
            let marker = ProcessingMarker(source: "INBOX", item: "1/5")
            #expect(try s.beginProcessing(marker, run: "run-a", now: C.day) == ProcessingRecord())
            // Another run finds the mark: the first one died with the message in hand.
            #expect(try s.beginProcessing(marker, run: "run-b", now: C.day).crashes == 1)
            #expect(try s.recordFailure(marker, reason: "boom", now: C.day) == ProcessingRecord(crashes: 1, failures: 1, lastError: "boom"))
            let raw = Array("unreadable".utf8)
            let cp = MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 5)
            guard case .held(let id, .unprocessable) = try s.holdUnprocessable(raw: raw, contentHash: ContentHash.of(raw), detail: "crashed",
                                                                                marker: marker, checkpoint: cp, now: C.day) else {
                Issue.record("not held"); return
            }
            #expect(try s.processing(marker) == nil)
            #expect(try s.checkpoint(mailbox: "INBOX") == cp)
            #expect(try s.unprocessableHeld(contentHash: ContentHash.of(raw)) == id)
            #expect(try s.unprocessableCount() == 1)
            #expect(try s.heldMessage(id: id)?.heldAt == C.day)
            #expect(try s.holdUnprocessable(raw: raw, contentHash: ContentHash.of(raw), detail: "again", marker: nil, checkpoint: nil, now: C.day)
                    == .duplicate(.held(heldID: id)))
            // A filing clears its message's mark in its own transaction.
            let other = ProcessingMarker(source: "INBOX", item: "1/6")
            _ = try s.beginProcessing(other, run: "run-b", now: C.day)
            _ = try s.file(Filing(message: C.message("<m@x>"), decision: .open(C.newCase()), marker: other))
            #expect(try s.processing(other) == nil)

        case .explicitNumbers:
            _ = try s.openCase(C.newCase(), number: "EC20261116-001")
            #expect(throws: StoreError.self) { try s.openCase(C.newCase(), number: "EC20261116-001") }
            // The counter skips numbers already taken.
            #expect(try s.openCase(C.newCase()).number == "EC20261116-002")
        }
    }
}

/// A plan that runs `body` on the transaction's view and files what it returns (no follow-ups).
struct ViewProbe: FilingPlan {
    var body: (any FilingView) throws -> Filing
    func filing(_ view: any FilingView) throws -> Filing { try body(view) }
    func followUp(_ context: FiledContext) throws -> FollowUp { FollowUp() }
    func summary(_ context: HeldContext) throws -> FollowUp { FollowUp() }
}

struct ConformanceBoom: Error {}
