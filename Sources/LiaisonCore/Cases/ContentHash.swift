/// The identity of a message's bytes, for telling a second arrival of the same message when its
/// Message-ID is missing. SHA-256 (FIPS 180-4) over the raw bytes, with the trace fields that
/// change per delivery (`Received`, `Return-Path`, `Delivered-To`, `X-Original-To`; RFC 5321
/// §4.4) left out of the header, so a re-fetch or a second copy hashes alike.
public enum ContentHash {
    static let traceFields: [String] = ["received", "return-path", "delivered-to", "x-original-to"]

    /// Lowercase hex SHA-256 of the message without its trace fields.
    public static func of(_ raw: [UInt8]) -> String {
        var hasher = SHA256()
        raw.withUnsafeBytes { bytes in forEachKept(bytes) { hasher.update($0) } }
        return hex(hasher.finish())
    }

    /// The raw bytes without the trace header fields (and their folded continuation lines).
    static func stripTrace(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        raw.withUnsafeBytes { bytes in forEachKept(bytes) { out.append(contentsOf: $0) } }
        return out
    }

    /// Calls `keep` with each run of the message's bytes that `stripTrace` keeps, in order: the
    /// header line by line (a trace field and its continuation lines left out), then the blank
    /// line and the body in one piece. No copy: the hash reads the message where it is.
    public static func forEachKept(_ raw: UnsafeRawBufferPointer, _ keep: (UnsafeRawBufferPointer) -> Void) {
        let count = raw.count
        var i = 0
        var skipping = false
        while i < count {
            var end = i
            while end < count && raw[end] != 0x0A { end += 1 }
            let lineEnd = min(end + 1, count)
            let line = UnsafeRawBufferPointer(rebasing: raw[i..<lineEnd])
            if line.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) {
                // The blank line: it and everything after it, whole.
                keep(UnsafeRawBufferPointer(rebasing: raw[i...]))
                return
            }
            let first = line[0]
            if first == 0x20 || first == 0x09 {
                if !skipping { keep(line) }
            } else {
                skipping = isTraceField(line)
                if !skipping { keep(line) }
            }
            i = lineEnd
        }
    }

    /// Whether a header line's field name (before its colon, trailing blanks dropped, any case)
    /// is one of `traceFields`.
    static func isTraceField(_ line: UnsafeRawBufferPointer) -> Bool {
        var n = 0
        while n < line.count && line[n] != 0x3A { n += 1 }
        while n > 0 && (line[n - 1] == 0x20 || line[n - 1] == 0x09) { n -= 1 }
        guard n >= 8 && n <= 13 else { return false }  // "received" … "x-original-to"
        let name = line[0..<n].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
        return traceFieldBytes.contains(name)
    }

    static let traceFieldBytes: [[UInt8]] = traceFields.map { Array($0.utf8) }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// SHA-256 (FIPS 180-4 §6.2), for content hashes; no dependency on CryptoKit.
public struct SHA256: Sendable {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The 32-byte digest of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.finish()
    }

    private var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
    private var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
    /// The bytes of an unfinished block (< 64), and the length so far.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    /// A digest over bytes given in pieces (`update`), the same as `hash` of them joined.
    public init() {}

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        length &+= UInt64(bytes.count)
        var rest = bytes
        if !pending.isEmpty {
            let take = min(64 - pending.count, rest.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            guard pending.count == 64 else { return }
            let block = pending
            block.withUnsafeBytes { compress($0, blocks: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = rest.count / 64
        if whole > 0 { compress(rest, blocks: whole) }
        if rest.count > whole * 64 { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[(whole * 64)...])) }
    }

    /// The digest (FIPS 180-4 §5.1.1 padding: 0x80, zeros, the length in bits, big-endian).
    public mutating func finish() -> [UInt8] {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        let saved = length
        tail.withUnsafeBytes { update($0) }
        length = saved
        precondition(pending.isEmpty)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for v in [h0, h1, h2, h3, h4, h5, h6, h7] {
            out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
        }
        return out
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

    /// FIPS 180-4 §6.2.2 over `blocks` 64-byte blocks at the start of `data`.
    private mutating func compress(_ data: UnsafeRawBufferPointer, blocks: Int) {
        guard let base = data.baseAddress else { return }
        var a0 = h0, b0 = h1, c0 = h2, d0 = h3, e0 = h4, f0 = h5, g0 = h6, hh0 = h7
        Self.k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for block in 0..<blocks {
                    let p = base + block * 64
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t - 15], y = w[t - 2]
                        let s0 = Self.rotr(x, 7) ^ Self.rotr(x, 18) ^ (x >> 3)
                        let s1 = Self.rotr(y, 17) ^ Self.rotr(y, 19) ^ (y >> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var a = a0, b = b0, c = c0, d = d0, e = e0, f = f0, g = g0, hh = hh0
                    for t in 0..<64 {
                        let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                        let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                    a0 &+= a; b0 &+= b; c0 &+= c; d0 &+= d; e0 &+= e; f0 &+= f; g0 &+= g; hh0 &+= hh
                }
            }
        }
        h0 = a0; h1 = b0; h2 = c0; h3 = d0; h4 = e0; h5 = f0; h6 = g0; h7 = hh0
    }
}
