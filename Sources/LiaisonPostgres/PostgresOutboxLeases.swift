import Foundation
import LiaisonCore
import LiaisonStore

/// Outbox leases (migration `pg5-leases`): several instances drain one outbox, and a row is sent
/// by the instance that holds its claim. A claim is taken under `FOR UPDATE SKIP LOCKED` (two
/// instances claiming at once take different rows), lasts `OutboxClaim.lease` on the database
/// server's clock, is renewed just before the mail goes to SMTP, and is checked by the UPDATE
/// that records the outcome (`claimed_by = holder`). A sender that crashed leaves its claims to
/// run out; then another instance claims and sends the row.
///
/// What remains: a sender that dies after the SMTP server accepted a mail and before the
/// UPDATE committed leaves the row pending; it is sent again once its lease ran out
/// (at-least-once, as with one instance, the same Message-ID). And a sender whose one SMTP
/// transaction outlasts the lease after its renewal may overlap with the instance that took the
/// row over: the lease must be longer than a send can take (`[store] outbox_lease`, 2 min).
extension PostgresStore: OutboxLeasing {
    /// Now on the database server, seconds since 1970: the clock leases are measured on.
    static let serverNow = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"

    public func claimDueOutbox(now: Date, limit: Int, claim: OutboxClaim) throws -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        return try transaction { s in
            let ids = try s.rows("""
                UPDATE outbox SET claimed_by = ?, lease_until = \(Self.serverNow) + ?
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE status = 'pending' AND rendered AND next_attempt_at <= ?
                      AND (claimed_by IS NULL OR claimed_by = ? OR lease_until IS NULL OR lease_until < \(Self.serverNow))
                    ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, [claim.holder, claim.lease, now.timeIntervalSince1970, claim.holder, Int64(limit)]).map { try $0["id"] as Int64 }
            guard !ids.isEmpty else { return [] }
            return try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.id = ANY(?) ORDER BY o.id", [ids])
        }
    }

    public func claimOutboxEntry(messageID: String, claim: OutboxClaim) throws -> OutboxEntry? {
        try transaction { s in
            guard let id = try s.value("""
                UPDATE outbox SET claimed_by = ?, lease_until = \(Self.serverNow) + ?
                WHERE id = (
                    SELECT id FROM outbox
                    WHERE message_id = ? AND status = 'pending' AND rendered
                      AND (claimed_by IS NULL OR claimed_by = ? OR lease_until IS NULL OR lease_until < \(Self.serverNow))
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, [claim.holder, claim.lease, messageID, claim.holder], as: Int64.self) else { return nil }
            return try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.id = ?", [id]).first
        }
    }

    public func renewOutboxClaim(id: Int64, claim: OutboxClaim) throws -> Bool {
        // Only the holder renews: an instance that took the row over after the lease ran out
        // changed `claimed_by`, and the two UPDATEs are serialised on the row.
        try transaction { s in
            try s.execute("""
                UPDATE outbox SET lease_until = \(Self.serverNow) + ? WHERE id = ? AND status = 'pending' AND claimed_by = ?
                """, [claim.lease, id, claim.holder]) == 1
        }
    }

    public func outboxSent(id: Int64, at: Date, claim: OutboxClaim) throws -> Bool {
        try transaction { s in
            let changed = try s.execute("""
                UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, claimed_by = NULL, lease_until = NULL
                WHERE id = ? AND status = 'pending' AND claimed_by = ?
                """, [at.timeIntervalSince1970, id, claim.holder])
            if changed == 0, try s.value("SELECT id FROM outbox WHERE id = ?", [id], as: Int64.self) == nil {
                throw StoreError(.notFound, "no outbox row \(id)")
            }
            return changed == 1
        }
    }

    public func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp, claim: OutboxClaim) throws -> Bool {
        try transaction { s in
            guard let entry = try Self.fetchOutbox(s, sql: Self.outboxSelect + " WHERE o.id = ? FOR UPDATE OF o", [id]).first else {
                throw StoreError(.notFound, "no outbox row \(id)")
            }
            let holder: String? = try s.value("SELECT claimed_by FROM outbox WHERE id = ?", [id])
            guard entry.status == .pending, holder == claim.holder else { return false }
            if let retryAt {
                try s.execute("""
                    UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_by = NULL, lease_until = NULL
                    WHERE id = ?
                    """, [retryAt.timeIntervalSince1970, error, id])
            } else {
                try s.execute("""
                    UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, claimed_by = NULL, lease_until = NULL
                    WHERE id = ?
                    """, [error, id])
                if let number = entry.mail.caseNumber {
                    let detail = "\(entry.mail.purpose) mail \(entry.mail.messageID) to \(entry.mail.recipients.joined(separator: ", ")) failed: \(error)"
                    try Self.insertEvent(s, CaseEvent(caseNumber: number, at: at, kind: CaseEvent.Kind.deliveryFailed, detail: detail),
                                         caseID: try Self.caseID(s, number))
                }
            }
            try Self.write(s, followUp, now: at, filed: nil)
            return true
        }
    }
}
