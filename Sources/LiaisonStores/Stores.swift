import Foundation
@_exported import LiaisonPostgres
import LiaisonStore

/// Where a store lives, as a configuration names it (`[store] url`).
public enum StoreLocation: Sendable, Equatable {
    /// A SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL database (several instances may share it).
    case postgres(PostgresLocation)
}

/// The one factory: opens the store a configuration names, as every role at once. Production
/// code opens stores only here (tests and benchmarks may construct a backend directly, for the
/// operations that are not part of any role protocol: batch filing, cases with given numbers,
/// WAL checkpoints). It sits above both backends (LiaisonStore → SQLite, LiaisonPostgres).
public enum Stores {
    /// `key`: encryption at rest (SQLite only; a key with PostgreSQL is refused).
    public static func open(_ location: StoreLocation, key: StoreKey? = nil) throws -> any LiaisonStore {
        switch location {
        case .sqlite(let path): return try SQLiteStore(path: path, key: key)
        case .postgres(let pg):
            if let key {
                throw StoreError(.refused, "encryption at rest (\(key.source)) is built for the SQLite store only; postgres://\(pg.host)/\(pg.database) is PostgreSQL")
            }
            return try PostgresStore(pg)
        }
    }
}
