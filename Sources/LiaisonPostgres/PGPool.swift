import Foundation
import LiaisonStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Where a PostgreSQL store lives and how to reach it (`[store] url = "postgres://…"`, read by
/// LiaisonConfiguration into these values). The password comes from a file, the environment or
/// a systemd credential, never from the configuration file.
public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS: accepted by the configuration for a loopback host only.
        case disable
        /// TLS, certificate not checked (encryption against eavesdroppers, not against an impostor).
        case require
        /// TLS, certificate chain and host name checked against the system's trust store (the default).
        case verifyFull = "verify-full"
    }
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var tls: TLSMode
    /// At most this many connections are open at once (each transaction holds one).
    public var maxConnections: Int
    public init(host: String, port: Int = 5432, user: String, database: String, password: String? = nil,
                tls: TLSMode = .verifyFull, maxConnections: Int = 8) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
        self.tls = tls
        self.maxConnections = maxConnections
    }

    /// Reads `postgres://USER@HOST:PORT/DB` (also `postgresql://`). A password in the URL is
    /// refused: it would sit in the configuration file. Nil when `url` is not a PostgreSQL URL.
    public static func parse(url: String) throws -> PostgresLocation? {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else { return nil }
        guard let c = URLComponents(string: url), let host = c.host, !host.isEmpty else {
            throw StoreError(.invalid, "`\(url)` is not a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE)")
        }
        guard c.password == nil else {
            throw StoreError(.refused, "the PostgreSQL URL carries a password: give it through password_file, password_env or a systemd credential")
        }
        guard let user = c.user, !user.isEmpty else {
            throw StoreError(.invalid, "the PostgreSQL URL names no user (postgres://USER@HOST:PORT/DATABASE)")
        }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.invalid, "the PostgreSQL URL names no database (postgres://USER@HOST:PORT/DATABASE)")
        }
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return PostgresLocation(host: bareHost, port: c.port ?? 5432, user: user.removingPercentEncoding ?? user,
                                database: database.removingPercentEncoding ?? database)
    }

    /// True for 127.0.0.0/8, ::1 and `localhost`: where `sslmode = "disable"` is allowed.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// A small bounded pool of PostgreSQL connections, used from Dispatch threads (`BlockingLane`):
/// every call blocks on postgres-nio's `EventLoopFuture`s (`.wait()`), so no thread of Swift's
/// cooperative pool is ever held. A transaction checks one connection out for its whole length.
final class PGPool: Sendable {
    let configuration: PostgresConnection.Configuration
    let group: any EventLoopGroup
    let slots: DispatchSemaphore
    let idle = Mutex<[PostgresConnection]>([])
    let nextID = Atomic<Int>(0)
    let logger: Logger
    /// How long a caller waits for a free connection before the store reports `busy`.
    let checkoutTimeout: TimeInterval = 30

    init(_ location: PostgresLocation) throws {
        var tls: PostgresConnection.Configuration.TLS = .disable
        if location.tls != .disable {
            var c = TLSConfiguration.makeClientConfiguration()
            c.certificateVerification = location.tls == .verifyFull ? .fullVerification : .none
            do { tls = .require(try NIOSSLContext(configuration: c)) } catch {
                throw StoreError(.unavailable, "cannot set up TLS for PostgreSQL: \(error)")
            }
        }
        var config = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                      password: location.password, database: location.database, tls: tls)
        config.options.connectTimeout = .seconds(10)
        if location.tls == .verifyFull { config.options.tlsServerName = location.host }
        configuration = config
        group = MultiThreadedEventLoopGroup.singleton
        slots = DispatchSemaphore(value: max(1, location.maxConnections))
        var logger = Logger(label: "liaison.postgres")
        logger.logLevel = .critical
        self.logger = logger
    }

    /// Runs `body` on one connection, checked out for the call (opened when none is idle).
    func withSession<T>(_ body: (PGSession) throws -> T) throws -> T {
        guard slots.wait(timeout: .now() + checkoutTimeout) == .success else {
            throw StoreError(.busy, "no PostgreSQL connection free after \(Int(checkoutTimeout)) s")
        }
        defer { slots.signal() }
        let connection = try idle.withLock { $0.popLast() }.flatMap { $0.isClosed ? nil : $0 } ?? connect()
        let session = PGSession(connection: connection, logger: logger)
        do {
            let result = try body(session)
            release(session)
            return result
        } catch {
            release(session)
            throw error
        }
    }

    private func release(_ session: PGSession) {
        try? session.settle()
        if session.broken || session.connection.isClosed {
            _ = session.connection.close() as EventLoopFuture<Void>
        } else {
            idle.withLock { $0.append(session.connection) }
        }
    }

    private func connect() throws -> PostgresConnection {
        let id = nextID.add(1, ordering: .relaxed).newValue
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw PGSession.mapped(error)
        }
    }

    /// Closes the idle connections (the store is going away).
    func shutdown() {
        for c in idle.withLock({ l in defer { l.removeAll() }; return l }) { try? c.close().wait() }
    }
}

/// One row, its columns by name; a column that cannot be read as asked is a `corrupt` store.
struct PGRow {
    let row: PostgresRandomAccessRow
    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    subscript<T: PostgresDecodable>(_ name: String) -> T {
        get throws {
            do { return try row[name].decode(T.self) } catch {
                throw StoreError(.corrupt, "column \(name) cannot be read as \(T.self): \(String(describing: error).prefix(200))")
            }
        }
    }

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws {
            do { return try row[index].decode(T.self) } catch {
                throw StoreError(.corrupt, "column \(index) cannot be read as \(T.self): \(String(describing: error).prefix(200))")
            }
        }
    }
}

