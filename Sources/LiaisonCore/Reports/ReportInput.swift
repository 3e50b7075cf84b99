import Foundation

/// What the store knows of one case, as the follow-up table and the report read it (issue 15).
/// Filled by a read-only store query (`SQLiteStore.reportCases`); everything here is a value, so
/// the figures and the table are pure functions of it.
public struct ReportCase: Sendable, Equatable {
    public var number: String
    public var owner: String?
    public var category: CaseCategory
    public var status: CaseStatus
    public var openedAt: Date
    public var resolvedAt: Date?
    /// The outside domain; nil for internal cases.
    public var organization: String?
    /// Outside addresses, in the order first seen.
    public var contacts: [String]
    /// The case's earliest correspondence (by its recorded time; an auto-reply, bounce or recap
    /// only when there is none): when and about what.
    public var firstMessageAt: Date?
    public var firstSubject: String?
    /// The first inbound correspondence (not an auto-reply or bounce), and the first outbound
    /// message at or after it: the first response (及时率).
    public var firstInboundAt: Date?
    public var firstResponseAt: Date?
    /// The staff sender of the case's first outbound message (我方对接人 when no recap names one).
    public var firstOutboundSender: String?
    /// The case's latest outbound message (read for the weekly check only; nil otherwise, or
    /// when none was sent).
    public var lastOutboundAt: Date?
    /// Recaps in the order they were sent.
    public var recaps: [ReportRecap]
    /// Satisfaction follow-ups (回访) that went out, with the first reply filed after each.
    public var satisfaction: [SatisfactionFollowUp]

    public init(number: String, owner: String?, category: CaseCategory, status: CaseStatus, openedAt: Date, resolvedAt: Date? = nil,
                organization: String? = nil, contacts: [String] = [], firstMessageAt: Date? = nil, firstSubject: String? = nil,
                firstInboundAt: Date? = nil, firstResponseAt: Date? = nil, firstOutboundSender: String? = nil,
                lastOutboundAt: Date? = nil, recaps: [ReportRecap] = [], satisfaction: [SatisfactionFollowUp] = []) {
        self.number = number
        self.owner = owner
        self.category = category
        self.status = status
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.organization = organization
        self.contacts = contacts
        self.firstMessageAt = firstMessageAt
        self.firstSubject = firstSubject
        self.firstInboundAt = firstInboundAt
        self.firstResponseAt = firstResponseAt
        self.firstOutboundSender = firstOutboundSender
        self.lastOutboundAt = lastOutboundAt
        self.recaps = recaps
        self.satisfaction = satisfaction
    }

    /// Resolved or closed (已办结).
    public var isSettled: Bool { status != .open }

    /// The latest recap (by sending time, then filing order).
    public var latestRecap: ReportRecap? { recaps.last }
}

/// A recap as the report reads it.
public struct ReportRecap: Sendable, Equatable {
    public var sentAt: Date?
    public var author: String?
    /// pending, confirmed or disputed (`RecapState.name`).
    public var state: String
    public var nextContact: Date?
    public var items: [ReportItem]
    public init(sentAt: Date?, author: String?, state: String, nextContact: Date? = nil, items: [ReportItem] = []) {
        self.sentAt = sentAt
        self.author = author
        self.state = state
        self.nextContact = nextContact
        self.items = items
    }
}

/// An action item as the report reads it. `recorded`: the done or cancelled state the store
/// recorded (`liaison items done|cancel`, issue 14), which wins; nil for an item still open or
/// rescheduled, whose state is then derived from the case (`ItemProgress`).
public struct ReportItem: Sendable, Equatable {
    public var number: Int
    public var owner: String?
    public var task: String
    public var due: Date?
    public var recorded: RecordedItemState?
    public init(number: Int, owner: String?, task: String, due: Date?, recorded: RecordedItemState? = nil) {
        self.number = number
        self.owner = owner
        self.task = task
        self.due = due
        self.recorded = recorded
    }
}

/// An item state the store recorded itself (issue 14): done at an instant, or cancelled.
public enum RecordedItemState: Sendable, Equatable {
    case done(at: Date)
    case cancelled(at: Date)

    /// From the store's `status` and `done_at` (the instant of the change, done or cancelled);
    /// nil for open and rescheduled items, and for a change without its instant.
    public static func of(status: String, doneAt: Date?) -> RecordedItemState? {
        guard let doneAt else { return nil }
        switch ItemStatus(rawValue: status) {
        case .done?: return .done(at: doneAt)
        case .cancelled?: return .cancelled(at: doneAt)
        default: return nil
        }
    }
}

/// A satisfaction follow-up (回访) that fired, and the first inbound reply filed after it.
public struct SatisfactionFollowUp: Sendable, Equatable {
    public var sentAt: Date
    public var repliedAt: Date?
    public init(sentAt: Date, repliedAt: Date?) {
        self.sentAt = sentAt
        self.repliedAt = repliedAt
    }
}

/// Where an action item stands at an instant.
public enum ItemProgress: String, Sendable, Equatable, CaseIterable {
    case open, overdue, doneOnTime, doneLate, cancelled

    /// The item's state at `asOf`: the recorded state when the store has one; otherwise done when
    /// the case was resolved or closed by then (on time when by the due instant), overdue when
    /// its due instant passed, else open.
    public static func of(_ item: ReportItem, in c: ReportCase, asOf: Date) -> (progress: ItemProgress, doneAt: Date?) {
        var doneAt: Date?
        switch item.recorded {
        case .cancelled(let at)? where at <= asOf: return (.cancelled, nil)
        case .done(let at)? where at <= asOf: doneAt = at
        default:
            if c.isSettled, let r = c.resolvedAt, r <= asOf { doneAt = r }
        }
        if let doneAt {
            if let due = item.due, doneAt > due { return (.doneLate, doneAt) }
            return (.doneOnTime, doneAt)
        }
        if let due = item.due, due < asOf { return (.overdue, nil) }
        return (.open, nil)
    }
}
