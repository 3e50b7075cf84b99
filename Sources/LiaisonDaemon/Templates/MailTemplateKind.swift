import LiaisonCore

/// The mails Liaison writes, one template file per kind and locale: every `ReminderKind`, and
/// `call-recap`, the recap staff send with `liaison recap`, and `sign-in`, the web console's
/// one-time sign-in link (LiaisonWeb).
public enum MailTemplateKind: String, Sendable, CaseIterable, Hashable {
    case itemDue = "item-due"
    case itemOverdue = "item-overdue"
    case nextContact = "next-contact"
    case complaintResponse = "complaint-response"
    case complaintSolution = "complaint-solution"
    case recapWindow = "recap-window"
    case recapDisputed = "recap-disputed"
    case satisfaction = "satisfaction"
    case filingCheck = "filing-check"
    case digest = "digest"
    case weeklyCheck = "weekly-check"
    case deliveryFailed = "delivery-failed"
    case objectionIgnored = "objection-ignored"
    case rateLimited = "rate-limited"
    case confirmation = "confirmation"
    case callRecap = "call-recap"
    case signIn = "sign-in"

    /// The template of a reminder's notice.
    public init(_ kind: ReminderKind) {
        // Every ReminderKind has a template of the same name (checked by the tests).
        self = MailTemplateKind(rawValue: kind.rawValue)!
    }

    /// `item-due.zh-Hant.mustache`.
    public func fileName(_ locale: MailLocale) -> String { "\(rawValue).\(locale.rawValue).mustache" }

    /// Every name a template may use (top level or inside a section), for the load-time check
    /// that catches a misspelt `{{caseNumbr}}`. Templates/README.md lists which kind gets which.
    public static let knownNames: Set<String> = [
        // every mail
        "kind", "locale", "organization", "now", "zone", "caseNumber", "caseSubject",
        // notices
        "counterparty", "caseOwner", "caseOwnerName", "recipient", "recipientName", "late", "lateNote", "due",
        "detail", "item", "recap", "lines", "caseCount", "itemCount", "today",
        // call-recap
        "author", "authorName", "salutation", "items", "hasItems", "window", "nextContact",
        // inside item / recap / lines / author records
        "number", "marker", "owner", "department", "ownerFull", "ownerAddress", "task", "dueNote", "overdue", "last",
        "sentAt", "windowCloses", "windowNote", "nextContactNote", "state", "pending", "confirmed", "disputed",
        "stateAt", "objectedItems", "hasObjectedItems", "subject", "status", "statusWord", "name", "address",
        // weekly-check lines
        "reason",
        // digest lines; confirmation
        "doneToday", "changes", "refusals", "hasChanges", "hasRefusals", "text",
        // sign-in
        "link", "validMinutes", "expiresAt",
    ]
}
