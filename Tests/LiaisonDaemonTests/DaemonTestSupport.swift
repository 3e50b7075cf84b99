import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import LiaisonTransport
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Log lines captured through `JournalLogHandler` (plain form), for asserting what is printed.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }

    func logger(_ label: String = "test", level: Logger.Level = .debug) -> Logger {
        Logger(label: label) { label in
            JournalLogHandler(label: label, journal: false, logLevel: level) { [self] line in lock.withLock { stored.append(line) } }
        }
    }

    func count(_ fragment: String) -> Int { lines.filter { $0.contains(fragment) }.count }
}

/// A fresh SQLite store in a temporary folder.
func temporaryStore() throws -> SQLiteStore {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-daemon-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return try SQLiteStore(path: dir.appendingPathComponent("liaison.db").path)
}

/// An IDLE stand-in: `waitForChange` blocks until `fire()`, `interrupt()` or the timeout.
final class FakeWatcher: MailboxWatching, @unchecked Sendable {
    private let condition = NSCondition()
    private var fired = false
    private var interrupted = false
    private var unsupported: Bool
    private(set) var waits = 0
    private(set) var timeouts: [Double] = []

    init(unsupported: Bool = false) { self.unsupported = unsupported }

    func waitForChange(timeout: Double) throws -> Bool {
        condition.lock()
        defer { condition.unlock() }
        waits += 1
        timeouts.append(timeout)
        if unsupported { throw MailboxWatchError.unsupported }
        let deadline = Date().addingTimeInterval(timeout)
        while !fired && !interrupted {
            if !condition.wait(until: deadline) { return false }
        }
        if fired { fired = false; return true }
        interrupted = false
        return false
    }

    func interrupt() {
        condition.lock()
        interrupted = true
        condition.broadcast()
        condition.unlock()
    }

    func fire() {
        condition.lock()
        fired = true
        condition.broadcast()
        condition.unlock()
    }

    var waitCount: Int { condition.lock(); defer { condition.unlock() }; return waits }
}

/// Waits (polling) until `condition` holds or `seconds` pass; returns whether it held.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
