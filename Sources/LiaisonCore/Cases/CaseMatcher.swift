import Foundation

/// Read-only questions the matcher asks the store. Message-IDs are compared as written
/// (with angle brackets); addresses lowercased.
public protocol CaseLookup {
    /// The case with this number.
    func caseWithNumber(_ number: String) throws -> Case?
    /// The case on which a message with this Message-ID is filed (its own ID or a forwarded
    /// original's recorded with it).
    func caseForMessageID(_ messageID: String) throws -> Case?
    /// Cases with correspondence of this thread subject dated on or after `since`, sharing at
    /// least one of `addresses` as a counterparty address. Most recent first.
    func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case]
}

/// A case to open: everything but the serial, which the store assigns atomically.
public struct NewCase: Sendable, Equatable {
    /// e.g. `EC20261116-{seq:3}` (see `CaseNumbering`).
    public var numberTemplate: String
    public var isInternal: Bool
    public var counterparty: Counterparty
    public var owner: String?
    public var category: CaseCategory
    public var openedAt: Date
    public init(numberTemplate: String, isInternal: Bool, counterparty: Counterparty, owner: String?, category: CaseCategory, openedAt: Date) {
        self.numberTemplate = numberTemplate
        self.isInternal = isInternal
        self.counterparty = counterparty
        self.owner = owner
        self.category = category
        self.openedAt = openedAt
    }
}

/// Which rule joined a message to a case (semantics.md, "Threads and cases", in order).
public enum MatchRule: String, Sendable, Equatable {
    case caseTag = "case tag"
    case reference = "In-Reply-To/References"
    case liaisonMessageID = "Liaison Message-ID"
    case threadSubject = "thread subject and counterparty"
    /// Not matched: the operator chose the case (`liaison review accept`).
    case review = "review"
}

/// What to do with one message.
public enum FilingDecision: Sendable, Equatable {
    case existing(caseNumber: String, rule: MatchRule)
    case open(NewCase)
    case hold(HoldReason, detail: String?)
}

/// Decides where a message belongs, by shared/docs/semantics.md: tag, then In-Reply-To/References,
/// then Liaison's own Message-IDs (`<liaison.CASE-NUMBER.…@…>`), then thread subject with an
/// overlapping counterparty address within 30 days; otherwise opens a case when a trusted sender
/// or an outsider writing to staff allows it, else holds for review. Pure apart from `lookup`.
public struct CaseMatcher: Sendable {
    public var organization: Organization
    public var numbering: CaseNumbering
    /// How far back a thread subject still joins (30 days).
    public var threadWindow: TimeInterval = 30 * 86_400

    public init(organization: Organization, numbering: CaseNumbering = CaseNumbering()) {
        self.organization = organization
        self.numbering = numbering
    }

    /// The decision for `input`; `now` stands in for a missing Date header.
    public func decide(_ input: MatchInput, lookup: some CaseLookup, now: Date) throws -> FilingDecision {
        if let tag = input.caseTag {
            if try lookup.caseWithNumber(tag) != nil { return .existing(caseNumber: tag, rule: .caseTag) }
            return .hold(.unknownCaseTag, detail: tag)
        }
        for id in input.referencedIDs {
            if let c = try lookup.caseForMessageID(id) { return .existing(caseNumber: c.number, rule: .reference) }
        }
        for id in input.referencedIDs {
            if let number = Self.caseNumber(inLiaisonMessageID: id), try lookup.caseWithNumber(number) != nil {
                return .existing(caseNumber: number, rule: .liaisonMessageID)
            }
        }
        let date = input.date ?? now
        let addresses = counterpartyAddresses(input)
        if !input.threadSubject.isEmpty, !addresses.isEmpty,
           let c = try lookup.casesForThread(subject: input.threadSubject, addresses: addresses,
                                              since: date.addingTimeInterval(-threadWindow)).first {
            return .existing(caseNumber: c.number, rule: .threadSubject)
        }
        if input.kind == .autoReply || input.kind == .bounce { return .hold(.noThread, detail: input.kind.rawValue) }
        return openOrHold(input, date: date)
    }

