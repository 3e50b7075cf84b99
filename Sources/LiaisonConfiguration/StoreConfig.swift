import Foundation
import LiaisonCore
import TOMLKit

/// The `[store]` section (shared/docs/configuration.md): `url = "sqlite:PATH"` (also
/// `sqlite://PATH` with an absolute path) or `url = "postgres://USER@HOST:PORT/DATABASE"` with
/// `password_file` / `password_env` / the systemd credential `store-password` (never a password
/// in the file or the URL) and `sslmode` (`verify-full`, the default, or `require`; `disable`
/// only for a loopback host). `[store] case_number_pattern` overrides the case numbering.
public struct StoreConfig: Sendable, Equatable {
    public var backend: StoreBackend
    public var numbering: CaseNumbering
    /// The store key (encryption at rest: `[store] key_file` or the credential `store-key`); nil: off.
    public var key: StoreKeyMaterial?

    public init(backend: StoreBackend, numbering: CaseNumbering = CaseNumbering(), key: StoreKeyMaterial? = nil) {
        self.backend = backend
        self.numbering = numbering
        self.key = key
    }

    public init(sqlitePath: String, numbering: CaseNumbering = CaseNumbering(), key: StoreKeyMaterial? = nil) {
        self.init(backend: .sqlite(path: sqlitePath), numbering: numbering, key: key)
    }

    /// A SQLite store given by `--db` without a configuration: its key can only come from the
    /// systemd credential `store-key` (`$CREDENTIALS_DIRECTORY/store-key`).
    public static func sqlite(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreConfig {
        StoreConfig(sqlitePath: path, key: try StoreKeyMaterial.read(table: nil, environment: environment))
    }

    /// The SQLite database file; nil for PostgreSQL.
    public var sqlitePath: String? {
        if case .sqlite(let path) = backend { return path }
        return nil
    }

    /// Where the store is, for messages and logs (never the password).
    public var displayName: String {
        switch backend {
        case .sqlite(let path): return path
        case .postgres(let p): return p.url
        }
    }

    /// Reads a SQLite store URL (a PostgreSQL URL is read by `LiaisonConfig.store()`).
    public static func parse(url: String) throws -> String {
        let key = "store.url"
        var path: Substring
        if url.hasPrefix("sqlite://") {
            path = url.dropFirst("sqlite://".count)
        } else if url.hasPrefix("sqlite:") {
            path = url.dropFirst("sqlite:".count)
        } else {
            throw ConfigError(key: key, problem: "`\(url)` is not a store URL",
                              fix: "write url = \"sqlite:/path/to/liaison.db\" or url = \"postgres://USER@HOST:5432/DATABASE\"")
        }
        guard !path.isEmpty else {
            throw ConfigError(key: key, problem: "names no database file", fix: "write url = \"sqlite:/path/to/liaison.db\"")
        }
        return String(path)
    }
}

/// Which backend `[store] url` names.
public enum StoreBackend: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresStoreSettings)
}

/// A PostgreSQL store as configured: the URL's parts, the password read from its file, variable
/// or credential (held here, never printed: `description` leaves it out), and the TLS mode.
public struct PostgresStoreSettings: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, require
        case verifyFull = "verify-full"
    }
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var sslMode: SSLMode
    /// At most this many connections (`[store] max_connections`, default 8).
    public var maxConnections: Int
    /// How long an instance's claim on an outbox row lasts unrenewed (`[store] outbox_lease`,
    /// default 2 min): a crashed sender's rows are sent by another instance after it. Longer
    /// than one SMTP send can take.
    public var outboxLease: TimeInterval = 120

    public init(host: String, port: Int, user: String, database: String, password: String?, sslMode: SSLMode,
                maxConnections: Int = 8) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
        self.sslMode = sslMode
        self.maxConnections = maxConnections
    }

    /// The URL without a password.
    public var url: String { "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    public var description: String { "\(url) (sslmode \(sslMode.rawValue), password \(password == nil ? "none" : "set"))" }

    /// 127.0.0.0/8, ::1, localhost.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    /// Reads `postgres://USER@HOST:PORT/DATABASE` (also `postgresql://`); errors name `store.url`.
    static func parse(url: String) throws -> (host: String, port: Int, user: String, database: String) {
        let key = "store.url"
        let fix = "write url = \"postgres://USER@HOST:5432/DATABASE\""
        guard let c = URLComponents(string: url), let rawHost = c.host, !rawHost.isEmpty else {
            throw ConfigError(key: key, problem: "is not a PostgreSQL URL of the form postgres://USER@HOST:PORT/DATABASE", fix: fix)
        }
        guard c.password == nil else {
            throw ConfigError(key: key, problem: "the URL carries a password, which would sit in the configuration file",
                              fix: "remove it from the URL; use password_file (mode 0600), password_env, or the systemd credential store-password")
        }
        guard let user = c.user, !user.isEmpty else { throw ConfigError(key: key, problem: "the URL names no user", fix: fix) }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw ConfigError(key: key, problem: "the URL names no database", fix: fix)
        }
        guard c.query == nil else {
            throw ConfigError(key: key, problem: "URL parameters are not read", fix: "give sslmode and the password as [store] keys")
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        return (host, c.port ?? 5432, user.removingPercentEncoding ?? user, database.removingPercentEncoding ?? database)
    }
}

