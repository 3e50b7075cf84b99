import Foundation
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

/// A step after classification that may add facts (recap extraction plugs in here; until then
/// the default does nothing) and after filing (action items, reminders).
public protocol IngestStep: Sendable {
    func classified(_ message: Message, facts: inout MessageFacts)
    func filed(_ message: Message, facts: MessageFacts, result: IngestResult) throws
}

/// The step that does nothing: where recap extraction will go.
public struct NoIngestStep: IngestStep {
    public init() {}
    public func classified(_ message: Message, facts: inout MessageFacts) {}
    public func filed(_ message: Message, facts: MessageFacts, result: IngestResult) throws {}
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
}

/// bytes → `MessageParser` → `MessageFacts` → `CaseMatcher` → `LiaisonStore.file`
/// (shared/docs/architecture.md). One message at a time; the store makes filing atomic.
public struct IngestPipeline: Sendable {
    public var organization: Organization
    public var matcher: CaseMatcher
    public var store: any LiaisonStore
    public var step: any IngestStep
    /// Recaps, reminders and notices written with each filing (needs a `ReminderStore`); nil
    /// files the message only.
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

    public init(organization: Organization, numbering: CaseNumbering = CaseNumbering(), store: any LiaisonStore,
                step: any IngestStep = NoIngestStep(), followUps: (any FilingFollowUps)? = nil) {
        self.organization = organization
        self.matcher = CaseMatcher(organization: organization, numbering: numbering)
        self.store = store
        self.step = step
        self.followUps = followUps
    }

    /// Files one message; `checkpoint` is the mailbox position to record with it; `now` is when
    /// it was fetched (service clock), its arrival when it carries no usable stamp (`timeBasis`).
    /// `builtHere`: the bytes are a mail Liaison itself built and is sending (its staff sender
    /// is trusted without the MX's Authentication-Results; see `MessageFacts`); `send` puts that
    /// mail in the outbox in the same transaction that files it (needs `followUps`).
    /// `marker`: the message's in-progress record (`ContainedIngest`), cleared with the filing.
    public func ingest(_ raw: [UInt8], checkpoint: MailboxCheckpoint? = nil, now: Date = Date(),
                       builtHere: Bool = false, send: OutgoingMail? = nil, marker: ProcessingMarker? = nil) throws -> IngestResult {
        try file(read(raw, builtHere: builtHere), checkpoint: checkpoint, now: now, send: send, marker: marker)
    }

    /// The reading half of `ingest`: parse, classify, read recap, objection and counterparty.
    /// Touches no store, clock or file, so `ContainedIngest` can run it on a worker thread
    /// under a time budget.
    public func read(_ raw: [UInt8], builtHere: Bool = false) -> ReadMessage {
        let message = MessageParser.parse(raw)
        var facts = MessageFacts(message: message, organization: organization, assumeTrusted: builtHere)
        step.classified(message, facts: &facts)
        let input = MatchInput(facts: facts, date: message.date?.date)
        return ReadMessage(raw: raw, message: message, facts: facts, input: input,
                           addresses: matcher.counterpartyAddresses(input), contacts: matcher.counterparty(input).contacts)
    }

    /// The filing half of `ingest`: decide the case (reading the store), then file, hold or
    /// recognise a duplicate in one transaction with its follow-ups.
    public func file(_ read: ReadMessage, checkpoint: MailboxCheckpoint? = nil, now: Date = Date(),
                     send: OutgoingMail? = nil, marker: ProcessingMarker? = nil) throws -> IngestResult {
        let (raw, message, facts, input) = (read.raw, read.message, read.facts, read.input)
        let decision = try matcher.decide(input, lookup: store, now: now)
        let arrival: Arrival
        switch timeBasis {
        case .arrival(let offset): arrival = Arrival.of(message, organization: organization, fetchedAt: now, clockOffset: offset)
        case .dateHeader: arrival = Arrival.imported(message, fallback: now)
        }
        // Who speaks for the counterparty grows only by the case's opening and by staff mail: an
        // outsider's reply on an existing case does not make its sender (or its Cc) a contact.
        var contacts = read.contacts
        if case .existing = decision, !facts.senderTrusted { contacts = [] }
        let incoming = IncomingMessage(
            messageID: facts.messageID, date: message.date?.date, subject: facts.subject, threadSubject: facts.threadSubject,
            sender: facts.from?.address, kind: facts.kind, direction: facts.senderTrusted ? .outbound : .inbound,
            references: ([facts.inReplyTo].compactMap { $0 } + facts.references + [facts.bounce?.originalMessageID].compactMap { $0 }),
            alsoKnownAs: [facts.forwarded?.messageID].compactMap { $0 },
            addresses: read.addresses, contacts: contacts, raw: raw)
        var filing = Filing(message: incoming, decision: decision, checkpoint: checkpoint, marker: marker)
        if let caps = rateCaps, case .open(let new) = decision, !facts.senderTrusted, let sender = input.from, let owner = new.owner {
            filing.rateGate = RateGate(sender: sender, owner: owner, caps: caps, at: now)
        }
        let outcome: FilingOutcome
        if let followUps {
            guard let reminders = store as? any ReminderStore else {
                throw StoreError("this store keeps no reminders; file without follow-ups or use a ReminderStore")
            }
            let prepared = try followUps.prepare(facts: facts)
            let date = arrival.date
            outcome = try reminders.file(filing, now: now, followUp: { context in
                var f = try followUps.followUp(facts: facts, date: date, direction: incoming.direction, prepared: prepared,
                                               context: context, now: now)
                if let send { f.mails.insert(send, at: 0) }
                return f
            }, summary: { held in try followUps.summary(held, now: now) })
        } else {
            if send != nil { throw StoreError("sending needs a pipeline with follow-ups") }
            outcome = try store.file(filing)
        }
        let result: IngestResult
        switch outcome {
        case .filed(let n, _, let opened):
            var rule: MatchRule? = nil
            if case .existing(_, let r) = decision { rule = r }
            result = .filed(caseNumber: n, openedCase: opened, rule: rule)
        case .held(let id, let reason): result = .held(heldID: id, reason: reason)
        case .duplicate(let e): result = .duplicate(e)
        }
        try step.filed(message, facts: facts, result: result)
        return result
    }
}
