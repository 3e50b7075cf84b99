import Crypto
import LiaisonCore

/// `ContentHash.of(raw)` — the same SHA-256 over the same bytes (the message without its trace
/// fields, fed in place by `ContentHash.forEachKept`) — through swift-crypto's SHA-256
/// (BoringSSL: the CPU's SHA extensions where it has them, several times the pure Swift
/// `LiaisonCore.SHA256`). For the poller's fetch thread, which hashes every message of a
/// backlog on the core the reading shares with the IMAP server (issue 16).
public enum ContentDigest {
    public static func of(_ raw: [UInt8]) -> String {
        var hasher = Crypto.SHA256()
        raw.withUnsafeBytes { bytes in ContentHash.forEachKept(bytes) { hasher.update(bufferPointer: $0) } }
        return ContentHash.hex(Array(hasher.finalize()))
    }
}
