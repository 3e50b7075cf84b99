import Foundation
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `liaison backup`, `restore` and `verify` (issue 18) as an operator runs them, against a store
/// another process is filing into.
@Suite("liaison backup, restore, verify (binary)")
struct BackupCommandTests {
    typealias CLI = InspectCommandTests

    static func freshDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// `count` customer mails in `threads` threads to a staff member, as .eml files.
    static func generated(_ count: Int, threads: Int, in dir: String) throws -> (files: [String], ids: Set<String>) {
        var files: [String] = [], ids: Set<String> = []
        for i in 0..<count {
            let t = i % threads
            let id = "<gen.\(i).\(UUID().uuidString.prefix(8))@client\(t).example>"
            let day = 1 + (i / 100) % 28
            let text = """
                From: buyer\(t)@client\(t).example\r
                To: zhang.wei@corp.example\r
                Subject: \(i < threads ? "" : "Re: ")询价 批次\(t)\r
                Date: Mon, \(day) Nov 2026 09:\(String(format: "%02d", i % 60)):00 +0800\r
                Message-ID: \(id)\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                第\(i)封：请报价，数量\(i % 50 + 1)台。\r

                """
            let path = (dir as NSString).appendingPathComponent(String(format: "m%04d.eml", i))
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            files.append(path)
            ids.insert(id)
        }
        return (files, ids)
    }

    /// Every Message-ID the store holds, filed or held, as one snapshot of the API sees it.
    static func messageIDs(_ path: String) throws -> Set<String> {
        let store = try TestStores.sqlite(path: path)
        var ids: Set<String> = []
        for c in try store.cases(status: nil, owner: nil) {
            for m in try store.correspondence(caseNumber: c.number) { if let id = m.messageID { ids.insert(id) } }
        }
        for h in try store.heldMessages() { if let id = h.messageID { ids.insert(id) } }
        return ids
    }

