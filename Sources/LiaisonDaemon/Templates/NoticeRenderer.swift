import Foundation
import LiaisonCore
import LiaisonMail

/// Why a notice or a recap could not be made into a mail.
public enum MailRenderError: Error, Equatable, Sendable, CustomStringConvertible {
    case noRecipients
    case invalidAddress(String)
    /// MessageBuilder refused the message (it never should: values are flattened first).
    case build(MessageBuildError)

    public var description: String {
        switch self {
        case .noRecipients: return "the mail has no recipients"
        case .invalidAddress(let a): return "`\(a)` is not a mail address"
        case .build(let e): return "the message could not be built: \(e)"
        }
    }
}

/// Renders the planner's `Notice`s into `OutgoingMail`s (RFC 5322 via `MessageBuilder`): From the
/// configured `smtp.from`, To the notice's recipients in the locale of the first one (else of
/// the case's counterparty),
/// `Auto-Submitted: auto-generated` (RFC 3834 §5), a Liaison Message-ID naming the case
/// (`<liaison.EC20261116-001.r42.9f…@corp.example>`; a digest's `<liaison.digest.…>`), threaded on
/// `notice.inReplyTo` (RFC 5322 §3.6.4), dated `now` with the organisation's offset, times in the
/// body in the organisation's zone.
public struct NoticeRenderer: Sendable {
    public var templates: MailTemplates
    public var config: TemplateConfig
    public var organization: Organization
    /// The author of notices, e.g. `Liaison 沟通跟踪 <track@corp.example>` (`smtp.from`).
    public var from: Address

    public init(templates: MailTemplates, config: TemplateConfig, organization: Organization, from: Address) {
        self.templates = templates
        self.config = config
        self.organization = organization
        self.from = from
    }

    /// The notice as a mail, its Message-ID (unless `messageID` fixes it) and MIME boundaries
    /// from the system's random source.
    public func render(_ notice: Notice, now: Date, messageID: String? = nil) throws -> OutgoingMail {
        var rng = SystemRandomNumberGenerator()
        return try render(notice, now: now, messageID: messageID, using: &rng)
    }

    /// The Message-ID a notice will carry (with angle brackets), fixed when it is planned so that
    /// rendering it after the commit, or again, gives the same identity.
    public func plannedMessageID(for notice: Notice) -> String {
        var rng = SystemRandomNumberGenerator()
        return "<" + LiaisonMessageID.make(caseNumber: notice.caseNumber,
                                           tag: notice.caseNumber == nil && notice.kind == .digest ? "digest" : nil,
                                           reminderID: notice.reminderID, kind: notice.kind, item: notice.item?.number,
                                           domain: from.domain ?? "localhost", using: &rng) + ">"
    }

