import Foundation

/// What case matching needs to know about one message: a plain value, built from `MessageFacts`
/// by the pipeline or written out directly in tests. Addresses are lowercased.
public struct MatchInput: Sendable, Equatable {
    public var messageID: String?
    public var inReplyTo: String?
    public var references: [String]
    public var from: String?
    public var to: [String]
    public var cc: [String]
    public var date: Date?
    public var subject: String?
    public var kind: MessageKind
    public var senderTrusted: Bool
    public var threadSubject: String
    public var caseTag: String?
    public var category: CaseCategory
    /// The sender and Message-ID of a forwarded original (`message/rfc822`), if any.
    public var forwardedFrom: String?
    public var forwardedMessageID: String?
    /// A bounce's returned Message-ID.
    public var bounceOriginalMessageID: String?

    public init(messageID: String? = nil, inReplyTo: String? = nil, references: [String] = [], from: String?,
                to: [String] = [], cc: [String] = [], date: Date?, subject: String?, kind: MessageKind = .correspondence,
                senderTrusted: Bool = false, threadSubject: String? = nil, caseTag: String? = nil,
                category: CaseCategory = .general, forwardedFrom: String? = nil, forwardedMessageID: String? = nil,
                bounceOriginalMessageID: String? = nil) {
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.from = from?.lowercased()
        self.to = to.map { $0.lowercased() }
        self.cc = cc.map { $0.lowercased() }
        self.date = date
        self.subject = subject
        self.kind = kind
        self.senderTrusted = senderTrusted
        self.threadSubject = threadSubject ?? ThreadSubject.of(subject ?? "")
        self.caseTag = caseTag ?? subject.flatMap(CaseTag.find(in:))
        self.category = category
        self.forwardedFrom = forwardedFrom?.lowercased()
        self.forwardedMessageID = forwardedMessageID
        self.bounceOriginalMessageID = bounceOriginalMessageID
    }

    /// The input for a message's facts; `date` is the parsed Date header.
    public init(facts f: MessageFacts, date: Date?) {
        self.init(messageID: f.messageID, inReplyTo: f.inReplyTo, references: f.references, from: f.from?.address,
                  to: f.to.map(\.address), cc: f.cc.map(\.address), date: date, subject: f.subject, kind: f.kind,
                  senderTrusted: f.senderTrusted, threadSubject: f.threadSubject, caseTag: f.caseTag,
                  category: f.category, forwardedFrom: f.forwarded?.from, forwardedMessageID: f.forwarded?.messageID,
                  bounceOriginalMessageID: f.bounce?.originalMessageID)
    }

    /// The Message-IDs this message points at, most specific first: a bounce's original, In-Reply-To,
    /// then References from the newest back.
    public var referencedIDs: [String] {
        var ids: [String] = []
        if let b = bounceOriginalMessageID { ids.append(b) }
        if let r = inReplyTo { ids.append(r) }
        ids += references.reversed()
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}