    /// The opening rule of semantics.md, "Who may do what".
    func openOrHold(_ input: MatchInput, date: Date) -> FilingDecision {
        let from = input.from ?? ""
        let owner: String
        if input.senderTrusted {
            owner = from
        } else if organization.isInternal(from) {
            return .hold(.unauthenticatedInternalSender, detail: from)
        } else {
            switch outsiderOwner(input) {
            case .owner(let a): owner = a
            case .hold(let detail): return .hold(.noStaffRecipient, detail: detail)
            }
        }
        let party = counterparty(input)
        let isInternal = party.contacts.isEmpty
        let clock = organization.wallClock
        let day = clock.local(date).day
        return .open(NewCase(numberTemplate: numbering.template(internal: isInternal, day: day), isInternal: isInternal,
                             counterparty: party, owner: owner, category: input.category, openedAt: date))
    }

    /// Who owns a case an outsider opens, or why nobody may.
    public enum OutsiderOwner: Sendable, Equatable {
        case owner(String)
        /// Held as `noStaffRecipient`; the words say why.
        case hold(String?)
    }

    /// The owner of a case an outsider opens (issue 12): the first recipient in To, else in Cc,
    /// who is in the staff directory (`[staff]`) — never a list, an alias or an unknown internal
    /// address, whatever the sender wrote — else `default_owner` when the message went to some
    /// internal address; else held. Without a `[staff]` section the directory is unknown and any
    /// internal recipient other than the tracking address qualifies (the behaviour before
    /// `[staff]` existed; the corpus's configuration has none).
    public func outsiderOwner(_ input: MatchInput) -> OutsiderOwner {
        if let a = firstStaffRecipient(input) { return .owner(a) }
        let internalRecipients = (input.to + input.cc).filter {
            organization.isInternal($0) && $0 != organization.trackingAddress
        }
        guard !internalRecipients.isEmpty else { return .hold(nil) }
        if let d = organization.defaultOwner { return .owner(d) }
        return .hold("\(internalRecipients.joined(separator: ", ")) not in [staff] and no default_owner")
    }

    /// The first staff address in To, else in Cc, other than the tracking address: one in
    /// `[staff]` when the configuration has that section, else any internal address.
    public func firstStaffRecipient(_ input: MatchInput) -> String? {
        let directory = organization.staffAddresses
        for list in [input.to, input.cc] {
            if let a = list.first(where: {
                $0 != organization.trackingAddress && (directory.isEmpty ? organization.isInternal($0) : directory.contains($0))
            }) { return a }
        }
        return nil
    }

    /// The outside party: a forwarded original's sender when there is one, else the outside
    /// sender, else the outside recipients. Organisation = the first contact's domain.
    public func counterparty(_ input: MatchInput) -> Counterparty {
        var contacts: [String] = []
        var seen = Set<String>()   // `contacts` as a set: 40,000 addresses in To stay linear
        func add(_ a: String?) {
            guard let a, a.contains("@"), !organization.isInternal(a), a != organization.trackingAddress,
                  !seen.contains(a) else { return }
            seen.insert(a)
            contacts.append(a)
        }
        add(input.forwardedFrom)
        add(input.from)
        input.to.forEach(add)
        input.cc.forEach(add)
        let org = contacts.first.flatMap { a in a.lastIndex(of: "@").map { String(a[a.index(after: $0)...]) } }
        return Counterparty(organization: org, contacts: contacts)
    }

    /// The addresses that tie a message to a case's counterparty: its outside addresses, or, for
    /// a message among staff only, its staff participants other than the tracking address.
    public func counterpartyAddresses(_ input: MatchInput) -> [String] {
        let outside = counterparty(input).contacts
        if !outside.isEmpty { return outside }
        var all: [String] = []
        var seen = Set<String>()
        for a in [input.from].compactMap({ $0 }) + input.to + input.cc
        where a != organization.trackingAddress && seen.insert(a).inserted { all.append(a) }
        return all
    }

    /// `EC20261117-001` from `<liaison.EC20261117-001.r1@corp.example>`; nil for any other ID.
    public static func caseNumber(inLiaisonMessageID id: String) -> String? {
        var s = Substring(id)
        if s.hasPrefix("<") { s = s.dropFirst() }
        guard s.hasPrefix("liaison.") else { return nil }
        s = s.dropFirst("liaison.".count)
        let end = s.firstIndex(where: { $0 == "." || $0 == "@" || $0 == ">" }) ?? s.endIndex
        let number = s[..<end]
        return CaseTag.find(in: "[\(number)]")
    }
}
