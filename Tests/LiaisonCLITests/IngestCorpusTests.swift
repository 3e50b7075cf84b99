import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import Testing
import LiaisonTestSupport

/// `liaison ingest` over the shared corpus, in file order, then `cases` and `review` as a user
/// runs them (issue 4, "What must hold"). New corpus files extend the expectations below; a file
/// with no entry here must still be accounted for (filed, or held).
@Suite("liaison ingest over the corpus (binary)")
struct IngestCorpusTests {
    typealias CLI = InspectCommandTests

    static func freshDB() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("liaison.db").path
    }

    static var files: [String] { CorpusLocation.cases.map { CorpusLocation.directory.appendingPathComponent($0).path } }

    static func json(_ args: [String]) async throws -> Any {
        let r = try await CLI.run(args)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// Which case each corpus message is on, by Message-ID, from `cases list` + `cases show`.
    static func placement(db: String) async throws -> (cases: [[String: Any]], caseOf: [String: String], shown: [String: [String: Any]]) {
        let cases = try #require(try await json(["cases", "list", "--json", "--db", db, "--config", CorpusLocation.configPath]) as? [[String: Any]])
        var caseOf: [String: String] = [:]
        var shown: [String: [String: Any]] = [:]
        for c in cases {
            let n = try #require(c["number"] as? String)
            let one = try #require(try await json(["cases", "show", n, "--json", "--db", db, "--config", CorpusLocation.configPath]) as? [String: Any])
            shown[n] = one
            for m in (one["correspondence"] as? [[String: Any]]) ?? [] {
                if let id = m["messageID"] as? String { caseOf[id] = n }
            }
        }
        return (cases, caseOf, shown)
    }

    static let ids = [
        "01": "<20261116091233.4f2a@huadong-precision.example>", "02": "<5e1a.20261116100510@corp.example>",
        "03": "<5e1a.20261117154000@corp.example>", "04": "<CAB8xy7Q@mail.huadong-precision.example>",
        "05": "<dfc-8812@dongfang-chem.example>", "06": "<XD.20261119.0003@xinda-tech.example>",
        "07": "<auto.77@mail.huadong-precision.example>", "08": "<dsn.1@mx.corp.example>",
        "09": "<gov.20261120.1630@gxq.gov.example>", "10": "<x1@freemail.example>",
        "11": "<5e1a.20261123113000@corp.example>", "12": "<5e1a.fwd.1@corp.example>",
    ]

    @Test func corpusLandsOnTheRightCases() async throws {
        try #require(Self.files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let db = try Self.freshDB()
        let r = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db] + Self.files)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(Self.files.count) files:"))
        // An archive has only the senders' Date headers, and the import says it judged by them.
        #expect(r.stdout.contains("judged by each message's Date header"), "\(r.stdout)")

        let (cases, caseOf, shown) = try await Self.placement(db: db)
        // 01–04 and 07 on one case: the complaint, opened by 01 (an outsider writing to zhang.wei).
        let complaint = try #require(caseOf[Self.ids["01"]!])
        #expect(complaint == "EC20261116-001")
        for k in ["02", "03", "04", "07"] { #expect(caseOf[Self.ids[k]!] == complaint, "\(k)") }
        let c1 = try #require(shown[complaint])
        #expect(c1["category"] as? String == "complaint")
        #expect(c1["owner"] as? String == "zhang.wei@corp.example")
        #expect((c1["counterparty"] as? [String: Any])?["organization"] as? String == "huadong-precision.example")
        // 03 wrote to wang.lei, who joins liu.yang as a contact.
        #expect((c1["counterparty"] as? [String: Any])?["contacts"] as? [String] == ["liu.yang@huadong-precision.example", "wang.lei@huadong-precision.example"])
        let mail = try #require(c1["correspondence"] as? [[String: Any]])
        // In date order: 01, 02, 03, 07 (15:40:05), 04 (18:02:45).
        #expect(mail.compactMap { $0["messageID"] as? String } == ["01", "02", "03", "07", "04"].map { Self.ids[$0]! })
        #expect(mail.map { $0["direction"] as? String } == ["inbound", "outbound", "outbound", "inbound", "inbound"])
        #expect(mail[3]["kind"] as? String == "auto-reply")
        #expect(mail[0]["date"] as? String == "2026-11-16T09:12:33+08:00")
        #expect(mail[0]["subject"] as? String == "投诉:第二批货物12台设备无法开机")

        // 05, 06, 11, 12: a case each.
        let n05 = try #require(caseOf[Self.ids["05"]!]), n06 = try #require(caseOf[Self.ids["06"]!])
        let n11 = try #require(caseOf[Self.ids["11"]!]), n12 = try #require(caseOf[Self.ids["12"]!])
        #expect(Set([complaint, n05, n06, n11, n12]).count == 5)
        #expect(cases.count == 5)
        #expect(shown[n05]?["category"] as? String == "delivery")
        #expect(shown[n05]?["owner"] as? String == "li.na@corp.example")
        #expect((shown[n06]?["counterparty"] as? [String: Any])?["organization"] as? String == "xinda-tech.example")
        #expect(n11.hasPrefix("NC20261123-"))
        #expect(shown[n11]?["internal"] as? Bool == true)
        #expect(shown[n12]?["category"] as? String == "media")
        #expect(n12.hasPrefix("EC"))
        let party12 = shown[n12]?["counterparty"] as? [String: Any]
        #expect(party12?["contacts"] as? [String] == ["media@finance-daily.example"])
        #expect(party12?["organization"] as? String == "finance-daily.example")
        // The forwarded original's Message-ID was recorded: the journalist's later reply to it threads.
        let reply = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-reply-\(UUID().uuidString).eml")
        try Data(("From: media@finance-daily.example\r\nTo: pr@corp.example\r\nCc: track@corp.example\r\n"
                  + "Subject: =?utf-8?B?5rWL6K+V?=\r\nDate: Fri, 20 Nov 2026 10:00:00 +0800\r\n"
                  + "Message-ID: <fd.9001@finance-daily.example>\r\nIn-Reply-To: <fd.8891@finance-daily.example>\r\n\r\nhello\r\n").utf8)
            .write(to: reply)
        let joined = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db, reply.path])
        #expect(joined.stdout.contains("filed on \(n12) (by In-Reply-To/References)"), "\(joined.stdout)")

        // 08 (bounce of a Liaison reminder for EC20261117-001, which this corpus never opens),
        // 09 (tag of a case that does not exist) and 10 (spoofed staff sender) are held.
        for k in ["08", "09", "10"] { #expect(caseOf[Self.ids[k]!] == nil, "\(k) must not be filed") }
        let held = try #require(try await Self.json(["review", "list", "--json", "--db", db]) as? [[String: Any]])
        #expect(held.compactMap { $0["messageID"] as? String } == ["08", "09", "10"].map { Self.ids[$0]! })
        #expect(held.map { $0["reason"] as? String } == ["automatic message with no thread on file", "unknown case tag",
                                                          "internal sender not authenticated"])
        #expect(held[1]["detail"] as? String == "EC20261110-002")

        // Every corpus file is accounted for exactly once.
        #expect(caseOf.count + held.count == Self.files.count)  // (the reply is filed after this snapshot)

        // Re-ingesting everything files nothing twice.
        let again = try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + Self.files)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\(Self.files.count) files: \(Self.files.count) duplicates"), "\(again.stdout)")
        let after = try await Self.placement(db: db)
        var expected = caseOf
        expected["<fd.9001@finance-daily.example>"] = n12
        #expect(after.caseOf == expected)
        #expect(after.shown.values.map { ($0["correspondence"] as? [Any])?.count ?? 0 }.reduce(0, +) == expected.count)
        #expect((try await Self.json(["review", "list", "--json", "--db", db]) as? [Any])?.count == 3)
    }

    @Test func theTaggedFilingJoinsOnceItsCaseExists() async throws {
        let db = try Self.freshDB()
        let f09 = CorpusLocation.directory.appendingPathComponent("09-agency-rfc2231-attachment.eml").path
        var r = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db, f09])
        #expect(r.stdout.contains("held #1: unknown case tag"), "\(r.stdout)")
        // The agency filing was opened before Liaison ran: create that case.
        let store = try TestStores.sqlite(path: db)
        _ = try store.openCase(NewCase(numberTemplate: "EC20261110-{seq:3}", isInternal: false,
                                       counterparty: Counterparty(organization: "gxq.gov.example", contacts: ["zwfw@gxq.gov.example"]),
                                       owner: "qual@corp.example", category: "qualification", openedAt: Date(timeIntervalSince1970: 1_794_000_000)),
                               number: "EC20261110-002")
        r = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db, f09])
        #expect(r.stdout.contains("filed on EC20261110-002 (by case tag)"), "\(r.stdout)")
        #expect((try await Self.json(["review", "list", "--json", "--db", db]) as? [Any])?.count == 0)
        let shown = try #require(try await Self.json(["cases", "show", "EC20261110-002", "--json", "--db", db]) as? [String: Any])
        #expect((shown["correspondence"] as? [[String: Any]])?.compactMap { $0["messageID"] as? String } == [Self.ids["09"]!])
    }

    @Test func reviewAcceptAndRejectThroughTheCLI() async throws {
        let db = try Self.freshDB()
        let dir = CorpusLocation.directory
        let files = ["05-supplier-gbk-labelled-gb2312.eml", "10-spoofed-internal.eml", "08-bounce-dsn.eml"].map { dir.appendingPathComponent($0).path }
        _ = try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + files)
        let held = try #require(try await Self.json(["review", "list", "--json", "--db", db]) as? [[String: Any]])
        #expect(held.count == 2)
        let spoofID = try #require(held.first { $0["messageID"] as? String == Self.ids["10"]! }?["id"] as? Int)
        let bounceID = try #require(held.first { $0["messageID"] as? String == Self.ids["08"]! }?["id"] as? Int)
        let bad = try await CLI.run(["review", "accept", String(spoofID), "--case", "EC19990101-001", "--db", db])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no case EC19990101-001"), "\(bad.stderr)")
        let ok = try await CLI.run(["review", "accept", String(bounceID), "--case", "EC20261118-001", "--db", db])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("filed #\(bounceID) on EC20261118-001"))
        let rej = try await CLI.run(["review", "reject", String(spoofID), "--db", db])
        #expect(rej.status == 0, "\(rej.stderr)")
        #expect((try await Self.json(["review", "list", "--json", "--db", db]) as? [Any])?.count == 0)
        let shown = try #require(try await Self.json(["cases", "show", "EC20261118-001", "--json", "--db", db]) as? [String: Any])
        #expect((shown["correspondence"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["bounce", "correspondence"])  // date order: the bounce is from 09:00, 05 from 11:20
    }

    @Test func tablesAlignChineseAndFilter() async throws {
        let db = try Self.freshDB()
        _ = try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + Self.files)
        let show = try await CLI.run(["cases", "show", "EC20261116-001", "--db", db, "--config", CorpusLocation.configPath])
        #expect(show.status == 0, "\(show.stderr)")
        // The FROM column starts at the same display column on every row, Chinese subjects
        // counting two columns a character.
        // The correspondence table: from its header to the blank line before the recap section.
        let lines = show.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.hasPrefix("DATE") }.prefix { !$0.isEmpty }
        #expect(lines.count == 6)
        // Filed with the corpus configuration, the recap (03) and its state are shown too.
        #expect(show.stdout.contains("recap <") && show.stdout.contains("disputed"))
        func columns(_ s: Substring) -> Int {
            s.unicodeScalars.reduce(0) { w, u in
                w + ((0x4E00...0x9FFF).contains(u.value) || (0xFF00...0xFF60).contains(u.value) || (0x3000...0x303F).contains(u.value) ? 2 : 1)
            }
        }
        // FROM is the last column: its cell is the last space-separated token.
        let starts = try lines.map { line -> Int in
            let space = try #require(line.lastIndex(of: " "))
            return columns(line[..<line.index(after: space)])
        }
        #expect(Set(starts).count == 1, "FROM column starts at \(starts)")
        #expect(lines.dropFirst().contains { $0.contains("投诉") })
        let filtered = try #require(try await Self.json(["cases", "list", "--json", "--owner", "zhang.wei@corp.example", "--status", "open", "--db", db]) as? [[String: Any]])
        #expect(filtered.compactMap { $0["number"] as? String }.sorted() == ["EC20261116-001", "EC20261119-001"])
        let none = try #require(try await Self.json(["cases", "list", "--json", "--status", "closed", "--db", db]) as? [Any])
        #expect(none.isEmpty)
    }

    @Test func postgresWithoutTLSToAnotherHostIsRefusedNamingTheKey() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cfg = dir.appendingPathComponent("liaison.toml").path
        let org = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        try (org + "\n[store]\nurl = \"postgres://liaison@db.corp.example/liaison\"\nsslmode = \"disable\"\n")
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        let r = try await CLI.run(["cases", "list", "--config", cfg])
        #expect(r.status != 0)
        #expect(r.stderr.contains("store.sslmode"), "\(r.stderr)")
        #expect(r.stderr.contains("not a loopback address"), "\(r.stderr)")
    }
}

