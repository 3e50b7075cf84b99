import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import LiaisonTransportFakes
import Testing
@testable import LiaisonDaemon

// `liaison review accept` files the held message through the one filing path with the case the
// operator names: the same follow-ups as on arrival (issue 13).

private func at(_ s: String) -> Date { FlowFixtures.instant(s) }
private func corpusMessage(_ prefix: String) throws -> [UInt8] { try FlowFixtures.corpusMessage(prefix) }

/// `raw` with the header fields starting with each key replaced by the value (nil: removed).
private func edited(_ raw: [UInt8], _ changes: [String: String?]) -> [UInt8] {
    let text = String(decoding: raw, as: UTF8.self)
    let split = text.range(of: "\r\n\r\n")!
    var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    for (key, value) in changes {
        let i = lines.firstIndex { $0.hasPrefix(key) }!
        var end = i + 1
        while end < lines.count, lines[end].first == " " || lines[end].first == "\t" { end += 1 }
        lines.replaceSubrange(i..<end, with: value.map { [$0] } ?? [])
    }
    return Array((lines.joined(separator: "\r\n") + text[split.lowerBound...]).utf8)
}

private struct ReviewFlow {
    let flow: CorpusFlow
    var store: SQLiteStore { flow.store }
    var engine: ReminderEngine { flow.engine }
    var pipeline: IngestPipeline { flow.pipeline }

    init() throws { flow = try CorpusFlow("review") }

    /// Accepts held message `id` on `number` at `now`, as the command does.
    func accept(_ id: Int64, on number: String, now: Date) throws -> IngestResult {
        let held = try #require(try store.heldMessage(id: id))
        return try pipeline.file(pipeline.read(held.raw), now: now,
                                 accepting: HeldAcceptance(heldID: id, caseNumber: number, heldAt: held.heldAt))
    }

    func cleanup() { flow.cleanup() }
}

@Suite struct ReviewAcceptTests {
    let number = "EC20261116-001"
    /// A tag naming no case: the message is held for review as `unknownCaseTag`.
    let wrongTag = "[EC20261116-099] "

    @Test("an accepted recap from a trusted sender stores its recap and schedules its reminders, as on arrival")
    func acceptedRecapSchedulesItsReminders() throws {
        let flow = try ReviewFlow()
        defer { flow.cleanup() }
        _ = try flow.pipeline.ingest(try corpusMessage("01"), now: at("2026-11-16T09:13:00+08:00"))
        // The recap carries a wrong tag and no references: held, with nothing stored or scheduled.
        let recap = edited(try corpusMessage("03"), [
            "References:": nil,
            "Subject:": "Subject: \(wrongTag)=?gb2312?B?u+HS6bzN0qo6udjT2rXatv7F+rv1zu/WysG/zsrM4rXEtee7sLm1zag=?=",
        ])
        guard case .held(let id, .unknownCaseTag) = try flow.pipeline.ingest(recap, now: at("2026-11-17T15:41:00+08:00")) else {
            Issue.record("not held"); return
        }
        #expect(try flow.store.recaps(caseNumber: number).isEmpty)
        #expect(try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).allSatisfy { $0.recapID == nil })

        let result = try flow.accept(id, on: number, now: at("2026-11-17T16:30:00+08:00"))
        #expect(result == .filed(caseNumber: number, openedCase: false, rule: .review))
        let stored = try #require(try flow.store.recaps(caseNumber: number).first)
        #expect(stored.state == .pending)
        #expect(stored.recap.items.count == 3)
        #expect(stored.recap.windowCloses == at("2026-11-17T23:59:59+08:00"))
        let reminders = try flow.store.reminders(caseNumber: number, status: .pending, dueBefore: nil).filter { $0.recapID == stored.id }
        #expect(reminders.contains { $0.kind == .recapWindow })
        #expect(reminders.contains { $0.kind == .itemDue })
        #expect(try flow.store.heldMessages().isEmpty)
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.recapFiled })
        // Accepting again is refused: it is no longer awaiting review.
        #expect(throws: StoreError.self) {
            try flow.pipeline.file(flow.pipeline.read(recap), now: at("2026-11-17T16:31:00+08:00"),
                                   accepting: HeldAcceptance(heldID: id, caseNumber: number, heldAt: nil))
        }
    }

    @Test("an accepted objection disputes the recap, judged by when it was held, not when it was accepted")
    func acceptedObjectionDisputesTheRecap() throws {
        let flow = try ReviewFlow()
        defer { flow.cleanup() }
        _ = try flow.pipeline.ingest(try corpusMessage("01"), now: at("2026-11-16T09:13:00+08:00"))
        _ = try flow.pipeline.ingest(try corpusMessage("03"), now: at("2026-11-17T15:41:00+08:00"))
        let objection = edited(try corpusMessage("04"), [
            "In-Reply-To:": nil,
            "Subject:": "Subject: RE: \(wrongTag)=?utf-8?B?5Lya6K6u57qq6KaBOuWFs+S6juesrOS6jOaJuei0p+eJqei0qOmHj+mXrumimOeahOeUteivneayn+mAmg==?=",
        ])
        guard case .held(let id, .unknownCaseTag) = try flow.pipeline.ingest(objection, now: at("2026-11-17T18:03:00+08:00")) else {
            Issue.record("not held"); return
        }
        #expect(try flow.store.recaps(caseNumber: number).first?.state == .pending)
        // Accepted the next morning, after the window closed: it arrived inside it, so it disputes.
        let result = try flow.accept(id, on: number, now: at("2026-11-18T09:30:00+08:00"))
        #expect(result == .filed(caseNumber: number, openedCase: false, rule: .review))
        guard case .disputed(let when, let items) = try #require(try flow.store.recaps(caseNumber: number).first).state else {
            Issue.record("not disputed"); return
        }
        #expect(when == at("2026-11-17T18:03:00+08:00"))
        #expect(items == [3])
        #expect(try flow.store.events(caseNumber: number).contains { $0.kind == CaseEvent.Kind.recapDisputed })
        // Its author is told, through the outbox, once rendered after the commit.
        try flow.engine.renderRecorded()
        #expect(try flow.store.outbox(status: .pending).contains { $0.mail.purpose == .notice(.recapDisputed) })
    }

    @Test("sending one mail by Message-ID sends only that one (liaison recap)")
    func sendOneMailOnly() throws {
        let flow = try ReviewFlow()
        defer { flow.cleanup() }
        _ = try flow.pipeline.ingest(try corpusMessage("01"), now: at("2026-11-16T09:13:00+08:00"))
        func mail(_ id: String) -> OutgoingMail {
            OutgoingMail(caseNumber: number, messageID: id, envelopeFrom: "track@corp.example", recipients: ["a@b.example"],
                         raw: Array("Subject: x\r\n\r\nx\r\n".utf8), purpose: .recap)
        }
        try flow.store.update(now: at("2026-11-16T10:00:00+08:00")) { _ in FollowUp(mails: [mail("<other@x>"), mail("<recap@x>")]) }
        let smtp = RecordingMailSender(script: [])
        let outbox = OutboxSender(store: flow.store, sender: smtp, now: .fixed(at("2026-11-16T10:00:00+08:00")))
        let row = try #require(try outbox.send(messageID: "<recap@x>"))
        #expect(row.status == .sent)
        #expect(smtp.sent.count == 1)
        #expect(try flow.store.outboxEntry(messageID: "<other@x>")?.status == .pending)
        #expect(try outbox.send(messageID: "<missing@x>") == nil)
    }
}
