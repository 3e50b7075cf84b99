import Foundation
import LiaisonMail

/// The facts Liaison reads from one message: what `liaison inspect` prints and what filing
/// uses. Keys are those of shared/corpus/*.expect.json.
public struct MessageFacts: Sendable, Codable, Equatable {
    public struct Mailbox: Sendable, Codable, Equatable {
        public var name: String?
        public var address: String
    }
    public struct Forwarded: Sendable, Codable, Equatable {
        public var from: String?
        public var messageID: String?
        public var subject: String?
    }
    public struct Bounce: Sendable, Codable, Equatable {
        public var recipient: String?
        public var status: String?
        public var originalMessageID: String?
    }

    public var subject: String?
    public var from: Mailbox?
    public var to: [Mailbox]
    public var cc: [Mailbox]
    /// ISO 8601 with the message's own offset.
    public var date: String?
    public var messageID: String?
    public var inReplyTo: String?
    public var references: [String]
    public var kind: MessageKind
    public var senderTrusted: Bool
    public var threadSubject: String
    public var caseTag: String?
    public var category: CaseCategory
    public var attachments: [Attachment]
    public var forwarded: Forwarded?
    public var bounce: Bounce?
    /// The recap's facts when `kind` is `recap`, else nil.
    public var recap: RecapFacts?
    /// The recap as read (instants as `Date`s), for filing: not encoded, so `liaison inspect`
    /// prints `recap` only. nil when `kind` is not `recap`.
    public var readRecap: Recap? = nil
    /// For every message that is not a recap: true when it replies to something (In-Reply-To,
    /// References, or a Re:/回复: subject) and its own text asserts disagreement (not negated, not
    /// conditional); false otherwise. nil for a recap. Whether it falls inside a recap's window,
    /// and whether the sender is the recap's counterparty, is decided at filing.
    public var objection: Bool?
    /// The numbered items an objection names (第③点 → 3); empty when none or not an objection.
    public var objectedItems: [Int]
    /// What a trusted staff sender's own words ask Liaison to do (`StaffInstructionReader`: `#`
    /// commands, "第1项已完成", a reply "已完成" to a reminder), read here under the reading budget;
    /// nil for anyone else's mail, for auto-replies and bounces, and for recaps. Applied only
    /// when the message is filed on a case (`ReminderPlanner.planInstructions`). Not encoded.
    public var instructions: StaffInstructions? = nil
    /// What the parser tolerated or bounded, e.g. "partLimit: more than 2000 body parts…".
    public var issues: [String]
    public var text: String

    /// Reads the facts of a parsed message for an organisation.
    /// `assumeTrusted`: the message did not come through the organisation's MX but from Liaison's
    /// own hand (`liaison recap` files the recap it sends at once), so its staff sender is trusted
    /// without an Authentication-Results header. Only for mail Liaison itself built.
    public init(message m: Message, organization org: Organization, assumeTrusted: Bool = false) {
        func box(_ a: Address) -> Mailbox { Mailbox(name: a.name, address: a.address) }
        subject = m.subject
        from = m.from.first.map(box)
        to = m.to.map(box)
        cc = m.cc.map(box)
        date = m.date?.iso8601
        messageID = m.messageID
        inReplyTo = m.inReplyTo.first
        references = m.references
        kind = KindClassifier.kind(of: m)
        senderTrusted = SenderTrust.isTrusted(m, organization: org)
            || (assumeTrusted && m.from.first.map { org.isInternal($0.address) } == true)
        threadSubject = ThreadSubject.of(m.subject ?? "")
        caseTag = m.subject.flatMap(CaseTag.find(in:))
        category = Category.of(subject: m.subject, text: m.text, organization: org)
        attachments = m.attachments
        forwarded = m.forwarded.first.map {
            Forwarded(from: $0.from.first?.address, messageID: $0.messageID, subject: $0.subject)
        }
        bounce = m.deliveryReport.map { r in
            let failed = r.recipients.first { $0.action == "failed" } ?? r.recipients.first
            return Bounce(recipient: failed?.recipient, status: failed?.status, originalMessageID: r.originalMessageID)
        }
        issues = m.issues.map(\.description)
        text = m.text

        let resolver = DeadlineResolver(organization: org, calendar: org.calendar)
        recap = nil
        objection = nil
        objectedItems = []
        // The recap and objection readers are linear but character by character (milliseconds per
        // KB): they read the head and the tail of a long text only. A recap or a reply's own words
        // are a screen or two, at the top (top-posting) or after the quoted history (bottom-
        // posting); what lies between is quoted history or bulk, and one large message must not
        // cost seconds (issue 11).
        let readable = Self.readableText(m.text)
        if readable.utf8.count < m.text.utf8.count {
            issues.append("only the first and the last \(Self.maxReadCharacters / 2) characters of the text were read for a recap or an objection")
        }
        if kind == .correspondence, senderTrusted,
           let r = RecapReader.read(text: readable, sentAt: m.date?.date, resolver: resolver, staff: org.staff) {
            kind = .recap
            recap = RecapFacts(r, zone: org.timeZone)
            readRecap = r
        } else {
            let reply = kind == .correspondence && ObjectionReader.isReply(m)
            let assertion = reply ? ObjectionReader.read(readable) : nil
            objection = assertion?.objects ?? false
            objectedItems = assertion?.objects == true ? assertion!.items : []
        }
        // Only a trusted staff sender's correspondence carries instructions (semantics.md "Who
        // may do what"); an outsider's words, an auto-reply or a bounce never do.
        if kind == .correspondence, senderTrusted, let sender = from?.address, org.isInternal(sender) {
            instructions = StaffInstructionReader(resolver: resolver).read(readable, sentAt: m.date?.date)
        }
    }