/// Crash safety (issue 4): `liaison ingest --mailbox` filing 1,000 messages is killed with SIGKILL
/// at random instants several times and restarted; after every kill the checkpoint equals the
/// number of messages on file (filing and checkpoint are one transaction), and in the end every
/// message is on file exactly once with the checkpoint at the last UID.
@Suite("Crash safety of ingest (binary, SIGKILL)")
struct IngestCrashTests {

    static func writeMessages(count: Int, in dir: URL) throws -> [String] {
        var paths: [String] = []
        for i in 1...count {
            // Ten counterparties; replies thread on their first message, others open cases.
            let party = i % 10
            let subject = i <= 10 ? "询价 \(party)" : "Re: 询价 \(party)"
            let text = """
                From: Buyer \(party) <buyer\(party)@client\(party).example>\r
                To: sales@corp.example\r
                Cc: track@corp.example\r
                Subject: \(subject)\r
                Date: Mon, 16 Nov 2026 09:\(String(format: "%02d", (i / 60) % 60)):\(String(format: "%02d", i % 60)) +0800\r
                Message-ID: <crash.\(i)@client\(party).example>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                第\(i)封邮件。\r

                """
            let url = dir.appendingPathComponent(String(format: "%04d.eml", i))
            try Data(text.utf8).write(to: url)
            paths.append(url.path)
        }
        return paths
    }

