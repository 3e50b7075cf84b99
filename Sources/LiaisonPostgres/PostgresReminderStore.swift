import Foundation
import LiaisonCore
import LiaisonStore

/// Reminders, recaps, events, the outbox and containment in PostgreSQL (as `SQLiteReminderStore.swift`
/// and `ContainmentStore.swift`). A reminder is fired under `FOR UPDATE SKIP LOCKED`: an
/// instance firing it holds its row until it commits, and another instance skips it.
extension PostgresStore {
    // MARK: updates

    public func update(now: Date, _ body: (any CaseView) throws -> FollowUp) throws {
        try transaction { s in try Self.write(s, try body(PostgresCaseView(s: s)), now: now, filed: nil) }
    }

    public func read<T>(_ body: (any CaseView) throws -> T) throws -> T {
        try snapshot { s in try body(PostgresCaseView(s: s)) }
    }

    // MARK: reminders

    public func nextReminderTime() throws -> Date? {
        try snapshot { s in
            try s.value("SELECT fire_at FROM reminders WHERE status = 'pending' ORDER BY fire_at LIMIT 1", as: Double.self).map(Self.instant)
        }
    }

    public func pendingReminderCount() throws -> Int {
        try snapshot { s in try s.value("SELECT COUNT(*) FROM reminders WHERE status = 'pending'", as: Int.self) ?? 0 }
    }

    /// As `SQLiteStore.fireDue`: the due ids read once, then each fired in its own transaction
    /// after locking its row (`SKIP LOCKED`: one another instance is firing is left to it) and
    /// checking it is still pending.
    public func fireDue(now: Date, limit: Int, lateAfter: TimeInterval,
                        _ fire: (Reminder, any CaseView) throws -> FollowUp) throws -> [Reminder] {
        guard limit > 0 else { return [] }
        let ids = try snapshot { s in
            try s.rows("""
                SELECT id FROM reminders WHERE status = 'pending' AND fire_at <= ? AND kind <> 'weekly-check'
                ORDER BY fire_at, id LIMIT ?
                """, [now.timeIntervalSince1970, Int64(limit)]).map { try $0["id"] as Int64 }
        }
        var fired: [Reminder] = []
        for id in ids {
            let done: Reminder? = try transaction { s in
                guard try s.row("SELECT id FROM reminders WHERE id = ? AND status = 'pending' FOR UPDATE SKIP LOCKED", [id]) != nil,
                      var r = try Self.fetchReminders(s, sql: Self.reminderSelect + " WHERE r.id = ?", [id]).first else {
                    return nil
                }
                r.late = now.timeIntervalSince(r.fireAt) > lateAfter
                r.status = .fired
                r.doneAt = now
                try s.execute("UPDATE reminders SET status = 'fired', done_at = ?, late = ? WHERE id = ?",
                              [now.timeIntervalSince1970, r.late, id])
                try Self.write(s, try fire(r, PostgresCaseView(s: s)), now: now, filed: nil)
                return r
            }
            if let done { fired.append(done) }
        }
        return fired
    }

    public func reminders(caseNumber: String?, status: ReminderStatus?, dueBefore: Date?) throws -> [Reminder] {
        var sql = Self.reminderSelect + " WHERE 1 = 1"
        var args: [PGArg] = []
        if let caseNumber { sql += " AND cases.number = ?"; args.append(caseNumber) }
        if let status { sql += " AND r.status = ?"; args.append(status.rawValue) }
        if let dueBefore { sql += " AND r.fire_at < ?"; args.append(dueBefore.timeIntervalSince1970) }
        return try snapshot { s in try Self.fetchReminders(s, sql: sql + " ORDER BY r.fire_at, r.id", args) }
    }

    public func cancelReminder(id: Int64, reason: String, at: Date) throws -> Bool {
        try transaction { s in
            try s.execute("UPDATE reminders SET status = 'cancelled', done_at = ?, cancel_reason = ? WHERE id = ? AND status = 'pending'",
                          [at.timeIntervalSince1970, reason, id]) > 0
        }
    }

    public func recaps(caseNumber: String) throws -> [RecapRecord] {
        try snapshot { s in try Self.fetchRecaps(s, where: "cases.number = ?", [caseNumber]) }
    }

    public func events(caseNumber: String) throws -> [CaseEvent] {
        try snapshot { s in try Self.fetchEvents(s, caseNumber: caseNumber) }
    }

    // MARK: outbox

    /// The earliest attempt of a pending row no live claim holds (`pg5-leases`): a row another
    /// instance is sending is its business; when its lease runs out unsent, the sender's
    /// `StoreTimer` finds it within its safety interval.
    public func nextOutboxAttempt() throws -> Date? {
        try snapshot { s in
            try s.value("""
                SELECT next_attempt_at FROM outbox
                WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < \(Self.serverNow))
                ORDER BY next_attempt_at LIMIT 1
                """, as: Double.self).map(Self.instant)
        }
    }

