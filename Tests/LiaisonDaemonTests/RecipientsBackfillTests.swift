import Foundation
import GRDB
import LiaisonCore
import LiaisonDaemon
@testable import LiaisonStore
import Logging
import Testing

/// The To/Cc backfill out of `open` (issue 19): a store made before `v9-recipients` with many
/// messages opens with its queue untouched, and the daemon's `RecipientsBackfill` part reads it
/// in small batches in the background, shows it in STATUS meanwhile, and completes it.
@Suite("recipients backfill in the daemon")
struct RecipientsBackfillTests {
    static let messages = 1_250

    @Test func openReturnsWithThePendingQueueAndTheDaemonCompletesIt() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.db").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]))
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteSchema.migrator.migrate(pool, upTo: "v8-web: console sign-in links, sessions, sign-in log")
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO cases (id, number, internal, organization, owner, category, status, opened_at)
                    VALUES (1, 'EC20261116-001', 0, 'huadong.example', 'zhang@corp.example', 'complaint', 'open', 0)
                    """)
                for k in 1...Self.messages {
                    // Every message staff mail naming its own colleague in Cc; the last one the customer's.
                    let outsider = k == Self.messages
                    let raw = outsider
                        ? "From: liu@huadong.example\r\nTo: zhang@corp.example\r\nCc: xu@corp.example\r\n\r\nbody\r\n"
                        : "From: wang@corp.example\r\nTo: liu@huadong.example\r\nCc: p\(k)@corp.example\r\n\r\nbody\r\n"
                    try db.execute(sql: """
                        INSERT INTO correspondence (id, case_id, content_hash, direction, kind, thread_subject, sender, raw, filed_at)
                        VALUES (?, 1, ?, ?, 'correspondence', 's', ?, ?, 0)
                        """, arguments: [k, "h\(k)", outsider ? "inbound" : "outbound", outsider ? "liu@huadong.example" : "wang@corp.example", Data(raw.utf8)])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.recipientsBackfillPending() == Self.messages, "open read nothing back")
        #expect(try !store.canSee(caseNumber: "EC20261116-001", address: "p1@corp.example"), "until it is read, not known")

        let part = RecipientsBackfill(store: store, batch: 100, pause: .milliseconds(1), logger: Logger(label: "test.backfill"))
        let task = Task { try await part.run() }
        var sawProgress = false
        for _ in 0..<600 where !part.isComplete {
            if part.status().summary.contains(where: { $0.hasPrefix("recipients backfill ") && $0.hasSuffix(" left") }) { sawProgress = true }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        _ = try? await task.value
        #expect(part.isComplete)
        #expect(sawProgress, "STATUS shows the backfill while it runs")
        #expect(part.status().summary.isEmpty && part.status().fault == nil)
        #expect(try store.recipientsBackfillPending() == 0)
        #expect(try store.canSee(caseNumber: "EC20261116-001", address: "p1@corp.example"))
        #expect(try store.canSee(caseNumber: "EC20261116-001", address: "p\(Self.messages - 1)@corp.example"))
        #expect(try !store.canSee(caseNumber: "EC20261116-001", address: "xu@corp.example"), "an outsider's Cc gives no one the case")
        let rows = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM message_recipients") }
        #expect(rows == 2 * (Self.messages - 1))

        // A second start finds nothing to do: one question, then it only waits.
        let again = RecipientsBackfill(store: store, logger: Logger(label: "test.backfill"))
        try await again.runOnce(now: Date())
        #expect(again.isComplete && again.status().summary.isEmpty)
    }
}
