import Foundation
import LiaisonTransport
import TOMLKit

/// The `[imap]` and `[smtp]` sections (shared/docs/configuration.md). Secrets never come from
/// the configuration file: `password_file`, `password_env`, or systemd's
/// `$CREDENTIALS_DIRECTORY/imap-password` / `smtp-password` (systemd.exec `LoadCredential=`).
extension LiaisonConfig {
    /// Settings for `IMAPMailbox` from `[imap]`. Throws `ConfigError` naming the key at fault.
    public func imapSettings() throws -> IMAPSettings {
        try imapSettings(environment: ProcessInfo.processInfo.environment)
    }

    /// Settings for `SMTPSender` from `[smtp]`. Throws `ConfigError` naming the key at fault.
    public func smtpSettings() throws -> SMTPSettings {
        try smtpSettings(environment: ProcessInfo.processInfo.environment)
    }

    /// `[imap]` with an explicit environment (for tests).
    public func imapSettings(environment: [String: String]) throws -> IMAPSettings {
        let s = try MailSection(config: self, name: "imap", environment: environment)
        let url = try s.requiredString("url")
        try s.validateURL(url, schemes: ["imap", "imaps"])
        let username = try s.requiredString("username")
        guard let password = try s.password(credentialName: "imap-password") else {
            throw ConfigError(
                key: "imap.password_file", problem: "no IMAP password is configured",
                fix: "set password_file (mode 0600) or password_env, or provide the systemd credential imap-password")
        }
        let poll = try s.duration("poll_interval") ?? 30
        let transfer = try s.duration("transfer_timeout") ?? 60
        let command = try s.duration("command_timeout") ?? IMAPSettings.defaultCommandTimeout
        guard command >= transfer else {
            throw ConfigError(
                key: "imap.command_timeout", problem: "is shorter than imap.transfer_timeout (\(command) s < \(transfer) s)",
                fix: "give the whole command at least as long as one silence, e.g. command_timeout = \"5m\"")
        }
        return IMAPSettings(
            url: url, username: username, password: password, caFile: try s.caFile(),
            connectTimeout: try s.duration("connect_timeout") ?? 15,
            transferTimeout: transfer,
            allowInsecureLoopback: try s.bool("allow_insecure_loopback") ?? false,
            maxConnectionAge: max(600, poll * 4),
            maxResponseBytes: try s.byteCount("max_response_bytes", within: Self.imapResponseBytesRange)
                ?? IMAPSettings.defaultMaxResponseBytes,
            commandTimeout: command)
    }

    /// What `imap.max_response_bytes` may be: at least 1 MiB (a SEARCH of many UIDs), at most
    /// 1 GiB (one command's data is held in memory).
    static let imapResponseBytesRange = (1 << 20)...(1 << 30)

    /// `[smtp]` with an explicit environment (for tests).
    public func smtpSettings(environment: [String: String]) throws -> SMTPSettings {
        let s = try MailSection(config: self, name: "smtp", environment: environment)
        let url = try s.requiredString("url")
        try s.validateURL(url, schemes: ["smtp", "smtps"])
        let username = try s.string("username")
        let password = try s.password(credentialName: "smtp-password")
        if username != nil && password == nil {
            throw ConfigError(
                key: "smtp.password_file", problem: "smtp.username is set but no password is configured",
                fix: "set password_file (mode 0600) or password_env, or provide the systemd credential smtp-password")
        }
        return SMTPSettings(
            url: url, username: username, password: username == nil ? nil : password, caFile: try s.caFile(),
            connectTimeout: try s.duration("connect_timeout") ?? 15,
            responseTimeout: try s.duration("response_timeout") ?? 60,
            totalTimeout: try s.duration("send_timeout") ?? 0,
            allowInsecureLoopback: try s.bool("allow_insecure_loopback") ?? false)
    }

    /// `smtp.from` as written (e.g. `Liaison 沟通跟踪 <track@corp.example>`), nil when absent.
    public func smtpFrom() throws -> String? {
        guard document["smtp"] != nil else { return nil }
        return try MailSection(config: self, name: "smtp", environment: [:]).string("from")
    }

    /// `imap.poll_interval` in seconds (default 30).
    public func imapPollInterval() throws -> Double {
        try MailSection(config: self, name: "imap", environment: [:]).duration("poll_interval") ?? 30
    }
}

/// Reads typed values of one mail section, with errors naming `section.key`.
private struct MailSection {
    let table: TOMLTable
    let name: String
    let environment: [String: String]

    init(config: LiaisonConfig, name: String, environment: [String: String]) throws {
        guard let value = config.document[name] else {
            throw ConfigError(key: name, problem: "the [\(name)] section is missing", fix: "add an [\(name)] table (see configuration.md)")
        }
        guard let table = value.table else {
            throw ConfigError(key: name, problem: "\(name) is not a table", fix: "write it as an [\(name)] section")
        }
        self.table = table
        self.name = name
        self.environment = environment
        if table["password"] != nil {
            throw ConfigError(
                key: "\(name).password", problem: "passwords are not accepted in the configuration file",
                fix: "remove it; use password_file (mode 0600), password_env, or the systemd credential \(name)-password")
        }
    }

    func key(_ k: String) -> String { "\(name).\(k)" }

    func string(_ k: String) throws -> String? {
        try SecretSource(table: table, section: name, environment: environment).string(k)
    }

    func requiredString(_ k: String) throws -> String {
        guard let s = try string(k) else {
            throw ConfigError(key: key(k), problem: "is missing", fix: "add \(k) = \"…\" to [\(name)]")
        }
        return s
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = table[k] else { return nil }
        guard let b = v.bool else { throw ConfigError(key: key(k), problem: "must be true or false", fix: "write \(k) = true or false") }
        return b
    }

