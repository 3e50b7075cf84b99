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
    public var category: String
    public var attachments: [Attachment]
    public var forwarded: Forwarded?
    public var bounce: Bounce?
    /// What the parser tolerated or bounded, e.g. "partLimit: more than 2000 body parts…".
    public var issues: [String]
    public var text: String

    /// Reads the facts of a parsed message for an organisation.
    public init(message m: Message, organization org: Organization) {
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
    }

    enum CodingKeys: String, CodingKey {
        case subject, from, to, cc, date, messageID, inReplyTo, references, kind, senderTrusted,
             threadSubject, caseTag, category, attachments, forwarded, bounce, issues, text
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
        try c.encode(issues, forKey: .issues)
        try c.encode(text, forKey: .text)
    }
}
