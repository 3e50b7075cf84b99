import Foundation
import LiaisonStore
import PostgresNIO

/// The PostgreSQL side of `liaison migrate` (issue 17): the target's tables as its migrations
/// made them (columns, types, primary keys, the order foreign keys need), rows written in ONE
/// transaction, sequences moved past the copied ids, and each table's checksum read back.
public final class PostgresImport {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: StoreColumnType
    }

    public struct Table: Sendable, Equatable {
        public var name: String
        public var columns: [Column]
        public var primaryKey: [String]
    }

    let store: PostgresStore

    /// Connects and brings the target's schema up to date (its migrations, as `liaison serve` would).
    public init(_ location: PostgresLocation) throws {
        store = try PostgresStore(location)
    }

    public func close() { store.close() }

    /// The store's tables (not `schema_migrations`), parents before the tables that refer to them.
    public func tables() throws -> [Table] {
        try store.snapshot { s in
            var columns: [String: [Column]] = [:]
            for r in try s.rows("""
                SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d FROM information_schema.columns
                WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position
                """) {
                let t: String = try r["t"], c: String = try r["c"], d: String = try r["d"]
                guard t != "schema_migrations" else { continue }
                guard let type = StoreColumnType(postgresType: d) else {
                    throw StoreError(.invalid, "column \(t).\(c) has the type \(d), which migrate does not copy")
                }
                columns[t, default: []].append(Column(name: c, type: type))
            }
            var keys: [String: [String]] = [:]
            for r in try s.rows("""
                SELECT tc.table_name::text AS t, k.column_name::text AS c FROM information_schema.table_constraints tc
                JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
                WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() ORDER BY tc.table_name, k.ordinal_position
                """) {
                let t: String = try r["t"], c: String = try r["c"]
                keys[t, default: []].append(c)
            }
            var parents: [String: Set<String>] = [:]
            for r in try s.rows("""
                SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint
                WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
                """) {
                let child: String = try r["child"], parent: String = try r["parent"]
                if child != parent { parents[child, default: []].insert(parent) }
            }
            // Parents first (a topological order; ties by name, so the order is stable).
            var ordered: [Table] = []
            var placed = Set<String>()
            var left = columns.keys.sorted()
            while !left.isEmpty {
                guard let next = left.first(where: { (parents[$0] ?? []).subtracting(placed).isEmpty }) else {
                    throw StoreError(.invalid, "the foreign keys of \(left.joined(separator: ", ")) form a cycle")
                }
                guard let key = keys[next], !key.isEmpty else { throw StoreError(.invalid, "table \(next) has no primary key") }
                ordered.append(Table(name: next, columns: columns[next]!, primaryKey: key))
                placed.insert(next)
                left.removeAll { $0 == next }
            }
            return ordered
        }
    }

    /// Rows per table (every table of `tables()`), from one snapshot.
    public func counts(_ tables: [Table]) throws -> [String: Int] {
        try store.snapshot { s in
            var out: [String: Int] = [:]
            for t in tables { out[t.name] = try s.value("SELECT COUNT(*) FROM \(Self.quoted(t.name))", as: Int.self) ?? 0 }
            return out
        }
    }

    /// `body` in one transaction: everything it writes is committed together, or nothing.
    public func write<T>(_ body: (Writer) throws -> T) throws -> T {
        try store.transaction { s in try body(Writer(s: s)) }
    }

    public struct Writer {
        let s: PGSession

        /// Empties the store's tables (`--into-nonempty --replace`): children first.
        public func truncate(_ tables: [Table]) throws {
            guard !tables.isEmpty else { return }
            try s.execute("TRUNCATE \(tables.map { PostgresImport.quoted($0.name) }.joined(separator: ", ")) RESTART IDENTITY")
        }

        /// Inserts `rows` (already canonical for `columns`' types) into `table`.
        public func insert(_ table: Table, columns: [Column], rows: [[StoreValue]]) throws {
            guard !rows.isEmpty else { return }
            let names = columns.map { PostgresImport.quoted($0.name) }.joined(separator: ", ")
            // At most 30,000 parameters per statement (PostgreSQL's limit is 65,535).
            let perStatement = max(1, 30_000 / max(columns.count, 1))
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(start + perStatement, rows.count)]
                var args: [PGArg] = []
                args.reserveCapacity(chunk.count * columns.count)
                var tuples: [String] = []
                for row in chunk {
                    tuples.append("(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")")
                    for (c, v) in zip(columns, row) { args.append(try PostgresImport.argument(v, c.type)) }
                }
                try s.execute("INSERT INTO \(PostgresImport.quoted(table.name)) (\(names)) VALUES " + tuples.joined(separator: ", "), args)
                start += chunk.count
            }
        }

        /// Moves each serial column's sequence past the highest id copied (new rows get new ids).
        public func resetSequences(_ table: Table) throws {
            for c in table.columns where c.type == .integer {
                guard let seq: String = try s.value("SELECT pg_get_serial_sequence(?, ?)", [PostgresImport.quoted(table.name), c.name]) else { continue }
                try s.execute("SELECT setval(?::regclass, COALESCE((SELECT MAX(\(PostgresImport.quoted(c.name))) FROM \(PostgresImport.quoted(table.name))), 1), (SELECT COUNT(*) > 0 FROM \(PostgresImport.quoted(table.name))))", [seq])
            }
        }
    }

    /// A table's checksum over `columns` (`TableChecksum`), read back in primary-key batches
    /// from one snapshot.
    public func checksum(_ table: Table, columns: [Column], batch: Int = 500) throws -> TableChecksum {
        try store.snapshot { s in
            var sum = TableChecksum()
            let list = columns.map { Self.quoted($0.name) }.joined(separator: ", ")
            let keyList = table.primaryKey.map(Self.quoted).joined(separator: ", ")
            let keyTypes = table.primaryKey.map { k in table.columns.first { $0.name == k }!.type }
            var last: [StoreValue]? = nil
            while true {
                var sql = "SELECT \(keyList), \(list) FROM \(Self.quoted(table.name))"
                var args: [PGArg] = []
                if let last {
                    sql += " WHERE (\(keyList)) > (\(Array(repeating: "?", count: last.count).joined(separator: ", ")))"
                    args = try zip(last, keyTypes).map { try Self.argument($0, $1) }
                }
                sql += " ORDER BY \(keyList) LIMIT \(batch)"
                let rows = try s.rows(sql, args)
                if rows.isEmpty { return sum }
                for r in rows {
                    let key = try keyTypes.enumerated().map { try Self.value(r, $0.offset, $0.element) }
                    let values = try columns.enumerated().map { try Self.value(r, keyTypes.count + $0.offset, $0.element.type) }
                    sum.add(values)
                    last = key
                }
            }
        }
    }

    static func value(_ r: PGRow, _ i: Int, _ type: StoreColumnType) throws -> StoreValue {
        switch type {
        case .integer:
            let v: Int64? = try r[i]
            return v.map { .integer($0) } ?? .null
        case .real:
            let v: Double? = try r[i]
            return v.map { .real($0) } ?? .null
        case .boolean:
            let v: Bool? = try r[i]
            return v.map { .integer($0 ? 1 : 0) } ?? .null
        case .text:
            let v: String? = try r[i]
            return v.map { .text($0) } ?? .null
        case .bytes:
            let v: Data? = try r[i]
            return v.map { .blob([UInt8]($0)) } ?? .null
        }
    }

    static func argument(_ v: StoreValue, _ type: StoreColumnType) throws -> PGArg {
        switch (type, v) {
        case (_, .null): return nil
        case (.integer, .integer(let i)): return i
        case (.real, .real(let d)): return d
        case (.boolean, .integer(let i)): return i != 0
        case (.text, .text(let t)): return t
        case (.bytes, .blob(let b)): return Data(b)
        default: throw StoreError(.invalid, "\(v.kindName) is not canonical for \(type.rawValue)")
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