    @Test func killedAndRestartedFilesEachMessageOnce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = try Self.writeMessages(count: 1_000, in: dir)
        let db = dir.appendingPathComponent("liaison.db").path
        let args = ["ingest", "--quiet", "--mailbox", "INBOX", "--uid-validity", "42", "--config", CorpusLocation.configPath,
                    "--db", db] + files
        var rng = SplitMix64(seed: 20261123)
        var kills = 0
        var progress: [UInt32] = []
        for _ in 0..<6 {
            // Started, left to run for the delay and killed on a thread of its own, where the
            // delay is what it says (a test task waiting for the cooperative pool may wait longer).
            let delay = UInt32.random(in: 150_000...900_000, using: &rng)
            let killed = try await offPool { () throws -> Bool in
                let p = Process()
                p.executableURL = InspectCommandTests.binary
                p.arguments = args
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                usleep(delay)
                guard p.isRunning else { p.waitUntilExit(); return false }
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                return true
            }
            guard killed else { break }
            kills += 1
            let store = try TestStores.sqlite(path: db)
            let cp = try store.checkpoint(mailbox: "INBOX")?.lastUID ?? 0
            let n = try store.counts()
            #expect(Int(cp) == n.correspondence + n.held, "after kill \(kills): checkpoint \(cp), on file \(n)")
            progress.append(cp)
        }
        #expect(kills >= 3, "the import finished before it could be killed often enough (\(progress))")
        let final = try await InspectCommandTests.run(args)
        #expect(final.status == 0, "\(final.stderr)")
        let store = try TestStores.sqlite(path: db)
        #expect(try store.checkpoint(mailbox: "INBOX") == MailboxCheckpoint(mailbox: "INBOX", uidValidity: 42, lastUID: 1_000))
        let n = try store.counts()
        #expect(n.correspondence == 1_000 && n.held == 0, "\(n)")
        #expect(n.cases == 10)
        for i in stride(from: 1, through: 1_000, by: 37) {
            #expect(try store.caseForMessageID("<crash.\(i)@client\(i % 10).example>") != nil, "message \(i)")
        }
        // And a run over everything again files nothing (all before the checkpoint).
        let again = try await InspectCommandTests.run(args)
        #expect(again.stdout.contains("1000 skipped (before checkpoint)"), "\(again.stdout)")
        #expect(try store.counts().correspondence == 1_000)
    }
}

