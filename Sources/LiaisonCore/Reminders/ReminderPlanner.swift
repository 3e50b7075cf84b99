import Foundation

/// The message just filed, as the reminder planner sees it (shared/docs/semantics.md "Replies to
/// a recap", "Deadlines the source documents set").
public struct FiledMessage: Sendable, Equatable {
    public var caseNumber: String
    /// This message opened the case.
    public var openedCase: Bool
    /// Its correspondence id: a recap's id (`RecapRecord.id`).
    public var correspondenceID: Int64
    public var kind: MessageKind
    public var direction: Direction
    /// The From address.
    public var sender: String?
    /// To and Cc addresses.
    public var recipients: [String]
    /// When it reached the organisation (`Arrival`: our MX's stamp, else the fetch; the Date
    /// header only for archive imports): the planner's "now" for this filing, never the sender's word.
    public var date: Date
    /// With angle brackets.
    public var messageID: String?
    /// In-Reply-To, then References: which recap a reply answers.
    public var references: [String]
    /// The recap read from it (`kind == .recap`).
    public var recap: Recap?
    /// For a reply: whether it asserts an objection, and to which items.
    public var objection: ObjectionReader.Assertion?

    public init(caseNumber: String, openedCase: Bool, correspondenceID: Int64, kind: MessageKind, direction: Direction,
                sender: String?, recipients: [String], date: Date, messageID: String?, references: [String] = [],
                recap: Recap? = nil, objection: ObjectionReader.Assertion? = nil) {
        self.caseNumber = caseNumber
        self.openedCase = openedCase
        self.correspondenceID = correspondenceID
        self.kind = kind
        self.direction = direction
        self.sender = sender?.lowercased()
        self.recipients = recipients.map { $0.lowercased() }
        self.date = date
        self.messageID = messageID
        self.references = references
        self.recap = recap
        self.objection = objection
    }

    /// From a message's facts: `date` is its Date (or its arrival when it has none).
    public init(facts f: MessageFacts, caseNumber: String, openedCase: Bool, correspondenceID: Int64,
                direction: Direction, date: Date) {
        let objection = f.objection.map { ObjectionReader.Assertion(objects: $0, items: f.objectedItems) }
        self.init(caseNumber: caseNumber, openedCase: openedCase, correspondenceID: correspondenceID, kind: f.kind,
                  direction: direction, sender: f.from?.address, recipients: (f.to + f.cc).map(\.address), date: date,
                  messageID: f.messageID, references: (f.inReplyTo.map { [$0] } ?? []) + f.references,
                  recap: f.readRecap, objection: objection)
    }
}

extension CaseEventKind {
    /// An objection arrived after the recap's window closed: it does not dispute.
    public static let objectionLate = CaseEventKind(rawValue: "objection-late")
    /// An objection from someone who does not speak for the counterparty: recorded, not applied.
    public static let objectionIgnored = CaseEventKind(rawValue: "objection-ignored")
    /// A reminder could not be planned: none of its recipients resolved to an address.
    public static let reminderUnaddressed = CaseEventKind(rawValue: "reminder-unaddressed")
}

/// Decides what filing a message, firing a reminder or resolving a case entails: reminders to
/// schedule or cancel, recap state changes, case events and notices to send (semantics.md
/// "Deadlines the source documents set", "The objection window", "Replies to a recap"). Pure: no
/// clock, no I/O; `now` and a `CaseView` are passed in, and the store writes the `Plan`.
public struct ReminderPlanner: Sendable {
    public let organization: Organization
    public let rules: ReminderRules
    let clock: WallClock
    let workdayStart: ClockTime
    let zone: TimeZone

    /// Why a plan cannot be made.
    public enum PlanError: Error, Equatable, CustomStringConvertible {
        case unknownCase(String)
        public var description: String {
            switch self {
            case .unknownCase(let n): return "no case \(n)"
            }
        }
    }

    /// A planner for one organisation's zone, `workday_start` and calendar.
    public init(organization: Organization, rules: ReminderRules) {
        self.organization = organization
        self.rules = rules
        zone = organization.timeZone
        clock = WallClock(timeZone: zone)
        workdayStart = organization.workdayStart
    }

    // MARK: - Time

    /// The local day of an instant.
    func day(_ instant: Date) -> LocalDate { clock.local(instant).day }

    /// `time` (default `workday_start`) on `day`.
    func instant(_ day: LocalDate, _ time: ClockTime? = nil) -> Date { clock.instant(day, time ?? workdayStart) }

    func iso(_ d: Date) -> String { ISOTime.string(d, in: zone) }

    // MARK: - Recipients

    /// Who the roles mean for one reminder.
    struct Parties {
        /// The item owner (item rules) or the case owner.
        var owner: String?
        var caseOwner: String?
        var author: String?
    }

    /// The addresses of `roles`, lowercased, unique, in order. An `owner` that resolves to nobody
    /// (an item owner not in the staff directory) becomes the case owner, else the author.
    func addresses(_ roles: [ReminderRecipient], _ p: Parties) -> [String] {
        var out: [String] = []
        func add(_ a: String?) {
            guard let a = a?.lowercased(), !a.isEmpty, !out.contains(a) else { return }
            out.append(a)
        }
        for role in roles {
            switch role {
            case .owner: add(p.owner ?? p.caseOwner ?? p.author)
            case .caseOwner: add(p.caseOwner)
            case .author: add(p.author)
            case .address(let a): add(a)
            }
        }
        return out
    }

