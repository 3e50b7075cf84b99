import Foundation
import GRDB
import LiaisonCore

/// The rate ledger (`rate_events`, migration "v3-floods") over the transaction that is open.
extension SQLiteCaseView: RateLedger {
    func countEvents(scope: String, key: String, since: Date) throws -> Int {
        try SQLiteStore.countEvents(db, scope: scope, key: key, since: since)
    }

    func recordEvent(scope: String, key: String, at: Date) throws {
        try SQLiteStore.recordEvent(db, scope: scope, key: key, at: at, ref: nil)
    }
}

extension SQLiteStore {
    static func countEvents(_ db: Database, scope: String, key: String, since: Date) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM rate_events WHERE scope = ? AND key = ? AND at >= ?"),
                         arguments: [scope, key, since.timeIntervalSince1970]) ?? 0
    }

    /// Records one event; counting events (not the once-only bounce notices) older than two days
    /// for the same scope and key are dropped, so the table stays as small as the windows need.
    static func recordEvent(_ db: Database, scope: String, key: String, at: Date, ref: Int64?) throws {
        try db.cachedStatement(sql: "INSERT INTO rate_events (scope, key, at, ref) VALUES (?, ?, ?, ?)")
            .execute(arguments: [scope, key, at.timeIntervalSince1970, ref])
        if scope != RateLimit.Ledger.bounceNotice {
            try db.cachedStatement(sql: "DELETE FROM rate_events WHERE scope = ? AND key = ? AND at < ?")
                .execute(arguments: [scope, key, at.timeIntervalSince1970 - 2 * 86_400])
        }
    }

    /// The caps of `gate` against the ledger: `.allow` records the opening (sender and owner);
    /// a hold records the summary when one is due (with the held message's id, once it is known).
    static func rateDecision(_ db: Database, _ gate: RateGate) throws -> RateDecision {
        let hour = gate.at.addingTimeInterval(-3600), day = gate.at.addingTimeInterval(-86_400)
        // A window whose cap is off (0) is not counted: `decide` never reads it, and with the cap
        // off nothing bounds its events (an owner's openings of the last hour: a scan that grew
        // with every case of a backlog; scripts/bench-backlog, 3 Dec 2026). With the cap on, its
        // events are bounded by the cap (an opening past it is held, not recorded).
        func count(_ scope: String, _ key: String, since: Date, cap: Int) throws -> Int {
            cap > 0 ? try countEvents(db, scope: scope, key: key, since: since) : 0
        }
        let counts = RateCounts(
            senderHour: try count(RateLimit.Ledger.caseBySender, gate.sender, since: hour, cap: gate.caps.casesPerSenderHour),
            senderDay: try count(RateLimit.Ledger.caseBySender, gate.sender, since: day, cap: gate.caps.casesPerSenderDay),
            ownerHour: try count(RateLimit.Ledger.caseForOwner, gate.owner, since: hour, cap: gate.caps.casesPerOwnerHour),
            summariesHour: try countEvents(db, scope: RateLimit.Ledger.summary, key: gate.summaryRecipient, since: hour))
        let decision = RateLimit.decide(counts, gate: gate)
        if decision == .allow {
            try recordEvent(db, scope: RateLimit.Ledger.caseBySender, key: gate.sender, at: gate.at, ref: nil)
            try recordEvent(db, scope: RateLimit.Ledger.caseForOwner, key: gate.owner, at: gate.at, ref: nil)
        }
        return decision
    }

    /// The recipient of the rate-limit summary recorded for held message `heldID`, if one was.
    static func summaryRecipient(_ db: Database, heldID: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT key FROM rate_events WHERE ref = ? AND scope = ?"),
                            arguments: [heldID, RateLimit.Ledger.summary])
    }
}
