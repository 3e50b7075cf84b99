import Foundation

/// Small byte-level helpers shared by the parsers. All work on `[UInt8]` with explicit ranges
/// so that no part of a message is copied before it has to be.
enum Bytes {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let dash: UInt8 = 0x2D

    /// Index of the next LF at or after `from` (before `end`), or nil.
    @inline(__always)
    static func nextLF(_ bytes: [UInt8], from: Int, end: Int) -> Int? {
        guard from < end else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress else { return nil }
            guard let p = memchr(base + from, Int32(lf), end - from) else { return nil }
            return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The first line start at or after `from` (the body's first byte, or a byte after an LF)
    /// whose byte is "-", or nil when no line in the rest of `body` starts so.
    static func nextLineStartingWithDash(_ bytes: [UInt8], from: Int, in body: Range<Int>) -> Int? {
        bytes.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress else { return nil }
            var i = from
            while i < body.upperBound {
                guard let p = memchr(base + i, Int32(dash), body.upperBound - i) else { return nil }
                let at = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if at == body.lowerBound || base[at - 1] == lf { return at }
                i = at + 1
            }
            return nil
        }
    }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab || b == cr || b == lf }

    /// `bytes[range]` with leading and trailing white space removed.
    static func trimmed(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi, isWhitespace(bytes[lo]) { lo += 1 }
        while hi > lo, isWhitespace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// True when every byte is 7-bit.
    static func isASCII(_ bytes: some Collection<UInt8>) -> Bool {
        if let ascii = bytes.withContiguousStorageIfAvailable({ isASCII(buffer: $0) }) { return ascii }
        for b in bytes where b >= 0x80 { return false }
        return true
    }

    /// `isASCII` on contiguous bytes, eight at a time.
    static func isASCII(buffer u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = u.baseAddress else { return true }
        let n = u.count
        let raw = UnsafeRawPointer(base)
        var acc: UInt64 = 0
        var i = 0
        while i + 8 <= n {
            acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            acc |= UInt64(base[i])
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Whether `bytes` hold a CR or an LF, and whether they are all 7-bit (the two questions
    /// of unfolding a header value), by memchr and eight bytes at a time.
    static func lineBreaksAndASCII(_ bytes: [UInt8]) -> (breaks: Bool, ascii: Bool) {
        bytes.withUnsafeBufferPointer { u in
            guard let base = u.baseAddress else { return (false, true) }
            let breaks = memchr(base, Int32(lf), u.count) != nil || memchr(base, Int32(cr), u.count) != nil
            return (breaks, isASCII(buffer: u))
        }
    }

    /// Text from header bytes: ASCII and valid UTF-8 as is (RFC 6532), anything else by
    /// best-effort charset guessing (raw GBK in a header is common), never dropping input.
    static func headerText(_ bytes: ArraySlice<UInt8>) -> String {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return Charset.decode(bytes, label: nil).text
    }

    /// True when `s` holds "=?", where an RFC 2047 encoded word could start (on the bytes:
    /// no Foundation string search).
    static func containsEncodedWordStart(_ s: String) -> Bool {
        if let found = s.utf8.withContiguousStorageIfAvailable({ u -> Bool in
            // memchr for each "=", then a look at the byte after it.
            guard let base = u.baseAddress else { return false }
            var i = 0
            let n = u.count
            while i + 1 < n, let p = memchr(base + i, 0x3D, n - i - 1) {
                let at = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if u[at + 1] == 0x3F { return true }
                i = at + 1
            }
            return false
        }) {
            return found
        }
        var previous: UInt8 = 0
        for b in s.utf8 {
            if b == 0x3F && previous == 0x3D { return true }
            previous = b
        }
        return false
    }

    /// ASCII-lowercased copy.
    static func lowercasedASCII(_ s: String) -> String {
        var needs = false
        for b in s.utf8 where b >= 0x41 && b <= 0x5A { needs = true; break }
        return needs ? s.lowercased() : s
    }
}