    /// How much of a message's text the recap and objection readers look at: half from its head,
    /// half from its tail.
    public static let maxReadCharacters = 65_536

    /// `text` when it is short enough, else its first and last `maxReadCharacters / 2` characters
    /// with a blank line between them.
    static func readableText(_ text: String) -> String {
        // utf8.count bounds the character count from above: most texts skip the walk.
        guard text.utf8.count > maxReadCharacters, text.count > maxReadCharacters else { return text }
        let half = maxReadCharacters / 2
        return String(text.prefix(half)) + "\n\n" + String(text.suffix(half))
    }

    enum CodingKeys: String, CodingKey {
        case subject, from, to, cc, date, messageID, inReplyTo, references, kind, senderTrusted,
             threadSubject, caseTag, category, attachments, forwarded, bounce, recap, objection, objectedItems,
             issues, text
    }

    /// Encodes every key, with `null` for absent values, so scripts see a stable shape.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subject, forKey: .subject)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(cc, forKey: .cc)
        try c.encode(date, forKey: .date)
        try c.encode(messageID, forKey: .messageID)
        try c.encode(inReplyTo, forKey: .inReplyTo)
        try c.encode(references, forKey: .references)
        try c.encode(kind, forKey: .kind)
        try c.encode(senderTrusted, forKey: .senderTrusted)
        try c.encode(threadSubject, forKey: .threadSubject)
        try c.encode(caseTag, forKey: .caseTag)
        try c.encode(category, forKey: .category)
        try c.encode(attachments, forKey: .attachments)
        try c.encode(forwarded, forKey: .forwarded)
        try c.encode(bounce, forKey: .bounce)
        try c.encode(recap, forKey: .recap)
        try c.encode(objection, forKey: .objection)
        try c.encode(objectedItems, forKey: .objectedItems)
        try c.encode(issues, forKey: .issues)
        try c.encode(text, forKey: .text)
    }
}

/// A recap as `liaison inspect` shows it (keys of shared/corpus/*.expect.json): instants as
/// ISO 8601 in the organisation's zone; a `…Note` says why an instant is missing.
public struct RecapFacts: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var number: Int
        public var owner: String?
        public var department: String?
        public var ownerAddress: String?
        public var task: String
        public var due: String?
        public var dueNote: String?

        enum CodingKeys: String, CodingKey { case number, owner, department, ownerAddress, task, due, dueNote }

        /// Every key, `null` when absent.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(number, forKey: .number)
            try c.encode(owner, forKey: .owner)
            try c.encode(department, forKey: .department)
            try c.encode(ownerAddress, forKey: .ownerAddress)
            try c.encode(task, forKey: .task)
            try c.encode(due, forKey: .due)
            try c.encode(dueNote, forKey: .dueNote)
        }
    }
    public var objectionDeadline: String?
    public var objectionDeadlineNote: String?
    public var nextContact: String?
    public var nextContactNote: String?
    public var actionItems: [Item]

    enum CodingKeys: String, CodingKey {
        case objectionDeadline, objectionDeadlineNote, nextContact, nextContactNote, actionItems
    }

    /// Every key, `null` when absent.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(objectionDeadline, forKey: .objectionDeadline)
        try c.encode(objectionDeadlineNote, forKey: .objectionDeadlineNote)
        try c.encode(nextContact, forKey: .nextContact)
        try c.encode(nextContactNote, forKey: .nextContactNote)
        try c.encode(actionItems, forKey: .actionItems)
    }

    /// The facts of a read recap, with instants in `zone`.
    public init(_ r: Recap, zone: TimeZone) {
        func iso(_ d: Deadline?) -> String? { d.map { ISOTime.string($0.instant, in: zone) } }
        objectionDeadline = iso(r.objectionDeadline)
        objectionDeadlineNote = r.objectionDeadlineNote
        nextContact = iso(r.nextContact)
        nextContactNote = r.nextContactNote
        actionItems = r.actionItems.map {
            Item(number: $0.number, owner: $0.owner, department: $0.department, ownerAddress: $0.ownerAddress,
                 task: $0.task, due: iso($0.due), dueNote: $0.dueNote)
        }
    }
}