    /// The notice as a mail, drawing the Message-ID's unique part (unless `messageID`, with or
    /// without angle brackets, fixes it) and the boundaries from `rng`.
    public func render<R: RandomNumberGenerator>(_ notice: Notice, now: Date, messageID: String? = nil,
                                                 using rng: inout R) throws -> OutgoingMail {
        guard !notice.recipients.isEmpty else { throw MailRenderError.noRecipients }
        for r in notice.recipients where !MailAddressCheck.isPlain(r) { throw MailRenderError.invalidAddress(r) }
        let locale = config.locale(forRecipients: notice.recipients, counterparty: notice.counterparty)
        let zone = organization.timeZone
        let words = MailWords(locale: locale, zone: zone, now: now)
        let rendered = templates.render(MailTemplateKind(notice.kind), locale: locale, values: values(for: notice, words: words))

        var subject = rendered.subject
        if let number = notice.caseNumber, CaseTag.find(in: subject) != number { subject = "[\(number)] " + subject }
        let names = organization.staffNames
        var builder = MessageBuilder(from: from, to: notice.recipients.map { Address(name: names[$0], address: $0) },
                                     subject: subject)
        builder.date = now
        builder.utcOffsetSeconds = zone.secondsFromGMT(for: now)
        let domain = from.domain ?? "localhost"
        builder.messageID = messageID.flatMap(LiaisonMessageID.bare)
            ?? LiaisonMessageID.make(caseNumber: notice.caseNumber,
                                     tag: notice.caseNumber == nil && notice.kind == .digest ? "digest" : nil,
                                     reminderID: notice.reminderID, kind: notice.kind, item: notice.item?.number,
                                     domain: domain, using: &rng)
        if let parent = notice.inReplyTo.flatMap(LiaisonMessageID.bare) {
            builder.inReplyTo = parent
            builder.references = [parent]
        }
        // A confirmation answers a person's mail (RFC 3834 §5: auto-replied); the rest are generated.
        builder.extraHeaders = [("Auto-Submitted", notice.kind == .confirmation ? "auto-replied" : "auto-generated"),
                                ("X-Auto-Response-Suppress", "All")]
        builder.textBody = rendered.text
        builder.htmlBody = rendered.html
        let built: BuiltMessage
        do { built = try builder.buildMessage(using: &rng) } catch let e as MessageBuildError { throw MailRenderError.build(e) }
        return OutgoingMail(caseNumber: notice.caseNumber, messageID: "<\(built.messageID)>", envelopeFrom: from.address,
                            recipients: notice.recipients, raw: built.bytes, purpose: .notice(notice.kind),
                            reminderID: notice.reminderID)
    }

    /// The values the notice's template gets (Templates/README.md "Variables").
    func values(for n: Notice, words: MailWords) -> [String: TemplateValue] {
        let names = organization.staffNames
        var v: [String: TemplateValue] = [
            "kind": .text(n.kind.rawValue),
            "locale": .text(words.locale.rawValue),
            "organization": .text(organization.name),
            "now": .text(words.time(words.now)),
            "today": .text(words.today),
            "zone": .text(words.zone),
            "caseNumber": n.caseNumber.templateValue,
            "caseSubject": n.caseSubject.templateValue,
            "counterparty": n.counterparty.templateValue,
            "caseOwner": n.caseOwner.templateValue,
            "caseOwnerName": n.caseOwner.flatMap { names[$0] }.templateValue,
            "recipient": n.recipients.first.templateValue,
            "recipientName": n.recipients.first.flatMap { names[$0] }.templateValue,
            "late": .flag(n.late),
            "lateNote": .text(n.late ? words.lateNote : ""),
            "due": words.time(n.about ?? n.item?.due ?? n.recap?.recap.windowCloses),
            "detail": n.detail.templateValue,
        ]
        if let item = n.item { v["item"] = .record(itemValues(item, words: words)) }
        let changes = n.changes ?? [], refusals = n.refusals ?? []
        func line(_ l: NoticeLine) -> [String: TemplateValue] { ["text": .text(words.locale == .en ? l.en : l.zh)] }
        v["changes"] = .list(changes.map(line))
        v["refusals"] = .list(refusals.map(line))
        v["hasChanges"] = .flag(!changes.isEmpty)
        v["hasRefusals"] = .flag(!refusals.isEmpty)
        if let recap = n.recap { v["recap"] = .record(recapValues(recap, words: words)) }
        if !n.digest.isEmpty {
            v["lines"] = .list(n.digest.map { line in
                [
                    "caseNumber": .text(line.caseNumber),
                    "subject": .text(line.subject),
                    "status": .text(line.status.rawValue),
                    "statusWord": .text(words.caseStatus(line.status)),
                    "items": .list(line.items.map { itemValues($0, words: words) }),
                    "doneToday": .list(line.doneToday.map { itemValues($0, words: words) }),
                ]
            })
            v["caseCount"] = .text(String(n.digest.count))
            v["itemCount"] = .text(String(n.digest.reduce(0) { $0 + $1.items.count }))
        }
        return v
    }

