import Foundation

/// Who a reminder goes to, as the configuration names them (`recipients = ["owner", "case_owner",
/// "author", "boss@corp.example"]`). Roles are resolved when the reminder is planned; a role that
/// resolves to nobody (an item owner not in the staff directory) falls back to the case owner,
/// then to the recap's author.
public enum ReminderRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The item's owner for item rules; the case owner for case rules; each owner for the digest.
    case owner
    /// The case's owner (`Case.owner`).
    case caseOwner
    /// The staff member who sent the recap.
    case author
    /// A literal address, lowercased.
    case address(String)

    /// Reads `owner`, `case_owner`, `author` or an address; nil for anything else.
    public init?(configValue: String) {
        let v = configValue.trimmingCharacters(in: .whitespaces)
        switch v.lowercased() {
        case "owner": self = .owner
        case "case_owner": self = .caseOwner
        case "author": self = .author
        default:
            let parts = v.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !v.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," })
            else { return nil }
            self = .address(v.lowercased())
        }
    }

    /// The configuration's spelling.
    public var description: String {
        switch self {
        case .owner: return "owner"
        case .caseOwner: return "case_owner"
        case .author: return "author"
        case .address(let a): return a
        }
    }
}

/// The reminder rules (shared/docs/semantics.md "Deadlines the source documents set", plus the
/// action-item and recap rules), each on/off with its offsets and recipients. The defaults are
/// semantics.md's; `[reminders]` in the configuration overrides them (LiaisonDaemon
/// `LiaisonConfig.reminderRules()`). Times of day left nil mean the organisation's `workday_start`.
public struct ReminderRules: Sendable, Equatable {
    /// Action item due (截止时间): on the morning of the due day at `workday_start`, and `before`
    /// the due instant. A reminder that would be in the past at filing, or that coincides with
    /// the other one, or that is not before the due instant, is skipped.
    public struct ItemDue: Sendable, Equatable {
        public var enabled: Bool
        /// Remind on the morning of the due day.
        public var morning: Bool
        /// Remind this long before the due instant; nil: no such reminder.
        public var before: TimeInterval?
        public var recipients: [ReminderRecipient]
        public init(enabled: Bool = true, morning: Bool = true, before: TimeInterval? = 24 * 3600,
                    recipients: [ReminderRecipient] = [.owner]) {
            self.enabled = enabled; self.morning = morning; self.before = before; self.recipients = recipients
        }
    }

    /// A rule that fires at a fixed offset from an instant: after (overdue, complaint response and
    /// solution) or before (next contact) it, as the rule says.
    public struct Offset: Sendable, Equatable {
        public var enabled: Bool
        /// Seconds, ≥ 0; its direction is the rule's.
        public var offset: TimeInterval
        public var recipients: [ReminderRecipient]
        public init(enabled: Bool = true, offset: TimeInterval, recipients: [ReminderRecipient]) {
            self.enabled = enabled; self.offset = offset; self.recipients = recipients
        }
    }

    /// A notice with no time of its own (the window's close, an objection).
    public struct OnEvent: Sendable, Equatable {
        public var enabled: Bool
        public var recipients: [ReminderRecipient]
        public init(enabled: Bool = true, recipients: [ReminderRecipient]) {
            self.enabled = enabled; self.recipients = recipients
        }
    }

    /// A notice on a later working day (satisfaction follow-up, 问题解决后1-2天内回访).
    public struct WorkingDays: Sendable, Equatable {
        public var enabled: Bool
        /// Working days after the day of resolution, ≥ 1.
        public var workingDays: Int
        /// Time of day; nil: `workday_start`.
        public var at: ClockTime?
        public var recipients: [ReminderRecipient]
        public init(enabled: Bool = true, workingDays: Int = 1, at: ClockTime? = nil, recipients: [ReminderRecipient] = [.caseOwner]) {
            self.enabled = enabled; self.workingDays = workingDays; self.at = at; self.recipients = recipients
        }
    }

    /// A notice at a time of day on a recurring day (the weekly filing check, the daily digest).
    public struct Daily: Sendable, Equatable {
        public var enabled: Bool
        /// Time of day; nil: `workday_start`.
        public var at: ClockTime?
        public var recipients: [ReminderRecipient]
        public init(enabled: Bool = true, at: ClockTime?, recipients: [ReminderRecipient]) {
            self.enabled = enabled; self.at = at; self.recipients = recipients
        }
    }

    /// To the item owner, on the due day's morning and 24 h before.
    public var itemDue: ItemDue
    /// To the item owner and the case owner, `offset` after the due instant (default at once).
    public var itemOverdue: Offset
    /// To the recap's author, `offset` before the next contact (default 1 h).
    public var nextContact: Offset
    /// To the case owner, `offset` after the complaint arrived (default 24 h, 24小时内响应);
    /// cancelled by a staff message filed on the case.
    public var complaintResponse: Offset
    /// To the case owner, `offset` after the complaint arrived (default 48 h, 48小时内给出解决方案);
    /// cancelled by the case's resolution.
    public var complaintSolution: Offset
    /// To the recap's author when its objection window closes: confirmed or disputed.
    public var recapWindow: OnEvent
    /// To the recap's author at once when the counterparty objects inside the window.
    public var recapDisputed: OnEvent
    /// To the case owner, 1 working day after resolution at `workday_start`.
    public var satisfaction: WorkingDays
    /// To the case owner of a qualification case, weekly on the weekday the filing was made, at
    /// `workday_start` (moved to the next working day when that day is not one), until resolved.
    public var filingCheck: Daily
    /// 17:00 each working day: to each owner with open cases or open items (literal addresses
    /// receive the digest of every open case).
    public var digest: Daily

    /// semantics.md's defaults.
    public init(itemDue: ItemDue = ItemDue(),
                itemOverdue: Offset = Offset(offset: 0, recipients: [.owner, .caseOwner]),
                nextContact: Offset = Offset(offset: 3600, recipients: [.author]),
                complaintResponse: Offset = Offset(offset: 24 * 3600, recipients: [.caseOwner]),
                complaintSolution: Offset = Offset(offset: 48 * 3600, recipients: [.caseOwner]),
                recapWindow: OnEvent = OnEvent(recipients: [.author]),
                recapDisputed: OnEvent = OnEvent(recipients: [.author]),
                satisfaction: WorkingDays = WorkingDays(),
                filingCheck: Daily = Daily(at: nil, recipients: [.caseOwner]),
                digest: Daily = Daily(at: ClockTime(hour: 17)!, recipients: [.owner])) {
        self.itemDue = itemDue
        self.itemOverdue = itemOverdue
        self.nextContact = nextContact
        self.complaintResponse = complaintResponse
        self.complaintSolution = complaintSolution
        self.recapWindow = recapWindow
        self.recapDisputed = recapDisputed
        self.satisfaction = satisfaction
        self.filingCheck = filingCheck
        self.digest = digest
    }

    /// The defaults of semantics.md.
    public static let defaults = ReminderRules()
}
