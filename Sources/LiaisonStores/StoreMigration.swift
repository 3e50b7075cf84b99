import Foundation
import LiaisonPostgres
import LiaisonStore

/// `liaison migrate --from sqlite:PATH --to postgres://…` (issue 17): an office's SQLite store
/// copied into PostgreSQL when it outgrows one instance.
///
/// - The target's schema is made current first (its migrations, as `liaison serve` would).
/// - Every table the target has is copied from the SQLite file, the columns both have, read
///   from ONE SQLite read transaction and written in ONE PostgreSQL transaction (all or
///   nothing), parents before children, ids kept (sequences moved past them).
/// - Nothing is dropped silently: a SQLite table the target lacks, or a column it lacks, that
///   holds data stops the migration before anything is written (an older PostgreSQL schema than
///   the SQLite one); empty ones are named and skipped.
/// - A target that holds rows is refused unless `replace` (then its tables are emptied in the
///   same transaction).
/// - Verified after the commit: per table, the row count and a checksum over the canonical form
///   of every row (`TableChecksum`), computed from the SQLite rows as copied and from the rows
///   read back from PostgreSQL, must be equal.
public enum StoreMigration {
    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var source: TableChecksum
        public var target: TableChecksum
        public var matches: Bool { source == target }
    }

    public struct Report: Sendable {
        public var tables: [TableReport]
        /// Tables and columns of the SQLite file the target has no place for (all empty).
        public var skipped: [String]
        public var verified: Bool { tables.allSatisfy(\.matches) }
    }

    /// Copies `sqlitePath` into the PostgreSQL store at `target`; `progress` gets a line now and then.
    public static func run(sqlitePath: String, target location: StoreLocation, replace: Bool, batch: Int = 500,
                           progress: (String) -> Void) throws -> Report {
        guard case .postgres(let target) = location else { throw StoreError(.invalid, "the target of a migration is a PostgreSQL store") }
        let source = try SQLiteExport(path: sqlitePath)
        let pg = try PostgresImport(target)
        defer { pg.close() }
        let tables = try pg.tables()
        var sums: [String: TableChecksum] = [:]
        var copied: [String: [PostgresImport.Column]] = [:]
        var skipped: [String] = []
        try source.read { sqlite in
            let have = try sqlite.tables()
            // What the target cannot hold: refused when it holds data.
            var lost: [String] = []
            let targetNames = Set(tables.map(\.name))
            for (name, columns) in have.sorted(by: { $0.key < $1.key }) {
                if !targetNames.contains(name) {
                    let n = try sqlite.count(name)
                    if n > 0 { lost.append("table \(name) (\(n) rows)") } else { skipped.append("table \(name) (empty)") }
                    continue
                }
                let targetColumns = Set(tables.first { $0.name == name }!.columns.map(\.name))
                for c in columns where !targetColumns.contains(c) {
                    let n = try sqlite.valuedRows(name, column: c)
                    if n > 0 { lost.append("column \(name).\(c) (\(n) values)") } else { skipped.append("column \(name).\(c) (no values)") }
                }
            }
            guard lost.isEmpty else {
                throw StoreError(.refused, "the PostgreSQL schema has no place for " + lost.joined(separator: ", ")
                                 + ": nothing was copied (update Liaison on the target side, or check the SQLite file)")
            }
            let existing = try pg.counts(tables).filter { $0.value > 0 }
            if !existing.isEmpty && !replace {
                throw StoreError(.refused, "the target database holds rows already ("
                                 + existing.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                                 + "): nothing was copied; give --replace-existing to empty it and copy")
            }
            try pg.write { w in
                if !existing.isEmpty {
                    progress("emptying the target's tables (--replace-existing)")
                    try w.truncate(tables)
                }
                for table in tables {
                    guard let sourceColumns = have[table.name] else { continue }
                    let columns = table.columns.filter { sourceColumns.contains($0.name) }
                    copied[table.name] = columns
                    let total = try sqlite.count(table.name)
                    var sum = TableChecksum()
                    var done = 0
                    var shownAt = 0
                    progress("\(table.name): \(total) rows")
                    try sqlite.rows(table.name, columns: columns.map(\.name), batch: batch) { rows in
                        var out: [[StoreValue]] = []
                        out.reserveCapacity(rows.count)
                        for row in rows {
                            let canonical = try zip(columns, row).map { c, v -> StoreValue in
                                do { return try c.type.canonical(v) } catch let e as StoreError {
                                    throw StoreError(.invalid, "\(table.name).\(c.name): \(e.description)")
                                }
                            }
                            sum.add(canonical)
                            out.append(canonical)
                        }
                        try w.insert(table, columns: columns, rows: out)
                        done += rows.count
                        if total >= 2_000, done - shownAt >= max(total / 10, 1) || done == total {
                            shownAt = done
                            progress("\(table.name): \(done)/\(total)")
                        }
                    }
                    try w.resetSequences(table)
                    sums[table.name] = sum
                }
            }
        }
        progress("verifying: counts and checksums read back from PostgreSQL")
        var reports: [TableReport] = []
        for table in tables {
            guard let columns = copied[table.name], let sum = sums[table.name] else { continue }
            reports.append(TableReport(table: table.name, source: sum, target: try pg.checksum(table, columns: columns, batch: batch)))
        }
        return Report(tables: reports, skipped: skipped)
    }
}
