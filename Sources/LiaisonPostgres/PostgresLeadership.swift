import Foundation
import LiaisonStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Which instance polls a mailbox (issue 17): a session-level advisory lock
/// (`pg_try_advisory_lock`) on a key derived from the mailbox's name, held on a connection of
/// its own — never one of the pool's, so no transaction ever ends it. The lock lives as long as
/// that session: when the holding process dies (SIGKILL included) the server ends its session
/// and the lock is free at once; a standby instance's next `acquire` (the poller retries every
/// 2 s) takes it.
///
/// While held, the connection is watched: its close is noticed at once (`closeFuture`), and a
/// `SELECT 1` every second must answer within 3 s (a connection that hangs is closed). Either
/// way the leadership is lost at that moment and the loss handlers run (the poller stops before
/// its next message). The server side is told to probe the connection too (TCP keepalives after
/// 5 s idle, every 2 s, 3 probes), so a holder whose machine vanished without closing its socket
/// frees the lock within about 11 s. Filing stays idempotent by the database's unique indexes,
/// so even two pollers overlapping for a moment file nothing twice: leadership saves the work,
/// it does not carry correctness.
public final class PostgresLeadership: MailboxLeadership {
    private struct State {
        var connection: PostgresConnection?
        var heldKey: Int64?
        /// Bumped at each acquisition: a watch of an earlier one does nothing.
        var generation = 0
        var handlers: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())
    private let configuration: PostgresConnection.Configuration
    private let instance: String
    private let logger: Logger
    /// postgres-nio's own logging (quiet, as the pool's).
    private let nioLogger: Logger
    private let queue = DispatchQueue(label: "liaison.leadership.watch")
    /// How long a statement on the leadership connection may take before it is closed.
    let statementTimeout: Int64 = 3
    let heartbeat: TimeInterval = 1

    init(configuration: PostgresConnection.Configuration, instance: String, logger: Logger) {
        self.configuration = configuration
        self.instance = instance
        self.logger = logger
        var quiet = Logger(label: "liaison.postgres")
        quiet.logLevel = .critical
        nioLogger = quiet
    }

    deinit {
        if let c = state.withLock({ $0.connection }) { _ = c.close() as EventLoopFuture<Void> }
    }

    /// The advisory lock key of a mailbox: FNV-1a (64 bit) of `liaison-poller` and its name, so
    /// each mailbox has its own lock and the key is the same in every instance and version.
    public static func lockKey(mailbox: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in Array("liaison-poller\n".utf8) + Array(mailbox.utf8) {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: h)
    }

    public var isHeld: Bool { state.withLock { $0.heldKey != nil } }

    public func onLoss(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.handlers.append(handler) }
    }

    public func acquire(mailbox: String) throws -> Bool {
        let key = Self.lockKey(mailbox: mailbox)
        let (held, open) = state.withLock { s in (s.heldKey, s.connection.flatMap { $0.isClosed ? nil : $0 }) }
        if let held, let open {
            if held == key {
                do {
                    _ = try run(open, "SELECT 1")
                    return true
                } catch {
                    lose(reason: "the leadership connection failed: \(error)")
                    throw error
                }
            }
            // Another mailbox now (a reload): give the old one up first.
            _ = try? run(open, "SELECT pg_advisory_unlock(\(held))")
            state.withLock { $0.heldKey = nil }
        }
        let connection = try open ?? connect()
        let got: Bool
        do {
            got = try run(connection, "SELECT pg_try_advisory_lock(\(key))").first.map { try $0[0].decode(Bool.self) } ?? false
        } catch {
            state.withLock { if $0.connection === connection { $0.connection = nil } }
            _ = connection.close() as EventLoopFuture<Void>
            throw PGSession.mapped(error)
        }
        guard got else { return false }
        let generation = state.withLock { s -> Int in
            s.heldKey = key
            s.generation += 1
            return s.generation
        }
        connection.closeFuture.whenComplete { [weak self] _ in
            self?.lose(reason: "the leadership connection closed", generation: generation)
        }
        watch(generation)
        return true
    }

    public func release() {
        let (held, connection) = state.withLock { s -> (Int64?, PostgresConnection?) in
            defer { s.heldKey = nil; s.connection = nil; s.generation += 1 }
            return (s.heldKey, s.connection)
        }
        guard let connection else { return }
        if let held, !connection.isClosed { _ = try? run(connection, "SELECT pg_advisory_unlock(\(held))") }
        try? connection.close().wait()
    }

    // MARK: the connection

    private func connect() throws -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                        id: Int.max, logger: nioLogger).wait()
        } catch {
            throw PGSession.mapped(error)
        }
        do {
            // Visible in pg_stat_activity; the server probes this session's socket.
            _ = try run(connection, """
                SELECT set_config('application_name', \(Self.literal("liaison poller " + instance)), false),
                       set_config('tcp_keepalives_idle', '5', false),
                       set_config('tcp_keepalives_interval', '2', false),
                       set_config('tcp_keepalives_count', '3', false)
                """)
        } catch {
            _ = connection.close() as EventLoopFuture<Void>
            throw PGSession.mapped(error)
        }
        state.withLock { $0.connection = connection }
        return connection
    }

    /// A text literal for a statement (single quotes doubled; NUL and control characters dropped).
    static func literal(_ text: String) -> String {
        let clean = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(60).map(Character.init))
        return "'" + clean.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Runs `sql` (no parameters: keys and literals are built here) and waits at most
    /// `statementTimeout` seconds; past that the connection is closed, which fails the wait.
    private func run(_ connection: PostgresConnection, _ sql: String) throws -> [PostgresRandomAccessRow] {
        let timeout = connection.eventLoop.scheduleTask(in: .seconds(statementTimeout)) { _ = connection.close() as EventLoopFuture<Void> }
        defer { timeout.cancel() }
        let result = try connection.query(PostgresQuery(unsafeSQL: sql), logger: nioLogger).wait()
        return result.rows.map { $0.makeRandomAccess() }
    }

    // MARK: losing it

    /// Every `heartbeat` seconds while `generation` holds: the connection must answer.
    private func watch(_ generation: Int) {
        queue.asyncAfter(deadline: .now() + heartbeat) { [weak self] in
            guard let self else { return }
            let connection = self.state.withLock { s in s.generation == generation && s.heldKey != nil ? s.connection : nil }
            guard let connection else { return }
            do {
                _ = try self.run(connection, "SELECT 1")
            } catch {
                self.lose(reason: "the leadership connection stopped answering: \(PGSession.mapped(error))", generation: generation)
                return
            }
            self.watch(generation)
        }
    }

    private func lose(reason: String, generation: Int? = nil) {
        let lost = state.withLock { s -> (PostgresConnection?, [@Sendable () -> Void])? in
            guard s.heldKey != nil, generation == nil || generation == s.generation else { return nil }
            defer { s.heldKey = nil; s.connection = nil; s.generation += 1 }
            return (s.connection, s.handlers)
        }
        guard let (connection, handlers) = lost else { return }
        logger.warning("mailbox leadership lost", metadata: ["reason": "\(reason)"])
        if let connection { _ = connection.close() as EventLoopFuture<Void> }
        for h in handlers { h() }
    }
}

extension PostgresStore: CooperativeStore {
    /// This instance's leadership of mailboxes, on a connection of its own (not the pool's).
    public func mailboxLeadership(instance: String) throws -> any MailboxLeadership {
        var logger = Logger(label: "liaison.leadership")
        logger.logLevel = .notice
        return PostgresLeadership(configuration: pool.configuration, instance: instance, logger: logger)
    }
}
