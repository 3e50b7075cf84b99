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

    /// Files one message; `checkpoint` is the mailbox position to record with it; `now` stands
    /// in for a missing Date header.
    /// `builtHere`: the bytes are a mail Liaison itself built and is sending (its staff sender
    /// is trusted without the MX's Authentication-Results; see `MessageFacts`); `send` puts that
    /// mail in the outbox in the same transaction that files it (needs `followUps`).
    public func ingest(_ raw: [UInt8], checkpoint: MailboxCheckpoint? = nil, now: Date = Date(),
                       builtHere: Bool = false, send: OutgoingMail? = nil) throws -> IngestResult {
        let message = MessageParser.parse(raw)
        var facts = MessageFacts(message: message, organization: organization, assumeTrusted: builtHere)
        step.classified(message, facts: &facts)
        let input = MatchInput(facts: facts, date: message.date?.date)
        let decision = try matcher.decide(input, lookup: store, now: now)
        let incoming = IncomingMessage(
            messageID: facts.messageID, date: message.date?.date, subject: facts.subject, threadSubject: facts.threadSubject,
            sender: facts.from?.address, kind: facts.kind, direction: facts.senderTrusted ? .outbound : .inbound,
            references: ([facts.inReplyTo].compactMap { $0 } + facts.references + [facts.bounce?.originalMessageID].compactMap { $0 }),
            alsoKnownAs: [facts.forwarded?.messageID].compactMap { $0 },
            addresses: matcher.counterpartyAddresses(input), contacts: matcher.counterparty(input).contacts, raw: raw)
        var filing = Filing(message: incoming, decision: decision, checkpoint: checkpoint)
        if let caps = rateCaps, case .open(let new) = decision, !facts.senderTrusted, let sender = input.from, let owner = new.owner {
            filing.rateGate = RateGate(sender: sender, owner: owner, caps: caps, at: now)
        }
        let outcome: FilingOutcome
        if let followUps {
            guard let reminders = store as? any ReminderStore else {
                throw StoreError("this store keeps no reminders; file without follow-ups or use a ReminderStore")
            }
            let prepared = try followUps.prepare(facts: facts)
            let date = message.date?.date
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
