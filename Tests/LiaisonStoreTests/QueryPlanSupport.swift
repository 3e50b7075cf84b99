import Foundation
import GRDB
@testable import LiaisonStore
import LiaisonTestSupport

/// A new SQLite store (every migration applied) in a temporary folder removed after `body`.
func withTemporarySQLiteStore<T>(_ name: String, _ body: (SQLiteStore) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(try TestStores.sqlite(path: dir.appendingPathComponent("s.db").path))
}

extension SQLiteStore {
    /// SQLite's EXPLAIN QUERY PLAN for `sql`: its steps' details joined by "; ".
    func queryPlan(_ sql: String, _ arguments: StatementArguments) throws -> String {
        try pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                .joined(separator: "; ")
        }
    }
}
