import Foundation
import Testing
@testable import LiaisonTransport
import LiaisonTransportFakes

@Suite struct FakesTests {
    @Test func inMemoryMailboxBehavesLikeAMailbox() throws {
        let box = InMemoryMailbox(uidValidity: 10)
        let a = box.deliver(Array("A".utf8))
        let b = box.deliver(Array("B".utf8))
        #expect(try box.status() == MailboxStatus(uidValidity: 10, uidNext: 3, messages: 2))
        #expect(try box.uids(above: 0) == [a, b])
        #expect(try box.uids(above: a) == [b])
        #expect(try box.fetch(uid: b) == Array("B".utf8))
        try box.move(uid: a, to: "已处理")
        #expect(box.uids(in: "已处理") == [a])
        #expect(throws: MailboxError.noSuchMessage(uid: a)) { try box.fetch(uid: a) }
        box.recreate(uidValidity: 11)
        #expect(throws: MailboxError.uidValidityChanged(old: 10, new: 11)) { try box.uids(above: 0) }
        let st = try box.status()
        #expect(st.previousUIDValidity == 10 && st.uidValidityChanged)
        #expect(throws: MailboxError.uidValidityChanged(old: 10, new: 11)) { try st.require(uidValidity: 10) }
        box.failNextCalls(with: [CurlError(code: 28, message: "Timeout was reached")])
        #expect(throws: CurlError.self) { try box.status() }
        #expect(try box.status().uidValidity == 11)
    }

    @Test func inMemoryWatcherWaitsLikeIdle() throws {
        let watcher = InMemoryMailboxWatcher()
        let start = Date()
        #expect(try watcher.waitForChange(timeout: 0.2) == false)
        #expect(Date().timeIntervalSince(start) >= 0.19)
        watcher.notifyChange()  // kept for the next wait
        #expect(try watcher.waitForChange(timeout: 5) == true)
        // A private queue: a global one is as narrow as the cooperative pool, which this test blocks.
        DispatchQueue(label: "test.notify").asyncAfter(deadline: .now() + 0.2) { watcher.notifyChange() }
        let woken = Date()
        #expect(try watcher.waitForChange(timeout: 5) == true)
        #expect(Date().timeIntervalSince(woken) < 2)
        DispatchQueue(label: "test.interrupt").asyncAfter(deadline: .now() + 0.2) { watcher.interrupt() }
        let interrupted = Date()
        #expect(try watcher.waitForChange(timeout: 5) == false)
        #expect(Date().timeIntervalSince(interrupted) < 2)
        watcher.failNextWaits(with: [CurlError(code: 56, message: "Failure when receiving data from the peer")])
        #expect(throws: CurlError.self) { try watcher.waitForChange(timeout: 1) }
        #expect(watcher.waits == 5)
        #expect(throws: MailboxWatchError.unsupported) { try InMemoryMailboxWatcher(unsupported: true).waitForChange(timeout: 1) }
    }

    @Test func recordingSenderFollowsItsScript() {
        let sender = RecordingMailSender.failingTransiently(times: 2)
        let msg = Array("Subject: x\r\n\r\nbody\r\n".utf8)
        for _ in 0..<2 {
            guard case .transient(let reason, let r) = sender.send(envelopeFrom: "a@b", recipients: ["c@d"], message: msg) else {
                Issue.record("expected transient"); return
            }
            #expect(reason.hasPrefix("451") && r.map(\.outcome) == [.transient])
        }
        let ok = sender.send(envelopeFrom: "a@b", recipients: ["c@d", "e@f"], message: msg)
        #expect(ok.isAccepted && ok.recipients.map(\.address) == ["c@d", "e@f"])
        #expect(sender.sent.count == 3 && sender.sent[2].message == msg)
    }
}
