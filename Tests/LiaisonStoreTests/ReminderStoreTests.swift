import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonPostgres
@testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// `ReminderStore` on both backends (the SQLite-only checks at the end): follow-ups written with filings, reminders, recaps, events, outbox.
@Suite("Reminder store (SQLite and PostgreSQL)")
struct ReminderStoreTests {
    typealias C = StoreConformance
    struct Boom: Error {}

    static let day = C.day
    static func at(_ seconds: TimeInterval) -> Date { day.addingTimeInterval(seconds) }

    /// Marks a reminder fired behind the store's back (a state the roles reach only by firing).
    static func markFired(_ s: any LiaisonStore, id: Int64) throws {
        if let q = s as? SQLiteStore {
            try q.pool.write { db in try db.execute(sql: "UPDATE reminders SET status = 'fired' WHERE id = ?", arguments: [id]) }
        } else if let p = s as? PostgresStore {
            try p.transaction { try $0.execute("UPDATE reminders SET status = 'fired' WHERE id = ?", [id]) }
        }
    }

    /// Opens a case with one message and returns its number and correspondence id.
    static func openCase(_ s: any LiaisonStore, _ id: String = "<open@x>", body: String = "正文") throws -> (String, Int64) {
        guard case .filed(let n, let cid, true) = try s.file(Filing(message: C.message(id, body: body), decision: .open(C.newCase()))) else {
            throw StoreError("not opened")
        }
        return (n, cid)
    }

    static func reminder(_ caseNumber: String?, _ kind: ReminderKind = .itemDue, at: Date, key: String,
                         recipients: [String] = ["Zhang@corp.example"]) -> NewReminder {
        NewReminder(caseNumber: caseNumber, kind: kind, fireAt: at, about: at.addingTimeInterval(3_600), recipients: recipients,
                    key: key, recapID: nil, itemNumber: nil, detail: "task")
    }

    static func mail(_ messageID: String, caseNumber: String?, reminderID: Int64? = nil) -> OutgoingMail {
        OutgoingMail(caseNumber: caseNumber, messageID: messageID, envelopeFrom: "liaison@corp.example",
                     recipients: ["Zhang@corp.example", "li@corp.example"], raw: Array("Subject: 提醒\r\n\r\n正文 \(messageID)\r\n".utf8),
                     purpose: .notice(.itemDue), reminderID: reminderID)
    }

    static let items = [
        ActionItemRecord(number: 1, owner: "王工", department: "售后部", ownerAddress: "Wang@corp.example", task: "上门检修",
                         due: at(86_400), dueNote: nil),
        ActionItemRecord(number: 3, owner: "李经理", department: nil, ownerAddress: nil, task: "出具报告", due: nil,
                         dueNote: "下周内: unreadable"),
    ]

    static func newRecap(_ messageID: String, sentAt: Date = day) -> NewRecap {
        NewRecap(messageID: messageID, author: "Zhang@corp.example", counterparty: ["Liu@huadong.example"], sentAt: sentAt,
                 windowCloses: sentAt.addingTimeInterval(8 * 3_600), windowNote: nil, nextContact: nil,
                 nextContactNote: "未写", items: items)
    }

    // MARK: file with a follow-up

