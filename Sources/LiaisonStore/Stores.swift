import Foundation
import LiaisonCore

/// Where a store lives, as a configuration names it (`[store] url`).
public enum StoreLocation: Sendable, Equatable {
    /// A SQLite database file.
    case sqlite(path: String)
}

/// The one factory: opens the store a configuration names, as every role at once. Production
/// code opens stores only here (tests and benchmarks may construct a backend directly, for the
/// operations that are not part of any role: batch filing, cases with given numbers, WAL
/// checkpoints).
public enum Stores {
    public static func open(_ location: StoreLocation) throws -> any LiaisonStore {
        switch location {
        case .sqlite(let path): return try SQLiteStore(path: path)
        }
    }
}

/// The figures `liaison report` and `export` read (SQLite: `SQLiteReportQueries.swift`).
public protocol ReportQueries: Sendable {
    func reportCases(from: Date, to: Date, owner: String?, details: Bool) throws -> [ReportCase]
}

extension SQLiteStore: ReportQueries {}