/// A value bound to a statement (nil: NULL).
typealias PGArg = (any PostgresThrowingDynamicTypeEncodable)?

/// One checked-out connection: statements written with `?` placeholders (numbered `$1…` here),
/// run synchronously; postgres-nio's and the server's errors come out as `StoreError`.
final class PGSession {
    let connection: PostgresConnection
    let logger: Logger
    /// The connection failed (not a statement): it is closed instead of going back to the pool.
    var broken = false
    /// Statements sent with `send` whose answers nobody has waited for yet (in order). postgres-nio
    /// queues the statements of one connection and runs them one after the other, so a statement
    /// whose result is not needed (BEGIN, the checkpoint's upsert) costs no round trip of its own:
    /// the next `run` waits for its own answer, which comes after theirs.
    private var unanswered: [(sql: String, future: EventLoopFuture<PostgresQueryResult>)] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    private func query(_ sql: String, _ args: [PGArg]) throws -> EventLoopFuture<PostgresQueryResult> {
        var binds = PostgresBindings(capacity: args.count)
        do {
            for a in args {
                if let a { try binds.append(a) } else { binds.appendNull() }
            }
        } catch {
            throw StoreError(.invalid, "a value cannot be sent to PostgreSQL: \(error)")
        }
        return connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds), logger: logger)
    }

    /// Sends one statement without waiting for its answer; its error, if any, is thrown by the
    /// next `run` (or `settle`) on this session, before that statement's own result.
    func send(_ sql: String, _ args: [PGArg] = []) throws {
        unanswered.append((sql, try query(sql, args)))
    }

    /// Waits for the statements `send` left unanswered; the first error among them is thrown.
    func settle() throws {
        let pending = unanswered
        unanswered.removeAll()
        var first: StoreError? = nil
        for p in pending {
            do { _ = try p.future.wait() } catch {
                let mapped = Self.mapped(error)
                if mapped.kind == .unavailable { broken = true }
                if first == nil { first = mapped }
            }
        }
        if let first { throw first }
    }

    /// Runs one statement; its rows and the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ args: [PGArg] = []) throws -> (rows: [PGRow], changed: Int) {
        let future: EventLoopFuture<PostgresQueryResult>
        do {
            future = try query(sql, args)
        } catch {
            try? settle()
            throw error
        }
        do {
            let result = try future.wait()
            // Sent earlier, so answered by now; an error of theirs comes first (a failed
            // statement aborts the transaction the later ones ran in).
            try settle()
            return (result.rows.map(PGRow.init), result.metadata.rows ?? 0)
        } catch {
            try settle()
            let mapped = Self.mapped(error)
            if mapped.kind == .unavailable { broken = true }
            throw mapped
        }
    }

    func rows(_ sql: String, _ args: [PGArg] = []) throws -> [PGRow] { try run(sql, args).rows }

    func row(_ sql: String, _ args: [PGArg] = []) throws -> PGRow? { try run(sql, args).rows.first }

    /// The first column of the first row, nil when there is no row or it is NULL.
    func value<T: PostgresDecodable>(_ sql: String, _ args: [PGArg] = [], as: T.Type = T.self) throws -> T?
    where T._DecodableType == T {
        guard let r = try row(sql, args) else { return nil }
        let v: T? = try r[0]
        return v
    }

    @discardableResult
    func execute(_ sql: String, _ args: [PGArg] = []) throws -> Int { try run(sql, args).changed }

    /// `?` placeholders outside quoted text become `$1`, `$2`, … (the statements of this backend
    /// are written like SQLite's).
    static func numbered(_ sql: String) -> String {
        if let done = numberedCache.withLock({ $0[sql] }) { return done }
        let out = numbering(sql)
        numberedCache.withLock { cache in
            // The statements are the code's own (a bounded set), but bound it anyway.
            if cache.count >= 512 { cache.removeAll() }
            cache[sql] = out
        }
        return out
    }

    private static let numberedCache = Mutex<[String: String]>([:])

    private static func numbering(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character? = nil
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
            } else if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// postgres-nio's error in the store's words: the connection or server going away →
    /// `unavailable`; serialization failures, deadlocks, lock timeouts → `busy`; data
    /// corruption → `corrupt`; a constraint or another statement error → `invalid`.
    static func mapped(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let e = error as? PSQLError else {
            return StoreError(.unavailable, "PostgreSQL: \(String(describing: error).prefix(300))")
        }
        guard e.code == .server, let info = e.serverInfo else {
            let underlying = e.underlying.map { ": \(String(describing: $0).prefix(200))" } ?? ""
            return StoreError(.unavailable, "PostgreSQL connection: \(e.code)\(underlying)")
        }
        let state = info[.sqlState] ?? ""
        let text = "PostgreSQL error \(state): \(info[.message] ?? "")"
        switch state {
        case "40001", "40P01", "55P03", "57014": return StoreError(.busy, text)
        case "XX001", "XX002": return StoreError(.corrupt, text)
        default:
            if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57") || state.hasPrefix("58")
                || state.hasPrefix("28") || state == "3D000" {
                return StoreError(.unavailable, text)
            }
            return StoreError(.invalid, text)
        }
    }
}
