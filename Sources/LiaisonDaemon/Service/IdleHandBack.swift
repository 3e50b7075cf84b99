import CHandBack
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// When to give memory back: once the service has gone quiet after start-up, and again when
/// work (a backlog drained, a busy console) left it larger than it is at rest. A value: fed
/// samples of process CPU time and resident size, it answers whether to act now. The supervisor
/// feeds it once a tick (a second).
///
/// Windows of `quietWindow`: one with at most `quietCPU` of CPU is quiet, one with more than
/// `workCPU` is work (a poll, a timer or one message filed is neither). At the end of a quiet
/// window: the first one after start-up hands back (start-up touched code the idle service never
/// runs again). After a hand-back, until work comes, what the quiet service holds is its size at
/// rest — the highest seen, so its own periodic work and a trickle of mail never trigger a
/// hand-back. After work, a quiet window that finds the service `growth` above that size hands
/// back again, but not sooner than `spacing` after the last: a busy day costs at most one round of
/// page faults per `spacing`.
public struct IdleMemoryPolicy: Sendable, Equatable {
    public var quietWindow: Duration
    public var quietCPU: Duration
    public var workCPU: Duration
    /// Growth (bytes) over the size at rest that makes another hand-back worth doing.
    public var growth: Int
    /// The least time between two hand-backs.
    public var spacing: Duration

    /// Where the current window began: monotonic instant and process CPU time.
    private var windowAt: Duration?
    private var windowCPU: Duration = .zero
    /// When the last hand-back was (nil: none yet).
    private var lastHandBack: Duration?
    /// The resident size at rest (nil until the first quiet window after a hand-back).
    private var atRest: Int?
    /// A window of work was seen since the last hand-back.
    private var worked = false

    public init(quietWindow: Duration = .seconds(3), quietCPU: Duration = .milliseconds(15),
                workCPU: Duration = .milliseconds(150), growth: Int = 2 << 20, spacing: Duration = .seconds(300)) {
        self.quietWindow = quietWindow
        self.quietCPU = quietCPU
        self.workCPU = workCPU
        self.growth = growth
        self.spacing = spacing
    }

    /// One sample: `at` on a monotonic clock, `cpu` the process's CPU time so far, `resident` its
    /// resident bytes now. True: hand back now.
    public mutating func sample(at: Duration, cpu: Duration, resident: Int) -> Bool {
        guard let start = windowAt, cpu >= windowCPU, at >= start else {
            windowAt = at
            windowCPU = cpu
            return false
        }
        let used = cpu - windowCPU
        if used > quietCPU {
            // Not quiet: a new window starts (counted as work when it used that much).
            if used > workCPU && lastHandBack != nil { worked = true }
            windowAt = at
            windowCPU = cpu
            return false
        }
        guard at - start >= quietWindow else { return false }
        windowAt = at
        windowCPU = cpu
        guard let last = lastHandBack, last <= at else {
            lastHandBack = at
            return true
        }
        guard let rest = atRest else {
            atRest = resident
            return false
        }
        guard worked else {
            atRest = max(rest, resident)
            return false
        }
        guard resident - rest >= growth, at - last >= spacing else { return false }
        atRest = nil
        worked = false
        lastHandBack = at
        return true
    }
}

/// Gives back what a quiet `liaison serve` holds but does not use (issue 16: memory at rest):
///
/// - the allocator's free pages (`malloc_trim`);
/// - the read-only pages of the binary and of the libraries it loaded (code, constants) that only
///   this process maps: start-up, a backlog's drain and the console touched far more code than
///   an idle service runs, and the kernel maps 16 neighbours of every page it faults in
///   (fault-around), so they stay resident otherwise. `madvise(MADV_DONTNEED)` drops them from
///   this process's page tables (segments that were never writable hold the file's pages
///   unchanged, so nothing is lost; an object with text relocations is skipped), `MADV_RANDOM`
///   keeps the next faults from reading their neighbours in, and the binary's own file pages
///   nobody maps any more leave the page cache (`POSIX_FADV_DONTNEED`) so fault-around cannot
///   map them back. None of this needs to own the binary (the unit runs as a dynamic user).
///
/// What the service needs next comes back from the page cache or the disk on first touch: the
/// first message after a quiet spell pays those page faults (docs/benchmarks.md has the cost).
/// Writable pages (data, the heap, stacks) are never touched: without swap they cannot be
/// paged out, and they are the service's state. A debugger's or uprobe's breakpoints in the
/// code are dropped with the page (attach after the service went quiet, or expect to set them
/// again).
public final class IdleHandBack: Sendable {
    private let policy: Mutex<IdleMemoryPolicy>
    private let logger: Logger
    private let disabled = Atomic<Bool>(false)

    public init(policy: IdleMemoryPolicy = IdleMemoryPolicy(), logger: Logger = Logger(label: "liaison.memory")) {
        self.policy = Mutex(policy)
        self.logger = logger
    }

    /// Called once a tick by the supervisor: samples, and hands back when the policy says so.
    public func tick() {
        guard !disabled.load(ordering: .relaxed) else { return }
        let now = ContinuousClock.now - Self.origin
        let cpu = Self.processCPUTime()
        let before = Self.residentBytes()
        guard policy.withLock({ $0.sample(at: now, cpu: cpu, resident: before) }) else { return }
        let report = Self.handBack()
        let after = Self.residentBytes()
        if report.failures > 0 && report.pagedOut == 0 {
            // madvise refused every range (a seccomp filter, say): stop trying.
            disabled.store(true, ordering: .relaxed)
            logger.notice("idle: the kernel refused to drop pages on request; memory at rest stays as it is")
            return
        }
        logger.info("idle: pages given back", metadata: [
            "resident_before_kb": "\(before / 1024)", "resident_after_kb": "\(after / 1024)",
            "ranges": "\(report.pagedOut)", "range_kb": "\(report.bytes / 1024)",
        ])
    }

    private static let origin = ContinuousClock.now

    // MARK: the effect

    /// What one hand-back did: read-only ranges paged out, ranges the kernel refused, bytes asked for.
    public struct Report: Sendable, Equatable {
        public var pagedOut = 0
        public var failures = 0
        public var bytes = 0
    }

    /// Gives back now (see the type's comment; the work is in CHandBack). Any thread, any time.
    @discardableResult
    public static func handBack() -> Report {
        let r = liaison_hand_back()
        return Report(pagedOut: Int(r.paged_out), failures: Int(r.failures), bytes: Int(r.bytes))
    }

    // MARK: samples

    /// The process's CPU time so far (all threads).
    public static func processCPUTime() -> Duration {
        var ts = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 else { return .zero }
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    /// The process's resident bytes (the second field of /proc/self/statm, in pages); 0 if unreadable.
    public static func residentBytes() -> Int {
        #if os(Linux)
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return 0 }
        let fields = buffer[0..<n].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 0
        #endif
    }
}
