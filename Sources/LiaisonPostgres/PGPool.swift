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
    let idle = Mutex<[(PostgresConnection, PGPreparedNames)]>([])
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
        let (connection, prepared) = try idle.withLock { $0.popLast() }.flatMap { $0.0.isClosed ? nil : $0 }
            ?? (connect(), PGPreparedNames())
        let session = PGSession(connection: connection, prepared: prepared, logger: logger)
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
            // Waited for: postgres-nio wants a connection closed before it goes away.
            try? session.connection.close().wait()
        } else {
            idle.withLock { $0.append((session.connection, session.prepared)) }
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
        for (c, _) in idle.withLock({ l in defer { l.removeAll() }; return l }) { try? c.close().wait() }
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
    /// The statements prepared on this connection so far (see `send`).
    let prepared: PGPreparedNames
    let logger: Logger
    /// The connection failed (not a statement): it is closed instead of going back to the pool.
    var broken = false
    /// Statements sent with `send` whose answers nobody has waited for yet (in order). postgres-nio
    /// queues the statements of one connection and runs them one after the other, so a statement
    /// whose result is not needed (BEGIN, the checkpoint's upsert) costs no round trip of its own:
    /// the next `run` waits for its own answer, which comes after theirs.
    private var unanswered: [PGAnswer] = []

    init(connection: PostgresConnection, prepared: PGPreparedNames, logger: Logger) {
        self.connection = connection
        self.prepared = prepared
        self.logger = logger
    }

    private func bindings(_ args: [PGArg]) throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: args.count)
        do {
            for a in args {
                if let a { try binds.append(a) } else { binds.appendNull() }
            }
        } catch {
            throw StoreError(.invalid, "a value cannot be sent to PostgreSQL: \(error)")
        }
        return binds
    }

    /// Sends one statement: an unnamed one (parsed and planned by the server each time), or with
    /// `prepared`, a named prepared statement of this connection (parsed once per connection;
    /// the server plans it once it finds a generic plan as good as the custom ones).
    private func start(_ sql: String, _ args: [PGArg], prepared: Bool) throws -> PGAnswer {
        let binds = try bindings(args)
        let types = args.map { $0?.psqlType ?? .null }
        guard prepared, let name = PGPrepared.name(for: sql, types: types) else {
            let future = connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds), logger: logger)
            return PGAnswer(sql: sql, preparing: false) {
                let result = try future.wait()
                return (result.rows.map(PGRow.init), result.metadata.rows ?? 0)
            }
        }
        let answer = PGPreparedAnswer()
        let preparing = !self.prepared.names.contains(name)
        let connection = self.connection, logger = self.logger
        let text = PGPrepared.Text(name: name, sql: Self.numbered(sql), types: types)
        // postgres-nio's prepared statements are async: the task runs on the connection's own
        // event loop (no hop through Swift's cooperative pool) and this Dispatch thread waits
        // for it, as it waits for an unnamed statement's future. Tasks and `query` both enqueue
        // on that loop in order, so statements still run in the order they were sent.
        Task(executorPreference: PGLoopExecutor(connection.eventLoop)) {
            do {
                let rows = try await PGPrepared.$text.withValue(text) {
                    var rows: [PostgresRow] = []
                    for try await row in try await connection.execute(PGPrepared(bindings: binds), logger: logger) {
                        rows.append(row)
                    }
                    return rows
                }
                answer.finish(.success(rows))
            } catch {
                answer.finish(.failure(error))
            }
        }
        return PGAnswer(sql: sql, preparing: preparing) { [known = self.prepared] in
            let rows = try answer.wait()
            known.names.insert(name)
            return (rows.map(PGRow.init), rows.count)
        }
    }

    /// Sends one statement without waiting for its answer; its error, if any, is thrown by the
    /// next `run` (or `settle`) on this session, before that statement's own result.
    ///
    /// A prepared statement not yet prepared on this connection is waited for here: postgres-nio
    /// sends its execution only once the preparation is answered, so a statement sent after it
    /// (a COMMIT, a ROLLBACK) would overtake it.
    func send(_ sql: String, _ args: [PGArg] = [], prepared: Bool = false) throws {
        if prepared, let name = PGPrepared.name(for: sql, types: args.map { $0?.psqlType ?? .null }),
           !self.prepared.names.contains(name) {
            try run(sql, args, prepared: true)
            return
        }
        unanswered.append(try start(sql, args, prepared: prepared))
    }

    /// Sends one statement without waiting, as `send`, and keeps its answer: read it from the
    /// returned `PGKept` once a later `run` (e.g. the COMMIT) or `settle` has returned.
    func sendKeeping(_ sql: String, _ args: [PGArg] = [], prepared: Bool = false) throws -> PGKept {
        let kept = PGKept()
        if prepared, let name = PGPrepared.name(for: sql, types: args.map { $0?.psqlType ?? .null }),
           !self.prepared.names.contains(name) {
            kept.result = try run(sql, args, prepared: true)
            return kept
        }
        var answer = try start(sql, args, prepared: prepared)
        answer.kept = kept
        unanswered.append(answer)
        return kept
    }

    /// Waits for the statements `send` left unanswered; the first error among them is thrown.
    func settle() throws {
        let pending = unanswered
        unanswered.removeAll()
        var first: (any Error)? = nil
        for p in pending {
            do {
                let result = try p.wait()
                p.kept?.result = result
            } catch {
                let mapped = failed(error, preparing: p.preparing)
                if first == nil { first = mapped }
            }
        }
        if let first { throw first }
    }

    /// The store's error for a statement's (`PostgresStore.LostRace` for the filing statement's
    /// LQ409); the connection is marked broken when it went away, or when a statement failed
    /// while being prepared: postgres-nio remembers a failed preparation for the connection's
    /// life (a statement first prepared inside an aborted transaction would fail there for good),
    /// so such a connection is closed rather than pooled again. A prepared statement that fails
    /// once prepared (a unique violation, LQ409) leaves the connection as good as before.
    private func failed(_ error: any Error, preparing: Bool) -> any Error {
        if error is PostgresStore.LostRace { return error }
        let state = (error as? PSQLError).flatMap { $0.code == .server ? $0.serverInfo?[.sqlState] : nil } ?? ""
        // Raised only by an execution (the statement was prepared first): constraint
        // violations (class 23) and the filing statement's own LQ404/LQ409.
        let executing = state.hasPrefix("23") || state.hasPrefix("LQ")
        if state == "LQ409" { return PostgresStore.LostRace() }
        let mapped = Self.mapped(error)
        if mapped.kind == .unavailable || (preparing && !executing) { broken = true }
        return mapped
    }

    /// Runs one statement; its rows and the number of rows it changed (with `prepared`: the
    /// number of rows it returned — use it for statements whose answer is rows). `prepared`
    /// is for the hot statements of the filing path, whose text is one of the code's own
    /// (a bounded set: no text built from data, no IN list of varying length).
    @discardableResult
    func run(_ sql: String, _ args: [PGArg] = [], prepared: Bool = false) throws -> (rows: [PGRow], changed: Int) {
        let answer: PGAnswer
        do {
            answer = try start(sql, args, prepared: prepared)
        } catch {
            try? settle()
            throw error
        }
        do {
            let result = try answer.wait()
            // Sent earlier, so answered by now; an error of theirs comes first (a failed
            // statement aborts the transaction the later ones ran in).
            try settle()
            return result
        } catch {
            try settle()
            throw failed(error, preparing: answer.preparing)
        }
    }

    func rows(_ sql: String, _ args: [PGArg] = [], prepared: Bool = false) throws -> [PGRow] {
        try run(sql, args, prepared: prepared).rows
    }

    func row(_ sql: String, _ args: [PGArg] = [], prepared: Bool = false) throws -> PGRow? {
        try run(sql, args, prepared: prepared).rows.first
    }

    /// The first column of the first row, nil when there is no row or it is NULL.
    func value<T: PostgresDecodable>(_ sql: String, _ args: [PGArg] = [], as: T.Type = T.self, prepared: Bool = false) throws -> T?
    where T._DecodableType == T {
        guard let r = try row(sql, args, prepared: prepared) else { return nil }
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
        // Raised by the filing statement (`liaison_raise`, migration pg8-perf): no such case.
        case "LQ404": return StoreError(.notFound, info[.message] ?? "no such case")
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

/// The names of the statements prepared on one connection; used by the one session holding
/// the connection at a time (checked out of the pool, or lying idle in it).
final class PGPreparedNames: @unchecked Sendable {
    var names = Set<String>()
}

/// A statement's answer, waited for by the Dispatch thread that sent it.
struct PGAnswer {
    let sql: String
    /// A prepared statement sent before this connection had prepared it: its failure may be
    /// the preparation's.
    let preparing: Bool
    let wait: () throws -> (rows: [PGRow], changed: Int)
    /// Where `settle` leaves the answer of a statement sent with `sendKeeping`.
    var kept: PGKept? = nil
    init(sql: String, preparing: Bool, wait: @escaping () throws -> (rows: [PGRow], changed: Int)) {
        self.sql = sql
        self.preparing = preparing
        self.wait = wait
    }
}

/// The answer of a statement sent with `PGSession.sendKeeping`, there once it was settled
/// (nil before, or when it failed: its error was thrown by the call that settled it).
final class PGKept {
    var result: (rows: [PGRow], changed: Int)?
}

/// The rows of a prepared statement's task, handed to the thread waiting for them.
final class PGPreparedAnswer: Sendable {
    private let result = Mutex<Result<[PostgresRow], any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ r: Result<[PostgresRow], any Error>) {
        result.withLock { $0 = r }
        done.signal()
    }

    func wait() throws -> [PostgresRow] {
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

/// One of the code's statements as a postgres-nio prepared statement. postgres-nio names a
/// prepared statement and reads its text and parameter types from the statement's TYPE
/// (`static` members); the store's statements are texts, so these travel as a task-local value
/// read by those members while `PostgresConnection.execute` runs. Rows are asked for in binary,
/// as for unnamed statements (postgres-nio sets the result formats of prepared statements).
struct PGPrepared: PostgresPreparedStatement {
    struct Text: Sendable {
        var name = "", sql = ""
        var types: [PostgresDataType] = []
    }
    typealias Row = PostgresRow
    @TaskLocal static var text = Text()
    static var name: String { text.name }
    static var sql: String { text.sql }
    /// The types of the values bound the first time (NULL: left to the server to infer); the
    /// name depends on them, so a call binding other types prepares a statement of its own.
    static var bindingDataTypes: [PostgresDataType] { text.types }

    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// A name per distinct text and parameter types, the same on every connection
    /// (`liaison_1`, `liaison_2`, …). Nil once 1,000 are named (the texts are the code's own, a
    /// few dozen; a NULL here or there adds a variant): then the statement runs unnamed.
    static func name(for sql: String, types: [PostgresDataType]) -> String? {
        let key = Key(sql: sql, types: types.map(\.rawValue))
        return names.withLock { names in
            if let n = names[key] { return n }
            guard names.count < 1_000 else { return nil }
            let n = "liaison_\(names.count + 1)"
            names[key] = n
            return n
        }
    }

    private struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    private static let names = Mutex<[Key: String]>([:])
}

/// Runs tasks on one NIO event loop: the prepared statements' tasks run where their
/// connection's channel lives.
final class PGLoopExecutor: TaskExecutor {
    let loop: any EventLoop
    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
