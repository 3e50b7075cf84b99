import Foundation
import Hummingbird
import HummingbirdCore
import HTTPTypes
import HummingbirdTLS
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The store the console needs: its own tables and queries, the case reads, the outbox counts
/// (metrics) and the report reads.
public typealias ConsoleStore = WebConsoleStore & CaseQueries & OutboxStore & ReportQueries

/// The web console (issue 19) as one more `DaemonComponent` of `liaison serve`: a Hummingbird 2
/// HTTP/1.1 server on `[http] listen` (TLS when `tls_cert_file`/`tls_key_file` are set), and
/// `/metrics` + `/healthz` on `metrics_listen` when set. Started and stopped with the others
/// (graceful shutdown ends the listeners after the requests in hand), reloaded on SIGHUP (words,
/// templates, organisation and managers at once; a new address, certificate or key restarts the
/// listeners), and a listener that cannot start (address in use, a bad certificate) is the
/// component's fault in STATUS, retried every 30 s, never the end of the daemon.
public final class WebConsole: DaemonComponent, Sendable {
    public let name = "console"

    /// What a request needs that a reload may change.
    struct Site: Sendable {
        var settings: HTTPSettings
        var organization: Organization
        var managers: Set<String>
        var pages: WebPages
        var mailer: SignInMailComposer
    }

    struct State {
        var site: Site
        var generation = 0
        var restart: AsyncStream<Void>.Continuation?
        var fault: String?
        var listening: [String] = []
        var consolePort: Int?
        var metricsPort: Int?
    }

    let state: Mutex<State>
    let store: any ConsoleStore
    let engine: ReminderEngine
    let now: Now
    let probe: any OperatorProbe
    let afterChange: @Sendable () -> Void
    let logger: Logger
    let lanes: [BlockingLane]
    let laneCounter = Atomic<Int>(0)
    let flashes = Mutex<[String: Flash]>([:])
    /// The follow-up table as XLSX (`FollowUpXLSX.render`, injected: this target does not link
    /// libxlsxwriter's C shim itself).
    let renderXLSX: @Sendable (FollowUpTable, TimeZone) throws -> [UInt8]

    /// `afterChange` is called after an action changed a case or a sign-in mail was queued (serve
    /// pokes the scheduler and the outbox).
    public init(settings: HTTPSettings, config: LiaisonConfig, store: any ConsoleStore, engine: ReminderEngine, now: Now,
                probe: any OperatorProbe, renderXLSX: @escaping @Sendable (FollowUpTable, TimeZone) throws -> [UInt8],
                afterChange: @escaping @Sendable () -> Void = {}, logger: Logger = Logger(label: "liaison.console")) throws {
        self.state = Mutex(State(site: try Self.site(settings: settings, config: config)))
        self.store = store
        self.engine = engine
        self.now = now
        self.probe = probe
        self.renderXLSX = renderXLSX
        self.afterChange = afterChange
        self.logger = logger
        self.lanes = (0..<4).map { BlockingLane(label: "liaison.console.store.\($0)") }
    }

    static func site(settings: HTTPSettings, config: LiaisonConfig) throws -> Site {
        let org = try config.organization()
        let templates = try config.templateConfig()
        let directory = ReminderAssembly.resolved(templates.directory, config: config)
        return Site(settings: settings, organization: org, managers: Set(try config.managers()),
                    pages: try WebPages(directory: (directory as NSString).appendingPathComponent("web")),
                    mailer: try SignInMailComposer.make(config: config, organization: org))
    }

    var site: Site { state.withLock { $0.site } }

    /// The port the console listens on once it does (tests listen on port 0).
    public var consolePort: Int? { state.withLock { $0.consolePort } }
    /// The port of `metrics_listen` once it listens.
    public var metricsPort: Int? { state.withLock { $0.metricsPort } }

