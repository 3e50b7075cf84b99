import Foundation
import LiaisonStore
import LiaisonStores

extension StoreConfig {
    /// Where `[store] url` (or `--db`) puts the store.
    public var location: StoreLocation {
        switch backend {
        case .sqlite(let path): return .sqlite(path: path)
        case .postgres(let p):
            let tls: PostgresLocation.TLSMode
            switch p.sslMode {
            case .disable: tls = .disable
            case .require: tls = .require
            case .verifyFull: tls = .verifyFull
            }
            return .postgres(PostgresLocation(host: p.host, port: p.port, user: p.user, database: p.database, password: p.password,
                                              tls: tls, maxConnections: p.maxConnections))
        }
    }

    /// Opens the store this configuration names, through the one factory (`Stores.open`).
    public func open() throws -> any LiaisonStore { try Stores.open(location, key: try storeKey()) }

    /// The store key of `[store] key_file` (or the credential `store-key`), nil when none is configured.
    public func storeKey() throws -> StoreKey? {
        try key.map { try StoreKey(bytes: $0.bytes, source: $0.source) }
    }
}
