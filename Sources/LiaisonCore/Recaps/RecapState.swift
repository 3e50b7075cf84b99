import Foundation

/// The life of a recap (semantics.md "Replies to a recap"): `pending` until its objection window
/// closes; an objection inside the window makes it `disputed`; a window that closes without one
/// makes it `confirmed` (默认确认). Both end states are final. Pure: the caller says what happened
/// and when; persistence is the store's.
public enum RecapState: Sendable, Equatable {
    case pending
    /// Confirmed when the window closed (`at` is the window's close).
    case confirmed(at: Date)
    /// Disputed by an objection received `at`, naming `objectedItems` (empty: the whole recap).
    case disputed(at: Date, objectedItems: [Int])

    /// One change of state, to be recorded on the case with its instant.
    public struct Transition: Sendable, Equatable {
        public var from: RecapState
        public var to: RecapState
        public var at: Date
    }

    /// The state after an objection received at `at`, for a window closing at `deadline` (nil:
    /// unreadable — then any objection disputes, and the recap is never confirmed by silence).
    /// An objection after the window's close does not dispute: the recap was confirmed at the close.
    public func objection(at: Date, items: [Int], deadline: Date?) -> (RecapState, Transition?) {
        guard case .pending = self else { return (self, nil) }
        if let deadline, at > deadline { return windowCheck(now: at, deadline: deadline) }
        let next = RecapState.disputed(at: at, objectedItems: Array(Set(items)).sorted())
        return (next, Transition(from: self, to: next, at: at))
    }

    /// The state at `now`: a pending recap whose window has closed is confirmed at the close.
    public func windowCheck(now: Date, deadline: Date?) -> (RecapState, Transition?) {
        guard case .pending = self, let deadline, now > deadline else { return (self, nil) }
        let next = RecapState.confirmed(at: deadline)
        return (next, Transition(from: self, to: next, at: deadline))
    }

    /// `pending`, `confirmed` or `disputed`, for storage and display.
    public var name: String {
        switch self {
        case .pending: return "pending"
        case .confirmed: return "confirmed"
        case .disputed: return "disputed"
        }
    }
}
