import CoreMetrics
import Foundation
import LiaisonCore
import LiaisonTransport

/// The daemon's figures for operators (issue 19, part 5), counted through swift-metrics' API
/// where the events happen: the poller (fetched, last successful poll, IMAP faults), the one
/// filing path `IngestPipeline.file` and containment's holds (filed, held, duplicates, filing
/// latency), the scheduler (reminders fired, late, pending), the outbox sender (sent, failed,
/// pending, SMTP faults). `liaison serve` bootstraps the metrics system with swift-prometheus
/// (`OperatorEndpoints.bootstrap`) and passes one instance to every part; tests make one over a
/// registry of their own (`ServiceMetrics(factory:)`), and parts given none count into `off`.
///
/// Every series is created here, up front, with every label value it can carry, so a scrape
/// shows them all (at zero) from the start and nothing outside this file can mint a new one.
/// Labels are small fixed sets (`HoldReason`, `IMAPFaultKind`, `SMTPFaultKind`): never an
/// address, a subject, a case number or an error text. The names are listed in `Name` and in
/// docs/architecture.md ("Metrics").
public final class ServiceMetrics: Sendable {
    /// The series' names (Prometheus counters end in `_total`).
    public enum Name {
        public static let messagesFetched = "liaison_messages_fetched_total"
        public static let messagesFiled = "liaison_messages_filed_total"
        public static let messagesHeld = "liaison_messages_held_total"
        public static let messagesDuplicate = "liaison_messages_duplicate_total"
        public static let filingDuration = "liaison_filing_duration_seconds"
        public static let remindersPending = "liaison_reminders_pending"
        public static let remindersFired = "liaison_reminders_fired_total"
        public static let remindersLate = "liaison_reminders_late_total"
        public static let outboxPending = "liaison_outbox_pending"
        public static let outboxSent = "liaison_outbox_sent_total"
        public static let outboxFailed = "liaison_outbox_failed_total"
        public static let imapFaults = "liaison_imap_faults_total"
        public static let smtpFaults = "liaison_smtp_faults_total"
        public static let lastPoll = "liaison_last_successful_poll_timestamp_seconds"

        /// Every series, for tests and docs.
        public static let all = [
            messagesFetched, messagesFiled, messagesHeld, messagesDuplicate, filingDuration, remindersPending,
            remindersFired, remindersLate, outboxPending, outboxSent, outboxFailed, imapFaults, smtpFaults, lastPoll,
        ]
    }

    /// The filing latency histogram's upper bounds: a filing is one SQLite transaction after a
    /// parse (milliseconds on this machine, docs/benchmarks.md); the top buckets catch a store
    /// that waits on a lock (busy timeout 10 s) and readings near their 5 s budget.
    public static let filingBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    let fetched: Counter
    let filed: Counter
    let duplicates: Counter
    let held: [HoldReason: Counter]
    let filingDuration: CoreMetrics.Timer
    let remindersPending: Gauge
    let remindersFired: Counter
    let remindersLate: Counter
    let outboxPending: Gauge
    let outboxSent: Counter
    let outboxFailed: Counter
    let imapFaults: [IMAPFaultKind: Counter]
    let smtpFaults: [SMTPFaultKind: Counter]
    let lastPoll: Gauge

