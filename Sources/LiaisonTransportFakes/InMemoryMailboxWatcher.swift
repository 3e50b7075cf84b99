import Foundation
import LiaisonTransport

/// A `MailboxWatching` in memory for tests of code that waits for mail: `notifyChange()` plays
/// the server's `* n EXISTS` (kept until a wait takes it, as a server keeps notifications for
/// the next IDLE), `interrupt()` behaves as `IMAPIdleWatcher`'s (kept when no wait runs), and
/// `unsupported` plays a server without IDLE.
public final class InMemoryMailboxWatcher: MailboxWatching, @unchecked Sendable {
    private let condition = NSCondition()
    private var changes = 0
    private var interrupts = 0
    private var failures: [Error] = []
    /// When true, every wait throws `MailboxWatchError.unsupported`.
    public let unsupported: Bool
    /// How many waits have started.
    public private(set) var waits = 0

    public init(unsupported: Bool = false) { self.unsupported = unsupported }

    /// A change to the mailbox: the wait in progress (or the next one) returns true.
    public func notifyChange() {
        condition.lock()
        changes += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next waits throw these errors, in order, before working again.
    public func failNextWaits(with errors: [Error]) {
        condition.lock()
        failures += errors
        condition.unlock()
    }

    public func waitForChange(timeout: Double) throws -> Bool {
        condition.lock()
        defer { condition.unlock() }
        waits += 1
        if unsupported { throw MailboxWatchError.unsupported }
        if !failures.isEmpty { throw failures.removeFirst() }
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while true {
            if interrupts > 0 {
                interrupts = 0
                return false
            }
            if changes > 0 {
                changes = 0
                return true
            }
            if !condition.wait(until: deadline) { return false }
        }
    }

    public func interrupt() {
        condition.lock()
        interrupts += 1
        condition.broadcast()
        condition.unlock()
    }
}
