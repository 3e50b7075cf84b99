import Foundation
import GRDB
import LiaisonCore

// `liaison migrate` (issue 17): the pieces on the SQLite side and the backend-neutral ones — a
// value as both databases hold it, its canonical form, and a table's checksum over those forms.

/// One column's value, as it is copied and compared between backends.
public enum StoreValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// What a target column holds (PostgreSQL's `information_schema.columns.data_type`, grouped).
public enum StoreColumnType: String, Sendable, Equatable {
    case integer, real, boolean, text, bytes

    /// Nil for a type no table of this schema uses.
    public init?(postgresType t: String) {
        switch t {
        case "bigint", "integer", "smallint": self = .integer
        case "double precision", "real", "numeric": self = .real
        case "boolean": self = .boolean
        case "text", "character varying", "character": self = .text
        case "bytea": self = .bytes
        default: return nil
        }
    }

    /// `value` (as SQLite stored it) in this type's canonical form, the form the copy writes and
    /// the checksum reads on both sides: booleans 0/1, times and amounts as doubles, mail bytes
    /// as bytes. Throws when the value cannot be that type (nothing is guessed).
    public func canonical(_ value: StoreValue) throws -> StoreValue {
        switch (self, value) {
        case (_, .null): return .null
        case (.integer, .integer): return value
        case (.integer, .real(let d)) where d.rounded() == d && abs(d) < 9.0e18: return .integer(Int64(d))
        case (.real, .integer(let i)): return .real(Double(i))
        case (.real, .real): return value
        case (.boolean, .integer(let i)) where i == 0 || i == 1: return .integer(i)
        case (.text, .text): return value
        case (.text, .blob(let b)):
            guard let s = String(validatingUTF8Bytes: b) else { throw StoreError(.invalid, "bytes that are not UTF-8 in a text column") }
            return .text(s)
        case (.bytes, .blob): return value
        case (.bytes, .text(let s)): return .blob(Array(s.utf8))
        default: throw StoreError(.invalid, "\(value.kindName) cannot be stored as \(rawValue)")
        }
    }
}

extension String {
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let s = String(bytes: bytes, encoding: .utf8) else { return nil }
        self = s
    }
}

extension StoreValue {
    public var kindName: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return "the integer \(i)"
        case .real(let d): return "the number \(d)"
        case .text: return "text"
        case .blob(let b): return "\(b.count) bytes"
        }
    }
}

/// A table's checksum: the number of rows and the wrapping sums of two 64-bit halves of each
/// row's SHA-256 over its canonical form (tagged, length-prefixed values, columns in one
/// order). Independent of row order (the backends order text differently), computed the same
/// way on both sides.
public struct TableChecksum: Sendable, Equatable, CustomStringConvertible {
    public private(set) var rows = 0
    private var a: UInt64 = 0
    private var b: UInt64 = 0

    public init() {}

    public mutating func add(_ row: [StoreValue]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        func length(_ n: Int) { withUnsafeBytes(of: UInt64(n).bigEndian) { bytes.append(contentsOf: $0) } }
        for v in row {
            switch v {
            case .null: bytes.append(0)
            case .integer(let i): bytes.append(1); withUnsafeBytes(of: i.bigEndian) { bytes.append(contentsOf: $0) }
            case .real(let d): bytes.append(2); withUnsafeBytes(of: d.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
            case .text(let s): bytes.append(3); length(s.utf8.count); bytes.append(contentsOf: s.utf8)
            case .blob(let x): bytes.append(4); length(x.count); bytes.append(contentsOf: x)
            }
        }
        let digest = SHA256.hash(bytes)
        var x: UInt64 = 0, y: UInt64 = 0
        for i in 0..<8 { x = x << 8 | UInt64(digest[i]); y = y << 8 | UInt64(digest[8 + i]) }
        a = a &+ x
        b = b &+ y
        rows += 1
    }

    public var digest: String {
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
        return hex(a) + hex(b)
    }

    public var description: String { "\(rows) rows, \(digest)" }
}

/// A SQLite store read for copying: its tables and columns as the file has them, rows in
/// rowid order in batches, all from ONE read transaction (a consistent copy even while a
/// `liaison serve` writes to it). The file is opened read-only; no migration runs on it.
public final class SQLiteExport {
    private let queue: DatabaseQueue

    public init(path: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StoreError(.notFound, "no readable SQLite database at \(path)")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw StoreError(.unavailable, "cannot open \(path): \(error)")
        }
    }

    /// `body` inside one read transaction.
    public func read<T>(_ body: (Reader) throws -> T) throws -> T {
        do {
            return try queue.read { db in try body(Reader(db: db)) }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(.invalid, "reading the SQLite database: \(error)")
        }
    }

    public struct Reader {
        let db: Database

        /// Every table of the store (not SQLite's own nor GRDB's migration record), with its columns in order.
        public func tables() throws -> [String: [String]] {
            var out: [String: [String]] = [:]
            for name in try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                  AND name <> 'case_people'
                  AND name NOT LIKE 'case\\_search%' ESCAPE '\\'
                """) {
                out[name] = try Row.fetchAll(db, sql: "PRAGMA table_info(\(Self.quoted(name)))").map { $0["name"] as String }
            }
            return out
        }

        public func count(_ table: String) throws -> Int {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(Self.quoted(table))") ?? 0
        }

        /// Rows where `column` is neither NULL nor the column's declared default (what a copy without it would lose).
        public func valuedRows(_ table: String, column: String) throws -> Int {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(Self.quoted(table)) WHERE \(Self.quoted(column)) IS NOT NULL") ?? 0
        }

        /// The rows of `table`, `columns` only, in rowid order, `batch` at a time.
        /// The rows of `table`, `columns` only, in rowid order, `batch` at a time (a `WITHOUT ROWID`
        /// table, such as `store_secrets`, in one batch: they are small).
        public func rows(_ table: String, columns: [String], batch: Int, _ each: ([[StoreValue]]) throws -> Void) throws {
            guard !columns.isEmpty else { return }
            let list = columns.map(Self.quoted).joined(separator: ", ")
            let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]) ?? ""
            let withoutRowID = sql.uppercased().contains("WITHOUT ROWID")
            var last: Int64 = .min
            while true {
                let rows = withoutRowID
                    ? try Row.fetchAll(db, sql: "SELECT 0 AS \"liaison$rowid\", \(list) FROM \(Self.quoted(table))")
                    : try Row.fetchAll(db, sql: "SELECT rowid AS \"liaison$rowid\", \(list) FROM \(Self.quoted(table)) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                       arguments: [last, batch])
                if rows.isEmpty { return }
                last = rows.last!["liaison$rowid"]
                try each(rows.map { row in
                    (1...columns.count).map { i -> StoreValue in
                        switch (row[i] as DatabaseValue).storage {
                        case .null: return .null
                        case .int64(let n): return .integer(n)
                        case .double(let d): return .real(d)
                        case .string(let s): return .text(s)
                        case .blob(let data): return .blob([UInt8](data))
                        }
                    }
                })
                if withoutRowID { return }
            }
        }

        static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    }
}
