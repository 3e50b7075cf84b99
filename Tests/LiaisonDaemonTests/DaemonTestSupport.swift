import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import LiaisonTransport
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket.
final class NotifySocket: @unchecked Sendable {
    let fd: Int32
    /// What to put in NOTIFY_SOCKET: a path, or `@name` for the abstract namespace.
    let address: String
    private let path: String?

    init(abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let name = "liaison-notify-\(getpid())-\(UUID().uuidString.prefix(8))"
        var bytes: [UInt8]
        if abstract {
            address = "@" + name
            path = nil
            bytes = [0] + Array(name.utf8)
        } else {
            let p = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
            address = p
            path = p
            bytes = Array(p.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard r == 0 else { throw TestFailure("bind \(address): \(errno)") }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Datagrams received within `seconds` (stops early once `until` holds for what arrived).
    /// Waits on a thread of its own (a private Dispatch queue, not a global one: on Linux those
    /// are as narrow as the cooperative pool): blocking either would starve the daemon under test.
    func receive(for seconds: Double, until: @escaping @Sendable ([String]) -> Bool = { _ in false }) async -> [String] {
        await withCheckedContinuation { c in
            DispatchQueue(label: "liaison.test.notify").async { c.resume(returning: self.receiveBlocking(for: seconds, until: until)) }
        }
    }

    private func receiveBlocking(for seconds: Double, until: ([String]) -> Bool) -> [String] {
        var got: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                got.append(String(decoding: buffer[0..<n], as: UTF8.self))
                if until(got) { break }
            }
        }
        return got
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

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

/// The shared corpus and its organisation.
enum Corpus {
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["LIAISON_CORPUS"] { return URL(fileURLWithPath: env) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }
    static var files: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { directory.appendingPathComponent($0) }
    }
    static func bytes(_ url: URL) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: url.path) ?? Data()) }
    static func organization() throws -> Organization {
        try LiaisonConfig.load(path: directory.appendingPathComponent("liaison.toml").path).organization()
    }
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