    /// `c.counterparty`'s organisation, else its first contact. A shared (free-mail) domain is
    /// no organisation: the contact is named instead.
    func counterpartyName(_ c: Case) -> String? {
        if let o = c.counterparty.organization, !organization.sharedDomains.contains(o.lowercased()) { return o }
        return c.counterparty.contacts.first ?? c.counterparty.organization
    }

    /// Whether the sender speaks for the recap's counterparty (semantics.md "Replies to a recap"):
    /// an address the recap was sent to (To/Cc), or a contact already on the case — exact
    /// addresses only, never merely someone at the same domain (at a free-mail domain that is
    /// anyone; at a company's, anyone there can still be answered by staff, who make them a
    /// contact by writing to them). Staff never are.
    func isCounterparty(_ sender: String, of recap: NewRecap, contacts: [String]) -> Bool {
        let s = sender.lowercased()
        guard !organization.isInternal(s) else { return false }
        return recap.counterparty.contains(s) || contacts.contains { $0.lowercased() == s }
    }

    // MARK: - Resolution

    /// A case resolved by hand at `at`: its status, the cancellation of the reminders it meets
    /// (complaint response and solution, item due and overdue, filing checks) and the
    /// satisfaction follow-up (问题解决后回访) `satisfaction.workingDays` working days later.
    public func planResolution(caseNumber: String, at: Date, view: any CaseView) throws -> Plan {
        guard let c = try view.caseWithNumber(caseNumber) else { throw PlanError.unknownCase(caseNumber) }
        var f = FollowUp()
        f.statusChanges = [(caseNumber, .resolved)]
        f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.statusChanged,
                                  detail: "\(c.status.rawValue) → resolved"))
        let kinds: [ReminderKind] = [.complaintResponse, .complaintSolution, .itemDue, .itemOverdue, .filingCheck]
        let pending = try view.reminders(caseNumber: caseNumber, status: .pending).filter { kinds.contains($0.kind) }
        if !pending.isEmpty {
            f.cancellations.append(ReminderCancellation(caseNumber: caseNumber, kinds: kinds, reason: "case resolved"))
            f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.reminderCancelled,
                                      detail: "case resolved: \(Self.describe(pending)) cancelled"))
        }
        let s = rules.satisfaction
        if s.enabled {
            let author = try view.recaps(caseNumber: caseNumber).last?.recap.author
            let to = addresses(s.recipients, Parties(owner: c.owner, caseOwner: c.owner, author: author))
            let resolvedDay = day(at)
            let fire = instant(organization.calendar.nthWorkingDay(after: resolvedDay, n: max(1, s.workingDays)), s.at)
            if to.isEmpty {
                f.events.append(unaddressed(caseNumber, at: at, what: "satisfaction follow-up"))
            } else {
                f.reminders.append(NewReminder(caseNumber: caseNumber, kind: .satisfaction, fireAt: fire, recipients: to,
                                               key: "satisfaction:\(resolvedDay)", detail: "问题解决后回访"))
            }
        }
        return Plan(followUp: f)
    }

    /// "3 item-due, 1 complaint-solution" for an event.
    static func describe(_ reminders: [Reminder]) -> String {
        var counts: [(ReminderKind, Int)] = []
        for r in reminders {
            if let i = counts.firstIndex(where: { $0.0 == r.kind }) { counts[i].1 += 1 } else { counts.append((r.kind, 1)) }
        }
        return counts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
    }

    func unaddressed(_ caseNumber: String, at: Date, what: String) -> CaseEvent {
        CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.reminderUnaddressed,
                  detail: "\(what) not scheduled: none of its recipients has an address (set the case owner or [reminders] recipients)")
    }

    // MARK: - Digest

    /// The next daily digest strictly after `now`: `digest.at` (17:00) on a working day; nil when
    /// the digest is off. Case-less, keyed `digest:<yyyy-mm-dd>` so scheduling it twice adds one.
    public func nextDigest(after now: Date) -> NewReminder? {
        let d = rules.digest
        guard d.enabled else { return nil }
        var candidate = day(now)
        while !organization.calendar.isWorkingDay(candidate) || instant(candidate, d.at) <= now {
            candidate = candidate.adding(days: 1)
        }
        return NewReminder(caseNumber: nil, kind: .digest, fireAt: instant(candidate, d.at), recipients: [],
                           key: "digest:\(candidate)", detail: "每日17:00同步进展")
    }

    // MARK: - Filing checks

    /// The weekly filing check after `after`: the next day of `weekday` (ISO, Monday = 1), moved
    /// to the next working day when it is not one, at `filingCheck.at`. Keyed by its nominal day.
    func filingCheck(caseNumber: String, weekday: Int, after: LocalDate, recipients: [String]) -> NewReminder {
        var gap = (weekday - after.weekday + 7) % 7
        if gap == 0 { gap = 7 }
        let nominal = after.adding(days: gap)
        let fireDay = organization.calendar.isWorkingDay(nominal)
            ? nominal : organization.calendar.nthWorkingDay(after: nominal, n: 1)
        return NewReminder(caseNumber: caseNumber, kind: .filingCheck, fireAt: instant(fireDay, rules.filingCheck.at),
                           recipients: recipients, key: "filing-check:\(nominal)", detail: "每周1次查询审核进度")
    }
}
