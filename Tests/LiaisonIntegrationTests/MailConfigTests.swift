import Foundation
import LiaisonDaemon
import LiaisonTransport
import Testing

@Suite struct MailConfigTests {
    let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "liaison-mailconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func secret(_ name: String, _ text: String, mode: Int) throws -> String {
        let path = "\(dir)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func config(_ toml: String) throws -> LiaisonConfig { try LiaisonConfig(toml: toml) }

    func configError(_ body: () throws -> Void) -> ConfigError? {
        do { try body() } catch let e as ConfigError { return e } catch { return nil }
        return nil
    }

    @Test func fullImapSection() throws {
        let pw = try secret("imap-pw", "s3cret\n", mode: 0o600)
        let c = try config("""
            [imap]
            url = "imaps://mail.corp.example/INBOX"
            username = "track@corp.example"
            password_file = "\(pw)"
            poll_interval = "2m"
            connect_timeout = "500ms"
            transfer_timeout = 45
            """)
        let s = try c.imapSettings(environment: [:])
        #expect(s.url == "imaps://mail.corp.example/INBOX")
        #expect(s.username == "track@corp.example")
        #expect(s.password == "s3cret")
        #expect(s.caFile == nil && !s.allowInsecureLoopback)
        #expect(s.connectTimeout == 0.5 && s.transferTimeout == 45)
        #expect(s.maxConnectionAge >= 120 * 4)
        #expect(try c.imapPollInterval() == 120)
    }

    @Test func missingAndInvalidKeysAreNamed() throws {
        #expect(configError { _ = try config("[organization]\nname = \"x\"\n").imapSettings(environment: [:]) }?.key == "imap")
        #expect(configError { _ = try config("[imap]\nusername = \"u\"\n").imapSettings(environment: [:]) }?.key == "imap.url")
        #expect(configError { _ = try config("[imap]\nurl = \"http://x/\"\nusername = \"u\"\n").imapSettings(environment: [:]) }?.key == "imap.url")
        #expect(configError { _ = try config("[imap]\nurl = \"imaps://u:p@x/\"\nusername = \"u\"\n").imapSettings(environment: [:]) }?.key == "imap.url")
        #expect(configError { _ = try config("[imap]\nurl = \"imaps://x/\"\n").imapSettings(environment: [:]) }?.key == "imap.username")
        #expect(configError { _ = try config("[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\n").imapSettings(environment: [:]) }?.key == "imap.password_file")
        let e = configError {
            _ = try config("[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\npassword_env = \"P\"\npoll_interval = \"soon\"\n").imapSettings(environment: ["P": "x"])
        }
        #expect(e?.key == "imap.poll_interval")
        let loop = configError {
            _ = try config("[imap]\nurl = \"imap://mail.corp.example/\"\nusername = \"u\"\npassword_env = \"P\"\nallow_insecure_loopback = true\n").imapSettings(environment: ["P": "x"])
        }
        #expect(loop?.key == "imap.allow_insecure_loopback")
        #expect(loop?.problem.contains("loopback") == true)
    }

    @Test func passwordInTheFileIsRefused() {
        let e = configError { _ = try config("[smtp]\nurl = \"smtps://x\"\nusername = \"u\"\npassword = \"hunter2\"\n").smtpSettings(environment: [:]) }
        #expect(e?.key == "smtp.password")
        #expect(e.map { !$0.description.contains("hunter2") } == true)
    }

    @Test func secretFileModes() throws {
        let open = try secret("open", "pw\n", mode: 0o640)
        let toml = "[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\npassword_file = \"\(open)\"\n"
        let e = configError { _ = try config(toml).imapSettings(environment: [:]) }
        #expect(e?.key == "imap.password_file")
        #expect(e?.problem.contains("640") == true)
        #expect(e?.fix == "chmod 600 \(open)")
        // Under $CREDENTIALS_DIRECTORY systemd owns the modes: accepted.
        #expect(try config(toml).imapSettings(environment: ["CREDENTIALS_DIRECTORY": dir]).password == "pw")
        // A sibling directory with the same prefix is not "under" it.
        #expect(configError { _ = try config(toml).imapSettings(environment: ["CREDENTIALS_DIRECTORY": String(dir.dropLast(3))]) } != nil)
        let missing = configError { _ = try config("[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\npassword_file = \"\(dir)/none\"\n").imapSettings(environment: [:]) }
        #expect(missing?.key == "imap.password_file")
    }