    func itemValues(_ item: ActionItemRecord, words: MailWords) -> [String: TemplateValue] {
        [
            "number": .text(String(item.number)),
            "owner": item.owner.templateValue,
            "department": item.department.templateValue,
            "ownerAddress": item.ownerAddress.templateValue,
            "task": .text(item.task),
            // false, not absent, when there is none: an absent `due` inside {{#items}} would be
            // looked up in the enclosing view (the notice's own `due`).
            "due": item.due.map { .text(words.time($0)) } ?? .flag(false),
            "dueNote": item.dueNote.templateValue,
            "overdue": .flag(item.due.map { $0 < words.now } ?? false),
        ]
    }

    func recapValues(_ record: RecapRecord, words: MailWords) -> [String: TemplateValue] {
        let r = record.recap
        var v: [String: TemplateValue] = [
            "sentAt": words.time(r.sentAt),
            "author": r.author.templateValue,
            "authorName": r.author.flatMap { organization.staffNames[$0] }.templateValue,
            "counterparty": .text(r.counterparty.joined(separator: ", ")),
            "windowCloses": words.time(r.windowCloses),
            "windowNote": r.windowNote.templateValue,
            "nextContact": words.time(r.nextContact),
            "nextContactNote": r.nextContactNote.templateValue,
            "state": .text(words.recapState(record.state)),
            "items": .list(r.items.map { itemValues($0, words: words) }),
            "hasItems": .flag(!r.items.isEmpty),
        ]
        switch record.state {
        case .pending:
            v["pending"] = true
        case .confirmed(let at):
            v["confirmed"] = true
            v["stateAt"] = .text(words.time(at))
        case .disputed(let at, let items):
            v["disputed"] = true
            v["stateAt"] = .text(words.time(at))
            v["objectedItems"] = .text(words.numbers(items))
            v["hasObjectedItems"] = .flag(!items.isEmpty)
        }
        return v
    }
}

/// Liaison's own Message-IDs (semantics.md "Threads and cases": "a message ID the gateway itself
/// generated"): `liaison.CASE.UNIQUE@domain`, read back by `CaseMatcher.caseNumber(inLiaisonMessageID:)`.
/// Case-less mail uses a word instead of the case (`liaison.digest.…`), which is never a case number.
public enum LiaisonMessageID {
    /// Without angle brackets: `liaison.EC20261116-001.r42.<16 hex>@domain` (the `rN.` part only
    /// with a reminder id), or `liaison.<tag or notice>.<16 hex>@domain` without a case.
    /// A notice about an item names its kind and item after the case, for people reading it:
    /// `liaison.EC20261116-001.item-due.item1.r42.<16 hex>@domain`. Which item a reply refers to
    /// is decided by the outbox row of the ID (`Notice.item`), never by parsing it.
    public static func make<R: RandomNumberGenerator>(caseNumber: String?, tag: String? = nil, reminderID: Int64?,
                                                      kind: ReminderKind? = nil, item: Int? = nil,
                                                      domain: String, using rng: inout R) -> String {
        var hex = ""
        for _ in 0..<8 { hex += String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }
        let head = caseNumber ?? tag ?? "notice"
        let about = caseNumber == nil ? "" : (kind.map { "\($0.rawValue)." } ?? "") + (item.map { "item\($0)." } ?? "")
        return "liaison.\(head).\(about)\(reminderID.map { "r\($0)." } ?? "")\(hex)@\(domain)"
    }

    /// A stored Message-ID without its angle brackets, or nil when it is not printable ASCII
    /// without white space (RFC 5322 §3.6.4): such a parent is not threaded on, rather than failing.
    static func bare(_ id: String) -> String? {
        var s = Substring(id.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        guard !s.isEmpty, s.utf8.count <= 900,
              s.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else { return nil }
        return String(s)
    }
}

extension Organization {
    /// The staff directory reversed: address → name (the first name in order when two share one).
    var staffNames: [String: String] {
        var out: [String: String] = [:]
        for (name, address) in staff.sorted(by: { $0.key < $1.key }) where out[address.lowercased()] == nil {
            out[address.lowercased()] = name
        }
        return out
    }
}
