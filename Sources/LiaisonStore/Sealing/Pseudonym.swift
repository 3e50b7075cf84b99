import Foundation
import LiaisonCore

/// The stable pseudonym an erased person's address and name become (issue 18):
/// `erased-<first 12 hex digits of HMAC-SHA256(key, lowercased address)>@invalid` for the address,
/// the same without `@invalid` for names. Stable: erasing the same address twice, or on two cases,
/// gives the same pseudonym, so figures and threads still count one person. Keyed: the key is
/// the store's own random secret, so the pseudonym cannot be reversed by hashing a guessed
/// address without the store (who holds the store can still test guesses: see the threat model).
/// `.invalid` (RFC 2606) can never be delivered.
public enum Pseudonym {
    public static func token(for address: String, key: [UInt8]) -> String {
        let mac = hmacSHA256(key: key, message: Array(address.lowercased().utf8))
        return "erased-" + mac.prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    public static func address(for address: String, key: [UInt8]) -> String { token(for: address, key: key) + "@invalid" }

    /// HMAC-SHA256 (RFC 2104) over `LiaisonCore.SHA256` (FIPS 180-4).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let block = 64
        var k = key.count > block ? SHA256.hash(key) : key
        k += [UInt8](repeating: 0, count: block - k.count)
        let inner = SHA256.hash(k.map { $0 ^ 0x36 } + message)
        return SHA256.hash(k.map { $0 ^ 0x5c } + inner)
    }
}