    func duration(_ k: String) throws -> Double? {
        guard let v = table[k] else { return nil }
        if let n = v.int, n > 0 { return Double(n) }
        guard let s = v.string, let d = MailConfigDuration.seconds(s), d > 0 else {
            throw ConfigError(key: key(k), problem: "is not a positive duration", fix: "write e.g. \"30s\", \"2m\", \"1h\" or \"500ms\"")
        }
        return d
    }

    /// A size in bytes: an integer, or a string such as `"64MiB"`, `"512KiB"`, `"1GiB"`, `"10MB"`.
    func byteCount(_ k: String, within range: ClosedRange<Int>) throws -> Int? {
        guard let v = table[k] else { return nil }
        let bytes: Int?
        if let n = v.int { bytes = n } else if let s = v.string { bytes = MailConfigByteCount.bytes(s) } else { bytes = nil }
        guard let bytes, range.contains(bytes) else {
            throw ConfigError(
                key: key(k), problem: "is not a size from \(range.lowerBound / 1024 / 1024) MiB to \(range.upperBound / 1024 / 1024) MiB",
                fix: "write e.g. \"64MiB\" or a number of bytes")
        }
        return bytes
    }

    func validateURL(_ url: String, schemes: [String]) throws {
        do {
            let parsed = try MailServerURL(parsing: url, schemes: schemes)
            _ = try TransportSecurity.decide(for: parsed, allowInsecureLoopback: try bool("allow_insecure_loopback") ?? false)
        } catch let error as MailURLError {
            let k = error == .plaintextNotLoopback(host: (try? MailServerURL(parsing: url, schemes: schemes))?.host ?? "")
                ? "allow_insecure_loopback" : "url"
            throw ConfigError(key: key(k), problem: error.description, fix: "use \(schemes.map { "\($0)://host" }.joined(separator: " or ")) with TLS")
        }
    }

    func caFile() throws -> String? {
        guard let path = try string("ca_file") else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigError(key: key("ca_file"), problem: "\(path) cannot be read", fix: "give a readable PEM file of the CA, or remove the key to use the system's CAs")
        }
        return path
    }

    /// password_file, else password_env, else `$CREDENTIALS_DIRECTORY/<credentialName>`; nil when none is set.
    func password(credentialName: String) throws -> String? {
        try SecretSource(table: table, section: name, environment: environment).password(credentialName: credentialName)
    }
}

/// A section's password (`[imap]`, `[smtp]`, `[store]`): never from the configuration file, but
/// from `password_file` (mode 0600), `password_env`, or systemd's `$CREDENTIALS_DIRECTORY`.
struct SecretSource {
    let table: TOMLTable
    let section: String
    let environment: [String: String]

    func key(_ k: String) -> String { "\(section).\(k)" }

    func string(_ k: String) throws -> String? {
        guard let v = table[k] else { return nil }
        guard let s = v.string else { throw ConfigError(key: key(k), problem: "must be a string", fix: "quote the value") }
        guard !s.isEmpty else { throw ConfigError(key: key(k), problem: "is empty", fix: "give a value or remove the key") }
        return s
    }

    /// password_file, else password_env, else `$CREDENTIALS_DIRECTORY/<credentialName>`; nil when none is set.
    func password(credentialName: String) throws -> String? {
        let file = try string("password_file")
        let env = try string("password_env")
        if file != nil && env != nil {
            throw ConfigError(key: key("password_env"), problem: "both password_file and password_env are set", fix: "keep one of them")
        }
        if let file { return try readSecret(path: file, key: key("password_file")) }
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                throw ConfigError(key: key("password_env"), problem: "the environment variable \(env) is not set or empty", fix: "export \(env) for the service, or use password_file")
            }
            return value
        }
        if let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty {
            let path = (dir as NSString).appendingPathComponent(credentialName)
            if FileManager.default.fileExists(atPath: path) { return try readSecret(path: path, key: key("password_file")) }
        }
        return nil
    }

    func readSecret(path: String, key: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigError(key: key, problem: "\(path) does not exist or cannot be read", fix: "create it with mode 0600, owned by the service user")
        }
        if info.st_mode & 0o077 != 0 && !isUnderCredentialsDirectory(path) {
            throw ConfigError(
                key: key, problem: "\(path) is readable or writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8)))",
                fix: "chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: key, problem: "\(path) cannot be read", fix: "make it readable by the service user (mode 0600)")
        }
        var bytes = [UInt8](data)
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        guard !text.isEmpty else { throw ConfigError(key: key, problem: "\(path) is empty", fix: "write the password into it") }
        return text
    }

    private func isUnderCredentialsDirectory(_ path: String) -> Bool {
        guard let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty else { return false }
        let base = URL(fileURLWithPath: dir).standardizedFileURL.path
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        return full.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }
}

/// Durations as written in the configuration: `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds.
enum MailConfigDuration {
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Double(t.dropLast(suffix.count)), n.isFinite, n >= 0 else { return nil }
            return n * factor
        }
        guard let n = Double(t), n.isFinite else { return nil }
        return n
    }
}

/// Sizes as written in the configuration: a bare number of bytes, or with a unit `KiB`, `MiB`,
/// `GiB` (powers of 1024) or `kB`, `MB`, `GB` (powers of 1000), in any case.
enum MailConfigByteCount {
    static func bytes(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Int)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("b", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n >= 0 else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int(t)
    }
}