    @Test(arguments: TestBackend.allCases) func filingWritesTheFollowUpInTheSameTransaction(_ backend: TestBackend) throws {
        try backend.withStore { s in
            var calls = 0
            let cp = MailboxCheckpoint(mailbox: "INBOX", uidValidity: 3, lastUID: 12)
            let outcome = try s.file(Filing(message: C.message("<recap@x>"), decision: .open(C.newCase()), checkpoint: cp), now: Self.day) { ctx throws in
                calls += 1
                #expect(ctx.openedCase)
                #expect(ctx.filedCase.number == "EC20261116-001")
                #expect(ctx.filedCase.owner == "zhang@corp.example")
                // The view reads inside the open transaction: the new case and its first message are visible.
                #expect(try ctx.view.caseWithNumber("EC20261116-001") == ctx.filedCase)
                let thread = try #require(try ctx.view.caseThread("EC20261116-001"))
                #expect(thread.subject == ThreadSubject.of("投诉:设备无法开机"))
                #expect(thread.firstMessageID == "<recap@x>")
                return FollowUp(recap: Self.newRecap("<recap@x>"),
                                reminders: [Self.reminder("EC20261116-001", at: Self.at(3_600), key: "item-due:1:morning")],
                                events: [CaseEvent(caseNumber: "EC20261116-001", at: Self.day, kind: CaseEvent.Kind.recapFiled, detail: "2 items")],
                                mails: [Self.mail("<liaison.EC20261116-001.1@corp.example>", caseNumber: "EC20261116-001")])
            }
            #expect(calls == 1)
            guard case .filed("EC20261116-001", let cid, true) = outcome else { Issue.record("\(outcome)"); return }
            #expect(try s.checkpoint(mailbox: "INBOX") == cp)

            let recaps = try s.recaps(caseNumber: "EC20261116-001")
            #expect(recaps == [RecapRecord(id: cid, caseNumber: "EC20261116-001", recap: Self.newRecap("<recap@x>"), state: .pending)])
            #expect(recaps.first?.recap.items.map(\.ownerAddress) == ["wang@corp.example", nil])
            #expect(recaps.first?.recap.items.last?.dueNote == "下周内: unreadable")

            let reminders = try s.reminders(caseNumber: nil, status: nil, dueBefore: nil)
            #expect(reminders.count == 1)
            let r = try #require(reminders.first)
            #expect(r == Reminder(id: r.id, caseNumber: "EC20261116-001", kind: .itemDue, fireAt: Self.at(3_600), about: Self.at(7_200),
                                  recipients: ["zhang@corp.example"], key: "item-due:1:morning", recapID: nil, itemNumber: nil,
                                  detail: "task", status: .pending, doneAt: nil, late: false, cancelReason: nil))
            #expect(try s.events(caseNumber: "EC20261116-001") == [CaseEvent(caseNumber: "EC20261116-001", at: Self.day, kind: .recapFiled, detail: "2 items")])
            let queued = try s.outbox(status: nil)
            #expect(queued.count == 1)
            #expect(queued.first?.mail == Self.mail("<liaison.EC20261116-001.1@corp.example>", caseNumber: "EC20261116-001"))
            #expect(queued.first?.status == .pending)
            #expect(queued.first?.attempts == 0)
            #expect(queued.first?.nextAttemptAt == Self.day)
            #expect(queued.first?.createdAt == Self.day)
        }
    }

    @Test(arguments: TestBackend.allCases) func aThrowingFollowUpWritesNothingCheckpointIncluded(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let cp = MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: 5)
            #expect(throws: Boom.self) {
                try s.file(Filing(message: C.message("<a@x>"), decision: .open(C.newCase()), checkpoint: cp), now: Self.day) { _ in throw Boom() }
            }
            #expect(try s.counts() == (0, 0, 0))
            #expect(try s.checkpoint(mailbox: "INBOX") == nil)
            // On an existing case too; and a follow-up naming an unknown case is a StoreError that rolls back.
            let (n, _) = try Self.openCase(s)
            #expect(throws: Boom.self) {
                try s.file(Filing(message: C.message("<b@x>", body: "b"), decision: .existing(caseNumber: n, rule: .reference), checkpoint: cp),
                           now: Self.day) { _ in throw Boom() }
            }
            #expect(throws: StoreError.self) {
                try s.file(Filing(message: C.message("<b@x>", body: "b"), decision: .existing(caseNumber: n, rule: .reference), checkpoint: cp),
                           now: Self.day) { _ in
                    FollowUp(reminders: [Self.reminder(n, at: Self.day, key: "ok")],
                             mails: [Self.mail("<m@x>", caseNumber: "EC19990101-001")])
                }
            }
            #expect(try s.counts() == (1, 1, 0))
            #expect(try s.checkpoint(mailbox: "INBOX") == nil)
            #expect(try s.reminders(caseNumber: nil, status: nil, dueBefore: nil).isEmpty)
            #expect(try s.outbox(status: nil).isEmpty)
        }
    }

    @Test(arguments: TestBackend.allCases) func heldAndDuplicateMessagesDoNotCallTheFollowUp(_ backend: TestBackend) throws {
        try backend.withStore { s in
            var calls = 0
            let follow: (FiledContext) throws -> FollowUp = { ctx throws in
                calls += 1
                return FollowUp(reminders: [Self.reminder(ctx.filedCase.number, at: Self.day, key: "k")])
            }
            let first = try s.file(Filing(message: C.message("<a@x>"), decision: .open(C.newCase())), now: Self.day, followUp: follow)
            guard case .filed(let n, let cid, true) = first else { Issue.record("\(first)"); return }
            let again = try s.file(Filing(message: C.message("<a@x>"), decision: .existing(caseNumber: n, rule: .reference)),
                                   now: Self.day, followUp: follow)
            #expect(again == .duplicate(.filed(caseNumber: n, correspondenceID: cid)))
            let held = try s.file(Filing(message: C.message("<h@x>", body: "h"), decision: .hold(.noStaffRecipient, detail: nil)),
                                  now: Self.day, followUp: follow)
            guard case .held = held else { Issue.record("\(held)"); return }
            #expect(calls == 1)
            #expect(try s.reminders(caseNumber: n, status: nil, dueBefore: nil).count == 1)
            // Filing on an existing case: openedCase is false.
            _ = try s.file(Filing(message: C.message("<c@x>", body: "c"), decision: .existing(caseNumber: n, rule: .reference)), now: Self.day) { ctx throws in
                #expect(!ctx.openedCase)
                #expect(ctx.filedCase.number == n)
                return FollowUp()
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func aRecapIsStoredOnlyWithItsMessage(_ backend: TestBackend) throws {
        try backend.withStore { s in
            _ = try Self.openCase(s)
            #expect(throws: StoreError.self) { try s.update(now: Self.day) { _ in FollowUp(recap: Self.newRecap("<r@x>")) } }
            #expect(try s.recaps(caseNumber: "EC20261116-001").isEmpty)
        }
    }

    // MARK: reminders

    @Test(arguments: TestBackend.allCases) func reAddingAReminderIsANoOpPerCaseAndAmongCaselessOnes(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (a, _) = try Self.openCase(s, "<a@x>", body: "a")
            let (b, _) = try Self.openCase(s, "<b@x>", body: "b")
            try s.update(now: Self.day) { _ in
                FollowUp(reminders: [Self.reminder(a, at: Self.at(60), key: "item-due:1:morning"),
                                     Self.reminder(a, at: Self.at(999), key: "item-due:1:morning"),
                                     Self.reminder(b, at: Self.at(120), key: "item-due:1:morning"),
                                     Self.reminder(nil, .digest, at: Self.at(180), key: "digest:2026-11-16"),
                                     Self.reminder(nil, .digest, at: Self.at(181), key: "digest:2026-11-16"),
                                     Self.reminder(nil, .digest, at: Self.at(240), key: "digest:2026-11-17")])
            }
            // Again in a later transaction, after the first one was cancelled: still a no-op.
            let first = try #require(try s.reminders(caseNumber: a, status: nil, dueBefore: nil).first)
            #expect(try s.cancelReminder(id: first.id, reason: "cancelled by hand", at: Self.day))
            try s.update(now: Self.day) { _ in
                FollowUp(reminders: [Self.reminder(a, at: Self.at(60), key: "item-due:1:morning"),
                                     Self.reminder(nil, .digest, at: Self.at(180), key: "digest:2026-11-16")])
            }
            let all = try s.reminders(caseNumber: nil, status: nil, dueBefore: nil)
            #expect(all.map(\.key) == ["item-due:1:morning", "item-due:1:morning", "digest:2026-11-16", "digest:2026-11-17"])
            #expect(all.map(\.caseNumber) == [a, b, nil, nil])
            #expect(all.map(\.fireAt) == [Self.at(60), Self.at(120), Self.at(180), Self.at(240)])
            #expect(all.first?.status == .cancelled)
            try s.read { view throws in
                #expect(try view.reminders(caseNumber: nil, status: nil).map(\.key) == ["digest:2026-11-16", "digest:2026-11-17"])
                #expect(try view.reminders(caseNumber: b, status: .pending).count == 1)
                #expect(try view.reminders(caseNumber: a, status: .pending).isEmpty)
                #expect(try view.reminders(caseNumber: "EC19990101-001", status: nil).isEmpty)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func cancellationsMatchCaseKindAndKeyPrefix(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (a, _) = try Self.openCase(s, "<a@x>", body: "a")
            let (b, _) = try Self.openCase(s, "<b@x>", body: "b")
            try s.update(now: Self.day) { _ in
                FollowUp(reminders: [Self.reminder(a, .itemDue, at: Self.at(10), key: "item-due:812:1:morning"),
                                     Self.reminder(a, .itemDue, at: Self.at(20), key: "item-due:812:1:before"),
                                     Self.reminder(a, .itemDue, at: Self.at(30), key: "item-due:812:10:morning"),
                                     Self.reminder(a, .itemOverdue, at: Self.at(40), key: "item-due:812:1:overdue"),
                                     Self.reminder(a, .complaintResponse, at: Self.at(50), key: "complaint-response"),
                                     Self.reminder(a, .complaintSolution, at: Self.at(60), key: "complaint-solution"),
                                     Self.reminder(b, .complaintResponse, at: Self.at(70), key: "complaint-response")])
            }
            let now = Self.at(5)
            try s.update(now: now) { _ in
                FollowUp(cancellations: [ReminderCancellation(caseNumber: a, kinds: [.itemDue], keyPrefix: "item-due:812:1:", reason: "item done")])
            }
            var rs = try s.reminders(caseNumber: a, status: nil, dueBefore: nil)
            #expect(rs.map(\.status) == [.cancelled, .cancelled, .pending, .pending, .pending, .pending])
            #expect(rs.prefix(2).map(\.cancelReason) == ["item done", "item done"])
            #expect(rs.prefix(2).map(\.doneAt) == [now, now])
            // By kind only, on one case: case b's complaint reminder stays; a fired one is not touched.
            let solution = try #require(rs.first { $0.kind == .complaintSolution })
            try Self.markFired(s, id: solution.id)
            try s.update(now: now) { _ in
                FollowUp(cancellations: [ReminderCancellation(caseNumber: a, kinds: [.complaintResponse, .complaintSolution], reason: "staff replied")])
            }
            rs = try s.reminders(caseNumber: a, status: nil, dueBefore: nil)
            #expect(rs.map(\.status) == [.cancelled, .cancelled, .pending, .pending, .cancelled, .fired])
            #expect(rs[4].cancelReason == "staff replied")
            #expect(rs[5].cancelReason == nil)
            #expect(try s.reminders(caseNumber: b, status: .pending, dueBefore: nil).count == 1)
            // No kinds: every pending reminder of the case. Then a new reminder in the same follow-up survives.
            try s.update(now: now) { _ in
                FollowUp(reminders: [Self.reminder(a, .nextContact, at: Self.at(90), key: "next-contact:2")],
                         cancellations: [ReminderCancellation(caseNumber: a, kinds: [], reason: "case resolved")])
            }
            rs = try s.reminders(caseNumber: a, status: .pending, dueBefore: nil)
            #expect(rs.map(\.key) == ["next-contact:2"])
            #expect(throws: StoreError.self) {
                try s.update(now: now) { _ in FollowUp(cancellations: [ReminderCancellation(caseNumber: "EC19990101-001", kinds: [], reason: "x")]) }
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func cancelReminderByID(_ backend: TestBackend) throws {
        try backend.withStore { s in
            try s.update(now: Self.day) { _ in FollowUp(reminders: [Self.reminder(nil, .digest, at: Self.at(60), key: "d")]) }
            let r = try #require(try s.reminders(caseNumber: nil, status: .pending, dueBefore: nil).first)
            #expect(try s.cancelReminder(id: r.id, reason: "cancelled by hand", at: Self.at(30)))
            #expect(try !s.cancelReminder(id: r.id, reason: "again", at: Self.at(40)))
            #expect(try !s.cancelReminder(id: 9_999, reason: "none", at: Self.at(40)))
            let stored = try #require(try s.reminders(caseNumber: nil, status: nil, dueBefore: nil).first)
            #expect(stored.status == .cancelled)
            #expect(stored.cancelReason == "cancelled by hand")
            #expect(stored.doneAt == Self.at(30))
            #expect(try s.nextReminderTime() == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func fireDueFiresDueOnesInOrderFlagsLateAndSkipsCancelled(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (n, _) = try Self.openCase(s)
            let now = Self.at(10_000)
            try s.update(now: Self.day) { _ in
                FollowUp(reminders: [Self.reminder(n, at: now, key: "on-time"),
                                     Self.reminder(n, at: now.addingTimeInterval(-7_200), key: "two-hours-late"),
                                     Self.reminder(n, at: now.addingTimeInterval(-3_600), key: "cancelled"),
                                     Self.reminder(n, at: now.addingTimeInterval(-60), key: "a-minute"),
                                     Self.reminder(n, at: now.addingTimeInterval(-61), key: "just-late"),
                                     Self.reminder(nil, .digest, at: now.addingTimeInterval(60), key: "future")])
            }
            let cancelled = try #require(try s.reminders(caseNumber: n, status: nil, dueBefore: nil).first { $0.key == "cancelled" })
            #expect(try s.cancelReminder(id: cancelled.id, reason: "staff replied", at: Self.day))
            #expect(try s.nextReminderTime() == now.addingTimeInterval(-7_200))
            // Five pending (the cancelled one is not), of both kinds (liaison_reminders_pending).
            #expect(try s.pendingReminderCount() == 5)

            var seen: [String] = []
            let fired = try s.fireDue(now: now, limit: 10, lateAfter: 60) { r, view throws in
                seen.append(r.key)
                #expect(r.status == .fired)
                #expect(try view.caseWithNumber(n)?.number == n)
                return FollowUp(mails: [Self.mail("<liaison.\(n).\(r.key)@corp.example>", caseNumber: n, reminderID: r.id)])
            }
            #expect(seen == ["two-hours-late", "just-late", "a-minute", "on-time"])
            #expect(fired.map(\.key) == seen)
            #expect(fired.map(\.late) == [true, true, false, false])
            #expect(fired.allSatisfy { $0.doneAt == now && $0.status == .fired })
            let stored = try s.reminders(caseNumber: nil, status: .fired, dueBefore: nil)
            #expect(stored == fired)
            #expect(try s.outbox(status: .pending).map(\.mail.reminderID) == fired.map(\.id))
            #expect(try s.nextReminderTime() == now.addingTimeInterval(60))
            #expect(try s.pendingReminderCount() == 1)
            #expect(try s.fireDue(now: now, limit: 10, lateAfter: 60) { _, _ in FollowUp() }.isEmpty)
            #expect(try s.reminders(caseNumber: n, status: .cancelled, dueBefore: nil).map(\.key) == ["cancelled"])
        }
    }

    @Test(arguments: TestBackend.allCases) func fireDueHonoursLimitRollsBackAThrowAndRechecksPending(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (n, _) = try Self.openCase(s)
            try s.update(now: Self.day) { _ in
                FollowUp(reminders: [Self.reminder(n, .complaintResponse, at: Self.at(1), key: "first"),
                                     Self.reminder(n, .complaintSolution, at: Self.at(2), key: "second"),
                                     Self.reminder(n, .itemDue, at: Self.at(3), key: "third")])
            }
            #expect(try s.fireDue(now: Self.at(10), limit: 1, lateAfter: 60) { _, _ in FollowUp() }.map(\.key) == ["first"])
            // A throw: that reminder stays pending, nothing of its follow-up is written.
            #expect(throws: Boom.self) {
                try s.fireDue(now: Self.at(10), limit: 5, lateAfter: 60) { _, _ in throw Boom() }
            }
            #expect(try s.reminders(caseNumber: n, status: .pending, dueBefore: nil).map(\.key) == ["second", "third"])
            // The second's follow-up cancels the third, which was due when the batch was read: it is skipped.
            let fired = try s.fireDue(now: Self.at(10), limit: 5, lateAfter: 60) { r, _ in
                FollowUp(cancellations: [ReminderCancellation(caseNumber: n, kinds: [.itemDue, .complaintSolution], reason: "resolved")])
            }
            #expect(fired.map(\.key) == ["second"])
            #expect(try s.reminders(caseNumber: n, status: nil, dueBefore: nil).map(\.status) == [.fired, .fired, .cancelled])
            #expect(try s.fireDue(now: Self.at(10), limit: 0, lateAfter: 60) { _, _ in FollowUp() }.isEmpty)
        }
    }

    @Test(arguments: TestBackend.allCases) func remindersFilterByCaseStatusAndDueBefore(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (a, _) = try Self.openCase(s, "<a@x>", body: "a")
            let (b, _) = try Self.openCase(s, "<b@x>", body: "b")
            try s.update(now: Self.day) { _ in
                FollowUp(reminders: [Self.reminder(b, at: Self.at(300), key: "b1"), Self.reminder(a, at: Self.at(200), key: "a2"),
                                     Self.reminder(a, at: Self.at(100), key: "a1"), Self.reminder(nil, .digest, at: Self.at(150), key: "d")])
            }
            #expect(try s.reminders(caseNumber: nil, status: nil, dueBefore: nil).map(\.key) == ["a1", "d", "a2", "b1"])
            #expect(try s.reminders(caseNumber: a, status: nil, dueBefore: nil).map(\.key) == ["a1", "a2"])
            #expect(try s.reminders(caseNumber: nil, status: nil, dueBefore: Self.at(200)).map(\.key) == ["a1", "d"])
            #expect(try s.reminders(caseNumber: a, status: .pending, dueBefore: Self.at(201)).map(\.key) == ["a1", "a2"])
            #expect(try s.reminders(caseNumber: a, status: .fired, dueBefore: nil).isEmpty)
            #expect(try s.reminders(caseNumber: "EC19990101-001", status: nil, dueBefore: nil).isEmpty)
        }
    }

    // MARK: recaps, events, statuses, the view

    @Test(arguments: TestBackend.allCases) func recapStatesRoundTrip(_ backend: TestBackend) throws {
        try backend.withStore { s in
            var ids: [Int64] = []
            for (i, mid) in ["<r1@x>", "<r2@x>"].enumerated() {
                let decision: FilingDecision = i == 0 ? .open(C.newCase()) : .existing(caseNumber: "EC20261116-001", rule: .reference)
                let out = try s.file(Filing(message: C.message(mid, body: mid), decision: decision), now: Self.day) { ctx throws in
                    ids.append(ctx.correspondenceID)
                    // The later recap was sent earlier: recaps come oldest first by their sending time.
                    return FollowUp(recap: Self.newRecap(mid, sentAt: Self.at(i == 0 ? 600 : 0)))
                }
                guard case .filed(_, let cid, _) = out else { Issue.record("\(out)"); return }
                #expect(cid == ids.last)
            }
            let confirmedAt = Self.at(8 * 3_600)
            let disputedAt = Self.at(3_000)
            try s.update(now: Self.at(9 * 3_600)) { view throws in
                #expect(try view.recap(id: ids[0])?.state == .pending)
                return FollowUp(recapStates: [RecapStateChange(recapID: ids[0], state: .confirmed(at: confirmedAt)),
                                              RecapStateChange(recapID: ids[1], state: .disputed(at: disputedAt, objectedItems: [3, 1]))])
            }
            let recaps = try s.recaps(caseNumber: "EC20261116-001")
            #expect(recaps.map(\.id) == [ids[1], ids[0]])
            #expect(recaps.map(\.state) == [.disputed(at: disputedAt, objectedItems: [3, 1]), .confirmed(at: confirmedAt)])
            #expect(recaps.map(\.recap.messageID) == ["<r2@x>", "<r1@x>"])
            #expect(recaps.allSatisfy { $0.recap.items == Self.items.map { ActionItemRecord(number: $0.number, owner: $0.owner,
                department: $0.department, ownerAddress: $0.ownerAddress, task: $0.task, due: $0.due, dueNote: $0.dueNote) } })
            try s.read { view throws in
                #expect(try view.recap(id: ids[1]) == recaps.first)
                #expect(try view.recap(id: 9_999) == nil)
                #expect(try view.recaps(caseNumber: "EC20261116-001") == recaps)
            }
            // Back to pending (e.g. a correction) and an unknown recap.
            try s.update(now: Self.day) { _ in FollowUp(recapStates: [RecapStateChange(recapID: ids[1], state: .disputed(at: disputedAt, objectedItems: []))]) }
            #expect(try s.recaps(caseNumber: "EC20261116-001").first?.state == .disputed(at: disputedAt, objectedItems: []))
            #expect(throws: StoreError.self) {
                try s.update(now: Self.day) { _ in FollowUp(recapStates: [RecapStateChange(recapID: 9_999, state: .pending)]) }
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func eventsComeInTimeOrderThenWritingOrder(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (a, _) = try Self.openCase(s, "<a@x>", body: "a")
            let (b, _) = try Self.openCase(s, "<b@x>", body: "b")
            try s.update(now: Self.day) { _ in
                FollowUp(events: [CaseEvent(caseNumber: a, at: Self.at(300), kind: .recapConfirmed, detail: "late"),
                                  CaseEvent(caseNumber: a, at: Self.at(100), kind: .recapFiled, detail: "first"),
                                  CaseEvent(caseNumber: b, at: Self.at(0), kind: .recapFiled, detail: "other case")])
            }
            try s.update(now: Self.day) { _ in
                FollowUp(events: [CaseEvent(caseNumber: a, at: Self.at(100), kind: .dueUnreadable, detail: "same instant, written later"),
                                  CaseEvent(caseNumber: a, at: Self.at(200), kind: .reminderCancelled, detail: "middle")])
            }
            #expect(try s.events(caseNumber: a).map(\.detail) == ["first", "same instant, written later", "middle", "late"])
            #expect(try s.events(caseNumber: b).map(\.kind) == [.recapFiled])
            #expect(try s.events(caseNumber: b).map(\.kind.rawValue) == ["recap-filed"], "stored by the same name as before")
            #expect(try s.events(caseNumber: "EC19990101-001").isEmpty)
        }
    }

    @Test(arguments: TestBackend.allCases) func statusChangesAndTheViewOfCases(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (a, _) = try Self.openCase(s, "<a@x>", body: "a")
            _ = try s.openCase(C.newCase(owner: "li@corp.example", at: Self.at(60)))
            try s.update(now: Self.at(500)) { view throws in
                #expect(try view.cases(status: .open, owner: nil).map(\.number) == ["EC20261116-002", a])
                #expect(try view.cases(status: nil, owner: "Li@corp.example").map(\.number) == ["EC20261116-002"])
                // A case opened by hand has no thread.
                #expect(try view.caseThread("EC20261116-002") == nil)
                #expect(try view.caseThread("EC19990101-001") == nil)
                return FollowUp(statusChanges: [(caseNumber: a, status: .resolved)])
            }
            let c = try #require(try s.caseWithNumber(a))
            #expect(c.status == .resolved)
            #expect(c.resolvedAt == Self.at(500))
            #expect(throws: StoreError.self) {
                try s.update(now: Self.day) { _ in FollowUp(statusChanges: [(caseNumber: "EC19990101-001", status: .closed)]) }
            }
            // The thread is the earliest message by date, whatever the filing order.
            _ = try s.file(Filing(message: C.message("<early@x>", date: Self.at(-3_600), body: "early"), decision: .existing(caseNumber: a, rule: .reference)))
            #expect(try s.read { try $0.caseThread(a)?.firstMessageID } == "<early@x>")
        }
    }

    // MARK: outbox

    @Test(arguments: TestBackend.allCases) func theSameMessageIDIsQueuedOnce(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (n, _) = try Self.openCase(s)
            let m = Self.mail("<liaison.\(n).1@corp.example>", caseNumber: n)
            try s.update(now: Self.day) { _ in FollowUp(mails: [m, m]) }
            try s.update(now: Self.at(60)) { _ in FollowUp(mails: [m, Self.mail("<free@corp.example>", caseNumber: nil)]) }
            let rows = try s.outbox(status: nil)
            #expect(rows.map(\.mail.messageID) == [m.messageID, "<free@corp.example>"])
            #expect(rows.first?.createdAt == Self.day)
            #expect(rows.last?.mail.caseNumber == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func outboxRetryThenSent(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (n, _) = try Self.openCase(s)
            let m = Self.mail("<liaison.\(n).1@corp.example>", caseNumber: n)
            try s.update(now: Self.day) { _ in FollowUp(mails: [m]) }
            #expect(try s.nextOutboxAttempt() == Self.day)
            #expect(try s.dueOutbox(now: Self.at(-1), limit: 10).isEmpty)
            let due = try s.dueOutbox(now: Self.day, limit: 10)
            #expect(due.map(\.mail) == [m])
            let id = try #require(due.first?.id)

            try s.outboxFailed(id: id, at: Self.at(5), error: "421 4.3.0 try later", retryAt: Self.at(65), followUp: FollowUp())
            var row = try #require(try s.outboxEntry(messageID: m.messageID))
            #expect(row.status == .pending)
            #expect(row.attempts == 1)
            #expect(row.nextAttemptAt == Self.at(65))
            #expect(row.lastError == "421 4.3.0 try later")
            #expect(try s.nextOutboxAttempt() == Self.at(65))
            #expect(try s.dueOutbox(now: Self.at(64), limit: 10).isEmpty)
            #expect(try s.dueOutbox(now: Self.at(65), limit: 10).map(\.id) == [id])
            #expect(try s.events(caseNumber: n).isEmpty)

            try s.outboxSent(id: id, at: Self.at(66))
            row = try #require(try s.outboxEntry(messageID: m.messageID))
            #expect(row.status == .sent)
            #expect(row.sentAt == Self.at(66))
            #expect(row.attempts == 2)
            #expect(row.lastError == "421 4.3.0 try later")
            #expect(row.mail.raw == m.raw)
            #expect(try s.nextOutboxAttempt() == nil)
            #expect(try s.outbox(status: .sent).map(\.id) == [id])
            #expect(try s.outbox(status: .pending).isEmpty)
            // Sent twice (a restart between send and mark) changes nothing; a retry of a sent row is refused.
            try s.outboxSent(id: id, at: Self.at(99))
            #expect(try s.outboxEntry(messageID: m.messageID)?.sentAt == Self.at(66))
            #expect(throws: StoreError.self) { try s.outboxFailed(id: id, at: Self.at(99), error: "x", retryAt: Self.at(120), followUp: FollowUp()) }
            #expect(throws: StoreError.self) { try s.outboxSent(id: 9_999, at: Self.day) }
            #expect(try s.outboxEntry(messageID: "<none@x>") == nil)
            // A bounce that names the sent mail later: failed, recorded on the case.
            try s.outboxFailed(id: id, at: Self.at(500), error: "bounce: 552 mailbox full", retryAt: nil, followUp: FollowUp())
            #expect(try s.outboxEntry(messageID: m.messageID)?.status == .failed)
            #expect(try s.events(caseNumber: n).map(\.kind) == [CaseEvent.Kind.deliveryFailed])
        }
    }

    @Test(arguments: TestBackend.allCases) func dueOutboxIsOldestFirstAndLimited(_ backend: TestBackend) throws {
        try backend.withStore { s in
            try s.update(now: Self.day) { _ in FollowUp(mails: [Self.mail("<1@x>", caseNumber: nil), Self.mail("<2@x>", caseNumber: nil)]) }
            try s.update(now: Self.at(10)) { _ in FollowUp(mails: [Self.mail("<3@x>", caseNumber: nil)]) }
            #expect(try s.dueOutbox(now: Self.at(10), limit: 2).map(\.mail.messageID) == ["<1@x>", "<2@x>"])
            #expect(try s.dueOutbox(now: Self.at(5), limit: 10).map(\.mail.messageID) == ["<1@x>", "<2@x>"])
            #expect(try s.dueOutbox(now: Self.at(10), limit: 10).map(\.mail.messageID) == ["<1@x>", "<2@x>", "<3@x>"])
        }
    }

    @Test(arguments: TestBackend.allCases) func aPermanentFailureIsRecordedOnTheCaseWithItsFollowUp(_ backend: TestBackend) throws {
        try backend.withStore { s in
            let (n, _) = try Self.openCase(s)
            let m = Self.mail("<liaison.\(n).1@corp.example>", caseNumber: n)
            let free = Self.mail("<digest@corp.example>", caseNumber: nil)
            try s.update(now: Self.day) { _ in FollowUp(mails: [m, free]) }
            let id = try #require(try s.outboxEntry(messageID: m.messageID)?.id)
            let notice = Self.mail("<liaison.\(n).notice@corp.example>", caseNumber: n)
            try s.outboxFailed(id: id, at: Self.at(30), error: "550 5.1.1 no such user", retryAt: nil, followUp: FollowUp(mails: [notice]))
            let row = try #require(try s.outboxEntry(messageID: m.messageID))
            #expect(row.status == .failed)
            #expect(row.attempts == 1)
            #expect(row.lastError == "550 5.1.1 no such user")
            let events = try s.events(caseNumber: n)
            #expect(events.count == 1)
            #expect(events.first?.kind == CaseEvent.Kind.deliveryFailed)
            #expect(events.first?.at == Self.at(30))
            let detail = try #require(events.first?.detail)
            #expect(detail.contains("550 5.1.1 no such user") && detail.contains(m.messageID) && detail.contains("li@corp.example"))
            #expect(!detail.contains("正文"))
            #expect(try s.outbox(status: .pending).map(\.mail.messageID) == [free.messageID, notice.messageID])
            #expect(try s.outbox(status: .failed).map(\.id) == [id])
            // A case-less mail fails without an event; a follow-up on an unknown case rolls the failure back.
            let freeID = try #require(try s.outboxEntry(messageID: free.messageID)?.id)
            #expect(throws: StoreError.self) {
                try s.outboxFailed(id: freeID, at: Self.at(40), error: "550", retryAt: nil,
                                   followUp: FollowUp(events: [CaseEvent(caseNumber: "EC19990101-001", at: Self.day, kind: CaseEventKind(rawValue: "x"), detail: "y")]))
            }
            #expect(try s.outboxEntry(messageID: free.messageID)?.status == .pending)
            try s.outboxFailed(id: freeID, at: Self.at(40), error: "550", retryAt: nil, followUp: FollowUp())
            #expect(try s.outboxEntry(messageID: free.messageID)?.status == .failed)
            #expect(try s.events(caseNumber: n).count == 1)
            #expect(throws: StoreError.self) { try s.outboxFailed(id: 9_999, at: Self.day, error: "x", retryAt: nil, followUp: FollowUp()) }
        }
    }

    // MARK: schema and scale

    @Test func aVersion1DatabaseIsUpgradedAndTheQueuesAreIndexLookups() throws {
        let path = try temporaryDatabasePath()
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        do {
            let v1 = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator.migrate(v1, upTo: "v1: cases, correspondence, held, checkpoints")
            try v1.write { db in
                try db.execute(sql: "INSERT INTO cases (number, internal, category, status, opened_at) VALUES ('EC20261116-001', 0, 'complaint', 'open', 0)")
            }
        }
        let s = try TestStores.sqlite(path: path)
        #expect(try s.pool.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db).count } == SQLiteSchema.migrator.migrations.count)
        try s.update(now: Self.day) { _ in FollowUp(reminders: [Self.reminder("EC20261116-001", at: Self.day, key: "k")]) }
        #expect(try s.nextReminderTime() == Self.day)
        func plan(_ sql: String, _ args: StatementArguments = []) throws -> String {
            try s.pool.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: args).map { $0["detail"] as String }.joined(separator: "; ") }
        }
        let next = try plan(SQLiteStore.nextReminderSQL)
        #expect(next.contains("USING COVERING INDEX reminders_pending") || next.contains("USING INDEX reminders_pending"), "\(next)")
        #expect(!next.contains("TEMP B-TREE"), "\(next)")
        let due = try plan(SQLiteStore.dueReminderIDsSQL, [0, 10])
        #expect(due.contains("INDEX reminders_pending (fire_at<?)"), "\(due)")
        let outbox = try plan(SQLiteStore.nextOutboxSQL)
        #expect(outbox.contains("INDEX outbox_pending"), "\(outbox)")
    }

    @Test("v4-notices: outbox rows queued before it stay sendable as they are")
    func aVersion3OutboxIsUpgradedAndStaysSendable() throws {
        let path = try temporaryDatabasePath()
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        do {
            let v3 = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator.migrate(v3, upTo: "v3-report: case flow index")
            try v3.write { db in
                try db.execute(sql: """
                    INSERT INTO outbox (case_id, message_id, envelope_from, recipients, raw, purpose, reminder_id, status, attempts,
                                        next_attempt_at, last_error, created_at, sent_at)
                    VALUES (NULL, '<old@x>', 'track@corp.example', '["a@corp.example"]', X'53', 'digest', NULL, 'pending', 0, 0, NULL, 0, NULL)
                    """)
            }
        }
        let s = try SQLiteStore(path: path)   // clear on purpose: rows written before v4, in clear
        #expect(try s.pool.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db) }.contains("v4-notices: notices rendered after the commit"))
        #expect(try s.dueOutbox(now: Self.day, limit: 10).map(\.mail.messageID) == ["<old@x>"])
        #expect(try s.dueOutbox(now: Self.day, limit: 10).first?.mail.purpose == .notice(.digest))
        #expect(try s.unrenderedNotices(limit: 10).isEmpty)
    }

    @Test func addressListsRoundTripThroughTheirColumnEncoding() {
        let odd = ["\"quoted local\"@x.example", "back\\slash@x", "tab\there@x", "李@例子.中国", "", "nl\r\n@x"]
        #expect(SQLiteStore.strings(SQLiteStore.json(odd)) == odd)
        #expect(SQLiteStore.json(["a@x", "b@y"]) == #"["a@x","b@y"]"#)
        #expect(SQLiteStore.strings(SQLiteStore.json([String]())) == [])
        #expect(SQLiteStore.ints(SQLiteStore.json([3, 1, 12])) == [3, 1, 12])
        #expect(SQLiteStore.ints("[]") == [])
    }

    /// Not a timed assertion: prints how long 100,000 pending reminders take to insert, to re-arm
    /// (after reopening the file) and 1,000 due among them to fire.
    @Test func oneHundredThousandPendingReminders() throws {
        let path = try temporaryDatabasePath()
        let s = try TestStores.sqlite(path: path)
        let (n, _) = try Self.openCase(s)
        let count = 100_000
        // Every 100th reminder (1,000 of them) is due at `now`; the rest later, in scrambled order.
        let now = Self.at(3_600)
        var minimum = Date.distantFuture
        var laterMinimum = Date.distantFuture
        var news: [NewReminder] = []
        news.reserveCapacity(count)
        for i in 0..<count {
            let fireAt = i % 100 == 0 ? now.addingTimeInterval(-Double(i % 997)) : now.addingTimeInterval(Double(60 + (i * 7_919) % 900_000))
            minimum = min(minimum, fireAt)
            if fireAt > now { laterMinimum = min(laterMinimum, fireAt) }
            news.append(Self.reminder(i % 2 == 0 ? n : nil, at: fireAt, key: "bench:\(i)"))
        }
        let clock = ContinuousClock()
        let insert = try clock.measure { try s.update(now: Self.day) { _ in FollowUp(reminders: news) } }
        news = []
        let reopened = try TestStores.sqlite(path: path)
        var next: Date?
        let rearm = try clock.measure { next = try reopened.nextReminderTime() }
        #expect(next == minimum)
        #expect(try reopened.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reminders WHERE status = 'pending'") } == count)
        var fired: [Reminder] = []
        let fire = try clock.measure {
            fired = try reopened.fireDue(now: now, limit: 5_000, lateAfter: 60) { _, _ in FollowUp() }
        }
        #expect(fired.count == 1_000)
        #expect(fired.allSatisfy { Int($0.key.dropFirst(6)).map { $0 % 100 == 0 } == true })
        #expect(try reopened.nextReminderTime() == laterMinimum)
        print("reminder store figures: insert \(count) pending reminders in one transaction: \(insert); "
              + "nextReminderTime after reopening: \(rearm); fireDue of 1,000 due among \(count) (one transaction each): \(fire)")
    }
}