    /// Every series made through `factory` (the bootstrapped system's by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        fetched = Counter(label: Name.messagesFetched, factory: factory)
        filed = Counter(label: Name.messagesFiled, factory: factory)
        duplicates = Counter(label: Name.messagesDuplicate, factory: factory)
        held = Dictionary(uniqueKeysWithValues: HoldReason.allReasons.map {
            ($0, Counter(label: Name.messagesHeld, dimensions: [("reason", $0.metricLabel)], factory: factory))
        })
        filingDuration = CoreMetrics.Timer(label: Name.filingDuration, preferredDisplayUnit: .seconds, factory: factory)
        remindersPending = Gauge(label: Name.remindersPending, factory: factory)
        remindersFired = Counter(label: Name.remindersFired, factory: factory)
        remindersLate = Counter(label: Name.remindersLate, factory: factory)
        outboxPending = Gauge(label: Name.outboxPending, factory: factory)
        outboxSent = Counter(label: Name.outboxSent, factory: factory)
        outboxFailed = Counter(label: Name.outboxFailed, factory: factory)
        imapFaults = Dictionary(uniqueKeysWithValues: IMAPFaultKind.allCases.map {
            ($0, Counter(label: Name.imapFaults, dimensions: [("kind", $0.rawValue)], factory: factory))
        })
        smtpFaults = Dictionary(uniqueKeysWithValues: SMTPFaultKind.allCases.map {
            ($0, Counter(label: Name.smtpFaults, dimensions: [("kind", $0.rawValue)], factory: factory))
        })
        lastPoll = Gauge(label: Name.lastPoll, factory: factory)
    }

    /// Counts nothing: for parts built without metrics (CLI commands, tests that do not look).
    public static let off = ServiceMetrics(factory: NOOPMetricsHandler.instance)

    // MARK: events

    /// One message fetched from the mailbox (its bytes read, before filing).
    func messageFetched() { fetched.increment() }

    /// What one filing or hold ended in; `elapsed`: reading and filing, for a message filed.
    func messageOutcome(_ result: IngestResult, elapsed: Duration?) {
        switch result {
        case .filed:
            filed.increment()
            if let elapsed { filingDuration.recordNanoseconds(Self.nanoseconds(elapsed)) }
        case .held(_, let reason):
            held[reason]?.increment()
        case .duplicate:
            duplicates.increment()
        }
    }

    /// A reminder fired; `late`: more than `ReminderEngine.lateAfter` after its time.
    func reminderFired(late: Bool) {
        remindersFired.increment()
        if late { remindersLate.increment() }
    }

    func remindersPending(_ n: Int) { remindersPending.record(n) }
    func outboxPending(_ n: Int) { outboxPending.record(n) }
    func mailSent() { outboxSent.increment() }
    /// A mail (or a notice that could not be rendered) failed for good.
    func mailFailed() { outboxFailed.increment() }
    func imapFault(_ kind: IMAPFaultKind) { imapFaults[kind]?.increment() }
    func smtpFault(_ kind: SMTPFaultKind) { smtpFaults[kind]?.increment() }
    /// A poll pass ended without a fault at `at` (wall time).
    func polled(at: Date) { lastPoll.record(at.timeIntervalSince1970) }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        let (product, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ atto / 1_000_000_000
    }
}

/// Why an IMAP step failed, as a label value (`liaison_imap_faults_total{kind}`).
public enum IMAPFaultKind: String, Sendable, CaseIterable {
    /// Could not connect, or the connection broke (resolve, connect, send, receive).
    case network
    /// A timeout: libcurl's, or a command past `imap.command_timeout`.
    case timeout
    /// The server refused the login.
    case login
    /// The TLS handshake or the certificate failed.
    case tls
    /// An answer that could not be understood, or that broke a bound.
    case `protocol`
    /// The mailbox was recreated (UIDVALIDITY changed) while a pass ran.
    case uidvalidity
    /// Anything else.
    case other

    /// The kind of an error thrown by the mailbox or the IDLE watcher.
    public static func of(_ error: any Error) -> IMAPFaultKind {
        switch error {
        case let e as CurlError:
            if e.isTimeout { return .timeout }
            if e.isLoginDenied { return .login }
            if e.isTLSFailure { return .tls }
            if e.isNetwork { return .network }
            return .other
        case let e as MailboxError:
            switch e {
            case .commandTimeout: return .timeout
            case .protocolViolation, .boundExceeded, .noSuchMessage: return .protocol
            case .uidValidityChanged: return .uidvalidity
            case .invalidFolderName: return .other
            }
        case is IMAPParseError: return .protocol
        default: return .other
        }
    }
}

/// How an SMTP attempt failed, as a label value (`liaison_smtp_faults_total{kind}`): the
/// outcome classes of `SendResult`, which carries no finer type.
public enum SMTPFaultKind: String, Sendable, CaseIterable {
    /// Nothing accepted; retried (a 4xx reply, the network, a timeout).
    case transient
    /// Nothing accepted, for good (a 5xx reply, an unusable address).
    case permanent
    /// The mail went, but some recipients were refused for good.
    case recipientRefused = "recipient_refused"
}

extension HoldReason {
    /// Every reason, in a fixed order (the enum is not `CaseIterable`: it lives in LiaisonCore).
    static let allReasons: [HoldReason] = [
        .unknownCaseTag, .unauthenticatedInternalSender, .noStaffRecipient, .noThread, .unprocessable, .rateLimited,
    ]

    /// The reason as a Prometheus label value.
    var metricLabel: String {
        switch self {
        case .unknownCaseTag: return "unknown_case_tag"
        case .unauthenticatedInternalSender: return "unauthenticated_internal_sender"
        case .noStaffRecipient: return "no_staff_recipient"
        case .noThread: return "no_thread"
        case .unprocessable: return "unprocessable"
        case .rateLimited: return "rate_limited"
        }
    }
}
