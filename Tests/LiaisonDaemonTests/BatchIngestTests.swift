import Foundation
import LiaisonTestSupport
import LiaisonCore
@testable import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import LiaisonTransportFakes
import Logging
import Testing

/// Draining a backlog in batches (issue 16): what arrived together is marked and filed a batch
/// per transaction, under the containment rules of one message at a time.
@Suite("Batches: a backlog filed several messages per transaction, one bad message costing itself only", .ownExecutor)
struct BatchIngestTests {
    typealias P = PollerServiceTests
    static let key = PollerServiceTests.key
    /// Corpus 03 (UID 3 in `loadedMailbox`).
    static let recapID = ContainmentTests.recapID

    static func marker(_ uid: UInt32) -> ProcessingMarker { ContainmentTests.marker(uid) }

    @Test("a message whose filing throws mid-batch (after its rows were written) costs itself only: the ones before it commit, the checkpoint stops before it, it is retried, then held, and the rest filed")
    func throwingMessageMidBatch() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let base = try temporaryStore()
        // Thrown from the follow-up: the message's correspondence and Message-ID rows are
        // already written in the batch's transaction when it throws.
        let flaky = FlakyStore(base: base, failOnMessageID: Self.recapID, error: TestFailure("no case EC0"), inFollowUp: true)
        let (poller, store) = try P.make(mailbox: mailbox, store: base, filingStore: flaky,
                                         containment: ContainmentLimits(maxFilingAttempts: 2))
        await #expect(throws: PollerService.PassFailure.self) { try await poller.pass() }
        #expect(flaky.failures == 1)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == 2, "UIDs 1–2 committed, the checkpoint stops before UID 3")
        #expect(try store.counts().correspondence + store.counts().held == 2)
        #expect(try store.caseForMessageID(Self.recapID) == nil, "nothing of UID 3 is written (its savepoint rolled back)")
        #expect(try store.processing(Self.marker(3))?.failures == 1)
        #expect(try store.unprocessableCount() == 0)

