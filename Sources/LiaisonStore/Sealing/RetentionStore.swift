import Foundation
import LiaisonCore

/// Applying `[retention]` (issue 18), whatever the backend: which cases lose their messages'
/// bodies or go entirely is the pure `RetentionPolicy`; the store carries it out in one
/// transaction and then gives the freed bytes back to the file system (SQLite: `VACUUM`).
public protocol RetentionStore: Sendable {
    /// Removes (or, with `dryRun`, only counts) what `policy` says has expired at `now`.
    func applyRetention(_ policy: RetentionPolicy, clock: WallClock, now: Date, dryRun: Bool) throws -> RetentionReport
}

/// What a retention run removed, or would remove: per case, and held messages.
public struct RetentionReport: Sendable, Equatable, Codable {
    public struct CaseEntry: Sendable, Equatable, Codable {
        public enum Action: String, Sendable, Codable { case bodies, erase }
        public var number: String
        public var action: Action
        /// Filed messages whose bodies go (or that go with the case).
        public var messages: Int
        /// Sent or failed outbox mails whose bytes go (or that go with the case).
        public var outbox: Int

        public init(number: String, action: Action, messages: Int, outbox: Int) {
            self.number = number
            self.action = action
            self.messages = messages
            self.outbox = outbox
        }
    }

    public var cases: [CaseEntry]
    /// Held messages (no longer awaiting review) whose bodies go.
    public var held: Int
    public var dryRun: Bool

    public init(cases: [CaseEntry] = [], held: Int = 0, dryRun: Bool) {
        self.cases = cases
        self.held = held
        self.dryRun = dryRun
    }

    public var isEmpty: Bool { cases.isEmpty && held == 0 }

    /// One line per case and a total, as `liaison retention run` prints them.
    public var lines: [String] {
        let verb = dryRun ? "would remove" : "removed"
        var out = cases.map { c in
            switch c.action {
            case .bodies: "\(c.number): \(verb) the bodies of \(c.messages) message(s) and \(c.outbox) sent mail(s)"
            case .erase: "\(c.number): \(verb) the case with \(c.messages) message(s) and \(c.outbox) sent mail(s)"
            }
        }
        if held > 0 { out.append("held messages: \(verb) the bodies of \(held)") }
        let bodies = cases.filter { $0.action == .bodies }, erased = cases.filter { $0.action == .erase }
        out.append("\(dryRun ? "dry run: " : "")\(bodies.count) case(s) \(dryRun ? "would lose" : "lost") bodies "
                   + "(\(bodies.reduce(0) { $0 + $1.messages }) message(s)), \(erased.count) case(s) \(dryRun ? "would be " : "")erased, "
                   + "\(held) held message(s)")
        return out
    }
}
