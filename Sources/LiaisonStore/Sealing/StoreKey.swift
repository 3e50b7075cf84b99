import Crypto
import Foundation

/// The key-encryption key (KEK): 32 bytes the service reads from a credential (`[store] key_file`,
/// or the systemd credential `store-key`), never from the configuration file. It never encrypts
/// a body: it wraps the store's random data key (`SealedDataKey`), so rotating it rewrites one
/// row, not every message. Its `fingerprint` names it in messages and `liaison keys status`
/// (a one-way digest: it tells keys apart, it does not reveal one).
public struct StoreKey: Sendable {
    /// The key bytes (swift-crypto's `SymmetricKey` is not `Sendable`; one is made per use).
    let bytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: bytes) }
    /// 16 hex digits in four groups: the first 8 bytes of SHA-256("liaison store key" ‖ key).
    public let fingerprint: String
    /// Where the key came from (a path or credential name), for messages; never the key.
    public let source: String

    /// `bytes` must be exactly 32 bytes (AES-256).
    public init(bytes: [UInt8], source: String) throws {
        guard bytes.count == 32 else {
            throw StoreError(.invalid, "the store key from \(source) is \(bytes.count) bytes; AES-256 needs exactly 32")
        }
        self.bytes = bytes
        fingerprint = Self.fingerprint(of: bytes, label: "liaison store key")
        self.source = source
    }

    static func fingerprint(of bytes: [UInt8], label: String) -> String {
        let digest = Array(SHA256.hash(data: Array(label.utf8) + bytes)).prefix(8)
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        return stride(from: 0, to: hex.count, by: 4).map { i in
            String(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 4)])
        }.joined(separator: ":")
    }
}

/// The store's data key as kept in the store: AES-256-GCM of the 32 key bytes under the KEK
/// (associated data `wrapLabel`), a key check value (HMAC-SHA256 of a fixed label under the data
/// key, 16 bytes) and the fingerprint of the KEK that wrapped it (to say which key is expected).
public struct SealedDataKey: Sendable, Equatable {
    public var wrapped: [UInt8]
    public var check: [UInt8]
    public var kekFingerprint: String

    static let wrapLabel = Array("liaison data key v1".utf8)
    static let checkLabel = Array("liaison key check v1".utf8)

    /// A new random data key, wrapped under `kek`.
    static func make(under kek: StoreKey) throws -> (SealedDataKey, BodySealer) {
        let dataKey = SymmetricKey(size: .bits256)
        return (try wrap(dataKey, under: kek), BodySealer(dataKey: dataKey.withUnsafeBytes { Array($0) }))
    }

    static func wrap(_ dataKey: SymmetricKey, under kek: StoreKey) throws -> SealedDataKey {
        let bytes = dataKey.withUnsafeBytes { Array($0) }
        guard let combined = try AES.GCM.seal(bytes, using: kek.key, authenticating: wrapLabel).combined else {
            throw StoreError(.invalid, "the data key could not be wrapped")
        }
        return SealedDataKey(wrapped: Array(combined), check: checkValue(dataKey), kekFingerprint: kek.fingerprint)
    }

    static func checkValue(_ dataKey: SymmetricKey) -> [UInt8] {
        Array(Array(HMAC<SHA256>.authenticationCode(for: checkLabel, using: dataKey)).prefix(16))
    }

    /// The data key, or a `refused` error saying the key does not open this store.
    func unwrap(with kek: StoreKey, store: String) throws -> BodySealer {
        let refusal = StoreError(.refused, """
            the store key from \(kek.source) (fingerprint \(kek.fingerprint)) does not open the sealed store \(store), \
            whose data key is wrapped under the key with fingerprint \(kekFingerprint); configure that key ([store] key_file \
            or the credential store-key)
            """)
        let bytes: [UInt8]
        do {
            bytes = Array(try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: kek.key, authenticating: Self.wrapLabel))
        } catch {
            throw refusal
        }
        let dataKey = SymmetricKey(data: bytes)
        guard bytes.count == 32, Self.checkValue(dataKey) == check else {
            throw StoreError(.corrupt, "the sealed store \(store)'s data key fails its key check value: the key rows were altered")
        }
        return BodySealer(dataKey: bytes)
    }
}

/// Seals and opens bodies with the data key: AES-256-GCM, a random 96-bit nonce per value, and
/// the row's address as associated data (`table`, `column`, row id), so a sealed value copied
/// into another row or column does not open. A sealed value is `version (0x01) ‖ nonce ‖
/// ciphertext ‖ tag`; an empty value (a body removed by retention or an erasure) stays empty.
public struct BodySealer: Sendable {
    let dataKeyBytes: [UInt8]
    var dataKey: SymmetricKey { SymmetricKey(data: dataKeyBytes) }

    init(dataKey bytes: [UInt8]) { dataKeyBytes = bytes }
    static let version: UInt8 = 1
    /// Version byte, nonce and tag.
    public static let overhead = 1 + 12 + 16

    /// The data key's own fingerprint (unchanged by rotation, which re-wraps the same key).
    public var dataKeyFingerprint: String {
        StoreKey.fingerprint(of: dataKeyBytes, label: "liaison data key")
    }

    static func associatedData(table: String, column: String, row: Int64) -> [UInt8] {
        Array("liaison/v1/\(table)/\(column)/\(row)".utf8)
    }

    public func seal(_ plain: [UInt8], table: String, column: String, row: Int64) throws -> [UInt8] {
        guard !plain.isEmpty else { return [] }
        let box = try AES.GCM.seal(plain, using: dataKey, authenticating: Self.associatedData(table: table, column: column, row: row))
        guard let combined = box.combined else { throw StoreError(.invalid, "\(table).\(column) of row \(row) could not be sealed") }
        return [Self.version] + Array(combined)
    }

    /// The clear bytes, or a `corrupt` error naming the row: a value that was altered, moved
    /// from another row, or never sealed is never returned as text.
    public func open(_ sealed: [UInt8], table: String, column: String, row: Int64) throws -> [UInt8] {
        guard !sealed.isEmpty else { return [] }
        guard sealed.count >= Self.overhead, sealed[0] == Self.version else {
            throw StoreError(.corrupt, "\(table).\(column) of row \(row) is not sealed (\(sealed.count) bytes without the sealed format) in a sealed store: it was written around Liaison or altered")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed[1...])
            return Array(try AES.GCM.open(box, using: dataKey, authenticating: Self.associatedData(table: table, column: column, row: row)))
        } catch {
            throw StoreError(.corrupt, "\(table).\(column) of row \(row) fails authentication: its sealed bytes were altered or belong to another row")
        }
    }
}
