import Foundation
import LiaisonCore
import LiaisonMail

/// One action item of a recap to send: who does what by when, the deadline in words as the
/// recap reader reads them (`周三前`, `11月20日17:00`, `Friday 17:00`).
public struct RecapItemDraft: Sendable, Equatable, Codable {
    /// The item's number; nil: its position (1, 2, …).
    public var number: Int?
    public var owner: String
    public var department: String?
    public var task: String
    /// The deadline as written; nil: none (a date in the task itself is still read).
    public var due: String?

    public init(number: Int? = nil, owner: String, department: String? = nil, task: String, due: String? = nil) {
        self.number = number; self.owner = owner; self.department = department; self.task = task; self.due = due
    }
}

/// The recap staff send after a call (`liaison recap`), before it is rendered.
public struct RecapDraft: Sendable, Equatable {
    public var caseNumber: String
    /// The case's thread subject (the mail's subject is `[CASE] ` and the call-recap template's words).
    public var caseSubject: String
    /// The staff member who sends it: From and envelope sender.
    public var author: Address
    public var to: [Address]
    /// The tracking address is added when missing.
    public var cc: [Address]
    public var items: [RecapItemDraft]
    /// The objection window in words (`今日内`, `2个工作日内`, `by end of today`); nil: the locale's today.
    public var window: String?
    /// The next contact in words (`11月23日上午10:00`), if agreed.
    public var nextContact: String?
    /// How to address the counterparty (`王总`); nil: a plain greeting.
    public var salutation: String?
    /// The case message to thread on (RFC 5322 §3.6.4), e.g. the case's first message.
    public var inReplyTo: String?
    public var references: [String]
    /// nil: the counterparty's locale (`TemplateConfig`).
    public var locale: MailLocale?

    public init(caseNumber: String, caseSubject: String, author: Address, to: [Address], cc: [Address] = [],
                items: [RecapItemDraft], window: String? = nil, nextContact: String? = nil, salutation: String? = nil,
                inReplyTo: String? = nil, references: [String] = [], locale: MailLocale? = nil) {
        self.caseNumber = caseNumber; self.caseSubject = caseSubject; self.author = author; self.to = to; self.cc = cc
        self.items = items; self.window = window; self.nextContact = nextContact; self.salutation = salutation
        self.inReplyTo = inReplyTo; self.references = references; self.locale = locale
    }
}

/// Why a recap cannot be sent as drafted. The composer reads its own text back as the recap
/// reader will read the mail when it comes back through the tracking mailbox, and refuses a
/// recap that would be filed differently from what was drafted.
public enum RecapComposeError: Error, Equatable, Sendable, CustomStringConvertible {
    case noRecipients
    case authorNotStaff(String)
    case invalidAddress(String)
    case invalidItemNumber(Int)
    case duplicateItemNumber(Int)
    case emptyTask(item: Int)
    case emptyOwner(item: Int)
    /// The due words name no deadline the reader can resolve.
    case unreadableDue(item: Int, words: String, reason: String)
    case unreadableWindow(words: String, reason: String)
    case unreadableNextContact(words: String, reason: String)
    /// The text would be read back differently (what differs).
    case readBack(String)
    case build(MessageBuildError)

    public var description: String {
        switch self {
        case .noRecipients: return "the recap has no recipient in To"
        case .authorNotStaff(let a): return "the author \(a) is not a staff address (internal_domains)"
        case .invalidAddress(let a): return "`\(a)` is not a mail address"
        case .invalidItemNumber(let n): return "item number \(n) is not between 1 and 99"
        case .duplicateItemNumber(let n): return "item number \(n) is used twice"
        case .emptyTask(let n): return "item \(n) has no task"
        case .emptyOwner(let n): return "item \(n) has no owner"
        case .unreadableDue(let n, let w, let r): return "item \(n): the deadline “\(w)” cannot be read: \(r)"
        case .unreadableWindow(let w, let r): return "the objection window “\(w)” cannot be read: \(r)"
        case .unreadableNextContact(let w, let r): return "the next contact “\(w)” cannot be read: \(r)"
        case .readBack(let what): return "the recap as written would be read back differently: \(what)"
        case .build(let e): return "the message could not be built: \(e)"
        }
    }
}

/// Writes the `call-recap` mail of `liaison recap` (issue 6, item 5): From the author, To the
/// counterparty, Cc including the tracking address, subject `[CASE] …`, threaded on the case,
/// a Liaison Message-ID, and a body that `RecapReader` reads as a recap with the drafted items,
/// owners and deadlines — checked here before the mail is returned. No `Auto-Submitted`: it is
/// the author's own mail (and an auto-submitted mail is never a recap).
public struct RecapComposer: Sendable {
    public var templates: MailTemplates
    public var config: TemplateConfig
    public var organization: Organization

    public init(templates: MailTemplates, config: TemplateConfig, organization: Organization) {
        self.templates = templates
        self.config = config
        self.organization = organization
    }

