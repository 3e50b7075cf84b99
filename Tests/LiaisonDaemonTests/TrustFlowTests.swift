import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import Testing
import LiaisonTestSupport
@testable import LiaisonDaemon

// Issue 12 parts 1–3 through the whole filing path (IngestPipeline → SQLiteStore → planner →
// templates → outbox), on real bytes: the corpus's complaint thread, the hostile fixtures of
// ../shared/hostile (copied to Tests/Fixtures/trust), and variants of the corpus messages with
// the headers an attacker or our MX would add.

private let trustFlowOrg = FlowFixtures.organization
private func instant(_ s: String) -> Date { FlowFixtures.instant(s) }
private let trustRepository = CorpusLocation.packageRoot
private func trustCorpus(_ prefix: String) throws -> [UInt8] { try FlowFixtures.corpusMessage(prefix) }

private func trustHostile(_ name: String) throws -> [UInt8] {
    Array(try #require(FileManager.default.contents(atPath: trustRepository.appendingPathComponent("Tests/Fixtures/trust/\(name)").path)))
}

/// `raw` with header lines replaced (whole lines starting with a key) and `top` fields put above
/// everything, as an MX would.
private func trustVariant(_ raw: [UInt8], top: [String] = [], replacing: [String: String] = [:]) -> [UInt8] {
    var text = String(decoding: raw, as: UTF8.self)
    for (prefix, line) in replacing {
        guard let r = text.range(of: "\r\n" + prefix) ?? (text.hasPrefix(prefix) ? text.range(of: prefix) : nil) else {
            fatalError("no \(prefix) line")
        }
        let lineEnd = text[r.upperBound...].range(of: "\r\n")!.lowerBound
        let start = text[r].hasPrefix("\r\n") ? text.index(r.lowerBound, offsetBy: 1) : r.lowerBound
        text.replaceSubrange(start..<lineEnd, with: line)
    }
    return Array((top.map { $0 + "\r\n" }.joined() + text).utf8)
}

/// Our MX's stamp, as Postfix writes it, at `at` (written in +0800).
private func mxStamp(_ at: String) -> String {
    let d = instant(at)
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "Asia/Shanghai")
    f.dateFormat = "EEE, d MMM yyyy HH:mm:ss Z"
    return "Received: from mail.huadong-precision.example (mail.huadong-precision.example [192.0.2.7]) by mx.corp.example (Postfix) with ESMTPS id 4Q2x; \(f.string(from: d)) (CST)"
}

private struct TrustFlow {
    let dir: URL
    let store: SQLiteStore
    let engine: ReminderEngine
    var pipeline: IngestPipeline

    init(organization: Organization = trustFlowOrg) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
        let templates = try MailTemplates(directory: trustRepository.appendingPathComponent("Templates").path)
        let renderer = NoticeRenderer(templates: templates, config: TemplateConfig(), organization: organization,
                                      from: Address(name: "Liaison 沟通跟踪", address: "track@corp.example"))
        engine = ReminderEngine(planner: ReminderPlanner(organization: organization, rules: .defaults), renderer: renderer, store: store)
        pipeline = IngestPipeline(organization: organization, store: store, followUps: engine)
    }

    @discardableResult
    func file(_ raw: [UInt8], at now: String) throws -> IngestResult { try pipeline.ingest(raw, now: instant(now)) }

    func pending(_ kind: ReminderKind) throws -> [Reminder] {
        try store.reminders(caseNumber: nil, status: .pending, dueBefore: nil).filter { $0.kind == kind }
    }

    func cleanup() { try? FileManager.default.removeItem(at: dir) }
}

private let trustCase = "EC20261116-001"

@Suite struct TrustFlowTests {
    // MARK: part 1: the topmost Authentication-Results