        let again = try await poller.pass()
        #expect(flaky.failures == 2)
        #expect(again.unprocessable == 1)
        #expect(again.fetched == count - 2)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(count))
        let held = try store.heldMessages().filter { $0.reason == .unprocessable }
        #expect(held.map(\.detail) == ["filing failed twice: no case EC0"])
        #expect(try store.counts().correspondence + store.counts().held == count, "every other message filed or held as usual")
        for uid in 1...UInt32(count) {
            #expect(try store.processing(Self.marker(uid)) == nil, "UID \(uid) still marked")
        }
    }

    @Test("a process that died mid-batch: nothing lost, nothing filed twice, no crash counted against its batch-mates on restart")
    func crashMidBatch() async throws {
        let files = CorpusLocation.messages
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let mailbox = InMemoryMailbox(uidValidity: 7)
        for f in files.prefix(4) { mailbox.deliver(CorpusLocation.bytes(f)) }
        let store = try temporaryStore()
        // The dead process filed UIDs 1–4 (a committed batch) …
        let (first, _) = try P.make(mailbox: mailbox, store: store, batch: .init(maxCount: 4, maxBytes: 1 << 20))
        #expect(try await first.pass().fetched == 4)
        // … had marked 5–8 as its next batch and died reading them (9 on were not fetched yet).
        for f in files.dropFirst(4) { mailbox.deliver(CorpusLocation.bytes(f)) }
        let dead = (5...8).map { uid in (marker: Self.marker(UInt32(uid)), contentHash: ContentHash.of(CorpusLocation.bytes(files[uid - 1]))) }
        #expect(try store.beginProcessing(batch: dead, run: "dead-run", now: Date()) == 4)

        let step = CountingStep()
        let logs = LogCapture()
        let (poller, _) = try P.make(mailbox: mailbox, store: store, step: step, logs: logs)
        let report = try await poller.pass()
        #expect(report.fetched == files.count - 4)
        #expect(report.duplicates == 0 && report.unprocessable == 0, "\(report)")
        #expect(try store.counts().correspondence + store.counts().held == files.count)
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(files.count))
        for f in files.dropFirst(4) {
            guard let id = MessageParser.parse(CorpusLocation.bytes(f)).messageID else { continue }
            #expect(step.seen(id) == 1, "\(f.lastPathComponent) read once")
        }
        #expect(logs.count("a process died with this message in hand") == 0, "a batch's death is counted against none of it")
        for uid in 1...UInt32(files.count) {
            #expect(try store.processing(Self.marker(uid)) == nil, "UID \(uid) still marked")
        }
    }

    @Test("after a batch's death a message goes through alone, where each death counts: crashing alone twice holds it, unread")
    func aloneAfterBatchDeath() async throws {
        let (mailbox, count) = try P.loadedMailbox()
        let store = try temporaryStore()
        let hash1 = ContentHash.of(CorpusLocation.bytes(CorpusLocation.messages[0]))
        let hash2 = ContentHash.of(CorpusLocation.bytes(CorpusLocation.messages[1]))
        #expect(try store.beginProcessing(batch: [(Self.marker(1), hash1), (Self.marker(2), hash2)], run: "dead-1", now: Date()) == 2)
        // UID 1 then crashed two processes reading it alone; UID 2 only the batch's.
        #expect(try store.beginProcessing(Self.marker(1), run: "dead-2", now: Date()).crashes == 0, "the batch's death is not counted")
        #expect(try store.beginProcessing(Self.marker(1), run: "dead-3", now: Date()).crashes == 1)
        let step = CountingStep()
        let (poller, _) = try P.make(mailbox: mailbox, store: store, step: step)
        let report = try await poller.pass()
        #expect(report.unprocessable == 1)
        let held = try store.heldMessages().filter { $0.reason == .unprocessable }
        #expect(held.map(\.detail) == ["the reader crashed on it twice"])
        let ids = CorpusLocation.messages.map { MessageParser.parse(CorpusLocation.bytes($0)).messageID }
        #expect(step.seen(ids[0]!) == 0, "UID 1 was never read again")
        #expect(step.seen(ids[1]!) == 1, "UID 2 was read and filed")
        #expect(try store.checkpoint(mailbox: Self.key)?.lastUID == UInt32(count))
        #expect(try store.counts().correspondence + store.counts().held == count)
    }

    @Test("batch marks stop at the first message with a history: another run's mark, failures, an unprocessable hold of its bytes")
    func batchMarksStopAtHistory() throws {
        let store = try temporaryStore()
        let m = (1...4).map { Self.marker(UInt32($0)) }
        let h = (1...4).map { ContentHash.of(Array("message \($0)".utf8)) }
        func batch(_ r: ClosedRange<Int>) -> [(marker: ProcessingMarker, contentHash: String)] { r.map { (m[$0], h[$0]) } }
        #expect(try store.beginProcessing(batch: batch(0...3), run: "me", now: Date()) == 4)
        #expect(try store.beginProcessing(batch: batch(0...3), run: "me", now: Date()) == 4, "this run's own batch marks are no history")
        #expect(try store.beginProcessing(batch: batch(0...3), run: "next", now: Date()) == 0, "another run's mark")
        _ = try store.recordFailure(m[1], reason: "x", now: Date())
        _ = try store.holdUnprocessable(raw: Array("message 4".utf8), contentHash: h[3], detail: "d", marker: nil, checkpoint: nil, now: Date())
        let fresh = ContentHash.of(Array("fresh".utf8))
        #expect(try store.beginProcessing(batch: [(Self.marker(9), fresh)] + batch(1...1), run: "me", now: Date()) == 1, "failures recorded")
        #expect(try store.beginProcessing(batch: [(Self.marker(10), fresh)] + batch(3...3), run: "me", now: Date()) == 1,
                "an unprocessable hold of the same bytes")
        #expect(try store.processing(Self.marker(9)) == ProcessingRecord())
    }

    @Test("in one batch, a reply is matched to the case its original opened in the same transaction")
    func laterMessageSeesEarlierCase() async throws {
        func mail(_ id: String, subject: String, replyTo: String?) -> [UInt8] {
            var s = "From: Client <client@client.example>\r\nTo: Zhang Wei <zhang.wei@corp.example>\r\n"
            s += "Subject: \(subject)\r\nDate: Mon, 16 Nov 2026 09:00:00 +0800\r\nMessage-ID: <\(id)>\r\n"
            if let replyTo { s += "In-Reply-To: <\(replyTo)>\r\nReferences: <\(replyTo)>\r\n" }
            s += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease check order 4711.\r\n"
            return Array(s.utf8)
        }
        let mailbox = InMemoryMailbox(uidValidity: 7)
        mailbox.deliver(mail("a1@client.example", subject: "Order 4711 damaged", replyTo: nil))
        mailbox.deliver(mail("a2@client.example", subject: "Re: Order 4711 damaged", replyTo: "a1@client.example"))
        let (poller, store) = try P.make(mailbox: mailbox)
        let report = try await poller.pass()
        #expect(report.fetched == 2 && report.opened == 1 && report.filed == 2, "\(report)")
        let first = try store.caseForMessageID("<a1@client.example>")
        #expect(first != nil)
        #expect(try store.caseForMessageID("<a2@client.example>")?.number == first?.number)
    }

    /// The poller hands `ingest(batch:more:)` the FETCH responses that follow as one stream, so
    /// the reading goes on across them; a message too large to fetch ends the stream and is held
    /// in its turn. Many small responses and batches of 2 (a batch across two responses, the
    /// stream ending at the too-large one, a new stream after it) file exactly what one response
    /// files: the same outcome for every UID, in UID order, the checkpoint at the last.
    @Test("responses filed as one stream: the same outcomes, UID by UID, as one response")
    func responsesAsOneStream() async throws {
        let files = CorpusLocation.messages
        try #require(files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let large = Array("From: a@b.example\r\nSubject: big\r\n\r\n\(String(repeating: "x", count: 400_000))\r\n".utf8)
        func run(groupSize: Int?, batch: Int) async throws -> (PollerService.PassReport, SQLiteStore, LogCapture, Int) {
            let mailbox = InMemoryMailbox(uidValidity: 7, maxMessageBytes: 300_000, groupSize: groupSize)
            for (k, f) in files.enumerated() {
                mailbox.deliver(CorpusLocation.bytes(f))
                if k == 4 { mailbox.deliver(large) }
            }
            let logs = LogCapture()
            let (poller, store) = try P.make(mailbox: mailbox, batch: ContainedIngest.BatchBounds(maxCount: batch, maxBytes: 4 << 20), logs: logs)
            return (try await poller.pass(), store, logs, files.count + 1)
        }
        let (whole, wholeStore, wholeLogs, count) = try await run(groupSize: nil, batch: 32)
        let (split, splitStore, splitLogs, _) = try await run(groupSize: 3, batch: 2)
        #expect(whole.fetched == count - 1 && split.fetched == count - 1, "every message but the large one read and filed or held")
        #expect(split.filed == whole.filed && split.held == whole.held && split.opened == whole.opened && split.duplicates == whole.duplicates)
        #expect(try splitStore.checkpoint(mailbox: Self.key)?.lastUID == UInt32(count))
        // Each message line names its UID and what became of it: the same lines, in UID order.
        func outcomes(_ logs: LogCapture) -> [String] {
            logs.lines.filter { $0.contains("liaison.poller: message ") && $0.contains(" uid=") }.map { line in
                line.split(separator: " ").filter { $0.hasPrefix("uid=") || $0.hasPrefix("outcome=") || $0.hasPrefix("case=") || $0.hasPrefix("held=") }
                    .joined(separator: " ")
            }
        }
        let lines = outcomes(splitLogs)
        #expect(lines == outcomes(wholeLogs))
        #expect(lines.count == count, "\(lines)")
        let uids = lines.compactMap { $0.split(separator: " ").first { $0.hasPrefix("uid=") }.flatMap { UInt32($0.dropFirst(4)) } }
        #expect(uids == Array(1...UInt32(count)), "in UID order, the large one (UID 6) in its turn")
        #expect(try splitStore.counts().correspondence == wholeStore.counts().correspondence)
        #expect(try splitStore.heldMessages().map(\.detail) == wholeStore.heldMessages().map(\.detail))
    }
}
