import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The running service: a `ServiceGroup` of the daemon's components (poller, scheduler, outbox
/// sender…) plus a supervisor that speaks to systemd (sd_notify(3)):
///
/// - `READY=1` once every component has been started;
/// - `STATUS=…` whenever the line changes ("polled 12:00:05, 3 filed, outbox 0, last error …");
/// - `WATCHDOG=1` every half `WATCHDOG_USEC`, but only while no component's `ProgressMonitor`
///   reports a stall — a stuck poller stops the pings and systemd restarts the service;
/// - `STOPPING=1` as soon as graceful shutdown (SIGTERM or SIGINT) begins; components then finish
///   the unit of work in hand and return, in reverse order of the list;
/// - SIGHUP: `reload()` — `RELOADING=1`, re-read and validate the configuration, prepare every
///   component, commit all or none, `READY=1`; on an error the old configuration stays and the
///   reason is logged.
public final class Daemon: Sendable {
    /// Reads and validates the configuration file (for SIGHUP); throws with the reason.
    public typealias ConfigLoader = @Sendable () throws -> LiaisonConfig

    public let components: [any DaemonComponent]
    public let notifier: SystemdNotifier
    /// `/metrics` and `/healthz` for the console (issue 19): the figures and these components' health.
    public let operations: OperatorEndpoints
    private let logger: Logger
    private let loadConfig: ConfigLoader?
    private let statusInterval: Duration
    private let shutdownTimeout: Duration
    private let handleSignals: Bool
    /// Gives memory back when the service has gone quiet (nil: never; `liaison serve` passes one).
    private let idleHandBack: IdleHandBack?
    private let state = DaemonState()
    private let executor = LoopExecutor(label: "liaison.daemon.loop")

    /// `loadConfig` re-reads the file on SIGHUP (nil: SIGHUP is only logged). `handleSignals`
    /// installs the handlers for SIGTERM/SIGINT (graceful stop) and SIGHUP (reload); tests turn it
    /// off and call `shutdown()` and `reload()` instead. STATUS is recomputed every
    /// `statusInterval` and sent when it changed. A component still busy `shutdownTimeout` after
    /// SIGTERM is cancelled. `operations` (nil: a registry of its own) is told of `components`:
    /// its `health()` reports theirs. `idleHandBack` is asked once a status tick whether to give
    /// memory back.
    public init(components: [any DaemonComponent], notifier: SystemdNotifier = SystemdNotifier(),
                logger: Logger = Logger(label: "liaison.daemon"), loadConfig: ConfigLoader? = nil,
                statusInterval: Duration = .seconds(1), shutdownTimeout: Duration = .seconds(90),
                handleSignals: Bool = true, operations: OperatorEndpoints? = nil,
                idleHandBack: IdleHandBack? = nil) {
        self.components = components
        let operations = operations ?? OperatorEndpoints()
        operations.watch(components)
        self.operations = operations
        self.notifier = notifier
        self.logger = logger
        self.loadConfig = loadConfig
        self.statusInterval = statusInterval
        self.shutdownTimeout = shutdownTimeout
        self.handleSignals = handleSignals
        self.idleHandBack = idleHandBack
    }

    // MARK: running

