import Foundation

/// Substring search on UTF-8 bytes that gives the same answers as Foundation's
/// `StringProtocol.range(of:)` / `contains(_:)` (no options) where that is provably so, and asks
/// Foundation otherwise.
///
/// Foundation's search without `.literal` compares by canonical equivalence ("é" matches
/// "e\u{301}") over grapheme clusters, through NSString: most of `MessageFacts`' time on a long
/// text (issue 16). When every scalar of both strings is one that has no canonical decomposition,
/// combines with nothing and forms a cluster of its own (`isPlain`), canonical equivalence is
/// identity and a match is a run of equal scalars, which is a run of equal UTF-8 bytes: the byte
/// search is then exact. Any other scalar (accented Latin, Hangul, kana, combining marks, ZWJ,
/// variation selectors, emoji…) sends the question to Foundation, unchanged.
enum LiteralSearch {
    /// Scalars that decompose to nothing else, have combining class 0, are no grapheme extender
    /// and are not the second half of any canonical composition: ASCII, the CJK unified
    /// ideographs, CJK symbols and punctuation (without the tone marks U+302A–U+302F), general
    /// punctuation U+2010–U+2027 (dashes, quotes, …), enclosed alphanumerics U+2460–U+24FF
    /// (①②③) and the full-width forms U+FF01–U+FF5E. CR and LF are plain in a text but not in a
    /// needle (CR LF is one cluster; a needle without either cannot split it).
    @inline(__always)
    static func isPlain(_ v: UInt32) -> Bool {
        switch v {
        case 0x00...0x7F, 0x4E00...0x9FFF, 0x3000...0x3029, 0x3030...0x303F,
             0x2010...0x2027, 0x2460...0x24FF, 0xFF01...0xFF5E: return true
        default: return false
        }
    }

    /// True when every scalar of `s` is plain (see `isPlain`); a needle must also hold no
    /// control character (CR, LF, …).
    static func isPlain(_ s: String, needle: Bool) -> Bool {
        for u in s.unicodeScalars {
            let v = u.value
            guard isPlain(v) else { return false }
            if needle, v < 0x20 || v == 0x7F { return false }
        }
        return true
    }

    /// A needle prepared once: its bytes, and whether the byte search may answer for it.
    struct Needle {
        let string: String
        let bytes: [UInt8]
        let plain: Bool

        init(_ s: String) {
            string = s
            bytes = Array(s.utf8)
            plain = LiteralSearch.isPlain(s, needle: true)
        }
    }

    /// A haystack prepared once: whether the byte search may answer for it.
    struct Haystack {
        let string: String
        let plain: Bool

        init(_ s: String) {
            string = s
            plain = LiteralSearch.isPlain(s, needle: false)
        }
    }

    /// `haystack.string.contains(needle.string)` as Foundation answers it (an empty needle is
    /// never contained).
    static func contains(_ haystack: Haystack, _ needle: Needle) -> Bool {
        guard haystack.plain, needle.plain else { return haystack.string.contains(needle.string) }
        return firstOffset(of: needle.bytes, in: haystack.string) != nil
    }

    /// `haystack.string.range(of: needle.string)` as Foundation answers it.
    static func range(of needle: Needle, in haystack: Haystack) -> Range<String.Index>? {
        guard haystack.plain, needle.plain else { return haystack.string.range(of: needle.string) }
        let s = haystack.string
        guard let start = firstOffset(of: needle.bytes, in: s) else { return nil }
        let lower = s.utf8.index(s.utf8.startIndex, offsetBy: start)
        let upper = s.utf8.index(lower, offsetBy: needle.bytes.count)
        return lower..<upper
    }

    /// The byte offset of the first occurrence of `needle` in `s`'s UTF-8, nil when none or when
    /// `needle` is empty (Foundation finds no empty string).
    static func firstOffset(of needle: [UInt8], in s: String) -> Int? {
        guard let first = needle.first else { return nil }
        var s = s
        return s.withUTF8 { hay -> Int? in
            let n = needle.count
            guard let base = hay.baseAddress, hay.count >= n else { return nil }
            return needle.withUnsafeBufferPointer { nd -> Int? in
                var i = 0
                let last = hay.count - n
                while i <= last {
                    // The first byte by memchr, then the rest compared in place.
                    guard let p = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                    let hit = UnsafeRawPointer(p) - UnsafeRawPointer(base)
                    if memcmp(base + hit, nd.baseAddress!, n) == 0 { return hit }
                    i = hit + 1
                }
                return nil
            }
        }
    }
}
