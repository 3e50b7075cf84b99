import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import LiaisonTransport
import Logging
import Testing

#if canImport(Glibc)
import Glibc
import LiaisonTestSupport
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
    return try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
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
        try? await LoopClock().sleep(for: .milliseconds(20))
    }
    return condition()
}

/// The daemon's async suites run beside the whole unit set in one parallel `swift test`, whose
/// cooperative pool (two threads here) is busy with long computations for minutes at a time.
/// This trait runs each of their tests on an executor of its own (`TestLoop.current`, a
/// `LoopExecutor`), as the daemon's loops run on theirs, and the tests' own waits (`eventually`)
/// are timed by `LoopClock`: nothing these tests wait for needs a pool thread.
struct OwnExecutorTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        let executor = LoopExecutor(label: "liaison.test.\(test.name)")
        try await TestLoop.$current.withValue(executor) {
            try await withTaskExecutorPreference(executor) { try await function() }
        }
    }
}

extension Trait where Self == OwnExecutorTrait {
    /// Each test on an executor of its own, not on the cooperative pool.
    static var ownExecutor: Self { OwnExecutorTrait() }
}

enum TestLoop {
    /// The executor of the running test (for the unstructured tasks it starts).
    @TaskLocal static var current: LoopExecutor?
}