@Suite("[store] url")
struct StoreConfigTests {
    @Test("sqlite URLs name a file", arguments: [
        ("sqlite:/var/lib/liaison/liaison.db", "/var/lib/liaison/liaison.db"),
        ("sqlite://var/lib/liaison.db", "var/lib/liaison.db"),
        ("sqlite:///var/lib/liaison.db", "/var/lib/liaison.db"),
        ("sqlite:relative.db", "relative.db"),
    ])
    func sqlite(url: String, path: String) throws {
        #expect(try StoreConfig.parse(url: url) == path)
    }

    @Test func others() throws {
        #expect(throws: ConfigError.self) { try StoreConfig.parse(url: "mysql://x") }
        #expect(throws: ConfigError.self) { try StoreConfig.parse(url: "sqlite:") }
    }

    @Test func sectionAndPattern() throws {
        let base = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        let cfg = try LiaisonConfig(toml: base + "\n[store]\nurl = \"sqlite:/srv/l.db\"\ncase_number_pattern = \"{E|N}{yyyy}-{seq:4}\"\n")
        let store = try cfg.store()
        #expect(store.sqlitePath == "/srv/l.db")
        #expect(store.numbering.pattern == "{E|N}{yyyy}-{seq:4}")
        #expect(try cfg.store(overridePath: "/tmp/x.db").sqlitePath == "/tmp/x.db")
        #expect(throws: ConfigError.self) { try LiaisonConfig(toml: base).store() }
        #expect(throws: ConfigError.self) {
            try LiaisonConfig(toml: base + "\n[store]\nurl = \"sqlite:/a\"\ncase_number_pattern = \"EC-{yyyy}\"\n").store()
        }
    }

    /// The `[store]` section with `extra` lines, read with `environment`; the error's key, or nil.
    static func pgStore(_ extra: String, env: [String: String] = [:]) throws -> (StoreConfig?, String?) {
        let base = try String(contentsOfFile: CorpusLocation.configPath, encoding: .utf8)
        do {
            return (try LiaisonConfig(toml: base + "\n[store]\n" + extra + "\n").store(environment: env), nil)
        } catch let e as ConfigError {
            return (nil, e.key)
        }
    }

    @Test func postgres() throws {
        let (s, _) = try Self.pgStore("url = \"postgres://liaison@db.corp.example:6543/cases\"\npassword_env = \"PGPW\"", env: ["PGPW": "hunter2"])
        let cfg = try #require(s)
        #expect(cfg.backend == .postgres(PostgresStoreSettings(host: "db.corp.example", port: 6543, user: "liaison", database: "cases",
                                                              password: "hunter2", sslMode: .verifyFull)))
        #expect(cfg.sqlitePath == nil)
        #expect(cfg.displayName == "postgres://liaison@db.corp.example:6543/cases")
        if case .postgres(let p) = cfg.backend { #expect(!"\(p)".contains("hunter2"), "a secret never appears in a description") }

        // A password file of mode 0600; one readable by others is refused.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-pgpw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pw = dir.appendingPathComponent("pw").path
        FileManager.default.createFile(atPath: pw, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o600])
        let (f, _) = try Self.pgStore("url = \"postgresql://u@127.0.0.1/d\"\nsslmode = \"disable\"\npassword_file = \"\(pw)\"")
        guard case .postgres(let p)? = f?.backend else { Issue.record("\(String(describing: f))"); return }
        #expect(p.password == "s3cret" && p.sslMode == .disable && p.port == 5432 && p.maxConnections == 8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pw)
        #expect(try Self.pgStore("url = \"postgres://u@127.0.0.1/d\"\npassword_file = \"\(pw)\"").1 == "store.password_file")

        // Systemd's credential when neither key is set; no password at all is allowed (trust, peer, certificates).
        let creds = dir.appendingPathComponent("creds")
        try FileManager.default.createDirectory(at: creds, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: creds.appendingPathComponent("store-password").path, contents: Data("fromsystemd".utf8),
                                       attributes: [.posixPermissions: 0o600])
        let (c, _) = try Self.pgStore("url = \"postgres://u@db.example/d\"", env: ["CREDENTIALS_DIRECTORY": creds.path])
        guard case .postgres(let cp)? = c?.backend else { Issue.record("\(String(describing: c))"); return }
        #expect(cp.password == "fromsystemd")
        guard case .postgres(let none)? = try Self.pgStore("url = \"postgres://u@db.example/d\"\nsslmode = \"require\"\nmax_connections = 3").0?.backend else {
            Issue.record("no password"); return
        }
        #expect(none.password == nil && none.sslMode == .require && none.maxConnections == 3)

        // Each refusal names its key.
        #expect(try Self.pgStore("url = \"postgres://u:pw@db.example/d\"").1 == "store.url")
        #expect(try Self.pgStore("url = \"postgres://db.example/d\"").1 == "store.url")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/\"").1 == "store.url")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d?sslmode=disable\"").1 == "store.url")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\npassword = \"x\"").1 == "store.password")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\nsslmode = \"disable\"").1 == "store.sslmode")
        #expect(try Self.pgStore("url = \"postgres://u@[::1]/d\"\nsslmode = \"disable\"").1 == nil)
        #expect(try Self.pgStore("url = \"postgres://u@localhost/d\"\nsslmode = \"disable\"").1 == nil)
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\nsslmode = \"prefer\"").1 == "store.sslmode")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\nmax_connections = 0").1 == "store.max_connections")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\npassword_env = \"NOPE\"").1 == "store.password_env")
        #expect(try Self.pgStore("url = \"sqlite:/a.db\"\nsslmode = \"require\"").1 == "store.sslmode")

        // The outbox lease of several instances: 2 min by default, 10 s to 1 h, PostgreSQL only.
        #expect(none.outboxLease == 120)
        guard case .postgres(let leased)? = try Self.pgStore("url = \"postgres://u@db.example/d\"\noutbox_lease = \"90s\"").0?.backend else {
            Issue.record("outbox_lease"); return
        }
        #expect(leased.outboxLease == 90)
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\noutbox_lease = \"5s\"").1 == "store.outbox_lease")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\noutbox_lease = \"2h\"").1 == "store.outbox_lease")
        #expect(try Self.pgStore("url = \"postgres://u@db.example/d\"\noutbox_lease = 60").1 == "store.outbox_lease")
        #expect(try Self.pgStore("url = \"sqlite:/a.db\"\noutbox_lease = \"2m\"").1 == "store.outbox_lease")
    }
}
