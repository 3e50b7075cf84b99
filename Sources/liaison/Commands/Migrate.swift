import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonStore
import LiaisonStores

/// `liaison migrate --from sqlite:PATH --to postgres://USER@HOST:PORT/DB` (issue 17): copies an
/// office's SQLite store into PostgreSQL (`StoreMigration`): every table in one transaction,
/// progress on standard error, then verified per table by row count and checksum. The password
/// comes from the same places as `[store]`'s: `--password-file`, `--password-env`, or the
/// systemd credential `store-password`; or `--config FILE` takes the target from that file's
/// `[store]`. A target holding rows is refused unless `--replace-existing`.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite store into PostgreSQL, verified by counts and checksums (stop the service first).",
        discussion: """
            The target's schema is created or upgraded first. All rows are copied in one transaction (all or nothing), \
            ids kept. Refused, before anything is written, when the target holds rows (unless --replace-existing, \
            which empties it in the same transaction) or when the SQLite file holds data the target's schema has no \
            place for. Exit 0 when every table's count and checksum match, 1 otherwise.
            """)

    @Option(help: "The SQLite store: sqlite:PATH.") var from: String
    @Option(help: "The PostgreSQL store: postgres://USER@HOST:PORT/DATABASE (no password in it).") var to: String?
    @Option(help: "TLS to PostgreSQL: verify-full (default), require, or disable (loopback hosts only).") var sslmode: String?
    @Option(help: "A file (mode 0600) holding the PostgreSQL password.") var passwordFile: String?
    @Option(help: "An environment variable holding the PostgreSQL password.") var passwordEnv: String?
    @Option(help: "Take the target from this liaison.toml's [store] instead of --to.") var config: String?
    @Flag(help: "Empty a target that holds rows, in the same transaction, and copy.") var replaceExisting = false
    @Option(help: "Rows read and written per batch.") var batch = 500

    func validate() throws {
        if (to == nil) == (config == nil) { throw ValidationError("give the target: --to postgres://… or --config FILE") }
        if config != nil && (sslmode != nil || passwordFile != nil || passwordEnv != nil) {
            throw ValidationError("--sslmode, --password-file and --password-env go with --to; with --config they come from its [store]")
        }
        if !(1...10_000).contains(batch) { throw ValidationError("--batch must be from 1 to 10000") }
    }

    func run() async throws {
        let sqlitePath: String
        do { sqlitePath = try StoreConfig.parse(url: from) } catch {
            throw ValidationError("--from: \(error) (write --from sqlite:/var/lib/liaison/liaison.db)")
        }
        let target = try targetLocation()
        let started = ContinuousClock.now
        let report: StoreMigration.Report
        do {
            report = try StoreMigration.run(sqlitePath: sqlitePath, target: target, replace: replaceExisting, batch: batch) { line in
                FileHandle.standardError.write(Data("liaison migrate: \(line)\n".utf8))
            }
        } catch let e as StoreError {
            FileHandle.standardError.write(Data("liaison migrate: \(e.description)\n".utf8))
            throw ExitCode.failure
        }
        let took = ContinuousClock.now - started
        for s in report.skipped { print("skipped \(s)") }
        let width = max(report.tables.map(\.table.count).max() ?? 5, 5)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(n - s.count, 0)) }
        print(pad("table", width) + "  " + pad("SQLite", 10) + "  " + pad("PostgreSQL", 10) + "  checksum")
        for t in report.tables {
            print(pad(t.table, width) + "  " + pad("\(t.source.rows)", 10) + "  " + pad("\(t.target.rows)", 10) + "  "
                  + (t.matches ? t.source.digest + " ok" : "\(t.source.digest) ≠ \(t.target.digest) MISMATCH"))
        }
        let rows = report.tables.reduce(0) { $0 + $1.source.rows }
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        if report.verified {
            print("migrated \(rows) rows in \(report.tables.count) tables in \(String(format: "%.1f", seconds)) s: counts and checksums match")
        } else {
            print("the copy does not match the SQLite store: see MISMATCH above")
            throw ExitCode.failure
        }
    }

    /// The target as `[store]` reads it (the same checks: no password in the URL, sslmode
    /// disable for loopback only, password from a file, a variable or a credential).
    func targetLocation() throws -> StoreLocation {
        let store: StoreConfig
        do {
            if let config {
                store = try LiaisonConfig.load(path: config).store()
            } else {
                var lines = ["[store]", "url = \(Self.toml(to ?? ""))"]
                if let sslmode { lines.append("sslmode = \(Self.toml(sslmode))") }
                if let passwordFile { lines.append("password_file = \(Self.toml(passwordFile))") }
                if let passwordEnv { lines.append("password_env = \(Self.toml(passwordEnv))") }
                store = try LiaisonConfig(toml: lines.joined(separator: "\n") + "\n").store()
            }
        } catch {
            throw ValidationError("the target: \(error)")
        }
        guard case .postgres = store.location else {
            throw ValidationError("the target must be a PostgreSQL store (postgres://USER@HOST:PORT/DATABASE)")
        }
        return store.location
    }

    /// A TOML basic string (quotes, backslashes and control characters escaped).
    static func toml(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20 || u.value == 0x7F: out += String(format: "\\u%04X", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
