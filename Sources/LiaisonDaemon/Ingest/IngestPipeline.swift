import Foundation
import Synchronization
import LiaisonCore
import LiaisonMail
import LiaisonStore

/// What ingesting one message did.
public enum IngestResult: Sendable, Equatable {
    case filed(caseNumber: String, openedCase: Bool, rule: MatchRule?)
    case duplicate(ExistingMessage)
    case held(heldID: Int64, reason: HoldReason)

    /// One line for people, e.g. "filed on EC20261116-001 (new case)".
    public var summary: String {
        switch self {
        case .filed(let n, true, _): return "opened \(n)"
        case .filed(let n, false, let rule): return "filed on \(n)" + (rule.map { " (by \($0.rawValue))" } ?? "")
        case .duplicate(.filed(let n, _)): return "duplicate (already on \(n))"
        case .duplicate(.held(let id)): return "duplicate (already held as #\(id))"
        case .held(let id, let reason): return "held #\(id): \(reason.rawValue)"
        }
    }
}

/// A message read and not yet filed (`IngestPipeline.read`).
public struct ReadMessage: Sendable {
    public var raw: [UInt8]
    public var message: Message
    public var facts: MessageFacts
    public var input: MatchInput
    /// `CaseMatcher.counterpartyAddresses` and the counterparty's contacts, worked out while reading.
    public var addresses: [String]
    public var contacts: [String]
    /// How long reading took (monotonic): part of the filing latency `file` records.
    public var readingTime: Duration = .zero
    /// `ContentHash.of(raw)` when the caller has it already (a batch: worked out off the filing
    /// thread), so that filing does not hash the bytes again; nil: filing works it out.
    public var contentHash: String?
}

/// The operator's decision in `liaison review accept`: file held message `heldID` on `caseNumber`.
public struct HeldAcceptance: Sendable, Equatable {
    public var heldID: Int64
    public var caseNumber: String
    /// When the message was held: its arrival when it carries no usable `Received` stamp.
    public var heldAt: Date?
    public init(heldID: Int64, caseNumber: String, heldAt: Date?) {
        self.heldID = heldID
        self.caseNumber = caseNumber
        self.heldAt = heldAt
    }
}

/// The one filing path (issue 13): bytes → `read` (`MessageParser` → `MessageFacts` → recap,
/// objection, counterparty: one `ReadMessage`, no store touched) → `file`: the store's ONE
/// operation (`FilingStore.file`), which inside one transaction asks `MessageFiling` where the
/// message goes (`CaseMatcher` over the transaction's view, the rate gate), files, holds or
/// recognises a duplicate, and writes the planner's follow-ups (`FilingFollowUps`: recap,
/// items, reminders, cancellations, objections, bounces, notices recorded as data), the
/// checkpoint and the containment marker. The poller, `liaison ingest` (both through
/// `ContainedIngest`), `liaison review accept` and `liaison recap` all file here.
public struct IngestPipeline: Sendable {
    public var organization: Organization
    public var matcher: CaseMatcher
    public var store: any IngestStore
    /// Recaps, reminders and notices written with each filing; nil files the message only.
    public var followUps: (any FilingFollowUps)?
    /// Which time the planner judges a message by (objection window, "late", SLA clocks; see
    /// `Arrival`): for mail from the mailbox, its arrival — our MX's topmost `Received` stamp
    /// moved by `clockOffset` (the service clock's offset from real time, `serve --now`), else
    /// the fetch time `now`; for an archive import (`liaison ingest`), the `Date` header.
    public var timeBasis: TimeBasis = .arrival(clockOffset: 0)

    public enum TimeBasis: Sendable, Equatable {
        case arrival(clockOffset: TimeInterval)
        case dateHeader
    }
    /// Caps on cases outsiders open (`[limits]`; the service sets them): checked inside the
    /// filing transaction, past one the message is held as `rate-limited` and one summary goes
    /// out per recipient and hour. nil (e.g. `liaison ingest` importing an archive): no caps.
    public var rateCaps: RateCaps?
    /// Told of each message's facts on the reading thread, as the reading ends (tests slow or
    /// count readings with it; it observes, it changes nothing).
    public var readObserver: (@Sendable (MessageFacts) -> Void)?
    /// Where each outcome is counted (`liaison_messages_filed_total`, `…_held_total`,
    /// `…_duplicate_total`, the latency of a filing in `liaison_filing_duration_seconds`).
    /// `liaison serve` sets its own; other commands count nowhere.
    public var metrics: ServiceMetrics = .off

    public init(organization: Organization, numbering: CaseNumbering = CaseNumbering(), store: any IngestStore,
                followUps: (any FilingFollowUps)? = nil) {
        self.organization = organization
        self.matcher = CaseMatcher(organization: organization, numbering: numbering)
        self.store = store
        self.followUps = followUps
    }