    /// The recap mail, with random Message-ID and boundaries.
    public func compose(_ draft: RecapDraft, now: Date) throws -> OutgoingMail {
        var rng = SystemRandomNumberGenerator()
        return try compose(draft, now: now, using: &rng)
    }

    /// The recap mail, drawing the Message-ID's unique part and the boundaries from `rng`.
    public func compose<R: RandomNumberGenerator>(_ draft: RecapDraft, now: Date, using rng: inout R) throws -> OutgoingMail {
        // The Date header has whole seconds: read the window against what the reader will see.
        let sentAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        guard !draft.to.isEmpty else { throw RecapComposeError.noRecipients }
        for a in [draft.author] + draft.to + draft.cc where !MailAddressCheck.isPlain(a.address.lowercased()) {
            throw RecapComposeError.invalidAddress(a.address)
        }
        guard organization.isInternal(draft.author.address) else { throw RecapComposeError.authorNotStaff(draft.author.address) }
        let items = try numbered(draft.items)
        let locale = draft.locale ?? counterpartyLocale(draft)
        let words = MailWords(locale: locale, zone: organization.timeZone, now: sentAt)
        let window = TemplateValue.flatten(draft.window ?? words.defaultWindow)
        let resolver = DeadlineResolver(organization: organization, calendar: organization.calendar)
        try checkWords(items, window: window, nextContact: draft.nextContact, resolver: resolver, sentAt: sentAt)

        let useCircled = items.count <= 20 && locale != .en
            && !items.contains { ($0.task + $0.owner + ($0.department ?? "")).unicodeScalars.contains(where: Self.isCircled) }
        let itemRows: [[String: TemplateValue]] = items.enumerated().map { k, item in
            let n = item.number!
            let marker: String
            if useCircled { marker = String(Character(Unicode.Scalar(0x2460 + UInt32(n - 1))!)) } else {
                marker = locale == .en ? "\(n)." : "\(n)、"
            }
            return [
                "number": .text(String(n)), "marker": .text(marker), "owner": .text(item.owner),
                "department": item.department.templateValue,
                "ownerFull": .text((item.department ?? "") + (locale == .en && item.department != nil ? " " : "") + item.owner),
                "task": .text(item.task), "due": item.due.map { .text($0) } ?? .flag(false), "last": .flag(k == items.count - 1),
            ]
        }
        let staffName = organization.staffNames[draft.author.address.lowercased()]
        let values: [String: TemplateValue] = [
            "kind": .text(MailTemplateKind.callRecap.rawValue), "locale": .text(locale.rawValue),
            "organization": .text(organization.name), "now": .text(words.time(sentAt)), "today": .text(words.today),
            "zone": .text(words.zone), "caseNumber": .text(draft.caseNumber), "caseSubject": .text(draft.caseSubject),
            "author": .record(["name": (draft.author.name ?? staffName).templateValue, "address": .text(draft.author.address)]),
            "authorName": .text(draft.author.name ?? staffName ?? draft.author.address),
            "salutation": draft.salutation.templateValue, "items": .list(itemRows), "hasItems": .flag(!items.isEmpty),
            "window": .text(window), "nextContact": draft.nextContact.templateValue,
        ]
        let rendered = templates.render(.callRecap, locale: locale, values: values)
        try readBack(rendered.text, items: items, nextContact: draft.nextContact, resolver: resolver, sentAt: sentAt)

        var subject = rendered.subject
        if CaseTag.find(in: subject) != draft.caseNumber { subject = "[\(draft.caseNumber)] " + subject }
        var cc = draft.cc
        let tracking = organization.trackingAddress
        if !(draft.to + cc).contains(where: { $0.address.lowercased() == tracking }) {
            cc.append(Address(name: nil, address: tracking))
        }
        var builder = MessageBuilder(from: draft.author, to: draft.to, subject: subject)
        builder.cc = cc
        builder.date = sentAt
        builder.utcOffsetSeconds = organization.timeZone.secondsFromGMT(for: sentAt)
        builder.messageID = LiaisonMessageID.make(caseNumber: draft.caseNumber, reminderID: nil,
                                                  domain: draft.author.domain ?? "localhost", using: &rng)
        if let parent = draft.inReplyTo.flatMap(LiaisonMessageID.bare) { builder.inReplyTo = parent }
        var refs = draft.references.compactMap(LiaisonMessageID.bare)
        if let parent = builder.inReplyTo, !refs.contains(parent) { refs.append(parent) }
        builder.references = refs
        builder.textBody = rendered.text
        builder.htmlBody = rendered.html
        let built: BuiltMessage
        do { built = try builder.buildMessage(using: &rng) } catch let e as MessageBuildError { throw RecapComposeError.build(e) }
        var recipients: [String] = []
        for a in draft.to + cc where !recipients.contains(a.address.lowercased()) { recipients.append(a.address.lowercased()) }
        return OutgoingMail(caseNumber: draft.caseNumber, messageID: "<\(built.messageID)>",
                            envelopeFrom: draft.author.address.lowercased(), recipients: recipients, raw: built.bytes,
                            purpose: .recap)
    }

