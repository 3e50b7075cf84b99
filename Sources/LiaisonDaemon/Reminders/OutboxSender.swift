import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTransport
import Logging

/// Renders the notices recorded by committed transactions (`renderNotice`, e.g.
/// `ReminderEngine.render`: templates are rendered here, never while the store's write lock is
/// held; a notice that cannot be rendered becomes a failed row with a `notice-failed` event and
/// an error in the log), then drains the outbox through a `MailSending` (architecture.md: "outbox ──send──▶ mark sent, or
/// dead-letter"). Each due row is sent once per attempt; an accepted mail is marked sent, a
/// transient failure (4xx, network, timeout) is retried by `RetryPolicy`, a permanent one (5xx,
/// or too old) is recorded on the case and its owner told through `failureNotice`.
///
/// At-least-once: a crash between the server's acceptance and `outboxSent` sends that one mail
/// again on restart (with the same Message-ID, so the recipient's client can tell). Nothing else
/// is ever sent twice, and nothing is dropped.
///
/// With a `claim` (several instances over PostgreSQL, issue 17) rows are claimed under a lease
/// (`OutboxLeasing`): only claimed rows are sent, each claim is renewed just before the mail
/// goes out (a row another instance took over is skipped), and the outcome is recorded only by
/// the claim's holder. A crashed sender's rows wait for their lease to run out, then another
/// instance sends them (at-least-once, as above).
public final class OutboxSender: @unchecked Sendable {
    private let store: any OutboxStore & CaseUpdates
    private let sender: any MailSending
    private let policy: RetryPolicy
    private let now: Now
    private let logger: Logger
    private let failureNotice: @Sendable (OutboxEntry, String, Date) -> FollowUp
    private let renderNotice: (@Sendable (PendingNotice) throws -> OutgoingMail)?
    /// This instance's claim on the rows it sends (nil: one instance, no leases).
    public let claim: OutboxClaim?
    private let metrics: ServiceMetrics
    private let lock = NSLock()
    private var random = SystemRandomNumberGenerator()

    /// `failureNotice(entry, reason, now)`: what to write when a mail fails for good (e.g. a
    /// rendered delivery-failed notice to the case owner); never called for a mail that is
    /// itself a delivery-failed notice, so failures cannot loop. `metrics`: each mail sent or
    /// failed for good (an unrenderable notice included) counted after its row was written, each
    /// failed SMTP attempt as an SMTP fault of its class.
    public init(store: any OutboxStore & CaseUpdates, sender: any MailSending, policy: RetryPolicy = RetryPolicy(),
                now: Now = .system, logger: Logger = Logger(label: "liaison.outbox"), metrics: ServiceMetrics = .off,
                failureNotice: @escaping @Sendable (OutboxEntry, String, Date) -> FollowUp = { _, _, _ in FollowUp() },
                renderNotice: (@Sendable (PendingNotice) throws -> OutgoingMail)? = nil, claim: OutboxClaim? = nil) {
        self.renderNotice = renderNotice
        self.claim = claim
        self.metrics = metrics
        self.store = store
        self.sender = sender
        self.policy = policy
        self.now = now
        self.logger = logger
        self.failureNotice = failureNotice
    }

    /// What one drain did.
    public struct Summary: Sendable, Equatable {
        public var sent = 0
        public var retrying = 0
        public var failed = 0
        /// Rows whose claim another instance had taken over before they were sent (not sent here).
        public var leftToOthers = 0
    }

    /// What one rendering step did.
    public struct Rendering: Sendable, Equatable {
        /// Notices rendered into mails (now ordinary pending rows).
        public var rendered = 0
        /// Notices that could not be rendered (failed rows with a `notice-failed` event).
        public var unrenderable = 0
    }

    /// Renders every recorded notice not yet rendered (see the type); `drain` does it first.
    /// Store errors are thrown.
    @discardableResult
    public func renderNotices() throws -> Rendering {
        var summary = Rendering()
        while true {
            let pending = try store.unrenderedNotices(limit: 50)
            if pending.isEmpty { break }
            guard let renderNotice else {
                logger.warning("notices wait to be rendered but this sender has no renderer", metadata: ["count": "\(pending.count)"])
                break
            }
            for notice in pending {
                do {
                    let mail = try renderNotice(notice)
                    guard mail.messageID == notice.planned.messageID else {
                        throw MailRenderError.build(.invalidMessageID(notice.planned.messageID))
                    }
                    try store.noticeRendered(id: notice.id, mail: mail)
                    summary.rendered += 1
                } catch where !StoreFaults.isUnavailable(error) {
                    let n = notice.planned.notice
                    logger.error("notice not rendered", metadata: ["outbox": "\(notice.id)", "kind": "\(n.kind.rawValue)",
                                                                   "case": "\(n.caseNumber ?? "-")", "reason": "\(error)"])
                    try store.noticeUnrenderable(id: notice.id, at: now(), error: "\(error)")
                    summary.unrenderable += 1
                    metrics.mailFailed()
                }
            }
        }
        return summary
    }