    /// Runs a blocking store call on one of the console's lanes (never on the cooperative pool).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let i = laneCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await lanes[abs(i) % lanes.count].run(body)
    }

    // MARK: - DaemonComponent

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            let site = state.withLock { s -> Site in
                s.restart = continuation
                return s.site
            }
            do {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { try await self.application(site: site, metricsOnly: false).run(); return false }
                    if let m = site.settings.metricsListen {
                        group.addTask { try await self.metricsApplication(m, site: site).run(); return false }
                    }
                    group.addTask {
                        for await _ in stream { return true }
                        return false
                    }
                    // The first to end decides: a restart, a shutdown (the servers return), or a fault (thrown).
                    _ = try await group.next()
                    group.cancelAll()
                    continuation.finish()
                }
                state.withLock { $0.fault = nil; $0.consolePort = nil; $0.metricsPort = nil }
            } catch {
                continuation.finish()
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                let reason = "cannot serve on \(site.settings.listen)\(site.settings.metricsListen.map { " / \($0)" } ?? ""): \(error)"
                state.withLock { $0.fault = reason; $0.consolePort = nil; $0.metricsPort = nil }
                logger.error("console listener failed; retrying in 30 s", metadata: ["reason": "\(reason)"])
                // Wait 30 s, or less when a reload asks for a restart.
                let (retry, retryContinuation) = AsyncStream<Void>.makeStream()
                state.withLock { $0.restart = retryContinuation }
                do {
                    try await cancelWhenGracefulShutdown {
                        try await withThrowingTaskGroup(of: Void.self) { g in
                            g.addTask { try await LoopClock().sleep(for: .seconds(30)) }
                            g.addTask { for await _ in retry { return } }
                            _ = try await g.next()
                            g.cancelAll()
                        }
                    }
                } catch { break }
            }
        }
    }

    public func runOnce(now: Date) async throws {}

    public func status() -> ComponentStatus {
        state.withLock { s in
            ComponentStatus(summary: s.fault == nil ? ["console \(s.site.settings.listen)"] : [], fault: s.fault.map { "console: \($0)" })
        }
    }

    public func prepareReload(_ config: LiaisonConfig) throws -> ReloadCommit? {
        guard let settings = try config.httpSettings() else {
            throw ConfigError(key: "http", problem: "the section was removed while the console runs",
                              fix: "restart the service to turn the console off, or keep [http]")
        }
        let next = try Self.site(settings: settings, config: config)
        return { [self] in
            let restart = state.withLock { s -> AsyncStream<Void>.Continuation? in
                let changed = s.site.settings != next.settings
                s.site = next
                return changed ? s.restart : nil
            }
            if let restart {
                logger.notice("console address or TLS changed: restarting its listeners", metadata: ["http": "\(next.settings)"])
                restart.yield()
            }
        }
    }

    // MARK: - Servers

    func application(site: Site, metricsOnly: Bool) throws -> some ApplicationProtocol {
        let s = site.settings
        let responder = ConsoleResponder(console: self, servesConsole: true, servesMetrics: s.metricsListen == nil)
        return Application(
            responder: responder, server: try Self.server(tls: s.tls),
            configuration: ApplicationConfiguration(address: .hostname(s.listen.host, port: s.listen.port), serverName: nil,
                                                    availableConnectionsDelegate: MaximumAvailableConnections(ConsoleLimits.maxConnections)),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port
                state.withLock { $0.consolePort = port; $0.fault = nil }
                logger.info("console listening", metadata: ["address": "\(s.listen.host):\(port.map(String.init) ?? "?")", "base_url": "\(s.baseURL)"])
            },
            logger: logger)
    }

    func metricsApplication(_ address: HTTPSettings.HostPort, site: Site) throws -> some ApplicationProtocol {
        Application(
            responder: ConsoleResponder(console: self, servesConsole: false, servesMetrics: true), server: try Self.server(tls: nil),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil,
                                                    availableConnectionsDelegate: MaximumAvailableConnections(64)),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port
                state.withLock { $0.metricsPort = port }
                logger.info("metrics listening", metadata: ["address": "\(address.host):\(port.map(String.init) ?? "?")"])
            },
            logger: logger)
    }

    /// HTTP/1.1 with bounded headers and an idle timeout; TLS around it when configured.
    static func server(tls: HTTPSettings.TLSFiles?) throws -> HTTPServerBuilder {
        let http = HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration(
            idleTimeout: .seconds(ConsoleLimits.idleTimeoutSeconds),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: ConsoleLimits.maxHeaderBytes, maxHeaderListSize: ConsoleLimits.maxHeaderBytes,
                                            maxHeaderFieldCount: 100)))
        guard let tls else { return http }
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(bytes: Array(tls.keyPEM.utf8), format: .pem)
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        config.minimumTLSVersion = .tlsv12
        return try .tls(http, tlsConfiguration: config)
    }
}

// MARK: - Flash messages

extension WebConsole {
    /// One message per session and case, shown by the next view of that case page.
    func putFlash(_ f: Flash, session: String, caseNumber: String) {
        flashes.withLock { d in
            if d.count > 1_000 { d.removeAll() }
            d[WebTokens.hash(session) + " " + caseNumber] = f
        }
    }

    func takeFlash(session: String, caseNumber: String) -> Flash? {
        flashes.withLock { $0.removeValue(forKey: WebTokens.hash(session) + " " + caseNumber) }
    }
}