    /// Runs until SIGTERM/SIGINT (or `shutdown()`), then returns when every component has stopped.
    public func run() async throws {
        let supervisor = Supervisor(daemon: self)
        let stopping = StoppingSentinel(notifier: notifier, logger: logger)
        // Started in order, stopped in reverse: the supervisor first (so it keeps the watchdog
        // and STATUS going while components finish), the sentinel last (so it is the first to
        // hear of shutdown and sends STOPPING=1 at once).
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        services.append(.init(service: supervisor, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        for c in components {
            services.append(.init(service: c, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: c.name))
        }
        services.append(.init(service: stopping, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        var config = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger)
        config.maximumGracefulShutdownDuration = shutdownTimeout
        let group = ServiceGroup(configuration: config)
        let stopAtOnce = state.setGroup(group)
        if stopAtOnce { await group.triggerGracefulShutdown() }
        logger.info("liaison starting", metadata: ["components": "\(components.map(\.name).joined(separator: ","))"])
        // The group, the supervisor and the sentinel run on an executor of their own (the
        // components' loops on theirs): the watchdog pings do not wait for the cooperative pool.
        try await withTaskExecutorPreference(executor) { try await group.run() }
        logger.info("liaison stopped")
    }

    /// Begins graceful shutdown as SIGTERM does (also when called before `run()` got going).
    public func shutdown() async {
        await state.requestShutdown()?.triggerGracefulShutdown()
    }

    /// Every component's once-pass in the order mail flows (`liaison serve --once`): the reverse
    /// of `components` (which is the start order: consumers first), so the poller polls and
    /// files, the scheduler fires what is due (the pass's filings included), and the outbox sends
    /// what the pass queued, before this returns. Each pass is given the instant `now` says as it
    /// starts (time runs on). The first fault is thrown.
    public func runOnce(now: Now = .system) async throws {
        for c in components.reversed() {
            do {
                try await c.runOnce(now: now())
            } catch {
                throw DaemonError(component: c.name, reason: "\(error)")
            }
        }
    }

    // MARK: status

    /// The STATUS line now: every component's fragments, then the most relevant fault.
    public func statusLine() -> String {
        var parts: [String] = []
        var faults: [String] = []
        // Last started first: the order mail flows (poller, scheduler, outbox), since parts start
        // in reverse of that so that whatever the poller files finds its consumers running.
        for c in components.reversed() {
            let s = c.status()
            parts += s.summary
            if let f = s.fault { faults.append(f) }
        }
        if !faults.isEmpty {
            parts.append("last error " + faults.joined(separator: "; "))
        } else if let reload = state.lastReloadError() {
            parts.append("reload refused: \(reload)")
        }
        return parts.joined(separator: ", ")
    }

    /// Names of components whose progress monitor reports a stall.
    public func stalledComponents() -> [String] {
        components.filter { $0.status().progress?.isStalled() == true }.map(\.name)
    }

    // MARK: reload

    /// What SIGHUP does: re-read and validate the file, prepare every component, then commit all.
    /// Returns false (and keeps the running configuration) when anything failed; the reason is logged.
    @discardableResult
    public func reload() -> Bool {
        guard let loadConfig else {
            logger.notice("SIGHUP: no configuration file to reload")
            return false
        }
        notifier.reloading()
        defer { notifier.ready() }
        let config: LiaisonConfig
        do {
            config = try loadConfig()
        } catch {
            state.setReloadError("\(error)")
            logger.error("reload refused; keeping the running configuration", metadata: ["reason": "\(error)"])
            return false
        }
        var commits: [ReloadCommit] = []
        for c in components {
            do {
                if let commit = try c.prepareReload(config) { commits.append(commit) }
            } catch {
                state.setReloadError("\(c.name): \(error)")
                logger.error("reload refused; keeping the running configuration",
                             metadata: ["component": "\(c.name)", "reason": "\(error)"])
                return false
            }
        }
        for commit in commits { commit() }
        state.setReloadError(nil)
        logger.notice("configuration reloaded", metadata: ["path": "\(config.path ?? "-")"])
        return true
    }

    // MARK: supervisor

    /// Sends READY=1, then STATUS on change and WATCHDOG=1 while nothing is stalled; listens for
    /// SIGHUP; gives memory back when the service has gone quiet (`IdleHandBack`).
    struct Supervisor: Service {
        let daemon: Daemon

        func run() async throws {
            let d = daemon
            let hup = d.handleSignals ? HangupListener { d.reload() } : nil
            defer { hup?.cancel() }
            d.notifier.ready()
            d.logger.info("ready")
            var lastStatus = ""
            var lastPing = ContinuousClock.now
            var stallLogged = false
            let ping = d.notifier.watchdogPingInterval
            let tick = min(d.statusInterval, ping ?? d.statusInterval)
            if ping != nil && d.stalledComponents().isEmpty { d.notifier.watchdog() }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let line = d.statusLine()
                if line != lastStatus {
                    d.notifier.status(line)
                    lastStatus = line
                }
                if let ping, ContinuousClock.now - lastPing >= ping {
                    let stalled = d.stalledComponents()
                    if stalled.isEmpty {
                        d.notifier.watchdog()
                        lastPing = .now
                        if stallLogged { d.logger.notice("progress resumed; watchdog pings resumed") }
                        stallLogged = false
                    } else if !stallLogged {
                        stallLogged = true
                        d.logger.critical("no progress; withholding watchdog pings so systemd restarts the service",
                                          metadata: ["stalled": "\(stalled.joined(separator: ","))"])
                    }
                }
                d.idleHandBack?.tick()
                // Shutdown reaches the supervisor last (after every component stopped): end at once.
                do { try await LoopClock().sleepUnlessShuttingDown(for: tick) } catch { break }
            }
        }
    }

    /// The last service of the group: the first told of shutdown, it sends STOPPING=1.
    struct StoppingSentinel: Service {
        let notifier: SystemdNotifier
        let logger: Logger

        func run() async throws {
            do {
                try await LoopClock().waitForGracefulShutdown()
                notifier.stopping()
                logger.info("stopping: finishing work in hand")
            } catch {
                notifier.stopping()
            }
        }
    }
}

/// `liaison serve --once` failed in one component.
public struct DaemonError: Error, CustomStringConvertible, Sendable {
    public var component: String
    public var reason: String
    public var description: String { "\(component): \(reason)" }
}

/// Mutable bits of `Daemon`, behind a lock.
final class DaemonState: Sendable {
    private struct Fields {
        var serviceGroup: ServiceGroup?
        var shutdownRequested = false
        var reloadError: String?
    }
    private let fields = Mutex(Fields())

    /// Records the running group; true when shutdown was asked for before it existed.
    func setGroup(_ g: ServiceGroup) -> Bool { fields.withLock { $0.serviceGroup = g; return $0.shutdownRequested } }
    /// Marks shutdown as asked for; the group to tell, when it exists already.
    func requestShutdown() -> ServiceGroup? { fields.withLock { $0.shutdownRequested = true; return $0.serviceGroup } }
    func setReloadError(_ e: String?) { fields.withLock { $0.reloadError = e } }
    func lastReloadError() -> String? { fields.withLock { $0.reloadError } }
}