    /// Files one message; `checkpoint` is the mailbox position to record with it; `now` is when
    /// it was fetched (service clock), its arrival when it carries no usable stamp (`timeBasis`).
    /// `builtHere`: the bytes are a mail Liaison itself built and is sending (its staff sender
    /// is trusted without the MX's Authentication-Results; see `MessageFacts`); `send` puts that
    /// mail in the outbox in the same transaction that files it.
    /// `marker`: the message's in-progress record (`ContainedIngest`), cleared with the filing.
    public func ingest(_ raw: [UInt8], checkpoint: MailboxCheckpoint? = nil, now: Date,
                       builtHere: Bool = false, send: OutgoingMail? = nil, marker: ProcessingMarker? = nil) throws -> IngestResult {
        try file(read(raw, builtHere: builtHere), checkpoint: checkpoint, now: now, send: send, marker: marker)
    }

    /// The reading half of `ingest`: parse, classify, read recap, objection and counterparty.
    /// Touches no store, clock or file, so `ContainedIngest` can run it on a worker thread
    /// under a time budget.
    public func read(_ raw: [UInt8], builtHere: Bool = false) -> ReadMessage {
        let started = ContinuousClock.now
        let message = MessageParser.parse(raw)
        let facts = MessageFacts(message: message, organization: organization, assumeTrusted: builtHere)
        let input = MatchInput(facts: facts, date: message.date?.date)
        var read = ReadMessage(raw: raw, message: message, facts: facts, input: input,
                               addresses: matcher.counterpartyAddresses(input), contacts: matcher.counterparty(input).contacts)
        read.readingTime = ContinuousClock.now - started
        readObserver?(facts)
        return read
    }

    /// The filing half of `ingest`: one call of the store's filing operation (see the type).
    /// `accepting`: the operator files this held message on a case (`liaison review accept`);
    /// the matcher is not asked, everything else is as on arrival. Each outcome is counted in
    /// `metrics` after the commit; a message filed on a case adds its reading and filing time
    /// (to the commit) to the latency histogram.
    public func file(_ read: ReadMessage, checkpoint: MailboxCheckpoint? = nil, now: Date,
                     send: OutgoingMail? = nil, marker: ProcessingMarker? = nil,
                     accepting: HeldAcceptance? = nil) throws -> IngestResult {
        let started = ContinuousClock.now
        let arrival: Arrival
        switch timeBasis {
        case .arrival(let offset):
            arrival = Arrival.of(read.message, organization: organization, fetchedAt: accepting?.heldAt ?? now, clockOffset: offset)
        case .dateHeader: arrival = Arrival.imported(read.message, fallback: accepting?.heldAt ?? now)
        }
        let plan = MessageFiling(read: read, matcher: matcher, followUps: followUps, rateCaps: rateCaps, date: arrival.date,
                                 now: now, checkpoint: checkpoint, marker: marker, send: send, accepting: accepting)
        let outcome = try store.file(plan, now: now)
        let result: IngestResult
        switch outcome {
        case .filed(let n, _, let opened):
            result = .filed(caseNumber: n, openedCase: opened, rule: plan.decided.value)
        case .held(let id, let reason): result = .held(heldID: id, reason: reason)
        case .duplicate(let e): result = .duplicate(e)
        }
        metrics.messageOutcome(result, elapsed: read.readingTime + (ContinuousClock.now - started))
        return result
    }
}

extension IngestPipeline {
    /// One message read and ready to file in a batch: its checkpoint and in-progress marker.
    public struct BatchItem: Sendable {
        public var read: ReadMessage
        public var checkpoint: MailboxCheckpoint?
        public var marker: ProcessingMarker?
        public init(read: ReadMessage, checkpoint: MailboxCheckpoint?, marker: ProcessingMarker?) {
            self.read = read
            self.checkpoint = checkpoint
            self.marker = marker
        }
    }

