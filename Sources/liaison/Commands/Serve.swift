import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import LiaisonXLSX
import LiaisonTransport
import LiaisonWeb
import Logging

/// `liaison serve`: the daemon (issue 7). Validates the configuration, opens the store from
/// [store] and the mailbox from [imap], and runs every component under `Daemon` (systemd
/// notifications, watchdog, SIGTERM graceful stop, SIGHUP reload). `--once` makes one pass in
/// the order mail flows — poll and file, fire what is due, send what the pass queued — and exits:
/// 0, or 1 with the fault on standard error; 78 (EX_CONFIG) when the configuration is invalid.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: poll the tracking mailbox, file, schedule and send (see deploy/liaison.service).")

    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Flag(help: "One pass — poll and file, fire what is due, send what it queued — then exit (cron-style use, tests).") var once = false
    @Option(help: "Act as if it were this instant (ISO 8601, e.g. 2026-11-23T09:00:00+08:00); time runs on from it.")
    var now: String?

    func run() async throws {
        guard let path = ConfigLoading.path(config) else {
            throw ValidationError("give --config FILE or set LIAISON_CONFIG")
        }
        let now = try Self.now(now)
        JournalLogHandler.bootstrap()
        let logger = Logger(label: "liaison.serve")
        let config: LiaisonConfig
        do {
            config = try Self.loadValidated(path: path, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("liaison serve: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let storeConfig = try config.store()
        let storePath = storeConfig.displayName
        let store: any LiaisonStore
        do {
            store = try storeConfig.open()
        } catch {
            FileHandle.standardError.write(Data("liaison serve: cannot open the store \(storePath): \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Whether the bodies are encrypted at rest, and under which key (its fingerprint, never the key).
        if let key = storeConfig.key, let k = try? StoreKey(bytes: key.bytes, source: key.source) {
            logger.info("store encrypted at rest", metadata: ["key": "\(k.fingerprint)"])
        } else if storeConfig.sqlitePath != nil {
            logger.info("store not encrypted at rest (no [store] key_file or credential store-key)")
        }
        let instance = Self.instanceName()
        if store is any CooperativeStore {
            logger.info("instance", metadata: ["name": "\(instance)", "store": "\(storePath)"])
        }
        // The figures for /metrics and the health for /healthz (issue 19): swift-metrics is
        // bootstrapped once, here, over a Prometheus registry the endpoints render.
        let operations = OperatorEndpoints.bootstrap()
        let components: [any DaemonComponent]
        do {
            components = try Self.components(config: config, store: store, now: now, instance: instance, metrics: operations.metrics, operations: operations)
        } catch {
            FileHandle.standardError.write(Data("liaison serve: \(error)\n".utf8))
            throw ExitCode(error is ConfigError ? 78 : 1)
        }
        let daemon = Daemon(
            components: components, logger: Logger(label: "liaison.daemon"),
            loadConfig: {
                let next = try Self.loadValidated(path: path, logger: logger)
                if let p = try? next.store().displayName, p != storePath {
                    logger.warning("store.url changed: takes effect at the next restart", metadata: ["running": "\(storePath)"])
                }
                return next
            }, operations: operations, idleHandBack: IdleHandBack())
        if once {
            do {
                try await daemon.runOnce(now: now)
            } catch {
                FileHandle.standardError.write(Data("liaison serve --once: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print(daemon.statusLine())
            return
        }
        try await daemon.run()
    }

    /// The daemon's parts, in start order (stopped in reverse): the outbox sender, the reminder
    /// scheduler (which pokes the outbox when reminders fire), and the poller (whose filings carry
    /// the reminder engine's follow-ups, and which pokes both after filing). IDLE is used where the
    /// server offers it; polling every `imap.poll_interval` stays the safety net.
    /// Every part takes the same `now` (wall instants: filing, firing, sending) and measures its
    /// waits on the monotonic clock. Every part counts into `operations.metrics`; the console's
    /// /metrics and /healthz are `operations`.
    ///
    /// Over a store several instances share (PostgreSQL): the poller polls only while this
    /// instance leads the mailbox (`MailboxLeadership`, standby otherwise), and the outbox sends
    /// only the rows it claimed under `[store] outbox_lease` (`OutboxClaim`, named `instance`);
    /// the scheduler runs on every instance (each reminder is fired in a transaction of its own
    /// that locks its row). Over SQLite (one instance) neither applies.
    static func components(config: LiaisonConfig, store: any LiaisonStore, now: Now,
                           instance: String = Serve.instanceName(), metrics: ServiceMetrics = .off,
                           operations: OperatorEndpoints? = nil) throws -> [any DaemonComponent] {
        let org = try config.organization()
        let leadership: (any MailboxLeadership)?
        let claim: OutboxClaim?
        if let shared = store as? any CooperativeStore {
            leadership = try shared.mailboxLeadership(instance: instance)
            var lease = OutboxClaim.defaultLease
            if case .postgres(let p)? = try? config.store().backend { lease = p.outboxLease }
            claim = OutboxClaim(holder: instance, lease: lease)
        } else {
            leadership = nil
            claim = nil
        }
        let engine = try ReminderAssembly.engine(config: config, organization: org, store: store,
                                                 logger: Logger(label: "liaison.reminders"))
        let outbox = try OutboxComponent(store: store, config: config, now: now, logger: Logger(label: "liaison.outbox"),
                                         metrics: metrics) { cfg in
            let smtp = try SMTPSender(settings: cfg.smtpSettings(), logger: Logger(label: "liaison.smtp"))
            return OutboxSender(store: store, sender: smtp, now: now, logger: Logger(label: "liaison.outbox"), metrics: metrics,
                                failureNotice: { entry, reason, now in engine.deliveryFailure(entry, reason: reason, now: now) },
                                renderNotice: { try engine.render($0) }, claim: claim)
        }
        let scheduler = SchedulerComponent(engine: engine, organization: org, now: now, logger: Logger(label: "liaison.scheduler"),
                                           metrics: metrics, afterFiring: { outbox.poke() })
        scheduler.attachWeekly(WeeklyCheckRunner(store: store, composer: try WeeklyCheckRunner.composer(
            config: config, organization: org, renderXLSX: { try FollowUpXLSX.render($0, timeZone: $1) }), logger: Logger(label: "liaison.weekly")))
        if let retentionStore = store as? any RetentionStore {
            scheduler.attachRetention(RetentionRunner(store: retentionStore, policy: try config.retentionPolicy(), timeZone: org.timeZone,
                                                      logger: Logger(label: "liaison.retention")))
        }
        // The poller logs each fault once when it starts and once when it clears; the transport's
        // own per-attempt error lines would repeat it every retry, so they show only when debugging.
        let imapLogger: Logger = {
            var l = Logger(label: "liaison.imap")
            let level = ProcessInfo.processInfo.environment["LIAISON_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
            if level.map({ $0 > .debug }) ?? true { l.logLevel = .critical }
            return l
        }()
        // Arrival stamps from our MX are real time: move them as the service clock is moved (--now).
        let offset = now.offsetFromSystem()
        let rebuild: PollerService.SetupBuilder = { cfg in
            var setup = try PollerService.Setup.fromConfig(cfg, store: store, makeWatcher: { try IMAPIdleWatcher(settings: $0, logger: imapLogger) },
                                                           followUps: engine, logger: imapLogger)
            setup.pipeline.timeBasis = .arrival(clockOffset: offset)
            setup.pipeline.metrics = metrics
            return setup
        }
        let poller = PollerService(setup: try rebuild(config), rebuild: rebuild, logger: Logger(label: "liaison.poller"), now: now,
                                   afterFiling: { scheduler.poke(); outbox.poke() }, leadership: leadership)
        var list: [any DaemonComponent] = [outbox, scheduler, poller]
        // The To/Cc of mail filed before the console's visibility rule, read back in the
        // background (never at open: CLI commands do not wait for it).
        if let backfilling = store as? any RecipientsBackfilling {
            list.append(RecipientsBackfill(store: backfilling, logger: Logger(label: "liaison.backfill")))
        }
        if let http = try config.httpSettings() {
            list.append(try console(http, config: config, store: store, engine: engine, now: now, others: list,
                                    operations: operations, afterChange: { scheduler.poke(); outbox.poke() }))
        }
        return list
    }

    /// The web console (issue 19), last in start order (first to stop: no action is taken while the
    /// others wind down). `[http]` absent: no console. Its `/healthz` and `/metrics` are
    /// `operations` (the daemon's `OperatorEndpoints`; without one, endpoints watching `others`).
    static func console(_ http: HTTPSettings, config: LiaisonConfig, store: any LiaisonStore, engine: ReminderEngine, now: Now,
                        others: [any DaemonComponent], operations: OperatorEndpoints?,
                        afterChange: @escaping @Sendable () -> Void) throws -> WebConsole {
        guard let consoleStore = store as? any ConsoleStore else {
            throw ConfigError(key: "http", problem: "this store has no web console tables", fix: "remove the [http] section, or use a sqlite: or postgres: store")
        }
        let probe: OperatorEndpoints
        if let operations { probe = operations } else { probe = OperatorEndpoints(); probe.watch(others) }
        return try WebConsole(settings: http, config: config, store: consoleStore, engine: engine, now: now, probe: probe,
                              renderXLSX: { try FollowUpXLSX.render($0, timeZone: $1) }, afterChange: afterChange,
                              logger: Logger(label: "liaison.console"))
    }

    /// This process's name among the instances sharing a store: host, process id and a random
    /// part (a restarted process is another instance; its old claims run out).
    static func instanceName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host.prefix(40))/\(getpid())/\(random)"
    }

    /// Reads the file and runs `validate()`: warnings are logged, errors thrown as one message.
    static func loadValidated(path: String, logger: Logger) throws -> LiaisonConfig {
        let config = try LiaisonConfig.load(path: path)
        let report = config.validate()
        for w in report.warnings {
            logger.warning("configuration", metadata: ["key": "\(w.key)", "problem": "\(w.problem)", "fix": "\(w.fix)"])
        }
        guard report.isValid else {
            throw ConfigInvalid(path: path, errors: report.errors)
        }
        return config
    }

    /// `--now`: a "now" that starts at the given instant and runs on; the system clock otherwise.
    static func now(_ text: String?) throws -> Now {
        guard let text else { return .system }
        return .runningOn(from: try Instant.parse(text, option: "--now"))
    }
}

/// The configuration has errors: every one, a line each.
struct ConfigInvalid: Error, CustomStringConvertible {
    var path: String
    var errors: [ConfigIssue]
    var description: String {
        "\(path) cannot be used:\n" + errors.map { "  \($0)" }.joined(separator: "\n")
    }
}
