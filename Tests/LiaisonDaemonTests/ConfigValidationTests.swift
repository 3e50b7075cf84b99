import Foundation
import LiaisonTestSupport
import Testing
@testable import LiaisonDaemon
@testable import LiaisonConfiguration

@Suite("LiaisonConfig.validate()")
struct ConfigValidationTests {
    static let organization = ConfigText.organization(timeZone: nil)
    static let complete = organization + """

        [imap]
        url = "imaps://mail.corp.example/INBOX"
        username = "track@corp.example"
        password_env = "TEST_IMAP_PASSWORD"
        poll_interval = "30s"

        [smtp]
        url = "smtp://mail.corp.example:587"
        username = "track@corp.example"
        password_env = "TEST_SMTP_PASSWORD"
        from = "Liaison <track@corp.example>"

        [store]
        url = "sqlite:/var/lib/liaison/liaison.db"

        [staff]
        "王芳" = "wang.fang@corp.example"
        """
    static let env = ["TEST_IMAP_PASSWORD": "hunter2-imap", "TEST_SMTP_PASSWORD": "hunter2-smtp"]

    static func report(_ toml: String, env: [String: String] = env) throws -> ConfigReport {
        try LiaisonConfig(toml: toml).validate(environment: env)
    }

    @Test func completeFileIsValid() throws {
        let r = try Self.report(Self.complete)
        #expect(r.isValid)
        #expect(r.issues.isEmpty, "\(r.issues)")
    }

    @Test("a file with only [organization] names each missing section and its fix")
    func missingSections() throws {
        let r = try Self.report(Self.organization)
        #expect(!r.isValid)
        #expect(r.errors.map(\.key) == ["imap", "smtp", "store"])
        #expect(r.errors[0].description == "error: configuration key `imap`: the [imap] section is missing — add an [imap] table (see configuration.md)")
        #expect(r.errors[2].fix.contains("sqlite:/var/lib/liaison/liaison.db"))
        #expect(r.warnings.map(\.key) == ["staff"])
    }

    @Test("typo'd keys and sections are warnings that name the key and the likely intent")
    func unknownKeys() throws {
        let text = Self.complete
            .replacingOccurrences(of: "poll_interval = \"30s\"", with: "poll_intervall = \"30s\"")
            .replacingOccurrences(of: "[staff]", with: "[staf]")
        let r = try Self.report(text)
        #expect(r.isValid)
        let byKey = Dictionary(uniqueKeysWithValues: r.warnings.map { ($0.key, $0) })
        #expect(byKey["imap.poll_intervall"]?.fix == "did you mean `poll_interval`? remove it or correct its name")
        #expect(byKey["staf"]?.fix.hasPrefix("did you mean [staff]?") == true)
        #expect(byKey["staff"] != nil, "the real [staff] is now missing")
    }

    @Test("[retention] is a known section; a bad period, a typo'd key or cases shorter than bodies name the key")
    func retention() throws {
        let good = try Self.report(Self.complete + "\n[retention]\nbodies = \"24 months\"\ncases = \"5年\"\n")
        #expect(good.isValid && good.issues.isEmpty, "\(good.issues)")
        let bad = try Self.report(Self.complete + "\n[retention]\nbodies = \"24 monts\"\n")
        #expect(bad.errors.map(\.key) == ["retention.bodies"])
        let typo = try Self.report(Self.complete + "\n[retention]\nbody = \"24 months\"\n")
        #expect(typo.warnings.map(\.key) == ["retention.body"])
        let short = try Self.report(Self.complete + "\n[retention]\nbodies = \"2 years\"\ncases = \"6 months\"\n")
        #expect(short.errors.map(\.key) == ["retention.cases"])
    }

    @Test("bad values name the key: password in the file, missing secret, bad URL, no smtp.from")
    func badValues() throws {
        let withPassword = Self.complete.replacingOccurrences(of: "password_env = \"TEST_IMAP_PASSWORD\"", with: "password = \"hunter2\"")
        let r1 = try Self.report(withPassword)
        #expect(r1.errors.map(\.key) == ["imap.password"])
        #expect(!r1.issues.contains { $0.description.contains("hunter2") }, "a secret never appears in a message")

        let r2 = try Self.report(Self.complete, env: ["TEST_SMTP_PASSWORD": "x"])
        #expect(r2.errors.map(\.key) == ["imap.password_env"])
        #expect(r2.errors[0].problem.contains("TEST_IMAP_PASSWORD"))

        let r3 = try Self.report(Self.complete.replacingOccurrences(of: "imaps://mail.corp.example/INBOX", with: "http://mail.corp.example/"))
        #expect(r3.errors.map(\.key) == ["imap.url"])

        let r4 = try Self.report(Self.complete.replacingOccurrences(of: "from = \"Liaison <track@corp.example>\"\n", with: ""))
        #expect(r4.errors.map(\.key) == ["smtp.from"])
        #expect(r4.errors[0].fix.contains("from = "))

        let r5 = try Self.report(Self.complete.replacingOccurrences(of: "sqlite:/var/lib/liaison/liaison.db", with: "mysql://x"))
        #expect(r5.errors.map(\.key) == ["store.url"])

        // PostgreSQL: check-config reads the password through the same environment and names the TLS key.
        func pg(_ extra: String) -> String {
            Self.complete.replacingOccurrences(of: "url = \"sqlite:/var/lib/liaison/liaison.db\"",
                                               with: "url = \"postgres://liaison@db.corp.example/liaison\"\n" + extra)
        }
        #expect(try Self.report(pg("password_env = \"TEST_PG_PASSWORD\"")).errors.map(\.key) == ["store.password_env"])
        let r6 = try Self.report(pg("password_env = \"TEST_PG_PASSWORD\""), env: Self.env.merging(["TEST_PG_PASSWORD": "pw"]) { a, _ in a })
        #expect(r6.issues.isEmpty, "\(r6.issues)")
        let r7 = try Self.report(pg("sslmode = \"disable\""))
        #expect(r7.errors.map(\.key) == ["store.sslmode"])
        #expect(r7.warnings.allSatisfy { !$0.key.hasPrefix("store") })
    }

    @Test func nearestName() {
        #expect(LiaisonConfig.nearest("usernme", in: ["url", "username"]) == "username")
        #expect(LiaisonConfig.nearest("completely_different", in: ["url", "username"]) == nil)
    }
}
