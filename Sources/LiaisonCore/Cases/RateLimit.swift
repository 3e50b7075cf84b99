import Foundation

/// Caps on what outsiders can make Liaison do (issue 12, "Floods"): how many cases one outside
/// sender may open, how many cases outsiders may open for one owner, how many notices one owner
/// is sent from filing. `[limits]` in the configuration; 0 turns a cap off.
public struct RateCaps: Sendable, Equatable {
    /// New cases one outside sender may open in any hour / any day.
    public var casesPerSenderHour: Int
    public var casesPerSenderDay: Int
    /// New cases outsiders may open for one owner in any hour.
    public var casesPerOwnerHour: Int
    /// Notices filing may send one recipient in any hour (objection and delivery-failed notices,
    /// rate-limit summaries); past it they are not sent, and an event on the case counts them.
    public var noticesPerOwnerHour: Int
    /// Who is told when messages are held for a cap; nil: the owner the case would have had.
    public var notify: String?

    public init(casesPerSenderHour: Int = 5, casesPerSenderDay: Int = 20, casesPerOwnerHour: Int = 30,
                noticesPerOwnerHour: Int = 60, notify: String? = nil) {
        self.casesPerSenderHour = casesPerSenderHour
        self.casesPerSenderDay = casesPerSenderDay
        self.casesPerOwnerHour = casesPerOwnerHour
        self.noticesPerOwnerHour = noticesPerOwnerHour
        self.notify = notify?.lowercased()
    }
}

/// One message that would open a case for an outsider, with the caps that apply: the store counts
/// inside its filing transaction and asks `RateLimit.decide`.
public struct RateGate: Sendable, Equatable {
    /// The outside sender, lowercased.
    public var sender: String
    /// The owner the case would have, lowercased.
    public var owner: String
    public var caps: RateCaps
    /// The service's "now": windows end here.
    public var at: Date

    public init(sender: String, owner: String, caps: RateCaps, at: Date) {
        self.sender = sender.lowercased()
        self.owner = owner.lowercased()
        self.caps = caps
        self.at = at
    }

    /// Who is sent the summary when this message is held.
    public var summaryRecipient: String { caps.notify ?? owner }
}

/// What the store counted in the windows ending at `RateGate.at`.
public struct RateCounts: Sendable, Equatable {
    /// Cases this sender opened in the last hour / day.
    public var senderHour: Int
    public var senderDay: Int
    /// Cases outsiders opened for this owner in the last hour.
    public var ownerHour: Int
    /// Rate-limit summaries sent to the summary recipient in the last hour.
    public var summariesHour: Int

    public init(senderHour: Int = 0, senderDay: Int = 0, ownerHour: Int = 0, summariesHour: Int = 0) {
        self.senderHour = senderHour
        self.senderDay = senderDay
        self.ownerHour = ownerHour
        self.summariesHour = summariesHour
    }
}

/// The cap a message met.
public struct RateLimitHit: Sendable, Equatable {
    public enum Scope: String, Sendable, Equatable {
        case senderHour = "cases per sender per hour"
        case senderDay = "cases per sender per day"
        case ownerHour = "cases per owner per hour"
    }
    public var scope: Scope
    /// The sender or the owner.
    public var who: String
    public var count: Int
    public var cap: Int

    /// For the held message's detail and the summary, e.g.
    /// `x@evil.example opened 5 cases in the last hour (cap: 5 cases per sender per hour)`.
    public var detail: String {
        switch scope {
        case .senderHour: return "\(who) opened \(count) cases in the last hour (cap: \(cap) \(scope.rawValue))"
        case .senderDay: return "\(who) opened \(count) cases in the last day (cap: \(cap) \(scope.rawValue))"
        case .ownerHour: return "outsiders opened \(count) cases for \(who) in the last hour (cap: \(cap) \(scope.rawValue))"
        }
    }
}

/// The decision for one message that would open a case.
public enum RateDecision: Sendable, Equatable {
    case allow
    /// Hold for review (`HoldReason.rateLimited`); `summarise`: this is the first held in the
    /// summary window, so one summary notice goes out (and none for the rest of the hour).
    case hold(RateLimitHit, summarise: Bool)
}

/// The pure rate decision: counts and caps in, a decision out. No clock, no store.
public enum RateLimit {
    public static func decide(_ counts: RateCounts, gate: RateGate) -> RateDecision {
        let caps = gate.caps
        let checks: [(RateLimitHit.Scope, String, Int, Int)] = [
            (.senderHour, gate.sender, counts.senderHour, caps.casesPerSenderHour),
            (.senderDay, gate.sender, counts.senderDay, caps.casesPerSenderDay),
            (.ownerHour, gate.owner, counts.ownerHour, caps.casesPerOwnerHour),
        ]
        for (scope, who, count, cap) in checks where cap > 0 && count >= cap {
            return .hold(RateLimitHit(scope: scope, who: who, count: count, cap: cap), summarise: counts.summariesHour == 0)
        }
        return .allow
    }

    /// Whether one more notice to a recipient who was sent `sentHour` in the last hour is allowed.
    public static func allowsNotice(sentHour: Int, caps: RateCaps) -> Bool {
        caps.noticesPerOwnerHour <= 0 || sentHour < caps.noticesPerOwnerHour
    }

    /// The ledger's scopes (the store keeps one row per counted event).
    public enum Ledger {
        public static let caseBySender = "case-by-sender"
        public static let caseForOwner = "case-for-owner"
        public static let summary = "rate-summary"
        public static let notice = "notice"
        public static let bounceNotice = "bounce-notice"
    }
}

/// Counted events in the store, read and written inside the transaction that is open (the filing
/// transaction's own view, so two messages cannot both take the last place under a cap).
public protocol RateLedger {
    /// Events of `scope` for `key` at or after `since`.
    func countEvents(scope: String, key: String, since: Date) throws -> Int
    /// Records one event.
    func recordEvent(scope: String, key: String, at: Date) throws
}