    /// The locale of the first outside address in To, else in Cc; none: the default.
    func counterpartyLocale(_ draft: RecapDraft) -> MailLocale {
        let outside = (draft.to + draft.cc).map { $0.address.lowercased() }
            .first { !organization.isInternal($0) && $0 != organization.trackingAddress }
        return outside.map(config.locale(for:)) ?? config.defaultLocale
    }

    /// Items with numbers (given, or their position), flattened, checked.
    func numbered(_ drafts: [RecapItemDraft]) throws -> [RecapItemDraft] {
        var seen: Set<Int> = []
        return try drafts.enumerated().map { k, d in
            var item = d
            let n = d.number ?? (k + 1)
            guard (1...99).contains(n) else { throw RecapComposeError.invalidItemNumber(n) }
            guard seen.insert(n).inserted else { throw RecapComposeError.duplicateItemNumber(n) }
            item.number = n
            item.task = TemplateValue.flatten(d.task)
            item.owner = TemplateValue.flatten(d.owner)
            item.department = d.department.map(TemplateValue.flatten).flatMap { $0.isEmpty ? nil : $0 }
            item.due = d.due.map(TemplateValue.flatten).flatMap { $0.isEmpty ? nil : $0 }
            guard !item.task.isEmpty else { throw RecapComposeError.emptyTask(item: n) }
            guard !item.owner.isEmpty else { throw RecapComposeError.emptyOwner(item: n) }
            return item
        }
    }

    /// Every deadline in words must resolve: a recap's deadlines are never guessed.
    func checkWords(_ items: [RecapItemDraft], window: String, nextContact: String?, resolver: DeadlineResolver,
                    sentAt: Date) throws {
        for item in items {
            guard let due = item.due else { continue }
            if case .unreadable(let why) = resolver.resolve(due, sentAt: sentAt) {
                throw RecapComposeError.unreadableDue(item: item.number!, words: due, reason: why)
            }
        }
        if case .unreadable(let why) = resolver.resolve(window, sentAt: sentAt) {
            throw RecapComposeError.unreadableWindow(words: window, reason: why)
        }
        if let next = nextContact, case .unreadable(let why) = resolver.resolve(next, sentAt: sentAt) {
            throw RecapComposeError.unreadableNextContact(words: next, reason: why)
        }
    }

    /// Reads `text` as the recap reader will, and compares it with the draft.
    func readBack(_ text: String, items: [RecapItemDraft], nextContact: String?, resolver: DeadlineResolver,
                  sentAt: Date) throws {
        guard let recap = RecapReader.read(text: text, sentAt: sentAt, resolver: resolver, staff: organization.staff) else {
            throw RecapComposeError.readBack("no objection window is found in the call-recap template's text")
        }
        if recap.objectionDeadline == nil {
            throw RecapComposeError.readBack("the objection window is not read: \(recap.objectionDeadlineNote ?? "")")
        }
        if nextContact != nil, recap.nextContact == nil {
            throw RecapComposeError.readBack("the next contact is not read: \(recap.nextContactNote ?? "")")
        }
        guard recap.actionItems.count == items.count else {
            throw RecapComposeError.readBack("\(recap.actionItems.count) items are read, \(items.count) were drafted")
        }
        for (read, item) in zip(recap.actionItems, items) {
            let n = item.number!
            guard read.number == n else { throw RecapComposeError.readBack("item \(n) is read as number \(read.number)") }
            guard read.task == Self.fold(item.task) else {
                throw RecapComposeError.readBack("item \(n)'s task is read as “\(read.task)”")
            }
            guard read.owner == Self.fold(item.owner) else {
                throw RecapComposeError.readBack("item \(n)'s owner is read as “\(read.owner ?? "")”")
            }
            if let department = item.department, read.department != Self.fold(department) {
                throw RecapComposeError.readBack("item \(n)'s department is read as “\(read.department ?? "")”")
            }
            if let due = item.due, read.due?.instant != resolver.resolve(due, sentAt: sentAt).instant {
                throw RecapComposeError.readBack("item \(n)'s deadline “\(due)” is read as \(read.due.map { "\($0.instant)" } ?? read.dueNote ?? "none")")
            }
        }
    }

    /// Full-width ASCII folded as the recap reader folds it (`：（１）` → `:(1)`).
    static func fold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if (0xFF01...0xFF5E).contains(u.value), let a = Unicode.Scalar(u.value - 0xFEE0) { out.append(a) }
            else if u.value == 0x3000 { out.append(" ") } else { out.append(u) }
        }
        return String(out)
    }

    static func isCircled(_ u: Unicode.Scalar) -> Bool {
        (0x2460...0x2487).contains(u.value) || (0x2776...0x277F).contains(u.value)
    }
}
