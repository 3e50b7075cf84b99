import Foundation
import LiaisonDaemon
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Encryption at rest from the user's side (issue 18): the corpus ingested with a store key leaves
/// no word of any body in the database file or its WAL (and the same search finds them in a clear
/// store); the same cases come out; wrong, missing and misplaced keys are clear errors at start;
/// `keys rotate`, `keys enable`, `keys status`, `verify` with a key.
@Suite("liaison keys and encryption at rest (binary)")
struct KeysCommandTests {
    typealias CLI = InspectCommandTests

    static func freshDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return dir
    }

    /// A key file of 64 hex digits, mode 0600.
    static func writeKey(_ dir: String, _ name: String, seed: UInt8) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        let hex = (0..<32).map { String(format: "%02x", seed &+ UInt8($0) &* 13) }.joined() + "\n"
        FileManager.default.createFile(atPath: path, contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    /// The corpus's organisation and a SQLite store at `db` with `storeLines` (e.g. key_file).
    static func config(_ dir: String, db: String, _ storeLines: String = "", name: String = UUID().uuidString) throws -> String {
        try ConfigText.write([ConfigText.organization(), "[store]\nurl = \"sqlite:\(db)\"\n" + storeLines],
                             to: (dir as NSString).appendingPathComponent("liaison-\(name).toml"))
    }

    /// No store-key credential for the child (clear store), whatever LIAISON_TEST_SEAL set.
    static let noCredential = ["CREDENTIALS_DIRECTORY": ""]

    static func run(_ args: [String], env: [String: String] = noCredential) async throws -> CLI.Run {
        try await CLI.run(args, env: env)
    }

    static func ingest(_ args: [String], files: [String] = IngestCorpusTests.files, env: [String: String] = noCredential) async throws {
        let r = try await run(["ingest", "--quiet"] + args + files, env: env)
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// The file and its WAL: every byte the store wrote.
    static func storeBytes(_ db: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: db)) + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
    }

    /// Distinctive byte runs of a message's body as it arrived (after the header): runs of ASCII
    /// letters and digits, `+/=` (base64 and quoted-printable) and 8-bit bytes (GBK, Big5, UTF-8),
    /// 12 bytes or longer, distinct; the longest `limit`. A store that keeps the raw mail in clear
    /// holds every one of them.
    static func bodyRuns(_ raw: [UInt8], limit: Int = 25) -> [[UInt8]] {
        var start = 0
        for i in 0..<max(0, raw.count - 3) where raw[i] == 0x0D && raw[i + 1] == 0x0A && raw[i + 2] == 0x0D && raw[i + 3] == 0x0A {
            start = i + 4
            break
        }
        if start == 0, let i = (0..<max(0, raw.count - 1)).first(where: { raw[$0] == 0x0A && raw[$0 + 1] == 0x0A }) { start = i + 2 }
        func isRun(_ b: UInt8) -> Bool {
            b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2B || b == 0x2F || b == 0x3D
        }
        var runs: Set<[UInt8]> = []
        var current: [UInt8] = []
        for b in raw[start...] {
            if isRun(b) { current.append(b) } else {
                if current.count >= 12 { runs.insert(current) }
                current = []
            }
        }
        if current.count >= 12 { runs.insert(current) }
        return runs.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }.prefix(limit).map { $0 }
    }

    /// Words and phrases of a message's readable text (from `liaison inspect --json`): runs of
    /// four or more CJK characters and Latin words of eight letters or more.
    static func textPhrases(_ text: String) -> Set<String> {
        var out: Set<String> = []
        var cjk = "", latin = ""
        func flush() {
            if cjk.count >= 4 { out.insert(cjk) }
            if latin.count >= 8 { out.insert(latin) }
            cjk = ""; latin = ""
        }
        for ch in text {
            if let s = ch.unicodeScalars.first, (0x4E00...0x9FFF).contains(s.value) {
                if !latin.isEmpty { flush() }
                cjk.append(ch)
            } else if ch.isASCII && ch.isLetter {
                if !cjk.isEmpty { flush() }
                latin.append(ch)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// Every string the store shows in clear on purpose (metadata): cases, their messages'
    /// subjects and senders, recaps, items, events, reminders, held messages, as JSON values.
    static func metadataText(db: String, env: [String: String]) async throws -> String {
        var strings: [String] = []
        func collect(_ v: Any) {
            if let s = v as? String { strings.append(s) } else if let a = v as? [Any] { a.forEach(collect) } else if let d = v as? [String: Any] {
                for (k, x) in d { strings.append(k); collect(x) }
            }
        }
        let list = try await run(["cases", "list", "--json", "--db", db], env: env)
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        collect(cases)
        for c in cases {
            let n = try #require(c["number"] as? String)
            let show = try await run(["cases", "show", n, "--json", "--db", db], env: env)
            collect(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)))
        }
        for args in [["review", "list", "--json", "--db", db], ["reminders", "list", "--json", "--db", db]] {
            let r = try await run(args, env: env)
            if r.status == 0, let v = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) { collect(v) }
        }
        return strings.joined(separator: "\n")
    }

    @Test func noWordOfAnyCorpusBodyIsInTheSealedFileAndTheCasesAreTheSame() async throws {
        let dir = try Self.freshDir()
        let clearDB = (dir as NSString).appendingPathComponent("clear.db")
        let sealedDB = (dir as NSString).appendingPathComponent("sealed.db")
        let key = try Self.writeKey(dir, "store.key", seed: 11)
        let sealedConfig = try Self.config(dir, db: sealedDB, "key_file = \"\(key)\"\n")
        try await Self.ingest(["--config", CorpusLocation.configPath, "--db", clearDB])
        try await Self.ingest(["--config", sealedConfig])
        let status = try await Self.run(["keys", "status", "--config", sealedConfig])
        #expect(status.status == 0 && status.stdout.contains("encryption at rest: on"), "\(status.stdout)\(status.stderr)")

        let clear = try Self.storeBytes(clearDB), sealed = try Self.storeBytes(sealedDB)
        let metadata = Data(try await Self.metadataText(db: sealedDB, env: ["CREDENTIALS_DIRECTORY": "", "LIAISON_CONFIG": sealedConfig]).utf8)
        var checked = 0, phrasesChecked = 0, chinese = 0
        for file in IngestCorpusTests.files {
            let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            let runs = Self.bodyRuns(raw)
            #expect(!runs.isEmpty, "\(file): no distinctive run to test (a short body is one base64 line)")
            for run in runs {
                let needle = Data(run)
                // The search works: the clear store holds every run of every body.
                #expect(clear.range(of: needle) != nil, "\(file): a body run is missing from the clear store")
                // The sealed store holds none (unless the same bytes are metadata shown in clear).
                if sealed.range(of: needle) != nil && metadata.range(of: needle) == nil {
                    Issue.record("\(file): body bytes \(String(decoding: run.prefix(40), as: UTF8.self)) are in the sealed file")
                }
                checked += 1
            }
            // The readable text, decoded, in UTF-8 (Chinese too): no derived copy anywhere.
            let inspected = try await CLI.run(["inspect", "--json", "--config", CorpusLocation.configPath, file])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
            for phrase in Self.textPhrases(object["text"] as? String ?? "") {
                let needle = Data(phrase.utf8)
                guard metadata.range(of: needle) == nil else { continue }
                #expect(sealed.range(of: needle) == nil, "\(file): \(phrase) is in the sealed file")
                phrasesChecked += 1
                if phrase.unicodeScalars.first.map({ $0.value >= 0x4E00 }) == true { chinese += 1 }
            }
        }
        #expect(checked >= 40 && phrasesChecked >= 40 && chinese >= 20, "\(checked) runs, \(phrasesChecked) phrases (\(chinese) Chinese)")
        print("at rest: \(checked) body runs and \(phrasesChecked) text phrases (\(chinese) Chinese) searched; clear store \(clear.count) bytes, sealed \(sealed.count)")

        // Everything else behaves as without it: the same messages on the same cases.
        let clearPlacement = try await Self.placement(db: clearDB, env: Self.noCredential)
        let sealedPlacement = try await Self.placement(db: sealedDB, env: ["CREDENTIALS_DIRECTORY": "", "LIAISON_CONFIG": sealedConfig])
        #expect(!clearPlacement.isEmpty && clearPlacement == sealedPlacement)
    }

    /// Message-ID → case number, through `cases list` and `cases show`.
    static func placement(db: String, env: [String: String]) async throws -> [String: String] {
        let list = try await run(["cases", "list", "--json", "--db", db], env: env)
        #expect(list.status == 0, "\(list.stderr)")
        var out: [String: String] = [:]
        for c in (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? [] {
            let n = try #require(c["number"] as? String)
            let show = try await run(["cases", "show", n, "--json", "--db", db], env: env)
            #expect(show.status == 0, "\(show.stderr)")
            let one = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
            for m in (one["correspondence"] as? [[String: Any]]) ?? [] { if let id = m["messageID"] as? String { out[id] = n } }
        }
        return out
    }

    @Test func wrongMissingOrMisplacedKeysAreClearErrorsAtStart() async throws {
        let dir = try Self.freshDir()
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        let key = try Self.writeKey(dir, "store.key", seed: 21)
        let other = try Self.writeKey(dir, "other.key", seed: 99)
        let good = try Self.config(dir, db: db, "key_file = \"\(key)\"\n")
        try await Self.ingest(["--config", good], files: Array(IngestCorpusTests.files.prefix(3)))

        // No key for a sealed store: refused, saying what to do (never an empty read).
        let none = try await Self.run(["cases", "list", "--db", db])
        #expect(none.status != 0 && none.stderr.contains("encrypted at rest") && none.stderr.contains("key_file"), "\(none.stderr)")
        // Another key.
        let wrong = try await Self.run(["cases", "list", "--config", try Self.config(dir, db: db, "key_file = \"\(other)\"\n")])
        #expect(wrong.status != 0 && wrong.stderr.contains("does not open"), "\(wrong.stderr)")
        // A key file that is not there.
        let missing = try await Self.run(["cases", "list", "--config", try Self.config(dir, db: db, "key_file = \"\(dir)/nope.key\"\n")])
        #expect(missing.status != 0 && missing.stderr.contains("store.key_file") && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        // A key in the configuration file itself.
        let inFile = try await Self.run(["cases", "list", "--config", try Self.config(dir, db: db, "key = \"\(String(repeating: "ab", count: 32))\"\n")])
        #expect(inFile.status != 0 && inFile.stderr.contains("store.key") && inFile.stderr.contains("not accepted in the configuration file"), "\(inFile.stderr)")
        // A key file others can read.
        chmod(other, 0o644)
        let open = try await Self.run(["cases", "list", "--config", try Self.config(dir, db: db, "key_file = \"\(other)\"\n")])
        #expect(open.status != 0 && open.stderr.contains("chmod 600"), "\(open.stderr)")
        // The systemd credential works like key_file (a name under $CREDENTIALS_DIRECTORY).
        let creds = try Self.freshDir()
        try FileManager.default.copyItem(atPath: key, toPath: (creds as NSString).appendingPathComponent("store-key"))
        let byCredential = try await Self.run(["cases", "list", "--db", db], env: ["CREDENTIALS_DIRECTORY": creds])
        #expect(byCredential.status == 0, "\(byCredential.stderr)")
        let named = try await Self.run(["cases", "list", "--config", try Self.config(dir, db: db, "key_file = \"store-key\"\n")],
                                       env: ["CREDENTIALS_DIRECTORY": creds])
        #expect(named.status == 0, "\(named.stderr)")

        // `liaison serve` refuses to start with the wrong key, and check-config names a key in the file.
        let daemonConfig = { (store: String) throws -> String in
            try ConfigText.write([ConfigText.organization(), """
                [imap]
                url = "imaps://127.0.0.1:9/INBOX"
                username = "track@corp.example"
                password_env = "LIAISON_KEYS_TEST_PW"

                [smtp]
                url = "smtp://127.0.0.1:9"
                from = "Liaison <track@corp.example>"

                [store]
                url = "sqlite:\(db)"
                \(store)
                """, ConfigText.packageTemplates], to: (dir as NSString).appendingPathComponent("serve-\(UUID().uuidString).toml"))
        }
        let env = ["CREDENTIALS_DIRECTORY": "", "LIAISON_KEYS_TEST_PW": "x"]
        chmod(other, 0o600)
        let serve = try await Self.run(["serve", "--once", "--config", try daemonConfig("key_file = \"\(other)\"")], env: env)
        #expect(serve.status != 0 && serve.stderr.contains("cannot open the store") && serve.stderr.contains("does not open"), "\(serve.stderr)")
        let serveNoKey = try await Self.run(["serve", "--once", "--config", try daemonConfig("")], env: env)
        #expect(serveNoKey.status != 0 && serveNoKey.stderr.contains("encrypted at rest"), "\(serveNoKey.stderr)")
        let check = try await Self.run(["check-config", "--config", try daemonConfig("key = \"secret\"")], env: env)
        #expect(check.status != 0 && (check.stdout + check.stderr).contains("store.key"), "\(check.stdout)\(check.stderr)")

        // A tampered ciphertext byte: an error naming the row, not garbage text.
        let flip = try ChildProcess.run(URL(fileURLWithPath: ExportCommandTests.python), ["-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            (raw,) = c.execute("SELECT raw FROM correspondence WHERE id = 1").fetchone()
            raw = bytearray(raw); raw[len(raw) // 2] ^= 1
            c.execute("UPDATE correspondence SET raw = ? WHERE id = 1", (bytes(raw),)); c.commit()
            """, db])
        #expect(flip.status == 0, "\(flip.stderrText)")
        let list = try await Self.run(["cases", "list", "--json", "--config", good])
        #expect(list.status == 0, "metadata stays readable: \(list.stderr)")
        var shown: [String] = []
        for c in (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? [] {
            let show = try await Self.run(["cases", "show", try #require(c["number"] as? String), "--config", good])
            if show.status != 0 { shown.append(show.stderr) }
        }
        #expect(shown.count == 1 && shown[0].contains("correspondence.raw of row 1"), "\(shown)")
        let verify = try await Self.run(["verify", db, "--key-file", key])
        #expect(verify.status != 0 && verify.stderr.contains("row 1"), "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aKeyWithAPostgreSQLStoreIsRefusedAtLoad() throws {
        let dir = try Self.freshDir()
        let key = try Self.writeKey(dir, "store.key", seed: 61)
        let toml = ConfigText.organization() + "\n[store]\nurl = \"postgres://liaison@127.0.0.1:5432/liaison\"\nsslmode = \"disable\"\n"
        do {
            _ = try LiaisonConfig(toml: toml + "key_file = \"\(key)\"\n").store(environment: [:])
            Issue.record("a key accepted for PostgreSQL")
        } catch let e as ConfigError {
            #expect(e.key == "store.key_file" && e.description.contains("SQLite store only"), "\(e)")
        }
        // The same store without a key loads; the key of a SQLite store is read (never printed).
        #expect(try LiaisonConfig(toml: toml).store(environment: [:]).key == nil)
        let sqlite = try LiaisonConfig(toml: ConfigText.organization() + "\n[store]\nurl = \"sqlite:/x.db\"\nkey_file = \"\(key)\"\n")
            .store(environment: [:])
        let hex = try String(contentsOfFile: key, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sqlite.key?.bytes.count == 32 && !"\(sqlite)".contains(hex) && !"\(sqlite.key!)".contains(hex.prefix(16)))
    }

    @Test func rotateThenRestartWithTheNewKeyWorksAndTheOldOneFails() async throws {
        let dir = try Self.freshDir()
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        let old = try Self.writeKey(dir, "old.key", seed: 31)
        let new = try Self.writeKey(dir, "new.key", seed: 41)
        let oldConfig = try Self.config(dir, db: db, "key_file = \"\(old)\"\n", name: "old")
        let newConfig = try Self.config(dir, db: db, "key_file = \"\(new)\"\n", name: "new")
        try await Self.ingest(["--config", oldConfig], files: Array(IngestCorpusTests.files.prefix(4)))
        let before = try await Self.placement(db: db, env: ["CREDENTIALS_DIRECTORY": "", "LIAISON_CONFIG": oldConfig])
        let backup = (dir as NSString).appendingPathComponent("before-rotation.db")
        #expect(try await Self.run(["backup", "--config", oldConfig, "--out", backup]).status == 0)

        let rotate = try await Self.run(["keys", "rotate", "--config", oldConfig, "--new-key-file", new])
        #expect(rotate.status == 0 && rotate.stdout.contains("re-wrapped"), "\(rotate.stdout)\(rotate.stderr)")
        let same = try await Self.run(["keys", "rotate", "--config", newConfig, "--new-key-file", new])
        #expect(same.status != 0, "rotating to the key in use")

        let withOld = try await Self.run(["cases", "list", "--config", oldConfig])
        #expect(withOld.status != 0 && withOld.stderr.contains("does not open"), "\(withOld.stderr)")
        #expect(try await Self.placement(db: db, env: ["CREDENTIALS_DIRECTORY": "", "LIAISON_CONFIG": newConfig]) == before)
        let status = try await Self.run(["keys", "status", "--config", newConfig])
        #expect(status.status == 0 && status.stdout.contains("opens the store"), "\(status.stdout)")
        #expect(try await Self.run(["keys", "status", "--config", oldConfig]).status != 0)
        // Verify opens every body with the new key; the old key fails on the store but opens the backup made before.
        let verified = try await Self.run(["verify", db, "--key-file", new])
        #expect(verified.status == 0 && verified.stdout.contains("opened and authenticated"), "\(verified.stdout)\(verified.stderr)")
        #expect(try await Self.run(["verify", db, "--key-file", old]).status != 0)
        #expect(try await Self.run(["verify", backup, "--key-file", old]).status == 0)
        #expect(!(try Self.storeBytes(db)).isEmpty)
    }

    @Test func enableEncryptsAClearStoreWithProgressAndRefusesUntilThen() async throws {
        let dir = try Self.freshDir()
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        try await Self.ingest(["--config", CorpusLocation.configPath, "--db", db])
        let before = try await Self.placement(db: db, env: Self.noCredential)
        let key = try Self.writeKey(dir, "store.key", seed: 51)
        let config = try Self.config(dir, db: db, "key_file = \"\(key)\"\n")
        let refused = try await Self.run(["cases", "list", "--config", config])
        #expect(refused.status != 0 && refused.stderr.contains("liaison keys enable"), "\(refused.stderr)")
        let off = try await Self.run(["keys", "status", "--config", config])
        #expect(off.stdout.contains("encryption at rest: off"), "\(off.stdout)")

        let enable = try await Self.run(["keys", "enable", "--config", config])
        #expect(enable.status == 0 && enable.stdout.contains("encryption at rest on"), "\(enable.stdout)\(enable.stderr)")
        #expect(enable.stderr.contains("sealing bodies: 0/") && enable.stderr.contains("sealing bodies:"), "\(enable.stderr)")
        let bytes = try Self.storeBytes(db)
        for file in IngestCorpusTests.files {
            for run in Self.bodyRuns([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))), limit: 5) {
                #expect(bytes.range(of: Data(run)) == nil, "\(file): a clear body survived keys enable")
            }
        }
        #expect(try await Self.placement(db: db, env: ["CREDENTIALS_DIRECTORY": "", "LIAISON_CONFIG": config]) == before)
        #expect(try await Self.run(["keys", "enable", "--config", config]).status != 0, "enabled twice")
    }
}
