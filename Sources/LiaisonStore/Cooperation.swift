import Foundation
import LiaisonCore

// Several `liaison serve` instances over one store (issue 17): which instance polls a mailbox
// (leadership), and which instance sends an outbox row (leases). SQLite serves one instance:
// it has no leadership (the poller always polls) and the lease calls fall back to the plain ones
// (`OutboxStore`'s defaults below).

/// The right to poll one mailbox, held by one instance at a time (PostgreSQL: a session-level
/// advisory lock on a connection of its own, `PostgresLeadership`). Called from the poller's
/// Dispatch lane; `isHeld` from any thread.
public protocol MailboxLeadership: AnyObject, Sendable {
    /// Takes the leadership of `mailbox` if no other instance holds it, or confirms that this
    /// instance still holds it (its connection answers). True: this instance is the leader.
    /// Throws when the database cannot be reached (then this instance is not the leader).
    func acquire(mailbox: String) throws -> Bool
    /// False from the moment the leadership is lost (its connection dropped or stopped
    /// answering) or was never taken. Cheap: read before every message filed.
    var isHeld: Bool { get }
    /// `handler` runs (on any thread) when held leadership is lost, at once: the poller stops.
    func onLoss(_ handler: @escaping @Sendable () -> Void)
    /// Gives the leadership up (graceful stop): another instance may take it at once.
    func release()
}

/// A store that several instances may share: it hands out mailbox leadership.
public protocol CooperativeStore {
    /// The leadership of this instance (`instance` names it in the database, e.g. in
    /// `pg_stat_activity.application_name`).
    func mailboxLeadership(instance: String) throws -> any MailboxLeadership
}

/// Who sends an outbox row, and for how long the claim holds without being renewed.
public struct OutboxClaim: Sendable, Equatable {
    /// This instance's name (unique per process run).
    public var holder: String
    /// How long a claim lasts; a sender that crashed leaves its rows to others after this.
    public var lease: TimeInterval

    public static let defaultLease: TimeInterval = 120

    public init(holder: String, lease: TimeInterval = OutboxClaim.defaultLease) {
        self.holder = holder
        self.lease = lease
    }
}

/// The outbox as several senders see it (PostgreSQL implements every call with a lease; the
/// defaults are the single-instance behaviour of SQLite).
public protocol OutboxLeasing {
    /// Claims up to `limit` pending rows due at `now` that no other live claim holds (`FOR UPDATE
    /// SKIP LOCKED`), each for `claim.lease`, oldest first.
    func claimDueOutbox(now: Date, limit: Int, claim: OutboxClaim) throws -> [OutboxEntry]
    /// Claims the pending row of `messageID` (whatever its due time) unless another live claim
    /// holds it; nil when there is no such row or it is not free.
    func claimOutboxEntry(messageID: String, claim: OutboxClaim) throws -> OutboxEntry?
    /// Renews this holder's claim on row `id` just before sending it; false when the row is no
    /// longer this holder's (another instance took it over after the lease ran out) or no
    /// longer pending: it must not be sent.
    func renewOutboxClaim(id: Int64, claim: OutboxClaim) throws -> Bool
    /// `outboxSent` for the holder of the claim only (the UPDATE checks the holder); false when
    /// the claim had passed to another instance.
    func outboxSent(id: Int64, at: Date, claim: OutboxClaim) throws -> Bool
    /// `outboxFailed` for the holder of the claim only; false when the claim had passed on.
    func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp, claim: OutboxClaim) throws -> Bool
}

extension OutboxStore {
    /// The store's own leasing when it has one; else the plain calls (one instance).
    public func claimDueOutbox(now: Date, limit: Int, claim: OutboxClaim?) throws -> [OutboxEntry] {
        if let claim, let l = self as? any OutboxLeasing { return try l.claimDueOutbox(now: now, limit: limit, claim: claim) }
        return try dueOutbox(now: now, limit: limit)
    }

    public func claimOutboxEntry(messageID: String, claim: OutboxClaim?) throws -> OutboxEntry? {
        if let claim, let l = self as? any OutboxLeasing { return try l.claimOutboxEntry(messageID: messageID, claim: claim) }
        return try outboxEntry(messageID: messageID).flatMap { $0.status == .pending ? $0 : nil }
    }

    public func renewOutboxClaim(id: Int64, claim: OutboxClaim?) throws -> Bool {
        if let claim, let l = self as? any OutboxLeasing { return try l.renewOutboxClaim(id: id, claim: claim) }
        return true
    }

    public func outboxSent(id: Int64, at: Date, claim: OutboxClaim?) throws -> Bool {
        if let claim, let l = self as? any OutboxLeasing { return try l.outboxSent(id: id, at: at, claim: claim) }
        try outboxSent(id: id, at: at)
        return true
    }

    public func outboxFailed(id: Int64, at: Date, error: String, retryAt: Date?, followUp: FollowUp, claim: OutboxClaim?) throws -> Bool {
        if let claim, let l = self as? any OutboxLeasing {
            return try l.outboxFailed(id: id, at: at, error: error, retryAt: retryAt, followUp: followUp, claim: claim)
        }
        try outboxFailed(id: id, at: at, error: error, retryAt: retryAt, followUp: followUp)
        return true
    }
}
