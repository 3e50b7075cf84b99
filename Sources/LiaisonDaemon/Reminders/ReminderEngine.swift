import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import Logging

/// What filing adds besides the message: the planner's follow-up for a filed message, with its
/// notices recorded as data. The store calls it inside its filing transaction (through
/// `MessageFiling`); everything it reads comes through `context.view`, the transaction's own.
public protocol FilingFollowUps: Sendable {
    func followUp(facts: MessageFacts, date: Date?, direction: Direction, context: FiledContext, now: Date) throws -> FollowUp
    /// The summary notice for messages held past a rate cap (one per recipient and hour).
    func summary(_ context: HeldContext, now: Date) throws -> FollowUp
}

extension FilingFollowUps {
    public func summary(_ context: HeldContext, now: Date) throws -> FollowUp { FollowUp() }
}

/// Joins the pure `ReminderPlanner`, the `NoticeRenderer` and the store: what filing a message,
/// firing a reminder, resolving a case and failing a mail write, each in one transaction
/// (architecture.md: "timer fires ──▶ reminder → template → outbox row (same transaction marks
/// the reminder fired)"). Reloadable: `reload` swaps planner and renderer (SIGHUP).
public final class ReminderEngine: FilingFollowUps, @unchecked Sendable {
    private let lock = NSLock()
    private var planner: ReminderPlanner
    private var renderer: NoticeRenderer
    public let store: any ReminderStore
    /// A reminder that fires more than this after its time is flagged late.
    public var lateAfter: TimeInterval = 60
    /// Caps on notices from filing (`RateCaps.noticesPerOwnerHour`); nil: none. Under the lock:
    /// SIGHUP replaces them while filing runs.
    public var noticeCaps: RateCaps? {
        get { lock.withLock { _noticeCaps } }
        set { lock.withLock { _noticeCaps = newValue } }
    }
    private var _noticeCaps: RateCaps?
    /// Told of each reminder as its follow-up is written, just before its transaction commits
    /// (benchmarks measure firing lateness with it). Set before firing starts.
    public var observer: (@Sendable (Reminder) -> Void)?
    private let logger: Logger

    public init(planner: ReminderPlanner, renderer: NoticeRenderer, store: any ReminderStore,
                logger: Logger = Logger(label: "liaison.reminders")) {
        self.planner = planner
        self.renderer = renderer
        self.store = store
        self.logger = logger
    }

    /// Takes a new configuration's planner and templates (SIGHUP).
    public func reload(planner: ReminderPlanner, renderer: NoticeRenderer) {
        lock.withLock {
            self.planner = planner
            self.renderer = renderer
        }
    }

    private var parts: (ReminderPlanner, NoticeRenderer) { lock.withLock { (planner, renderer) } }

    /// The plan's follow-up with its notices recorded as data (`PlannedNotice`: the notice and
    /// the Message-ID it will carry). Nothing is rendered here: this runs inside a store
    /// transaction, and templates are rendered after the commit by `render` (`OutboxSender`).
    public func realize(_ plan: Plan, now: Date) -> FollowUp {
        let renderer = parts.1
        var f = plan.followUp
        for notice in plan.notices {
            f.notices.append(PlannedNotice(notice: notice, messageID: renderer.plannedMessageID(for: notice)))
        }
        return f
    }

    /// A recorded notice as a mail, dated when it was planned, with the Message-ID fixed then
    /// (for `OutboxSender`, after the commit). Throws when it cannot be rendered (an unusable
    /// recipient address, say): the sender marks the row failed with a `notice-failed` event.
    public func render(_ pending: PendingNotice) throws -> OutgoingMail {
        try parts.1.render(pending.planned.notice, now: pending.createdAt, messageID: pending.planned.messageID)
    }

    // MARK: - Filing

    public func followUp(facts: MessageFacts, date: Date?, direction: Direction, context: FiledContext, now: Date) throws -> FollowUp {
        let (planner, _) = parts
        let filed = FiledMessage(facts: facts, caseNumber: context.filedCase.number, openedCase: context.openedCase,
                                 correspondenceID: context.correspondenceID, direction: direction, date: date ?? now)
        var plan = try planner.planFiling(filed, view: context.view)
        let ledger = context.view
        // A trusted staff member's instructions (read with the facts): the notice it replies to
        // is looked up in Liaison's own outbox inside this transaction (a forged ID finds none).
        if let read = facts.instructions, !read.isEmpty, facts.kind == .correspondence, facts.senderTrusted,
           direction == .outbound, let sender = filed.sender, planner.organization.isInternal(sender) {
            var repliedTo: Notice?
            for id in filed.references where repliedTo == nil {
                repliedTo = try context.view.outboxEntry(messageID: id)?.notice
            }
            let p = try planner.planInstructions(read, message: filed, repliedTo: repliedTo, view: context.view)
            plan.followUp.append(p.followUp)
            plan.notices += p.notices
        }
        if facts.kind == .bounce, let b = facts.bounce {
            // Only a bounce of a mail Liaison attempted, for a recipient it was sent to, tells
            // the owner, and only once per mail (`BounceMatch`); anything else is an event.
            let number = context.filedCase.number
            let id = b.originalMessageID ?? ""
            // The bounced outbox row, read inside this transaction.
            let bounced = try b.originalMessageID.flatMap { try context.view.outboxEntry(messageID: $0) }
            let told = try ledger.countEvents(scope: RateLimit.Ledger.bounceNotice, key: id, since: .distantPast) > 0
            switch BounceMatch.judge(recipient: b.recipient, status: b.status, originalMessageID: b.originalMessageID,
                                     sent: bounced, alreadyNotified: told) {
            case .ignore(let why):
                plan.followUp.events.append(CaseEvent(caseNumber: number, at: now, kind: CaseEvent.Kind.bounceUnmatched, detail: why))
            case .record(let reason):
                plan.followUp.events.append(CaseEvent(caseNumber: number, at: now, kind: CaseEvent.Kind.deliveryFailed, detail: reason))
            case .notify(let reason):
                plan.followUp.events.append(CaseEvent(caseNumber: number, at: now, kind: CaseEvent.Kind.deliveryFailed, detail: reason))
                if let owner = context.filedCase.owner, let bounced {
                    plan.notices.append(Notice(kind: .deliveryFailed, recipients: [owner], caseNumber: number,
                                               caseOwner: owner, detail: reason, inReplyTo: bounced.mail.messageID))
                    try ledger.recordEvent(scope: RateLimit.Ledger.bounceNotice, key: id, at: now)
                }
            }
        }
        if let caps = noticeCaps { try capNotices(&plan, caps: caps, ledger: ledger, now: now) }
        return realize(plan, now: now)
    }

