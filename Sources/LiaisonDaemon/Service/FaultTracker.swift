import Foundation
import Logging
import Synchronization

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
/// and gives the text for STATUS. Thread-safe. `since` is a wall instant from the injected `Now`;
/// how long a fault lasted is measured on the monotonic clock.
public final class FaultTracker: Sendable {
    public struct Fault: Sendable, Equatable {
        public var kind: FaultKind
        public var reason: String
        public var attempts: Int
        public var since: Date
    }

    private struct State {
        var current: Fault?
        var started: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    private let logger: Logger
    private let component: String
    private let now: Now

    public init(component: String, logger: Logger, now: Now = .system) {
        self.component = component
        self.logger = logger
        self.now = now
    }

    /// The fault in progress, if any.
    public var fault: Fault? { state.withLock { $0.current } }

    /// Records a failure; returns the number of consecutive failures (1 for a new fault). Logs
    /// only when no fault was in progress or its kind changed.
    @discardableResult
    public func failed(_ kind: FaultKind, reason: String, at date: Date? = nil) -> Int {
        let date = date ?? now()
        let (attempts, isNew, previous): (Int, Bool, Fault?) = state.withLock { s in
            let previous = s.current
            if var f = s.current, f.kind == kind {
                f.attempts += 1
                f.reason = reason
                s.current = f
                return (f.attempts, false, previous)
            }
            if s.current == nil { s.started = .now }
            let f = Fault(kind: kind, reason: reason, attempts: (s.current?.attempts ?? 0) + 1, since: s.current?.since ?? date)
            s.current = f
            return (f.attempts, true, previous)
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
        let (cleared, started): (Fault?, ContinuousClock.Instant?) = state.withLock { s in
            defer { s.current = nil; s.started = nil }
            return (s.current, s.started)
        }
        if let cleared {
            let lasted = started.map { ContinuousClock.now - $0 }?.components.seconds ?? 0
            logger.notice("fault cleared", metadata: [
                "component": "\(component)", "fault": "\(cleared.kind)", "attempts": "\(cleared.attempts)",
                "seconds": "\(lasted)",
            ])
        }
    }

    /// "imap: <reason> (retry 3)" for STATUS, nil when healthy.
    public var statusText: String? {
        guard let f = fault else { return nil }
        return "\(f.kind): \(f.reason)" + (f.attempts > 1 ? " (attempt \(f.attempts))" : "")
    }
}
