import Foundation
import LiaisonConfiguration
import Testing

/// `[http]` (issue 19): absent is no console; each bad value is an error naming its key; the TLS
/// key is read like a password (mode 0600) and never printed.
@Suite struct HTTPConfigTests {
    static func config(_ http: String) throws -> LiaisonConfig { try LiaisonConfig(toml: http) }

    static func error(_ http: String, env: [String: String] = [:]) -> ConfigError? {
        do { _ = try config(http).httpSettings(environment: env); return nil } catch let e as ConfigError { return e } catch { return nil }
    }

    @Test func absentIsNoConsoleAndAnEmptySectionTheDefaults() throws {
        #expect(try Self.config("").httpSettings(environment: [:]) == nil)
        let s = try #require(try Self.config("[http]\n").httpSettings(environment: [:]))
        #expect(s.listen == HTTPSettings.HostPort(host: "127.0.0.1", port: 8025))
        #expect(s.baseURL == "http://127.0.0.1:8025" && !s.isTLS && s.metricsListen == nil)
        let v6 = try #require(try Self.config("[http]\nlisten = \"[::1]:9000\"\nbase_url = \"https://liaison.corp.example/\"\nmetrics_listen = \"127.0.0.1:9125\"\n")
            .httpSettings(environment: [:]))
        #expect(v6.listen.host == "::1" && v6.listen.port == 9000 && v6.baseURL == "https://liaison.corp.example")
        #expect(v6.metricsListen?.port == 9125)
    }

    @Test func badValuesNameTheirKey() {
        #expect(Self.error("[http]\nlisten = \"8025\"\n")?.key == "http.listen")
        #expect(Self.error("[http]\nlisten = \"host:99999\"\n")?.key == "http.listen")
        #expect(Self.error("[http]\nlisten = 8025\n")?.key == "http.listen")
        #expect(Self.error("[http]\nbase_url = \"ftp://x.example\"\n")?.key == "http.base_url")
        #expect(Self.error("[http]\nbase_url = \"https://x.example/?a=1\"\n")?.key == "http.base_url")
        #expect(Self.error("[http]\nbase_url = \"https://x.example/\\\"><script>\"\n")?.key == "http.base_url")
        #expect(Self.error("[http]\nmetrics_listen = \"127.0.0.1:8025\"\n")?.key == "http.metrics_listen")
        #expect(Self.error("[http]\ntls_cert_file = \"/etc/hostname\"\n")?.key == "http.tls_key_file")
        #expect(Self.error("http = 1\n")?.key == "http")
    }

    @Test func theKeyIsReadLikeAPassword() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("c.pem").path, key = dir.appendingPathComponent("k.pem").path
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(toFile: cert, atomically: true, encoding: .utf8)
        let secret = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n"
        FileManager.default.createFile(atPath: key, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o644])
        let text = "[http]\ntls_cert_file = \"\(cert)\"\ntls_key_file = \"\(key)\"\n"
        let e = try #require(Self.error(text))
        #expect(e.key == "http.tls_key_file" && e.problem.contains("readable or writable by group or others"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        let s = try #require(try Self.config(text).httpSettings(environment: [:]))
        #expect(s.isTLS && s.baseURL == "https://127.0.0.1:8025")
        #expect(!"\(s)".contains("SECRET"), "the key never shows in a description")
        // The systemd credential when no key file is named.
        let creds = dir.appendingPathComponent("creds")
        try FileManager.default.createDirectory(at: creds, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: creds.appendingPathComponent("http-tls-key").path, contents: Data(secret.utf8),
                                       attributes: [.posixPermissions: 0o600])
        let viaCredential = try Self.config("[http]\ntls_cert_file = \"\(cert)\"\n").httpSettings(environment: ["CREDENTIALS_DIRECTORY": creds.path])
        #expect(viaCredential?.tls?.keyPEM == secret.trimmingCharacters(in: .newlines))
    }
}
