import Foundation
import ServiceLifecycle

/// One part of the running daemon (the poller, the scheduler, the outbox sender): a
/// swift-service-lifecycle `Service` whose `run()` loops until graceful shutdown, plus what
/// `Daemon` needs around it:
///
/// - `runOnce(now:)`: one pass and return, for `liaison serve --once` (throw on a fault: the
///   command exits non-zero with the error's description);
/// - `status()`: a fragment of the systemd `STATUS=` line, the current fault, and the progress
///   monitor the watchdog checks (nil: this component is not watched);
/// - `prepareReload(_:)`: validate the new configuration and return the change to apply, or
///   throw to keep the old one (SIGHUP). `Daemon` prepares every component first and commits only
///   when all succeeded, so a reload never half-applies.
///
/// `run()` must use `withGracefulShutdownHandler`/`cancelWhenGracefulShutdown` (or check
/// `Task.isShuttingDownGracefully`) and finish the unit of work in hand — the message being filed,
/// the mail being sent — before returning.
public protocol DaemonComponent: Service {
    /// A short name for logs and STATUS, e.g. "poller", "scheduler", "outbox".
    var name: String { get }
    /// One pass at `now`, then return (`--once`). Throws on a fault.
    func runOnce(now: Date) async throws
    /// What to show and watch; called about once a second from any thread: keep it cheap.
    func status() -> ComponentStatus
    /// Checks `config` and returns the change to apply (nil: nothing to change), or throws a
    /// `ConfigError` (or any error) naming why the new configuration cannot be used.
    func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit?
}

/// Applies a prepared configuration change; runs on the reload's thread, must not fail.
public typealias ReloadCommit = @Sendable () -> Void

extension DaemonComponent {
    public func status() -> ComponentStatus { ComponentStatus() }
    public func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? { nil }
}

/// A component's contribution to the daemon's status.
public struct ComponentStatus: Sendable {
    /// Fragments of the STATUS line in order, e.g. ["polled 12:00:05", "3 filed"] or ["outbox 0"].
    public var summary: [String]
    /// The fault in progress, e.g. "imap: connection refused (attempt 3)"; nil when healthy.
    public var fault: String?
    /// When set, the watchdog withholds its pings while this monitor reports a stall.
    public var progress: ProgressMonitor?

    public init(summary: [String] = [], fault: String? = nil, progress: ProgressMonitor? = nil) {
        self.summary = summary
        self.fault = fault
        self.progress = progress
    }
}