    /// Sends every row due at `now`, in batches, until none is due. Store errors are thrown
    /// (the caller backs off); send failures are recorded per row.
    @discardableResult
    public func drain(now: Date) throws -> Summary {
        var summary = Summary()
        var seen = Set<Int64>()
        while true {
            // Each round renders first: a failure notice recorded by the last round is sent in this drain too.
            try renderNotices()
            // Claimed ten at a time: a claim's lease runs from here, so a batch must be sent within it.
            let due = try store.claimDueOutbox(now: now, limit: claim == nil ? 50 : 10, claim: claim).filter { !seen.contains($0.id) }
            if due.isEmpty { break }
            for entry in due {
                seen.insert(entry.id)
                try send(entry, summary: &summary)
            }
        }
        return summary
    }

    /// Sends the one pending row of `messageID` now (`liaison recap` sends only its recap), and
    /// nothing else; returns the row as it then stands (nil: no such row).
    @discardableResult
    public func send(messageID: String) throws -> OutboxEntry? {
        guard try store.outboxEntry(messageID: messageID) != nil else { return nil }
        if let entry = try store.claimOutboxEntry(messageID: messageID, claim: claim) {
            var summary = Summary()
            try send(entry, summary: &summary)
        }
        return try store.outboxEntry(messageID: messageID)
    }

    /// The earliest time a pending row wants an attempt.
    public func nextAttempt() throws -> Date? { try store.nextOutboxAttempt() }

    private func send(_ entry: OutboxEntry, summary: inout Summary) throws {
        let m = entry.mail
        guard try store.renewOutboxClaim(id: entry.id, claim: claim) else {
            summary.leftToOthers += 1
            logger.notice("mail left to another instance (its claim on the row ran out and was taken over)",
                          metadata: ["outbox": "\(entry.id)", "case": "\(m.caseNumber ?? "-")"])
            return
        }
        let result = sender.send(envelopeFrom: m.envelopeFrom, recipients: m.recipients, message: m.raw)
        let at = now()
        let meta: Logger.Metadata = ["outbox": "\(entry.id)", "purpose": "\(m.purpose)", "case": "\(m.caseNumber ?? "-")",
                                     "attempt": "\(entry.attempts + 1)"]
        switch result {
        case .accepted(let recipients):
            if !(try store.outboxSent(id: entry.id, at: at, claim: claim)) {
                logger.warning("mail sent, but another instance had taken the row over meanwhile: it may be sent twice",
                               metadata: meta)
            }
            summary.sent += 1
            metrics.mailSent()
            let refused = recipients.filter { $0.outcome != .accepted }
            if !refused.isEmpty { metrics.smtpFault(.recipientRefused) }
            logger.info("mail sent", metadata: meta.merging(["refused": "\(refused.count)"]) { $1 })
            if !refused.isEmpty, let n = m.caseNumber {
                // Part of the recipients refused for good: the mail went, but the case says who missed it.
                let who = refused.map(\.address).joined(separator: ", ")
                try store.update(now: at) { _ in
                    FollowUp(events: [CaseEvent(caseNumber: n, at: at, kind: CaseEvent.Kind.deliveryFailed,
                                                detail: "\(m.purpose) \(m.messageID) not delivered to \(who)")])
                }
            }
        case .transient(let reason, _):
            metrics.smtpFault(.transient)
            let unit = Double(lock.withLock { random.next() } >> 11) / Double(1 << 53)
            if let retry = policy.retryAt(now: at, createdAt: entry.createdAt, attempts: entry.attempts + 1, unit: unit) {
                _ = try store.outboxFailed(id: entry.id, at: at, error: reason, retryAt: retry, followUp: FollowUp(), claim: claim)
                summary.retrying += 1
                logger.warning("mail deferred", metadata: meta.merging(["retry_at": "\(retry)", "reason": "\(reason)"]) { $1 })
            } else {
                try fail(entry, reason: "gave up after \(entry.attempts + 1) attempts: \(reason)", at: at, meta: meta)
                summary.failed += 1
            }
        case .permanent(let reason, _):
            metrics.smtpFault(.permanent)
            try fail(entry, reason: reason, at: at, meta: meta)
            summary.failed += 1
        }
    }

    private func fail(_ entry: OutboxEntry, reason: String, at: Date, meta: Logger.Metadata) throws {
        let notice = entry.mail.purpose == .notice(.deliveryFailed) ? FollowUp() : failureNotice(entry, reason, at)
        guard try store.outboxFailed(id: entry.id, at: at, error: reason, retryAt: nil, followUp: notice, claim: claim) else {
            logger.warning("mail failed, but another instance had taken the row over meanwhile: left to it", metadata: meta)
            return
        }
        metrics.mailFailed()
        logger.error("mail failed permanently", metadata: meta.merging(["reason": "\(reason)"]) { $1 })
    }
}
