import Foundation
import LiaisonTestSupport
import LiaisonCore
@testable import LiaisonDaemon
import LiaisonStore
import LiaisonTransport
import LiaisonTransportFakes
import Testing

/// A mailbox whose server breaks a bound on the next `failures` batched fetches
/// (`MailboxError.boundExceeded`, as `IMAPMailbox` throws it), then reads like `base`.
private final class BoundBreakingMailbox: MailboxReading, @unchecked Sendable {
    // `left` is read and written by the poller's lane and by the test: under `lock`.
    private let lock = NSLock()
    private var left: Int
    let base: InMemoryMailbox

    init(base: InMemoryMailbox, failures: Int) {
        self.base = base
        self.left = failures
    }

    func status() throws -> MailboxStatus { try base.status() }
    func uids(above checkpoint: UInt32) throws -> [UInt32] { try base.uids(above: checkpoint) }
    func fetch(uid: UInt32) throws -> [UInt8] { try base.fetch(uid: uid) }
    func move(uid: UInt32, to folder: String) throws { try base.move(uid: uid, to: folder) }
    func fetch(uids: [UInt32], each: (UInt32, [UInt8]) throws -> Void) throws {
        let fail = lock.withLock { () -> Bool in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
        if fail { throw MailboxError.boundExceeded("the responses to one command", limit: 64 * 1024 * 1024) }
        try base.fetch(uids: uids, each: each)
    }
}

/// The poller's side of the IMAP bounds: a server that breaks one is a mailbox fault, logged
/// once, retried with back-off, and the mailbox is read in full once it behaves.
extension PollerServiceTests {
    @Test("an IMAP bound broken during fetch or a command timeout is a mailbox fault, logged once, retried")
    func imapBoundsAreMailboxFaults() async throws {
        let (inner, count) = try Self.loadedMailbox()
        inner.failNextCalls(with: [MailboxError.commandTimeout("IMAP SELECT", seconds: 300)])
        let mailbox = BoundBreakingMailbox(base: inner, failures: 2)
        let store = try temporaryStore()
        let logs = LogCapture()
        let pipeline = IngestPipeline(organization: try CorpusLocation.organization(), store: store)
        let settings = PollerService.Settings(
            mailboxKey: Self.key, pollInterval: .seconds(60),
            backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(80)), stallLimit: .seconds(30))
        let poller = PollerService(setup: .init(mailbox: mailbox, watcher: nil, pipeline: pipeline, settings: settings),
                                   logger: logs.logger("liaison.poller"))
        let task = Task(executorPreference: TestLoop.current) { try await poller.run() }
        let done = await eventually(60) { poller.counters.passes >= 1 }
        poller.requestStop()
        try await task.value
        #expect(done)
        // One fault throughout (the timeout, then two broken bounds): one line when it started, one when it cleared.
        #expect(logs.count("fault started") == 1)
        #expect(logs.count("fault cleared") == 1)
        let started = logs.lines.first { $0.contains("fault started") } ?? ""
        #expect(started.contains("fault=imap") && started.contains("did not complete within 300"), "\(started)")
        #expect(logs.lines.first { $0.contains("fault cleared") }?.contains("attempts=3") == true)
        let counts = try store.counts()
        #expect(counts.correspondence + counts.held == count)
        #expect(poller.status().fault == nil)
    }
}
