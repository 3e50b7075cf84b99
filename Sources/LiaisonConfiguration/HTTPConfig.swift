import Foundation
import TOMLKit

/// The web console's `[http]` section (issue 19):
///
/// ```toml
/// [http]
/// listen = "127.0.0.1:8025"                 # host:port the console listens on (default)
/// base_url = "https://liaison.corp.example"  # the address people open; sign-in links start with it
/// # tls_cert_file = "/etc/liaison/console.crt"   # PEM chain; with tls_key_file the console speaks TLS
/// # tls_key_file = "/run/credentials/liaison.service/http-tls-key"   # read like a password (mode 0600)
/// # metrics_listen = "127.0.0.1:9125"       # /metrics and /healthz on their own address
/// ```
///
/// No `[http]` section: no console (a gateway opens no port nobody asked for). The section
/// present, even empty: the console on `listen`.
public struct HTTPSettings: Sendable, Equatable, CustomStringConvertible {
    public static let defaultListen = HostPort(host: "127.0.0.1", port: 8025)

    /// Where the console listens.
    public var listen: HostPort
    /// The address people open, without a trailing slash (`http://127.0.0.1:8025` when absent and
    /// no TLS: only right on the host itself).
    public var baseURL: String
    /// TLS: the certificate chain's file and the private key (PEM), read at load.
    public var tls: TLSFiles?
    /// A separate address for `/metrics` and `/healthz`; nil: on `listen`.
    public var metricsListen: HostPort?

    public init(listen: HostPort = HTTPSettings.defaultListen, baseURL: String? = nil, tls: TLSFiles? = nil, metricsListen: HostPort? = nil) {
        self.listen = listen
        self.tls = tls
        self.metricsListen = metricsListen
        self.baseURL = baseURL ?? "\(tls == nil ? "http" : "https")://\(listen.urlAuthority)"
    }

    /// True when the console speaks TLS itself (cookies are then `Secure`).
    public var isTLS: Bool { tls != nil }

    /// Without the key: safe for logs.
    public var description: String {
        "listen \(listen), base_url \(baseURL)" + (tls.map { ", tls \($0.certificateFile)" } ?? "") + (metricsListen.map { ", metrics \($0)" } ?? "")
    }

    /// A host (name or IP literal) and a port.
    public struct HostPort: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) { self.host = host; self.port = port }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        /// `host:port` as in a URL (IPv6 in brackets).
        public var urlAuthority: String { description }

        /// `127.0.0.1:8025`, `[::1]:8025`, `localhost:8025`, `0.0.0.0:8025`; port 0 = any free port (tests).
        public static func parse(_ text: String) -> HostPort? {
            let s = text.trimmingCharacters(in: .whitespaces)
            let host: Substring, portText: Substring
            if s.hasPrefix("[") {
                guard let close = s.firstIndex(of: "]"), s[s.index(after: close)...].hasPrefix(":") else { return nil }
                host = s[s.index(after: s.startIndex)..<close]
                portText = s[s.index(close, offsetBy: 2)...]
            } else {
                guard let colon = s.lastIndex(of: ":") else { return nil }
                host = s[..<colon]
                portText = s[s.index(after: colon)...]
                if host.contains(":") { return nil }
            }
            guard !host.isEmpty, host.utf8.count <= 253, let port = Int(portText), (0...65535).contains(port),
                  host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:".unicodeScalars.contains($0)) })
            else { return nil }
            return HostPort(host: String(host), port: port)
        }
    }

    /// The certificate file's path and the key's PEM text (never printed).
    public struct TLSFiles: Sendable, Equatable, CustomStringConvertible {
        public var certificateFile: String
        public var keyPEM: String
        public init(certificateFile: String, keyPEM: String) { self.certificateFile = certificateFile; self.keyPEM = keyPEM }
        public var description: String { "TLS(\(certificateFile), key withheld)" }
    }
}

extension LiaisonConfig {
    /// The keys of `[http]`.
    public static let httpKeys: Set<String> = ["listen", "base_url", "tls_cert_file", "tls_key_file", "metrics_listen"]