    /// Drops the recipients of filing's notices who were sent `noticesPerOwnerHour` in the last
    /// hour (a notice left with none is not sent), with a `notice-capped` event on the case that
    /// says how many were sent; counts the rest.
    func capNotices(_ plan: inout Plan, caps: RateCaps, ledger: any RateLedger, now: Date) throws {
        var kept: [Notice] = []
        for var notice in plan.notices {
            var to: [String] = []
            for r in notice.recipients {
                // Not counted with the cap off: nothing bounds those events then (see `rateDecision`).
                let sent = caps.noticesPerOwnerHour > 0
                    ? try ledger.countEvents(scope: RateLimit.Ledger.notice, key: r, since: now.addingTimeInterval(-3600)) : 0
                if RateLimit.allowsNotice(sentHour: sent, caps: caps) {
                    to.append(r)
                    try ledger.recordEvent(scope: RateLimit.Ledger.notice, key: r, at: now)
                } else if let n = notice.caseNumber {
                    plan.followUp.events.append(CaseEvent(caseNumber: n, at: now, kind: CaseEvent.Kind.noticeCapped,
                                                          detail: "\(notice.kind.rawValue) notice not sent to \(r): \(sent) notices in the last hour (cap \(caps.noticesPerOwnerHour))"))
                }
            }
            notice.recipients = to
            if !to.isEmpty { kept.append(notice) }
        }
        plan.notices = kept
    }

    /// One mail to `context.recipient` saying messages are being held for a rate cap and where
    /// to review them; the ledger keeps it to one per recipient and hour.
    public func summary(_ context: HeldContext, now: Date) throws -> FollowUp {
        let detail = (context.detail ?? "a rate cap") + "; held for review as rate-limited (first: #\(context.heldID)); "
            + "further messages past the cap this hour are held without another notice — see `liaison review list`"
        return realize(Plan(notices: [Notice(kind: .rateLimited, recipients: [context.recipient], about: now, detail: detail)]),
                       now: now)
    }

    // MARK: - Firing

    /// Fires every reminder due at `now`, in batches; returns them.
    @discardableResult
    public func fireDue(now: Date) throws -> [Reminder] {
        var fired: [Reminder] = []
        while true {
            let batch = try store.fireDue(now: now, limit: 200, lateAfter: lateAfter) { reminder, view in
                let (planner, _) = parts
                let followUp = realize(try planner.planFiring(reminder, now: now, view: view), now: now)
                observer?(reminder)
                return followUp
            }
            fired += batch
            for r in batch {
                logger.info("reminder fired", metadata: ["reminder": "\(r.id)", "kind": "\(r.kind.rawValue)",
                                                         "case": "\(r.caseNumber ?? "-")", "late": "\(r.late)"])
            }
            if batch.count < 200 { break }
        }
        return fired
    }

    /// Schedules the next daily digest when none is pending (at start, and after each digest the
    /// planner schedules the next one itself).
    public func ensureDigest(now: Date) throws {
        let pending = try store.reminders(caseNumber: nil, status: .pending, dueBefore: nil).contains { $0.kind == .digest }
        guard !pending, let next = parts.0.nextDigest(after: now) else { return }
        try store.update(now: now) { _ in FollowUp(reminders: [next]) }
    }

    // MARK: - Cases

    /// Resolves a case: status, the reminders it meets cancelled, the satisfaction follow-up scheduled.
    public func resolve(caseNumber: String, at: Date) throws {
        try store.update(now: at) { view in
            realize(try parts.0.planResolution(caseNumber: caseNumber, at: at, view: view), now: at)
        }
    }

    /// A lifecycle change (`ReminderPlanner.planChange`) in one transaction: the CLI's
    /// `liaison items` / `cases reopen|assign`. A refusal writes nothing and is returned.
    public func change(_ change: CaseChange, caseNumber: String, by: String?, at: Date) throws -> ChangeOutcome {
        var outcome = ChangeOutcome()
        try store.update(now: at) { view in
            outcome = try parts.0.planChange(change, caseNumber: caseNumber, by: by, at: at, view: view)
            return realize(outcome.plan, now: at)
        }
        return outcome
    }

    // MARK: - Outbox failures

    /// The notice to the case owner when an outbox mail fails for good (for `OutboxSender`).
    public func deliveryFailure(_ entry: OutboxEntry, reason: String, now: Date) -> FollowUp {
        guard let number = entry.mail.caseNumber,
              let owner = (try? store.caseWithNumber(number))??.owner else { return FollowUp() }
        let notice = Notice(kind: .deliveryFailed, recipients: [owner], caseNumber: number, caseOwner: owner,
                            detail: "\(entry.mail.purpose) \(entry.mail.messageID): \(reason)", inReplyTo: entry.mail.messageID)
        return realize(Plan(notices: [notice]), now: now)
    }
}
