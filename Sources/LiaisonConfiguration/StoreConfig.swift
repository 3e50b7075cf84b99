import Foundation
import LiaisonCore

/// The `[store]` section (shared/docs/configuration.md): `url = "sqlite:PATH"` (also
/// `sqlite://PATH` with an absolute path); `postgres://…` is reserved for a later backend.
/// `[store] case_number_pattern` overrides the case numbering (`CaseNumbering`).
public struct StoreConfig: Sendable, Equatable {
    /// The SQLite database file.
    public var sqlitePath: String
    public var numbering: CaseNumbering

    public init(sqlitePath: String, numbering: CaseNumbering = CaseNumbering()) {
        self.sqlitePath = sqlitePath
        self.numbering = numbering
    }

    /// Reads a store URL.
    public static func parse(url: String) throws -> String {
        let key = "store.url"
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            throw ConfigError(key: key, problem: "PostgreSQL is not supported yet",
                              fix: "use url = \"sqlite:/var/lib/liaison/liaison.db\" until the PostgreSQL backend ships")
        }
        var path: Substring
        if url.hasPrefix("sqlite://") {
            path = url.dropFirst("sqlite://".count)
        } else if url.hasPrefix("sqlite:") {
            path = url.dropFirst("sqlite:".count)
        } else {
            throw ConfigError(key: key, problem: "`\(url)` is not a store URL", fix: "write url = \"sqlite:/path/to/liaison.db\"")
        }
        guard !path.isEmpty else {
            throw ConfigError(key: key, problem: "names no database file", fix: "write url = \"sqlite:/path/to/liaison.db\"")
        }
        return String(path)
    }
}

extension LiaisonConfig {
    /// The `[store]` section; `overridePath` (the `--db` flag) replaces its url.
    public func store(overridePath: String? = nil) throws -> StoreConfig {
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
        if let overridePath { return StoreConfig(sqlitePath: overridePath, numbering: CaseNumbering(pattern: pattern)) }
        guard let r else {
            throw ConfigError(key: "store.url", problem: "is missing", fix: "add [store] url = \"sqlite:/var/lib/liaison/liaison.db\", or pass --db PATH")
        }
        return StoreConfig(sqlitePath: try StoreConfig.parse(url: try r.string("url")), numbering: CaseNumbering(pattern: pattern))
    }
}