    /// `[http]`, validated (nil: no section, no console). The key file is read like a password
    /// (mode 0600 unless under `$CREDENTIALS_DIRECTORY`; absent: the systemd credential
    /// `http-tls-key` when a certificate is set); errors name the key.
    public func httpSettings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HTTPSettings? {
        guard let node = document["http"] else { return nil }
        guard let table = node.table else {
            throw ConfigError(key: "http", problem: "is not a table", fix: "write it as an [http] section")
        }
        let r = TableReader(table: table, prefix: "http")
        var listen = HTTPSettings.defaultListen
        if let text = try r.optionalString("listen") {
            guard let hp = HTTPSettings.HostPort.parse(text) else {
                throw ConfigError(key: "http.listen", problem: "`\(text)` is not host:port", fix: "write e.g. \"127.0.0.1:8025\" or \"[::1]:8025\"")
            }
            listen = hp
        }
        var metrics: HTTPSettings.HostPort?
        if let text = try r.optionalString("metrics_listen") {
            guard let hp = HTTPSettings.HostPort.parse(text) else {
                throw ConfigError(key: "http.metrics_listen", problem: "`\(text)` is not host:port", fix: "write e.g. \"127.0.0.1:9125\", or remove it to serve /metrics on listen")
            }
            if hp == listen && hp.port != 0 {
                throw ConfigError(key: "http.metrics_listen", problem: "is the same address as http.listen", fix: "give another port, or remove it to serve /metrics on listen")
            }
            metrics = hp
        }
        let secrets = SecretSource(table: table, section: "http", environment: environment)
        var tls: HTTPSettings.TLSFiles?
        let cert = try r.optionalString("tls_cert_file")
        var keyText: String?
        if let keyPath = try r.optionalString("tls_key_file") {
            keyText = try secrets.readSecret(path: keyPath, key: "http.tls_key_file")
        } else if cert != nil, let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty {
            let path = (dir as NSString).appendingPathComponent("http-tls-key")
            if FileManager.default.fileExists(atPath: path) { keyText = try secrets.readSecret(path: path, key: "http.tls_key_file") }
        }
        switch (cert, keyText) {
        case (nil, nil): break
        case (nil, _?):
            throw ConfigError(key: "http.tls_cert_file", problem: "is missing while tls_key_file is set", fix: "name the certificate chain (PEM) too, or remove tls_key_file")
        case (let c?, nil):
            _ = c
            throw ConfigError(key: "http.tls_key_file", problem: "is missing while tls_cert_file is set",
                              fix: "name the private key (PEM, mode 0600) or provide the systemd credential http-tls-key")
        case (let c?, let k?):
            guard let data = FileManager.default.contents(atPath: c), String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                throw ConfigError(key: "http.tls_cert_file", problem: "\(c) cannot be read or holds no PEM certificate", fix: "name a readable PEM certificate chain")
            }
            guard k.contains("PRIVATE KEY-----") else {
                throw ConfigError(key: "http.tls_key_file", problem: "holds no PEM private key", fix: "name the PEM private key of the certificate")
            }
            tls = HTTPSettings.TLSFiles(certificateFile: c, keyPEM: k)
        }
        var base: String?
        if let text = try r.optionalString("base_url") {
            var b = text.trimmingCharacters(in: .whitespaces)
            while b.hasSuffix("/") { b.removeLast() }
            guard let url = URL(string: b), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  url.host?.isEmpty == false, url.query == nil, url.fragment == nil, url.user == nil,
                  b.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f && $0 != "\"" && $0 != "<" && $0 != ">" })
            else {
                throw ConfigError(key: "http.base_url", problem: "`\(text)` is not an http(s) address",
                                  fix: "write the address people open, e.g. \"https://liaison.corp.example\" (no query or fragment)")
            }
            base = b
        }
        return HTTPSettings(listen: listen, baseURL: base, tls: tls, metricsListen: metrics)
    }
}
