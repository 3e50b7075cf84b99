import Foundation
import GRDB
import LiaisonCore

/// `RetentionStore` on SQLite: one write transaction removes what expired, then `VACUUM` and a
/// WAL checkpoint (TRUNCATE) so the removed bytes leave the database file and its WAL.
extension SQLiteStore: RetentionStore {
    public func applyRetention(_ policy: RetentionPolicy, clock: WallClock, now: Date, dryRun: Bool) throws -> RetentionReport {
        guard !policy.keepsEverything else { return RetentionReport(dryRun: dryRun) }
        let work: (Database) throws -> RetentionReport = { db in
            var report = RetentionReport(dryRun: dryRun)
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, number, resolved_at, bodies_removed_at FROM cases
                WHERE status <> 'open' AND resolved_at IS NOT NULL ORDER BY number
                """)
            for r in rows {
                let id: Int64 = r["id"], number: String = r["number"]
                let decision = policy.decide(resolvedAt: Date(timeIntervalSince1970: r["resolved_at"]), now: now, clock: clock)
                switch decision {
                case .keep: continue
                case .removeBodies:
                    let (messages, outbox) = try Self.bodiesLeft(db, caseID: id)
                    guard messages + outbox > 0 || r["bodies_removed_at"] as Double? == nil else { continue }
                    report.cases.append(.init(number: number, action: .bodies, messages: messages, outbox: outbox))
                    if !dryRun {
                        try Self.removeBodies(db, caseID: id, now: now)
                        try Self.insertEvent(db, CaseEvent(caseNumber: number, at: now, kind: .bodiesRemoved,
                                                           detail: "retention (bodies = \(policy.bodies!)): the bodies of \(messages) message(s) and \(outbox) sent mail(s) removed"),
                                             caseID: id)
                    }
                case .eraseCase:
                    let messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM correspondence WHERE case_id = ?", arguments: [id]) ?? 0
                    let outbox = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE case_id = ?", arguments: [id]) ?? 0
                    report.cases.append(.init(number: number, action: .erase, messages: messages, outbox: outbox))
                    if !dryRun { try Self.eraseCase(db, caseID: id) }
                }
            }
            if policy.bodies != nil {
                let held = try Row.fetchAll(db, sql: "SELECT id, held_at FROM held WHERE status <> 'pending' AND body_removed_at IS NULL")
                    .filter { policy.heldBodyExpired(heldAt: Date(timeIntervalSince1970: $0["held_at"]), now: now, clock: clock) }
                    .map { $0["id"] as Int64 }
                report.held = held.count
                if !dryRun {
                    for id in held {
                        try db.execute(sql: "UPDATE held SET raw = X'', body_removed_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
                    }
                }
            }
            return report
        }
        let report = dryRun ? try snapshot(work) : try transaction(work)
        if !dryRun && !report.isEmpty { try compact() }
        return report
    }

    /// Bodies still present on a case: filed messages, and outbox mails no longer waiting to go.
    static func bodiesLeft(_ db: Database, caseID: Int64) throws -> (messages: Int, outbox: Int) {
        (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM correspondence WHERE case_id = ? AND body_removed_at IS NULL", arguments: [caseID]) ?? 0,
         try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE case_id = ? AND status <> 'pending' AND body_removed_at IS NULL",
                          arguments: [caseID]) ?? 0)
    }

    /// Empties the raw bytes of a case's messages and of its outbox mails no longer pending.
    static func removeBodies(_ db: Database, caseID: Int64, now: Date) throws {
        let at = now.timeIntervalSince1970
        try db.execute(sql: "UPDATE correspondence SET raw = X'', body_removed_at = ? WHERE case_id = ? AND body_removed_at IS NULL",
                       arguments: [at, caseID])
        try db.execute(sql: "UPDATE outbox SET raw = X'', body_removed_at = ? WHERE case_id = ? AND status <> 'pending' AND body_removed_at IS NULL",
                       arguments: [at, caseID])
        try db.execute(sql: "UPDATE cases SET bodies_removed_at = ? WHERE id = ?", arguments: [at, caseID])
    }

    /// Deletes a case and every row that belongs to it, children first.
    static func eraseCase(_ db: Database, caseID: Int64) throws {
        try db.execute(sql: """
            DELETE FROM action_items WHERE recap_id IN (SELECT id FROM recaps WHERE case_id = :id);
            DELETE FROM recaps WHERE case_id = :id;
            DELETE FROM message_references WHERE correspondence_id IN (SELECT id FROM correspondence WHERE case_id = :id);
            DELETE FROM message_recipients WHERE case_id = :id;
            DELETE FROM recipients_backfill WHERE correspondence_id IN (SELECT id FROM correspondence WHERE case_id = :id);
            DELETE FROM reminders WHERE case_id = :id;
            DELETE FROM outbox WHERE case_id = :id;
            DELETE FROM case_events WHERE case_id = :id;
            DELETE FROM message_ids WHERE case_id = :id;
            DELETE FROM case_addresses WHERE case_id = :id;
            DELETE FROM correspondence WHERE case_id = :id;
            DELETE FROM cases WHERE id = :id;
            """, arguments: ["id": caseID])
    }

    /// Rebuilds the file without the freed pages (`VACUUM`) and truncates the WAL, so removed
    /// bytes are in neither. Readers may run meanwhile; writers wait (busy timeout).
    public func compact() throws {
        do {
            try pool.writeWithoutTransaction { db in
                // The search index (v10-search) keeps a deleted or rewritten row's trigrams in its
                // segments until they merge: merge them now, so erased text leaves the index too.
                try db.execute(sql: "INSERT INTO case_search (case_search) VALUES ('optimize')")
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch let e as DatabaseError {
            throw Self.mapped(e)
        }
    }
}