    /// `file` for several messages in order, through the store's ONE batch operation
    /// (`FilingStore.file(batch:now:)`): each is matched inside the transaction after the ones
    /// before it were written, and the batch stops at the first that throws. Returns the
    /// results of the messages filed (committed, counted in `metrics`) and what the next one
    /// threw (nothing of it written).
    public func file(batch items: [BatchItem], now: Date) throws -> (results: [IngestResult], failure: (any Error)?) {
        let started = ContinuousClock.now
        let plans = items.map { item -> MessageFiling in
            let arrival: Arrival
            switch timeBasis {
            case .arrival(let offset):
                arrival = Arrival.of(item.read.message, organization: organization, fetchedAt: now, clockOffset: offset)
            case .dateHeader: arrival = Arrival.imported(item.read.message, fallback: now)
            }
            return MessageFiling(read: item.read, matcher: matcher, followUps: followUps, rateCaps: rateCaps, date: arrival.date,
                                 now: now, checkpoint: item.checkpoint, marker: item.marker, send: nil, accepting: nil)
        }
        let batch = try store.file(batch: plans, now: now)
        let elapsed = ContinuousClock.now - started
        var results: [IngestResult] = []
        results.reserveCapacity(batch.committed.count)
        for (k, outcome) in batch.committed.enumerated() {
            let result: IngestResult
            switch outcome {
            case .filed(let n, _, let opened): result = .filed(caseNumber: n, openedCase: opened, rule: plans[k].decided.value)
            case .held(let id, let reason): result = .held(heldID: id, reason: reason)
            case .duplicate(let e): result = .duplicate(e)
            }
            // The latency of a message in a batch: its reading and the batch's transaction.
            metrics.messageOutcome(result, elapsed: items[k].read.readingTime + elapsed)
            results.append(result)
        }
        return (results, batch.failure)
    }
}

/// One message's `FilingPlan`: what the store asks inside its filing transaction.
struct MessageFiling: FilingPlan {
    var read: ReadMessage
    var matcher: CaseMatcher
    var followUps: (any FilingFollowUps)?
    var rateCaps: RateCaps?
    /// The date the planner judges the message by (`Arrival`).
    var date: Date?
    var now: Date
    var checkpoint: MailboxCheckpoint?
    var marker: ProcessingMarker?
    var send: OutgoingMail?
    var accepting: HeldAcceptance?
    /// The rule that matched, for the result (set inside the transaction; the transaction runs
    /// on the calling thread before `file` returns).
    let decided = Decided()

    /// Where the transaction leaves the rule it matched by (a reference: the plan is a value).
    final class Decided: Sendable {
        private let rule = Mutex<MatchRule?>(nil)
        var value: MatchRule? {
            get { rule.withLock { $0 } }
            set { rule.withLock { $0 = newValue } }
        }
    }

    func filing(_ view: any FilingView) throws -> Filing {
        let facts = read.facts
        let decision: FilingDecision
        if let accepting {
            guard try view.caseWithNumber(accepting.caseNumber) != nil else {
                throw StoreError(.notFound, "no case \(accepting.caseNumber)")
            }
            decision = .existing(caseNumber: accepting.caseNumber, rule: .review)
        } else {
            decision = try matcher.decide(read.input, lookup: view, now: now)
        }
        if case .existing(_, let rule) = decision { decided.value = rule }
        // Who speaks for the counterparty grows only by the case's opening and by staff mail: an
        // outsider's reply on an existing case does not make its sender (or its Cc) a contact.
        var contacts = read.contacts
        if case .existing = decision, !facts.senderTrusted { contacts = [] }
        // Who sees the case in the console grows by To/Cc only when staff wrote: an outsider
        // naming a colleague in Cc does not show them the case (docs/threat-model.md).
        let recipients = facts.senderTrusted ? (facts.to + facts.cc).map(\.address) : []
        let incoming = IncomingMessage(
            messageID: facts.messageID, date: read.message.date?.date, subject: facts.subject, threadSubject: facts.threadSubject,
            sender: facts.from?.address, kind: facts.kind, direction: facts.senderTrusted ? .outbound : .inbound,
            references: ([facts.inReplyTo].compactMap { $0 } + facts.references + [facts.bounce?.originalMessageID].compactMap { $0 }),
            alsoKnownAs: [facts.forwarded?.messageID].compactMap { $0 },
            addresses: read.addresses, contacts: contacts, recipients: recipients, raw: read.raw, contentHash: read.contentHash)
        var filing = Filing(message: incoming, decision: decision, checkpoint: checkpoint, marker: marker,
                            accepting: accepting?.heldID)
        if let caps = rateCaps, case .open(let new) = decision, !facts.senderTrusted, let sender = read.input.from, let owner = new.owner {
            filing.rateGate = RateGate(sender: sender, owner: owner, caps: caps, at: now)
        }
        return filing
    }

    func followUp(_ context: FiledContext) throws -> FollowUp {
        let facts = read.facts
        var f = try followUps?.followUp(facts: facts, date: date, direction: facts.senderTrusted ? .outbound : .inbound,
                                        context: context, now: now) ?? FollowUp()
        if let send { f.mails.insert(send, at: 0) }
        return f
    }

    func summary(_ context: HeldContext) throws -> FollowUp {
        try followUps?.summary(context, now: now) ?? FollowUp()
    }
}