    @Test func passwordFromEnvironmentAndCredentials() throws {
        let c = try config("[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\npassword_env = \"LIAISON_IMAP_PW\"\n")
        #expect(try c.imapSettings(environment: ["LIAISON_IMAP_PW": "from-env"]).password == "from-env")
        #expect(configError { _ = try c.imapSettings(environment: [:]) }?.key == "imap.password_env")
        _ = try secret("imap-password", "from-credential\r\n", mode: 0o644)
        let bare = try config("[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\n")
        #expect(try bare.imapSettings(environment: ["CREDENTIALS_DIRECTORY": dir]).password == "from-credential")
        let both = try config("[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\npassword_env = \"A\"\npassword_file = \"/x\"\n")
        #expect(configError { _ = try both.imapSettings(environment: ["A": "x"]) }?.key == "imap.password_env")
    }

    @Test func smtpSection() throws {
        let c = try config("""
            [smtp]
            url = "smtp://mail.corp.example:587/gw.corp.example"
            from = "Liaison 沟通跟踪 <track@corp.example>"
            response_timeout = "30s"
            """)
        let s = try c.smtpSettings(environment: [:])
        #expect(s.url == "smtp://mail.corp.example:587/gw.corp.example")
        #expect(s.username == nil && s.password == nil)
        #expect(s.responseTimeout == 30)
        #expect(try c.smtpFrom() == "Liaison 沟通跟踪 <track@corp.example>")
        let auth = try config("[smtp]\nurl = \"smtps://x\"\nusername = \"u\"\n")
        #expect(configError { _ = try auth.smtpSettings(environment: [:]) }?.key == "smtp.password_file")
        _ = try secret("smtp-password", "smtp-secret\n", mode: 0o600)
        #expect(try auth.smtpSettings(environment: ["CREDENTIALS_DIRECTORY": dir]).password == "smtp-secret")
    }
}

/// `[imap] max_response_bytes` and `command_timeout`: the bounds on what one command may bring
/// and how long it may take.
@Suite struct IMAPBoundsConfigTests {
    static let head = "[imap]\nurl = \"imaps://x/\"\nusername = \"u\"\npassword_env = \"P\"\n"

    func settings(_ extra: String) throws -> IMAPSettings {
        try LiaisonConfig(toml: Self.head + extra).imapSettings(environment: ["P": "x"])
    }

    func key(_ extra: String) -> String? {
        do { _ = try settings(extra) } catch let e as ConfigError { return e.key } catch { return "other: \(error)" }
        return nil
    }

    @Test func defaultsAndValues() throws {
        let d = try settings("")
        #expect(d.maxResponseBytes == 64 * 1024 * 1024)
        #expect(d.commandTimeout == 300)
        let s = try settings("max_response_bytes = \"100MiB\"\ncommand_timeout = \"10m\"\n")
        #expect(s.maxResponseBytes == 100 * 1024 * 1024)
        #expect(s.commandTimeout == 600)
        #expect(try settings("max_response_bytes = 2000000\n").maxResponseBytes == 2_000_000)
        #expect(try settings("max_response_bytes = \"50MB\"\n").maxResponseBytes == 50_000_000)
        #expect(LiaisonConfig.knownKeys["imap"]??.isSuperset(of: ["max_response_bytes", "command_timeout"]) == true)
    }

    @Test func badValuesNameTheKey() {
        #expect(key("max_response_bytes = \"lots\"\n") == "imap.max_response_bytes")
        #expect(key("max_response_bytes = 1000\n") == "imap.max_response_bytes")  // below 1 MiB
        #expect(key("max_response_bytes = \"2GiB\"\n") == "imap.max_response_bytes")
        #expect(key("command_timeout = \"soon\"\n") == "imap.command_timeout")
        #expect(key("command_timeout = \"30s\"\ntransfer_timeout = \"60s\"\n") == "imap.command_timeout")
        #expect(key("command_timeout = \"60s\"\ntransfer_timeout = \"60s\"\n") == nil)
    }
}