    @Test func backupWhileAnotherProcessFilesRestoresEveryCommittedMessage() async throws {
        let dir = try Self.freshDir()
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        let mailDir = (dir as NSString).appendingPathComponent("mail")
        try FileManager.default.createDirectory(atPath: mailDir, withIntermediateDirectories: true)
        let mails = try Self.generated(1_000, threads: 10, in: mailDir)
        _ = try TestStores.sqlite(path: db)   // created before the writer starts, so the backups below can open it

        let ingest = Process()
        ingest.executableURL = CLI.binary
        ingest.arguments = ["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + mails.files
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = FileHandle.nullDevice
        try ingest.run()

        // The watching and the backups run on a thread of their own (`offPool`), not on Swift's
        // cooperative pool: in the parallel test run a pool thread can wait seconds for its turn,
        // long enough for the writer to finish before the first backup.
        struct Taken: Sendable { var file: String; var before: Set<String>; var whileRunning: Bool; var status: Int32; var stderr: String }
        let binary = CLI.binary
        let taken: [Taken] = try await offPool {
            let probe = try TestStores.sqlite(path: db)
            var taken: [Taken] = []
            var committedAtLastBackup = 0
            while taken.count < 3 {
                let counts = try probe.counts()
                let committed = counts.correspondence + counts.held
                if (committed == 0 || (!taken.isEmpty && committed < committedAtLastBackup + 100)) && ingest.isRunning {
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                }
                committedAtLastBackup = committed
                // Whether the writer was still running when this backup STARTED (it may end during it),
                // and what was committed before it started: all of that must be in the backup.
                let running = ingest.isRunning
                let before = try Self.messageIDs(db)
                let file = (dir as NSString).appendingPathComponent("backup-\(taken.count).db")
                let backup = Process()
                backup.executableURL = binary
                backup.arguments = ["backup", "--db", db, "--out", file]
                let err = Pipe()
                backup.standardOutput = FileHandle.nullDevice
                backup.standardError = err
                try backup.run()
                let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                backup.waitUntilExit()
                taken.append(Taken(file: file, before: before, whileRunning: running, status: backup.terminationStatus, stderr: errText))
                if !ingest.isRunning { break }
            }
            return taken
        }
        for t in taken { #expect(t.status == 0, "\(t.stderr)") }
        try await offPool { ingest.waitUntilExit() }
        #expect(ingest.terminationStatus == 0)
        #expect(taken.contains { $0.whileRunning }, "no backup was taken while the writer ran")

        for (n, b) in taken.enumerated() {
            var st = stat()
            #expect(stat(b.file, &st) == 0 && st.st_mode & 0o777 == 0o600, "backup \(n) mode")
            let v = try await CLI.run(["verify", b.file])
            #expect(v.status == 0, "verify backup \(n): \(v.stdout) \(v.stderr)")
            #expect(v.stdout.contains("integrity ok"))
            let target = (dir as NSString).appendingPathComponent("restored-\(n).db")
            let r = try await CLI.run(["restore", b.file, "--db", target])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try await CLI.run(["verify", target]).status == 0)
            let restored = try Self.messageIDs(target)
            #expect(b.before.isSubset(of: restored), "backup \(n): \(b.before.subtracting(restored).count) committed message(s) missing")
            #expect(restored.isSubset(of: mails.ids))
        }
        // The live store got every message.
        #expect(try Self.messageIDs(db) == mails.ids)
    }

    @Test func restoreRefusesANonEmptyStoreUnlessForced() async throws {
        let dir = try Self.freshDir()
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        let mail = (dir as NSString).appendingPathComponent("mail")
        try FileManager.default.createDirectory(atPath: mail, withIntermediateDirectories: true)
        let small = try Self.generated(5, threads: 2, in: mail)
        #expect(try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + small.files).status == 0)
        let backup = (dir as NSString).appendingPathComponent("b.db")
        #expect(try await CLI.run(["backup", "--db", db, "--out", backup]).status == 0)
        // A backup never overwrites a file.
        let again = try await CLI.run(["backup", "--db", db, "--out", backup])
        #expect(again.status != 0 && again.stderr.contains("exists"))

        let other = (dir as NSString).appendingPathComponent("other.db")
        let more = (dir as NSString).appendingPathComponent("more")
        try FileManager.default.createDirectory(atPath: more, withIntermediateDirectories: true)
        _ = try Self.generated(3, threads: 3, in: more).files
        let moreFiles = try FileManager.default.contentsOfDirectory(atPath: more).map { (more as NSString).appendingPathComponent($0) }
        #expect(try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", other] + moreFiles).status == 0)
        let refused = try await CLI.run(["restore", backup, "--db", other])
        #expect(refused.status != 0 && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try Self.messageIDs(other).count == 3)
        let forced = try await CLI.run(["restore", backup, "--db", other, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Self.messageIDs(other) == small.ids)

        // An empty (new) store is restored without --force.
        let fresh = (dir as NSString).appendingPathComponent("fresh.db")
        _ = try TestStores.sqlite(path: fresh)
        #expect(try await CLI.run(["restore", backup, "--db", fresh]).status == 0)
        #expect(try Self.messageIDs(fresh) == small.ids)
    }

    @Test func verifyAndRestoreRefuseWhatIsNoBackup() async throws {
        let dir = try Self.freshDir()
        let junk = (dir as NSString).appendingPathComponent("junk.db")
        try Data(repeating: 0x41, count: 10_000).write(to: URL(fileURLWithPath: junk))
        let v = try await CLI.run(["verify", junk])
        #expect(v.status != 0)
        #expect(v.stderr.contains("fault"), "\(v.stdout) \(v.stderr)")
        let target = (dir as NSString).appendingPathComponent("t.db")
        let r = try await CLI.run(["restore", junk, "--db", target])
        #expect(r.status != 0 && r.stderr.contains("not a valid backup"), "\(r.stderr)")

        // A SQLite file that is no Liaison store.
        let empty = (dir as NSString).appendingPathComponent("empty.db")
        #expect(try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", empty]).status == 0)
        let e = try await CLI.run(["verify", empty])
        #expect(e.status != 0 && e.stderr.contains("no Liaison schema"), "\(e.stderr)")

        // A damaged page in a real backup: integrity check fails.
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        let mail = (dir as NSString).appendingPathComponent("mail")
        try FileManager.default.createDirectory(atPath: mail, withIntermediateDirectories: true)
        #expect(try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db]
                                  + (try Self.generated(200, threads: 4, in: mail).files)).status == 0)
        let backup = (dir as NSString).appendingPathComponent("b.db")
        #expect(try await CLI.run(["backup", "--db", db, "--out", backup]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: backup))
        // The b-tree page headers of pages 2–5 (a page-type byte SQLite cannot read, cell counts).
        let page = 8192
        try #require(bytes.count > 6 * page)
        for p in 1...4 { for i in (p * page)..<(p * page + 8) { bytes[i] = 0xFF } }
        try bytes.write(to: URL(fileURLWithPath: backup))
        let bad = try await CLI.run(["verify", backup])
        #expect(bad.status != 0, "\(bad.stdout)")
        #expect(bad.stderr.contains("fault"))
    }

    @Test func backupIntoADirectoryKeepsTheNewest() async throws {
        let dir = try Self.freshDir()
        let db = (dir as NSString).appendingPathComponent("liaison.db")
        _ = try TestStores.sqlite(path: db)
        let out = (dir as NSString).appendingPathComponent("backups")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for old in ["liaison-20250101-000000.db", "liaison-20250102-000000.db", "liaison-20250103-000000.db"] {
            FileManager.default.createFile(atPath: (out as NSString).appendingPathComponent(old), contents: Data())
        }
        let r = try await CLI.run(["backup", "--db", db, "--out", out, "--keep", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(left.count == 2)
        #expect(left.first == "liaison-20250103-000000.db")
        #expect(left.last.map { $0.hasPrefix("liaison-20") && $0 > "liaison-2026" } == true, "\(left)")
    }
}
