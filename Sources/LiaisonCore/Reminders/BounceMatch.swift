import Foundation

/// Whether a delivery report (`MessageFacts.Bounce`) is about a mail Liaison really tried to
/// deliver, and whether it still calls for a "delivery failed" notice (issue 12: recap
/// Message-IDs are visible to customers, so anyone can write a bounce naming one).
///
/// A notice goes out only when all hold:
/// - the report's original Message-ID is an outbox row (a mail Liaison built);
/// - Liaison attempted it (sent, failed, or pending after at least one attempt);
/// - the failed recipient is one the mail was sent to;
/// - no delivery-failed notice was sent for that Message-ID before (one per sent mail, however
///   many bounces), the row is not already failed for good (its failure told the owner), and
///   the mail is not itself a delivery-failed notice (no loops).
/// Pure: the caller reads the outbox row and the ledger.
public enum BounceMatch {
    public enum Verdict: Sendable, Equatable {
        /// Record a `delivery-failed` event and tell the case owner.
        case notify(String)
        /// Record a `delivery-failed` event, no notice (told before, or a notice's own bounce).
        case record(String)
        /// Not a bounce of a mail Liaison sent: a `bounce-unmatched` event, nothing else.
        case ignore(String)
    }

    public static func judge(recipient: String?, status: String?, originalMessageID: String?, sent: OutboxEntry?,
                             alreadyNotified: Bool) -> Verdict {
        guard let id = originalMessageID else { return .ignore("bounce names no original Message-ID") }
        guard let sent else { return .ignore("bounce names \(id), which Liaison never sent") }
        guard sent.status != .pending || sent.attempts > 0 else {
            return .ignore("bounce names \(id), which Liaison has not tried to deliver yet")
        }
        guard let r = recipient?.lowercased(), sent.mail.recipients.contains(r) else {
            return .ignore("bounce for \(recipient ?? "no recipient") names \(id), which was not sent to that address")
        }
        let reason = "\(sent.mail.purpose) \(sent.mail.messageID) bounced for \(r)" + (status.map { " (status \($0))" } ?? "")
        if sent.mail.purpose == .notice(.deliveryFailed) { return .record(reason) }
        if alreadyNotified || sent.status == .failed { return .record(reason + "; its owner was told before") }
        return .notify(reason)
    }
}

extension CaseEventKind {
    /// A delivery report that matches no mail Liaison attempted (forged or misdirected).
    public static let bounceUnmatched = CaseEventKind(rawValue: "bounce-unmatched")
    /// Notices filing did not send because their recipient reached `RateCaps.noticesPerOwnerHour`.
    public static let noticeCapped = CaseEventKind(rawValue: "notice-capped")
}