    @Test func aForgedRecapBelowOurFailFilesNoItemsAndNoReminders() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        try flow.file(try trustCorpus("01"), at: "2026-11-16T09:13:00+08:00")
        try flow.file(try trustCorpus("02"), at: "2026-11-16T10:06:00+08:00")
        let before = try flow.store.reminders(caseNumber: nil, status: nil, dueBefore: nil).count
        // "A recap from 张伟", our MX said dmarc=fail on top, a forged pass below.
        let result = try flow.file(try trustHostile("recap-forged-only.eml"), at: "2026-11-17T15:41:00+08:00")
        // Filed on the thread it names, as an outsider's correspondence: no recap, no items, no reminders.
        #expect(result == .filed(caseNumber: trustCase, openedCase: false, rule: .reference))
        #expect(try flow.store.recaps(caseNumber: trustCase).isEmpty)
        #expect(try flow.store.reminders(caseNumber: nil, status: nil, dueBefore: nil).count == before)
        #expect(try flow.pending(.itemDue).isEmpty && flow.pending(.recapWindow).isEmpty)
    }

    @Test func aForgedStaffReplyCancelsNoResponseReminder() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        try flow.file(try trustCorpus("01"), at: "2026-11-16T09:13:00+08:00")
        let response = try #require(try flow.pending(.complaintResponse).first)
        let result = try flow.file(try trustHostile("forged-staff-reply.eml"), at: "2026-11-16T10:06:00+08:00")
        #expect(result == .filed(caseNumber: trustCase, openedCase: false, rule: .reference))
        #expect(try flow.pending(.complaintResponse).map(\.id) == [response.id])
        #expect(try !flow.store.events(caseNumber: trustCase).contains { $0.kind == CaseEvent.Kind.reminderCancelled })
        // The real staff reply cancels it.
        try flow.file(try trustCorpus("02"), at: "2026-11-16T10:07:00+08:00")
        #expect(try flow.pending(.complaintResponse).isEmpty)
    }

    @Test func aForgedStaffSenderOpensNothing() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        // No case to join: an internal-domain sender that fails our MX's check is held, and
        // opens no case as staff (nor picks its owner).
        guard case .held = try flow.file(try trustHostile("recap-forged-only.eml"), at: "2026-11-17T15:41:00+08:00") else {
            Issue.record("the forged recap was not held")
            return
        }
        #expect(try flow.store.cases(status: nil, owner: nil).isEmpty)
        #expect(try flow.store.reminders(caseNumber: nil, status: nil, dueBefore: nil).isEmpty)
    }

    // MARK: part 2: time from our side

    @Test func complaintClocksRunFromOurMXsStampNotTheDate() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        // Date 09:12:33, but the sender's clock is not ours: our MX stamped it 09:20:00, fetched 09:25.
        try flow.file(trustVariant(try trustCorpus("01"), top: [mxStamp("2026-11-16T09:20:00+08:00")]), at: "2026-11-16T09:25:00+08:00")
        #expect(try flow.pending(.complaintResponse).first?.fireAt == instant("2026-11-17T09:20:00+08:00"))
        #expect(try flow.pending(.complaintSolution).first?.fireAt == instant("2026-11-18T09:20:00+08:00"))
    }

    @Test func anArchiveImportUsesTheDate() throws {
        var flow = try TrustFlow()
        defer { flow.cleanup() }
        flow.pipeline.timeBasis = .dateHeader
        try flow.file(trustVariant(try trustCorpus("01"), top: [mxStamp("2026-11-16T09:20:00+08:00")]), at: "2026-12-01T09:25:00+08:00")
        #expect(try flow.pending(.complaintResponse).first?.fireAt == instant("2026-11-17T09:12:33+08:00"))
    }

    /// 01–03 filed as they arrived: the recap's window closes 2026-11-17 23:59:59.
    fileprivate func thread(_ flow: TrustFlow) throws {
        try flow.file(try trustCorpus("01"), at: "2026-11-16T09:13:00+08:00")
        try flow.file(try trustCorpus("02"), at: "2026-11-16T10:06:00+08:00")
        try flow.file(try trustCorpus("03"), at: "2026-11-17T15:41:00+08:00")
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.recap.windowCloses == instant("2026-11-17T23:59:59+08:00"))
    }

    @Test func aFutureDatedReplyNeitherConfirmsNorDisputesAndTheRealObjectionDisputes() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        try thread(flow)
        // Someone at the customer's domain, not addressed by the recap, replies dated next year
        // ("confirm at once" under the old Date rule): it arrives at 17:00 and changes nothing.
        let forged = trustVariant(try trustCorpus("04"), top: [mxStamp("2026-11-17T17:00:00+08:00")], replacing: [
            "From:": "From: boss@huadong-precision.example",
            "Date:": "Date: Fri, 1 Jan 2027 09:00:00 +0800",
            "Message-ID:": "Message-ID: <future.1@mail.huadong-precision.example>",
        ])
        #expect(try flow.file(forged, at: "2026-11-17T17:00:30+08:00") == .filed(caseNumber: trustCase, openedCase: false, rule: .reference))
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.state == .pending)
        let events = try flow.store.events(caseNumber: trustCase)
        #expect(!events.contains { [CaseEvent.Kind.recapConfirmed, CaseEvent.Kind.recapDisputed, CaseEvent.Kind.objectionLate].contains($0.kind) })
        #expect(events.contains { $0.kind == CaseEvent.Kind.objectionIgnored && $0.detail.contains("boss@huadong-precision.example") })
        // Its author is told, through the templates, in the thread of the recap.
        try flow.engine.renderRecorded()
        let told = try #require(try flow.store.outbox(status: .pending).first { $0.mail.purpose == .notice(.objectionIgnored) })
        #expect(told.mail.recipients == ["zhang.wei@corp.example"])
        let mail = MessageParser.parse(told.mail.raw)
        #expect(mail.subject?.hasPrefix("[\(trustCase)]") == true)
        #expect(mail.text.contains("boss@huadong-precision.example"))
        #expect(mail.inReplyTo == ["<5e1a.20261117154000@corp.example>"])
        // The sender did not become a contact who could dispute next time.
        #expect(try flow.store.caseWithNumber(trustCase)?.counterparty.contacts.contains("boss@huadong-precision.example") == false)

        // The customer's real objection that evening (fetched 18:03, no stamp): disputed, at its arrival.
        try flow.file(try trustCorpus("04"), at: "2026-11-17T18:03:00+08:00")
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.state == .disputed(at: instant("2026-11-17T18:03:00+08:00"), objectedItems: [3]))
        #expect(try flow.store.outbox(status: .pending).contains { $0.mail.purpose == .notice(.recapDisputed) })
    }

    @Test func aFutureDatedObjectionFromTheCounterpartyDisputesAtItsArrival() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        try thread(flow)
        let future = trustVariant(try trustCorpus("04"), replacing: ["Date:": "Date: Fri, 1 Jan 2027 09:00:00 +0800"])
        try flow.file(future, at: "2026-11-17T18:03:00+08:00")
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.state == .disputed(at: instant("2026-11-17T18:03:00+08:00"), objectedItems: [3]))
        #expect(try !flow.store.events(caseNumber: trustCase).contains { $0.kind == CaseEvent.Kind.recapConfirmed })
    }

    @Test func aBackDatedObjectionThatReachedUsAfterTheCloseIsLate() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        try thread(flow)
        // Date 18:02:45 (inside), our MX stamped it the next morning: late, the recap is confirmed.
        try flow.file(trustVariant(try trustCorpus("04"), top: [mxStamp("2026-11-18T08:00:00+08:00")]), at: "2026-11-18T08:00:10+08:00")
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.state == .confirmed(at: instant("2026-11-17T23:59:59+08:00")))
        #expect(try flow.store.events(caseNumber: trustCase).contains { $0.kind == CaseEvent.Kind.objectionLate })
    }

    // MARK: part 3: who speaks for the counterparty

    @Test func aStrangerAtTheCustomersFreeMailDomainCannotDispute() throws {
        let flow = try TrustFlow()
        defer { flow.cleanup() }
        // The customer, 刘洋, writes from qq.com; the recap goes to him there.
        let qq = "liuyang88@qq.com"
        try flow.file(trustVariant(try trustCorpus("01"), replacing: ["From:": "From: 刘洋 <\(qq)>"]), at: "2026-11-16T09:13:00+08:00")
        #expect(try flow.store.caseWithNumber(trustCase)?.counterparty.contacts == [qq])
        try flow.file(trustVariant(try trustCorpus("03"), replacing: ["To:": "To: \(qq)", "Cc:": "Cc: track@corp.example"]),
                      at: "2026-11-17T15:41:00+08:00")
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.recap.counterparty == [qq])
        // Anyone else at qq.com, naming the case: filed, noted, the owner told; not disputed.
        let stranger = trustVariant(try trustCorpus("04"), replacing: [
            "From:": "From: 刘洋 <liu.yang.2026@qq.com>", "Subject:": "Subject: Re: [\(trustCase)] 会议纪要",
            "Message-ID:": "Message-ID: <stranger.1@qq.com>",
        ])
        #expect(try flow.file(stranger, at: "2026-11-17T17:30:00+08:00") == .filed(caseNumber: trustCase, openedCase: false, rule: .caseTag))
        #expect(try flow.store.recaps(caseNumber: trustCase).first?.state == .pending)
        #expect(try flow.store.events(caseNumber: trustCase).contains { $0.kind == CaseEvent.Kind.objectionIgnored })
        try flow.engine.renderRecorded()
        let notice = try #require(try flow.store.outbox(status: .pending).first { $0.mail.purpose == .notice(.objectionIgnored) })
        // The notice names the customer by address, never "qq.com".
        let text = MessageParser.parse(notice.mail.raw).text
        #expect(text.contains(qq) && text.contains("liu.yang.2026@qq.com"))
        // The customer himself, from his address: disputed.
        try flow.file(trustVariant(try trustCorpus("04"), replacing: ["From:": "From: 刘洋 <LiuYang88@QQ.com>"]), at: "2026-11-17T18:03:00+08:00")
        guard case .disputed = try #require(try flow.store.recaps(caseNumber: trustCase).first).state else {
            Issue.record("the customer's own objection did not dispute")
            return
        }
    }
}
