import Foundation
import LiaisonCore
@testable import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Synchronization
import Testing

/// Several instances over one PostgreSQL database (issue 17): outbox leases (`pg5-leases`) and
/// mailbox leadership (a session-level advisory lock). Each store instance here stands for one
/// `liaison serve` process; the serve-level test with SIGKILLs is `CooperationEndToEndTests`.
@Suite("PostgreSQL cooperation: leases and leadership", .serialized)
struct PostgresCooperationTests {
    typealias C = StoreConformance

    /// A case with `count` rendered pending outbox rows due at `C.day`.
    static func queue(_ store: PostgresStore, count: Int) throws -> String {
        let filed = try store.file(Filing(message: C.message("<lease@x>"), decision: .open(C.newCase())), now: C.day)
        guard case .filed(let number, _, _) = filed else { throw StoreError(.invalid, "not filed: \(filed)") }
        try store.update(now: C.day) { _ in
            FollowUp(mails: (0..<count).map {
                OutgoingMail(caseNumber: number, messageID: "<out-\($0)@x>", envelopeFrom: "track@corp.example",
                             recipients: ["zhang@corp.example"], raw: Array("mail \($0)".utf8), purpose: .notice(.itemDue))
            })
        }
        return number
    }

    @Test("two senders claiming at once take different rows; each row is claimed by one")
    func concurrentClaimsAreDisjoint() throws {
        try PGStores.withFreshStore("PostgreSQL outbox claims") { first in
            _ = try Self.queue(first, count: 60)
            var location = first.location
            location.maxConnections = 2
            let instances = try (0..<3).map { _ in try PostgresStore(location) }
            defer { instances.forEach { $0.close() } }
            let claimed = Mutex<[Int: [Int64]]>([:])
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                let claim = OutboxClaim(holder: "instance-\(i)", lease: 60)
                var mine: [Int64] = []
                while let rows = try? instances[i].claimDueOutbox(now: C.day, limit: 7, claim: claim), !rows.isEmpty {
                    // Our own claims come back while they last: send (mark) them before claiming more.
                    for r in rows where !mine.contains(r.id) {
                        mine.append(r.id)
                        _ = try? instances[i].outboxSent(id: r.id, at: C.day, claim: claim)
                    }
                }
                claimed.withLock { $0[i] = mine }
            }
            let all = claimed.withLock { $0.values.flatMap { $0 } }
            #expect(all.count == 60, "\(claimed.withLock { $0 })")
            #expect(Set(all).count == 60)
            #expect(try first.outboxCounts() == [.sent: 60])
        }
    }

    @Test("a crashed sender's claim holds until its lease runs out, then another sender takes the row over; the old holder can no longer renew or mark it")
    func expiredLeaseIsTakenOver() throws {
        try PGStores.withFreshStore("PostgreSQL outbox lease expiry") { store in
            _ = try Self.queue(store, count: 3)
            let crashed = OutboxClaim(holder: "crashed", lease: 1.5)
            let other = OutboxClaim(holder: "other", lease: 60)
            let taken = try store.claimDueOutbox(now: C.day, limit: 10, claim: crashed)
            #expect(taken.count == 3)
            // While the lease runs: nothing for the other sender, and its timer is not woken for them.
            #expect(try store.claimDueOutbox(now: C.day, limit: 10, claim: other).isEmpty)
            #expect(try store.claimOutboxEntry(messageID: "<out-0@x>", claim: other) == nil)
            #expect(try store.nextOutboxAttempt() == nil)
            // The holder itself may renew and send one of them.
            #expect(try store.renewOutboxClaim(id: taken[0].id, claim: crashed))
            #expect(try store.outboxSent(id: taken[0].id, at: C.day, claim: crashed))
            Thread.sleep(forTimeInterval: 2.5)
            #expect(try store.nextOutboxAttempt() != nil)
            let takenOver = try store.claimDueOutbox(now: C.day, limit: 10, claim: other)
            #expect(takenOver.map(\.id) == taken.dropFirst().map(\.id))
            // The old holder, back: its claim is gone, so it neither sends nor records anything.
            #expect(try !store.renewOutboxClaim(id: taken[1].id, claim: crashed))
            #expect(try !store.outboxSent(id: taken[1].id, at: C.day, claim: crashed))
            #expect(try !store.outboxFailed(id: taken[2].id, at: C.day, error: "451", retryAt: C.day.addingTimeInterval(60),
                                            followUp: FollowUp(), claim: crashed))
            #expect(try store.outboxEntry(messageID: "<out-2@x>")?.attempts == 0)
            // The new holder records its outcomes.
            #expect(try store.outboxSent(id: taken[1].id, at: C.day, claim: other))
            #expect(try store.outboxFailed(id: taken[2].id, at: C.day, error: "451", retryAt: C.day.addingTimeInterval(60),
                                           followUp: FollowUp(), claim: other))
            #expect(try store.outboxCounts() == [.sent: 2, .pending: 1])
            // A deferred row is free again (no claim) when its retry falls due.
            #expect(try store.claimDueOutbox(now: C.day.addingTimeInterval(61), limit: 10, claim: crashed).map(\.id) == [taken[2].id])
        }
    }

    @Test("the same mail is marked sent once when two holders race on an expired lease")
    func racingOnExpiredLeaseMarksOnce() throws {
        try PGStores.withFreshStore("PostgreSQL outbox lease race") { store in
            _ = try Self.queue(store, count: 1)
            let a = OutboxClaim(holder: "a", lease: 1)
            let row = try #require(try store.claimDueOutbox(now: C.day, limit: 1, claim: a).first)
            Thread.sleep(forTimeInterval: 1.5)
            let b = OutboxClaim(holder: "b", lease: 60)
            #expect(try store.claimDueOutbox(now: C.day, limit: 1, claim: b).map(\.id) == [row.id])
            let results = Mutex<[Bool]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let r = (try? store.outboxSent(id: row.id, at: C.day, claim: i == 0 ? a : b)) ?? false
                results.withLock { $0.append(r) }
            }
            #expect(results.withLock { $0.filter { $0 } }.count == 1)
            #expect(try store.outboxEntry(messageID: "<out-0@x>")?.attempts == 1)
        }
    }

    @Test("one leader per mailbox; the other waits on standby and takes over when the leader's session ends")
    func leadershipMovesWhenTheHolderGoes() throws {
        try PGStores.withFreshStore("PostgreSQL mailbox leadership") { first in
            let a = try first.mailboxLeadership(instance: "a")
            let b = try first.mailboxLeadership(instance: "b")
            let lost = Mutex(0)
            a.onLoss { lost.withLock { $0 += 1 } }
            #expect(try a.acquire(mailbox: "track@corp.example imaps://h/INBOX"))
            #expect(try a.acquire(mailbox: "track@corp.example imaps://h/INBOX"), "confirming it keeps it")
            #expect(try !b.acquire(mailbox: "track@corp.example imaps://h/INBOX"))
            #expect(a.isHeld && !b.isHeld)
            // Another mailbox has a lock of its own.
            #expect(try b.acquire(mailbox: "other@corp.example imaps://h/INBOX"))
            b.release()
            // The leader's session is ended by the server (as when its process is killed).
            let ended = try first.pool.withSession { s in
                try s.value("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'liaison poller a'
                    """, as: Bool.self)
            }
            #expect(ended == true)
            let deadline = Date().addingTimeInterval(5)
            // `isHeld` turns false before the loss handlers run (they run outside the lock): wait for both.
            while (a.isHeld || lost.withLock { $0 } == 0) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(!a.isHeld, "the loss is noticed at once")
            #expect(lost.withLock { $0 } == 1)
            #expect(try b.acquire(mailbox: "track@corp.example imaps://h/INBOX"))
            // The old leader, back on a new connection, is on standby now.
            #expect(try !a.acquire(mailbox: "track@corp.example imaps://h/INBOX"))
            b.release()
            #expect(try a.acquire(mailbox: "track@corp.example imaps://h/INBOX"), "released: free at once")
            a.release()
        }
    }

    @Test("lock keys: stable, and different for different mailboxes")
    func lockKeys() {
        let k = PostgresLeadership.lockKey(mailbox: "track@corp.example imaps://h/INBOX")
        #expect(k == PostgresLeadership.lockKey(mailbox: "track@corp.example imaps://h/INBOX"))
        #expect(k != PostgresLeadership.lockKey(mailbox: "track@corp.example imaps://h/Other"))
        #expect(PostgresLeadership.literal("a'b\u{0}c") == "'a''bc'")
    }
}
