import Foundation
import TOMLKit

#if canImport(Glibc)
import Glibc
#endif

/// The store key (encryption at rest, issue 18) as read from its credential: 32 bytes. Never
/// printed (`description` names the source only). The store turns it into its `StoreKey`.
public struct StoreKeyMaterial: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// The file or credential it came from.
    public let source: String

    public init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    public var description: String { "store key from \(source)" }

    /// The systemd credential read when `[store] key_file` is not set (`LoadCredential=store-key:…`).
    public static let credentialName = "store-key"

    /// `[store] key_file` (a path with a `/`, or a credential name under `$CREDENTIALS_DIRECTORY`),
    /// else `$CREDENTIALS_DIRECTORY/store-key` when it exists; nil: encryption at rest is off.
    /// `configPath`: a key file that is the configuration file itself is refused.
    public static func read(table: TOMLTable?, environment: [String: String], configPath: String? = nil) throws -> StoreKeyMaterial? {
        let key = "store.key_file"
        for k in ["key", "store_key", "encryption_key", "data_key"] where table?[k] != nil {
            throw ConfigError(key: "store.\(k)", problem: "keys are not accepted in the configuration file",
                              fix: "remove it; put the 32-byte key in a file of mode 0600 named by key_file, or in the systemd credential \(credentialName)")
        }
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        var path: String
        if let node = table?["key_file"] {
            guard let name = node.string, !name.isEmpty else {
                throw ConfigError(key: key, problem: "must be a non-empty string", fix: "write key_file = \"/etc/liaison/store.key\" or key_file = \"\(credentialName)\"")
            }
            if name.contains("/") {
                path = name
            } else {
                guard let credentials else {
                    throw ConfigError(key: key, problem: "`\(name)` is a credential name but $CREDENTIALS_DIRECTORY is not set",
                                      fix: "give a path (key_file = \"/etc/liaison/store.key\"), or run under systemd with LoadCredential=\(name):PATH")
                }
                path = (credentials as NSString).appendingPathComponent(name)
            }
        } else if let credentials, FileManager.default.fileExists(atPath: (credentials as NSString).appendingPathComponent(credentialName)) {
            path = (credentials as NSString).appendingPathComponent(credentialName)
        } else {
            return nil
        }
        if let configPath, samePath(path, configPath) {
            throw ConfigError(key: key, problem: "names the configuration file itself", fix: "keep the key in a file of its own, mode 0600")
        }
        return try load(path: path, key: key, credentialsDirectory: credentials)
    }

    /// Reads a key file (mode 0600 unless under `credentialsDirectory`); errors name `key`
    /// (`store.key_file`, or a command's option such as `--new-key-file`).
    public static func load(path: String, key: String, credentialsDirectory credentials: String? = nil) throws -> StoreKeyMaterial {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigError(key: key, problem: "the key file \(path) does not exist or cannot be read",
                              fix: "create it with mode 0600 (head -c 32 /dev/urandom > FILE, or openssl rand -hex 32 > FILE), or remove key_file")
        }
        let underCredentials = credentials.map { isUnder(path, $0) } ?? false
        if info.st_mode & 0o077 != 0 && !underCredentials {
            throw ConfigError(key: key, problem: "the key file \(path) is readable or writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8)))",
                              fix: "chmod 600 \(path)")
        }
        guard info.st_size <= 4096, let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: key, problem: "the key file \(path) cannot be read or is too large to be a key",
                              fix: "write 32 random bytes (or 64 hex digits) into it, readable by the service user")
        }
        guard let bytes = parse([UInt8](data)) else {
            throw ConfigError(key: key, problem: "the key file \(path) holds no 256-bit key (\(data.count) bytes)",
                              fix: "write exactly 32 random bytes (head -c 32 /dev/urandom), 64 hex digits (openssl rand -hex 32) or their base64")
        }
        return StoreKeyMaterial(bytes: bytes, source: path)
    }

    /// 32 raw bytes, 64 hex digits or 44 characters of base64, with one trailing newline allowed.
    static func parse(_ raw: [UInt8]) -> [UInt8]? {
        if raw.count == 32 { return raw }
        var text = raw
        while let last = text.last, last == 0x0A || last == 0x0D || last == 0x20 { text.removeLast() }
        let s = String(decoding: text, as: UTF8.self)
        if s.utf8.count == 64, s.allSatisfy(\.isHexDigit) {
            var out: [UInt8] = []
            var i = s.startIndex
            while i < s.endIndex {
                let j = s.index(i, offsetBy: 2)
                guard let b = UInt8(s[i..<j], radix: 16) else { return nil }
                out.append(b)
                i = j
            }
            return out
        }
        if let d = Data(base64Encoded: s), d.count == 32 { return [UInt8](d) }
        return nil
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    static func isUnder(_ path: String, _ dir: String) -> Bool {
        let base = URL(fileURLWithPath: dir).standardizedFileURL.path
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        return full.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }
}
