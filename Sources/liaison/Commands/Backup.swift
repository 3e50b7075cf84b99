import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

/// `liaison backup --out FILE|DIR [--keep N]`: a consistent copy of the SQLite store while the
/// service runs (SQLite's online backup), mode 0600. A directory gets `liaison-YYYYMMDD-HHMMSS.db`
/// (UTC) and, with `--keep N`, only its N newest such backups are kept. PostgreSQL: `pg_dump`.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the store to a backup file while the service runs (SQLite online backup).")
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Option(help: "The backup file to create (must not exist), or a directory to create a dated one in.") var out: String
    @Option(help: "With a directory: keep only this many newest backups in it.") var keep: Int?

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() async throws {
        let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
        guard let store = opened.store as? SQLiteStore else {
            throw ValidationError("liaison backup copies a SQLite store; back PostgreSQL up with pg_dump")
        }
        var isDirectory: ObjCBool = false
        let intoDirectory = FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) && isDirectory.boolValue
        if keep != nil && !intoDirectory { throw ValidationError("--keep needs --out to be a directory") }
        let path = intoDirectory ? (out as NSString).appendingPathComponent(BackupFiles.name(at: Date())) : out
        let started = ContinuousClock.now
        let check: StoreVerification
        do { check = try store.backup(to: path) } catch let e as StoreError { throw ValidationError(e.description) }
        let took = ContinuousClock.now - started
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        print("\(path): \(size) bytes in \(String(format: "%.3f", Double(took.components.attoseconds) / 1e18 + Double(took.components.seconds))) s; "
              + VerifyOutput.counts(check))
        if !check.isSound {
            VerifyOutput.printFaults(check)
            throw ExitCode.failure
        }
        if intoDirectory, let keep {
            for old in BackupFiles.beyond(keep, in: out) {
                try FileManager.default.removeItem(atPath: old)
                print("removed \(old)")
            }
        }
    }
}

/// `liaison restore FILE [--force]`: the backup becomes the store (`[store] url` or `--db`).
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the store by a backup (stop the service first).",
        discussion: "Refused when the backup does not verify, or when the store holds data and --force is not given.")
    @Argument(help: "The backup file.") var file: String
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Flag(help: "Replace a store that holds data.") var force = false

    func run() async throws {
        let target: String
        var key: StoreKey?
        if let db, ConfigLoading.path(config) == nil {
            target = db
            key = try KeyCommands.key(try KeyCommands.store(config: nil, db: db).0)
        } else {
            guard let path = ConfigLoading.path(config) else { throw ValidationError("pass --db PATH or --config FILE with [store] url") }
            let store: StoreConfig
            do { store = try LiaisonConfig.load(path: path).store(overridePath: db) } catch let e as ConfigError {
                throw ValidationError(e.description)
            }
            // PostgreSQL is restored with pg_restore from a pg_dump (README "Backups").
            guard let sqlitePath = store.sqlitePath else {
                throw ValidationError("liaison restore restores a SQLite store; \(store.displayName) is PostgreSQL: use pg_restore")
            }
            target = sqlitePath
            key = try KeyCommands.key(store)
        }
        do {
            let check = try SQLiteStore.restore(from: file, to: target, force: force, key: key)
            print("\(target) restored from \(file); " + VerifyOutput.counts(check))
        } catch let e as StoreError {
            throw ValidationError(e.description)
        }
    }
}

/// `liaison verify FILE [--json]`: integrity check, schema version and counts; exit 1 on a fault.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a store or backup file: integrity, schema version, counts (exit 1 on any fault).")
    @Argument(help: "The database or backup file.") var file: String
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "A liaison.toml whose store key opens an encrypted file's bodies (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The key file of an encrypted file (e.g. a backup made before a key rotation); overrides --config.") var keyFile: String?

    func run() async throws {
        let check: StoreVerification
        var key: StoreKey?
        do {
            if let keyFile {
                let material = try StoreKeyMaterial.load(path: keyFile, key: "--key-file")
                key = try StoreKey(bytes: material.bytes, source: material.source)
            } else if let path = ConfigLoading.path(config) {
                key = try LiaisonConfig.load(path: path).store().storeKey()
            } else {
                key = try StoreConfig.sqlite(path: file).storeKey()
            }
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        }
        do { check = try SQLiteStore.verify(path: file, key: key) } catch let e as StoreError { throw ValidationError(e.description) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(check), as: UTF8.self))
        } else {
            print("\(file): integrity \(check.integrity == ["ok"] ? "ok" : "FAILED"), schema \(check.schemaVersion ?? "none")"
                  + (check.pendingMigrations.isEmpty ? "" : " (\(check.pendingMigrations.count) migration(s) to apply on open)"))
            print(VerifyOutput.counts(check))
            print("encryption at rest: " + (check.sealing ?? "off"))
            VerifyOutput.printFaults(check)
        }
        if !check.isSound { throw ExitCode.failure }
    }
}

enum VerifyOutput {
    static func counts(_ c: StoreVerification) -> String {
        "\(c.cases) case(s), \(c.messages) message(s), \(c.held) held, \(c.reminders) reminder(s), \(c.outbox) outbox row(s)"
    }

    static func printFaults(_ c: StoreVerification) {
        for f in c.faults { FileHandle.standardError.write(Data("fault: \(f)\n".utf8)) }
    }
}

/// Dated backup names in a directory, and which of them fall beyond the newest N.
enum BackupFiles {
    static func name(at date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "liaison-" + f.string(from: date) + ".db"
    }

    /// Backups (`liaison-*.db`) in `directory` older than its `keep` newest (names sort by time).
    static func beyond(_ keep: Int, in directory: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("liaison-") && $0.hasSuffix(".db") }.sorted(by: >)
        return names.dropFirst(keep).map { (directory as NSString).appendingPathComponent($0) }
    }
}