extension LiaisonConfig {
    /// The keys of `[store]` (`ConfigValidation.knownKeys`).
    static let storeKeys: Set<String> = ["url", "case_number_pattern", "password_file", "password_env", "sslmode", "max_connections",
                                         "key_file", "outbox_lease"]

    /// The `[store]` section; `overridePath` (the `--db` flag) replaces its url.
    public func store(overridePath: String? = nil) throws -> StoreConfig {
        try store(overridePath: overridePath, environment: ProcessInfo.processInfo.environment)
    }

    /// `[store]` with an explicit environment (`password_env`, `$CREDENTIALS_DIRECTORY`; for tests).
    public func store(overridePath: String? = nil, environment: [String: String]) throws -> StoreConfig {
        let table = document["store"]?.table
        let r = table.map { TableReader(table: $0, prefix: "store") }
        var pattern = CaseNumbering.defaultPattern
        if let r, let p = try r.optionalString("case_number_pattern") {
            guard p.contains("{seq") else {
                throw ConfigError(key: "store.case_number_pattern", problem: "`\(p)` has no {seq:N}",
                                  fix: "include a serial, e.g. \"{E|N}C{yyyyMMdd}-{seq:3}\"")
            }
            pattern = p
        }
        let numbering = CaseNumbering(pattern: pattern)
        let key = try StoreKeyMaterial.read(table: table, environment: environment, configPath: path)
        if let overridePath { return StoreConfig(sqlitePath: overridePath, numbering: numbering, key: key) }
        guard let r, let table else {
            throw ConfigError(key: "store.url", problem: "is missing", fix: "add [store] url = \"sqlite:/var/lib/liaison/liaison.db\", or pass --db PATH")
        }
        if table["password"] != nil {
            throw ConfigError(key: "store.password", problem: "passwords are not accepted in the configuration file",
                              fix: "remove it; use password_file (mode 0600), password_env, or the systemd credential store-password")
        }
        let url = try r.string("url")
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            for k in ["password_file", "password_env", "sslmode", "max_connections", "outbox_lease"] where table[k] != nil {
                throw ConfigError(key: "store.\(k)", problem: "applies to a PostgreSQL store only", fix: "remove it, or use a postgres:// url")
            }
            return StoreConfig(sqlitePath: try StoreConfig.parse(url: url), numbering: numbering, key: key)
        }
        let parts = try PostgresStoreSettings.parse(url: url)
        var mode = PostgresStoreSettings.SSLMode.verifyFull
        if let m = try r.optionalString("sslmode") {
            guard let parsed = PostgresStoreSettings.SSLMode(rawValue: m) else {
                throw ConfigError(key: "store.sslmode", problem: "`\(m)` is not a TLS mode",
                                  fix: "write sslmode = \"verify-full\" (the default) or \"require\"")
            }
            mode = parsed
        }
        var settings = PostgresStoreSettings(host: parts.host, port: parts.port, user: parts.user, database: parts.database,
                                             password: nil, sslMode: mode)
        if mode == .disable && !settings.isLoopback {
            throw ConfigError(key: "store.sslmode",
                              problem: "sslmode = \"disable\" would send the database traffic unencrypted to \(parts.host), which is not a loopback address",
                              fix: "use sslmode = \"verify-full\" (or \"require\"); \"disable\" is accepted for 127.0.0.1, ::1 or localhost only")
        }
        if let n = table["max_connections"] {
            guard let v = n.int, (1...100).contains(v) else {
                throw ConfigError(key: "store.max_connections", problem: "is not a number from 1 to 100", fix: "write e.g. max_connections = 8")
            }
            settings.maxConnections = v
        }
        if let v = table["outbox_lease"] {
            guard let text = v.string, let d = MailConfigDuration.seconds(text), (10...3600).contains(d) else {
                throw ConfigError(key: "store.outbox_lease", problem: "is not a duration from 10 s to 1 h",
                                  fix: "write e.g. outbox_lease = \"2m\" (longer than one SMTP send can take)")
            }
            settings.outboxLease = d
        }
        settings.password = try SecretSource(table: table, section: "store", environment: environment)
            .password(credentialName: "store-password")
        if let key {
            // Sealing lives in the SQLite store's row code; PostgresStore has its own and does not seal.
            throw ConfigError(key: "store.key_file",
                              problem: "encryption at rest (\(key.source)) is built for the SQLite store only; this store is PostgreSQL",
                              fix: "remove key_file (and the credential store-key) and encrypt the PostgreSQL server's storage instead (an encrypted volume)")
        }
        return StoreConfig(backend: .postgres(settings), numbering: numbering)
    }
}