    public func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry] {
        try snapshot { s in
            try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.status = 'pending' AND o.rendered AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
                                 [now.timeIntervalSince1970, Int64(max(limit, 0))])
        }
    }

    public func unrenderedNotices(limit: Int) throws -> [PendingNotice] {
        try snapshot { s in
            try s.rows("""
                SELECT id, message_id, notice, created_at FROM outbox WHERE NOT rendered AND status = 'pending' ORDER BY id LIMIT ?
                """, [Int64(max(limit, 0))]).map { r in
                let id: Int64 = try r["id"]
                let text = (try r["notice"] as String?) ?? ""
                let notice: Notice
                do { notice = try JSONDecoder().decode(Notice.self, from: Data(text.utf8)) } catch {
                    throw StoreError(.corrupt, "outbox row \(id) holds an unreadable notice: \(error)")
                }
                return PendingNotice(id: id, planned: PlannedNotice(notice: notice, messageID: try r["message_id"]),
                                     createdAt: Self.instant(try r["created_at"]))
            }
        }
    }

    public func noticeRendered(id: Int64, mail: OutgoingMail) throws {
        try transaction { s in
            try s.execute("UPDATE outbox SET raw = ?, envelope_from = ?, recipients = ?, rendered = TRUE WHERE id = ? AND NOT rendered",
                          [Data(mail.raw), mail.envelopeFrom, StoreColumns.json(mail.recipients), id])
        }
    }

    public func noticeUnrenderable(id: Int64, at: Date, error: String) throws {
        try transaction { s in
            guard let entry = try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.id = ? AND NOT o.rendered FOR UPDATE OF o", [id]).first else {
                return
            }
            try s.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", ["not rendered: " + error, id])
            if let number = entry.mail.caseNumber {
                let detail = "\(entry.mail.purpose) notice to \(entry.mail.recipients.joined(separator: ", ")) not sent: \(error)"
                try Self.insertEvent(s, CaseEvent(caseNumber: number, at: at, kind: CaseEvent.Kind.noticeFailed, detail: detail),
                                     caseID: try Self.caseID(s, number))
            }
        }
    }

    public func outboxSent(id: Int64, at: Date) throws {
        try transaction { s in
            let changed = try s.execute("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
                                        [at.timeIntervalSince1970, id])
            if changed == 0, try s.value("SELECT id FROM outbox WHERE id = ?", [id], as: Int64.self) == nil {
                throw StoreError(.notFound, "no outbox row \(id)")
            }
        }
    }

    public func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp) throws {
        try transaction { s in
            guard let entry = try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.id = ? FOR UPDATE OF o", [id]).first else {
                throw StoreError(.notFound, "no outbox row \(id)")
            }
            if let retryAt {
                guard entry.status == .pending else { throw StoreError(.refused, "outbox row \(id) is \(entry.status.rawValue), not pending") }
                try s.execute("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                              [retryAt.timeIntervalSince1970, error, id])
            } else {
                try s.execute("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?", [error, id])
                if let number = entry.mail.caseNumber {
                    let detail = "\(entry.mail.purpose) mail \(entry.mail.messageID) to \(entry.mail.recipients.joined(separator: ", ")) failed: \(error)"
                    try Self.insertEvent(s, CaseEvent(caseNumber: number, at: at, kind: CaseEvent.Kind.deliveryFailed, detail: detail),
                                         caseID: try Self.caseID(s, number))
                }
            }
            try Self.write(s, followUp, now: at, filed: nil)
        }
    }

    public func outbox(status: OutboxStatus?) throws -> [OutboxEntry] {
        try snapshot { s in
            if let status {
                return try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.status = ? ORDER BY o.id", [status.rawValue])
            }
            return try Self.fetchOutbox(s, sql: Self.outboxSelect + " ORDER BY o.id", [])
        }
    }

    public func outboxCounts() throws -> [OutboxStatus: Int] {
        try snapshot { s in
            var counts: [OutboxStatus: Int] = [:]
            for row in try s.rows("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let st = OutboxStatus(rawValue: try row["status"]) { counts[st] = try row["n"] }
            }
            return counts
        }
    }

    public func outboxEntry(messageID: String) throws -> OutboxEntry? {
        try snapshot { s in try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.message_id = ?", [messageID]).first }
    }

    // MARK: containment

    public func beginProcessing(_ marker: ProcessingMarker, run: String, now: Date) throws -> ProcessingRecord {
        try transaction { s in
            let row = try s.row("SELECT * FROM processing WHERE source = ? AND item = ? FOR UPDATE", [marker.source, marker.item])
            var record = try row.map(Self.record) ?? ProcessingRecord()
            if let row, let holder = try row["run"] as String?, holder != run { record.crashes += 1 }
            try s.execute("""
                INSERT INTO processing (source, item, run, crashes, failures, last_error, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, item) DO UPDATE SET run = EXCLUDED.run, crashes = EXCLUDED.crashes, started_at = EXCLUDED.started_at
                """, [marker.source, marker.item, run, Int32(clamping: record.crashes), Int32(clamping: record.failures), record.lastError,
                      now.timeIntervalSince1970])
            return record
        }
    }

    public func recordFailure(_ marker: ProcessingMarker, reason: String, now: Date) throws -> ProcessingRecord {
        try transaction { s in
            try s.execute("""
                INSERT INTO processing (source, item, run, crashes, failures, last_error, started_at) VALUES (?, ?, NULL, 0, 1, ?, ?)
                ON CONFLICT (source, item) DO UPDATE SET run = NULL, failures = processing.failures + 1, last_error = EXCLUDED.last_error
                """, [marker.source, marker.item, reason, now.timeIntervalSince1970])
            return try s.row("SELECT * FROM processing WHERE source = ? AND item = ?", [marker.source, marker.item]).map(Self.record)
                ?? ProcessingRecord(failures: 1, lastError: reason)
        }
    }

    public func holdUnprocessable(raw: [UInt8], contentHash: String, detail: String, marker: ProcessingMarker?,
                                  checkpoint: MailboxCheckpoint?, now: Date) throws -> FilingOutcome {
        let m = IncomingMessage(messageID: nil, date: nil, subject: nil, threadSubject: "", sender: nil, kind: .correspondence,
                                direction: .inbound, raw: raw, contentHash: contentHash)
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try transaction { s in
                    let outcome: FilingOutcome
                    if let existing = try Self.findFiled(s, m) {
                        outcome = .duplicate(existing)
                    } else if let id = try Self.findPendingHeld(s, m) {
                        outcome = .duplicate(.held(heldID: id))
                    } else {
                        outcome = .held(heldID: try Self.insertHeld(s, m, reason: .unprocessable, detail: detail, at: now), reason: .unprocessable)
                    }
                    if let checkpoint { try Self.advance(s, checkpoint) }
                    if let marker { try Self.clearMarker(s, marker) }
                    return outcome
                }
            } catch is LostRace where attempt < 3 {
                continue
            }
        }
    }

    public func unprocessableHeld(contentHash: String) throws -> Int64? {
        try snapshot { s in
            try s.value("SELECT id FROM held WHERE status = 'pending' AND content_hash = ? AND reason = ?",
                        [contentHash, HoldReason.unprocessable.rawValue])
        }
    }

    public func unprocessableCount() throws -> Int {
        try snapshot { s in
            try s.value("SELECT COUNT(*) FROM held WHERE status = 'pending' AND reason = ?", [HoldReason.unprocessable.rawValue]) ?? 0
        }
    }

    public func processing(_ marker: ProcessingMarker) throws -> ProcessingRecord? {
        try snapshot { s in try s.row("SELECT * FROM processing WHERE source = ? AND item = ?", [marker.source, marker.item]).map(Self.record) }
    }

    static func record(_ r: PGRow) throws -> ProcessingRecord {
        ProcessingRecord(crashes: try r["crashes"], failures: try r["failures"], lastError: try r["last_error"])
    }

    static func clearMarker(_ s: PGSession, _ marker: ProcessingMarker, wait: Bool = true) throws {
        let sql = "DELETE FROM processing WHERE source = ? AND item = ?", args: [PGArg] = [marker.source, marker.item]
        if wait { try s.execute(sql, args) } else { try s.send(sql, args) }
    }

    // MARK: weekly check

    public func dueWeeklyChecks(now: Date) throws -> [Reminder] {
        try snapshot { s in
            try Self.fetchReminders(s, sql: Self.reminderSelect + " WHERE r.status = 'pending' AND r.fire_at <= ? AND r.kind = ? ORDER BY r.fire_at, r.id",
                                    [now.timeIntervalSince1970, ReminderKind.weeklyCheck.rawValue])
        }
    }

    public func hasPendingWeeklyCheck() throws -> Bool {
        try snapshot { s in
            try s.value("SELECT EXISTS (SELECT 1 FROM reminders WHERE status = 'pending' AND kind = ?)",
                        [ReminderKind.weeklyCheck.rawValue]) ?? false
        }
    }

    public func scheduleWeeklyCheck(_ r: NewReminder, now: Date) throws {
        precondition(r.kind == .weeklyCheck && r.caseNumber == nil)
        try transaction { s in try Self.write(s, FollowUp(reminders: [r]), now: now, filed: nil) }
    }

    public func fireWeeklyCheck(id: Int64, now: Date, lateAfter: TimeInterval, mails: [OutgoingMail],
                                next: NewReminder?) throws -> Reminder? {
        try transaction { s in
            guard try s.row("SELECT id FROM reminders WHERE id = ? AND status = 'pending' FOR UPDATE", [id]) != nil,
                  var r = try Self.fetchReminders(s, sql: Self.reminderSelect + " WHERE r.id = ?", [id]).first,
                  r.kind == .weeklyCheck else { return nil }
            r.late = now.timeIntervalSince(r.fireAt) > lateAfter
            r.status = .fired
            r.doneAt = now
            try s.execute("UPDATE reminders SET status = 'fired', done_at = ?, late = ? WHERE id = ?", [now.timeIntervalSince1970, r.late, id])
            try Self.write(s, FollowUp(reminders: next.map { [$0] } ?? [], mails: mails), now: now, filed: nil)
            return r
        }
    }
}
