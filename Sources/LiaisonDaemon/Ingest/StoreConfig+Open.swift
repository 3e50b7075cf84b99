import Foundation
import LiaisonStore

extension StoreConfig {
    /// Where `[store] url` (or `--db`) puts the store.
    public var location: StoreLocation { .sqlite(path: sqlitePath) }

    /// Opens the store this configuration names, through the one factory (`Stores.open`).
    public func open() throws -> any LiaisonStore { try Stores.open(location) }
}
