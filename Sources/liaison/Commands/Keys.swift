import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonStore

/// `liaison keys status|enable|rotate` (issue 18): encryption at rest of the SQLite store. The key
/// (KEK) comes from `[store] key_file` or the systemd credential `store-key`, never from the
/// configuration file; it wraps the store's random data key, which seals the bodies.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encryption at rest: show it, turn it on for a store with mail, or rotate the store key.",
        subcommands: [Status.self, Enable.self, Rotate.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether the store is encrypted, under which key (its fingerprint, never the key), and whether the configured key opens it.",
            discussion: "Exit status 1 when the store is encrypted and the configured key is missing or does not open it.")
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?

        func run() async throws {
            let (cfg, path) = try KeyCommands.store(config: config, db: db)
            let key = try KeyCommands.key(cfg)
            let status: SealStatus
            do { status = try SQLiteStore.sealStatus(path: path, key: key) } catch let e as StoreError { throw ValidationError(e.description) }
            print("store: \(path)")
            if let kek = status.kekFingerprint {
                print("encryption at rest: on (AES-256-GCM; \(status.bodies) body(ies) sealed; data key wrapped under key \(kek))")
                if let key {
                    if status.keyOpens == true {
                        print("configured key: \(key.fingerprint) (\(key.source)): opens the store; data key \(status.dataKeyFingerprint ?? "?")")
                    } else {
                        print("configured key: \(key.fingerprint) (\(key.source)): does NOT open the store (it needs key \(kek))")
                        throw ExitCode.failure
                    }
                } else {
                    print("configured key: none: the store cannot be opened (set [store] key_file or the credential store-key)")
                    throw ExitCode.failure
                }
            } else {
                print("encryption at rest: off (\(status.bodies) body(ies) in clear)")
                if let key {
                    print("configured key: \(key.fingerprint) (\(key.source)): "
                          + (status.bodies == 0 ? "encryption starts when the store is next opened"
                                                : "run `liaison keys enable` (service stopped) to encrypt the bodies; until then the store is refused"))
                } else {
                    print("configured key: none ([store] key_file or the credential store-key turns encryption on; see README)")
                }
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt every body of a store that holds mail in clear, under the configured key (stop the service first).",
            discussion: "One transaction (all or nothing), then VACUUM so no clear body stays in the file or its WAL. "
                + "Progress goes to stderr.")
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?

        func run() async throws {
            let (cfg, path) = try KeyCommands.store(config: config, db: db)
            guard let key = try KeyCommands.key(cfg) else {
                throw ValidationError("no store key is configured: set [store] key_file (a file of mode 0600 holding 32 random bytes) or the credential store-key")
            }
            let started = ContinuousClock.now
            let sealed: Int
            do {
                sealed = try SQLiteStore.enableSealing(path: path, key: key) { done, total in
                    FileHandle.standardError.write(Data("sealing bodies: \(done)/\(total)\n".utf8))
                }
            } catch let e as StoreError {
                throw ValidationError(e.description)
            }
            let took = ContinuousClock.now - started
            print("\(path): encryption at rest on; \(sealed) body(ies) sealed under key \(key.fingerprint) in "
                  + String(format: "%.2f s", Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap the store's data key under a new key (the old one is the configured key).",
            discussion: "Atomic (one transaction), then VACUUM drops the old wrapping from the file. The bodies are not "
                + "rewritten. Afterwards put the new key where [store] key_file or the credential store-key points; "
                + "backups made before keep needing the old key.")
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "The new key file (mode 0600; 32 bytes, 64 hex digits or base64).") var newKeyFile: String

        func run() async throws {
            let (cfg, path) = try KeyCommands.store(config: config, db: db)
            guard let old = try KeyCommands.key(cfg) else {
                throw ValidationError("no store key is configured, so there is none to rotate: set [store] key_file to the current key")
            }
            let new: StoreKey
            do {
                let material = try StoreKeyMaterial.load(path: newKeyFile, key: "--new-key-file")
                new = try StoreKey(bytes: material.bytes, source: material.source)
            } catch let e as ConfigError {
                throw ValidationError(e.description)
            } catch let e as StoreError {
                throw ValidationError(e.description)
            }
            guard new.fingerprint != old.fingerprint else { throw ValidationError("--new-key-file holds the key in use (\(old.fingerprint))") }
            do {
                let store = try SQLiteStore(path: path, key: old)
                try store.rotateKey(to: new)
            } catch let e as StoreError {
                throw ValidationError(e.description)
            }
            print("\(path): data key re-wrapped: key \(old.fingerprint) → \(new.fingerprint)")
            print("now install \(newKeyFile) where [store] key_file (or LoadCredential=store-key) points, then restart the service; "
                  + "keep the old key for backups made before this rotation")
        }
    }
}

enum KeyCommands {
    /// The store configuration (with its key) and its SQLite file; PostgreSQL is refused.
    static func store(config: String?, db: String?) throws -> (StoreConfig, String) {
        let cfg: StoreConfig
        do {
            if let path = ConfigLoading.path(config) {
                cfg = try LiaisonConfig.load(path: path).store(overridePath: db)
            } else if let db {
                cfg = try StoreConfig.sqlite(path: db)
            } else {
                throw ValidationError("pass --db PATH or --config FILE with [store] url")
            }
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        }
        guard let path = cfg.sqlitePath else {
            throw ValidationError("encryption at rest is built for the SQLite store only; \(cfg.displayName) is PostgreSQL")
        }
        return (cfg, path)
    }

    static func key(_ cfg: StoreConfig) throws -> StoreKey? {
        do { return try cfg.storeKey() } catch let e as StoreError { throw ValidationError(e.description) }
    }
}
