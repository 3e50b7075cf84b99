import Foundation
import Logging

/// The kind of fault a component is in: what failed, independent of the exact error text.
/// A fault is logged when it starts and when it clears, not on every retry.
public enum FaultKind: Sendable, Equatable, CustomStringConvertible {
    /// The IMAP server unreachable, slow, refusing the login, or failing mid-session.
    case mailbox
    /// The database: locked by another writer, the disk full, an I/O error.
    case store
    /// One message that cannot be filed (the error is tied to its UID); retried, and held as
    /// unprocessable after `[containment] max_filing_attempts` (see `ContainedIngest`).
    case message(uid: UInt32)
    /// SMTP (for the outbox sender).
    case smtp
    /// Anything else a component names.
    case other(String)

    public var description: String {
        switch self {
        case .mailbox: return "imap"
        case .store: return "database"
        case .message(let uid): return "message uid \(uid)"
        case .smtp: return "smtp"
        case .other(let s): return s
        }
    }
}

/// Tracks one component's current fault: logs ONCE when a fault starts (with its reason) and
/// once when it clears (with the number of attempts), counts consecutive failures for back-off,
/// and gives the text for STATUS. Thread-safe.
public final class FaultTracker: @unchecked Sendable {
    public struct Fault: Sendable, Equatable {
        public var kind: FaultKind
        public var reason: String
        public var attempts: Int
        public var since: Date
    }

    private let lock = NSLock()
    private var current: Fault?
    private let logger: Logger
    private let component: String

    public init(component: String, logger: Logger) {
        self.component = component
        self.logger = logger
    }

    /// The fault in progress, if any.
    public var fault: Fault? { lock.withLock { current } }

    /// Records a failure; returns the number of consecutive failures (1 for a new fault). Logs
    /// only when no fault was in progress or its kind changed.
    @discardableResult
    public func failed(_ kind: FaultKind, reason: String, at date: Date = Date()) -> Int {
        let (attempts, isNew, previous): (Int, Bool, Fault?) = lock.withLock {
            let previous = current
            if var f = current, f.kind == kind {
                f.attempts += 1
                f.reason = reason
                current = f
                return (f.attempts, false, previous)
            }
            current = Fault(kind: kind, reason: reason, attempts: (current?.attempts ?? 0) + 1, since: current?.since ?? date)
            return (current!.attempts, true, previous)
        }
        if isNew {
            var meta: Logger.Metadata = ["component": "\(component)", "fault": "\(kind)", "reason": "\(reason)"]
            if let previous { meta["previous"] = "\(previous.kind)" }
            logger.error("fault started; retrying with back-off", metadata: meta)
        }
        return attempts
    }

    /// Records success: logs once that the fault cleared, if there was one.
    public func succeeded() {
        let cleared: Fault? = lock.withLock {
            defer { current = nil }
            return current
        }
        if let cleared {
            logger.notice("fault cleared", metadata: [
                "component": "\(component)", "fault": "\(cleared.kind)", "attempts": "\(cleared.attempts)",
                "seconds": "\(Int(Date().timeIntervalSince(cleared.since)))",
            ])
        }
    }

    /// "imap: <reason> (retry 3)" for STATUS, nil when healthy.
    public var statusText: String? {
        guard let f = fault else { return nil }
        return "\(f.kind): \(f.reason)" + (f.attempts > 1 ? " (attempt \(f.attempts))" : "")
    }
}
