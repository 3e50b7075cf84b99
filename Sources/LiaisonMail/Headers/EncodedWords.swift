/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in unstructured text and phrases.
///
/// Adjacent encoded words separated only by white space are joined (§6.2), and when they share a
/// charset their bytes are decoded together, so a character split across two words (common in
/// GBK and UTF-8 subjects from some mailers) comes out whole. RFC 2231 language suffixes
/// (`=?utf-8*zh?B?…?=`) are accepted. Unknown charset labels decode on a best-effort basis.
/// A malformed word is left as written.
///
///     =?gb2312?B?u+HS6bzN0qo=?=   →  会议纪要
public enum EncodedWords {
    /// Decode every encoded word in `value`.
    public static func decode(_ value: String) -> String {
        // Fast path: no "=?" at all, found on the string's own bytes (no copy).
        guard Bytes.containsEncodedWordStart(value) else { return value }
        let u = Array(value.utf8)
        // Fast path: no "=?" at all.
        guard let first = findStart(u, from: 0) else { return value }
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        out.append(contentsOf: u[0..<first])

        var pos = first
        // A run of adjacent words with one charset, pending decoding.
        var pendingCharset: String? = nil
        var pendingBytes: [UInt8] = []
        var pendingGap: [UInt8] = []   // white space after the last word, dropped if another word follows

        func flush() {
            if let cs = pendingCharset {
                out.append(contentsOf: Charset.decode(pendingBytes, label: cs).text.utf8)
                pendingCharset = nil
                pendingBytes.removeAll(keepingCapacity: true)
            }
        }

        var scan = WordScan()
        while pos < u.count {
            if let word = parseWord(u, at: pos, scan: &scan) {
                // Only white space since the previous word: the gap vanishes (§6.2).
                let cs = Bytes.lowercasedASCII(word.charset)
                if pendingCharset != nil {
                    if pendingCharset == cs {
                        // same run
                    } else {
                        flush()
                    }
                }
                pendingGap.removeAll(keepingCapacity: true)
                pendingCharset = cs
                pendingBytes.append(contentsOf: word.bytes)
                pos = word.end
                continue
            }
            let b = u[pos]
            if pendingCharset != nil, b == Bytes.space || b == Bytes.tab {
                pendingGap.append(b)
                pos += 1
                continue
            }
            // Ordinary text ends the run.
            flush()
            if !pendingGap.isEmpty { out.append(contentsOf: pendingGap); pendingGap.removeAll(keepingCapacity: true) }
            out.append(b)
            pos += 1
        }
        flush()
        if !pendingGap.isEmpty { out.append(contentsOf: pendingGap) }
        return String(decoding: out, as: UTF8.self)
    }

    struct Word {
        var charset: String
        var bytes: [UInt8]
        var end: Int
    }

    static func findStart(_ u: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 1 < u.count {
            if u[i] == 0x3D && u[i + 1] == 0x3F { return i }
            i += 1
        }
        return nil
    }

    /// Where the ends of encoded-word text were last looked for, so that no byte is scanned twice
    /// however many `=?` starts a value holds (`=?cs?b?A` repeated 64,000 times reads in one
    /// pass): the next `?=` and the next white space at or after `from`. A start never makes the
    /// scan go back further than its charset (at most 64 bytes before the text), so the whole
    /// decode is linear in the value.
    struct WordScan {
        /// No "?=" starts in [terminatorFrom, terminator); one starts at `terminator` (or it is n).
        var terminatorFrom = Int.max, terminator = 0
        /// No white space in [spaceFrom, space); white space at `space` (or it is n).
        var spaceFrom = Int.max, space = 0

        mutating func ends(_ u: [UInt8], from start: Int) -> (terminator: Int, space: Int) {
            (nextTerminator(u, start), nextSpace(u, start))
        }

        private mutating func nextTerminator(_ u: [UInt8], _ start: Int) -> Int {
            if start >= terminatorFrom, start <= terminator { return terminator }
            let n = u.count
            // Before the known range only up to where it begins; past it, from `start` on.
            let stop = start < terminatorFrom ? min(terminatorFrom, n) : n
            var i = start, found = -1
            while i < stop {
                if u[i] == 0x3F, i + 1 < n, u[i + 1] == 0x3D { found = i; break }
                i += 1
            }
            if found < 0 { found = stop < n ? terminator : n }
            terminatorFrom = start; terminator = found
            return found
        }

        private mutating func nextSpace(_ u: [UInt8], _ start: Int) -> Int {
            if start >= spaceFrom, start <= space { return space }
            let n = u.count
            let stop = start < spaceFrom ? min(spaceFrom, n) : n
            var i = start, found = -1
            while i < stop {
                let b = u[i]
                if b == Bytes.space || b == Bytes.tab || b == Bytes.cr || b == Bytes.lf { found = i; break }
                i += 1
            }
            if found < 0 { found = stop < n ? space : n }
            spaceFrom = start; space = found
            return found
        }
    }

    /// An encoded word starting at `pos`, if one is there (one call, no cache: short values).
    static func parseWord(_ u: [UInt8], at pos: Int) -> Word? {
        var scan = WordScan()
        return parseWord(u, at: pos, scan: &scan)
    }

    /// An encoded word starting at `pos`, if one is there: `=?charset[*lang]?enc?text?=`.
    static func parseWord(_ u: [UInt8], at pos: Int, scan: inout WordScan) -> Word? {
        let n = u.count
        guard pos + 1 < n, u[pos] == 0x3D, u[pos + 1] == 0x3F else { return nil }
        var i = pos + 2
        let csStart = i
        while i < n, u[i] != 0x3F {
            let b = u[i]
            if b <= 0x20 || b >= 0x7F { return nil }
            i += 1
            if i - csStart > 64 { return nil }
        }
        guard i < n, i > csStart else { return nil }
        // The charset is printable ASCII (checked above): its "*" (an RFC 2231 language) is a byte.
        let csEnd = u[csStart..<i].firstIndex(of: 0x2A) ?? i
        let charset = String(decoding: u[csStart..<csEnd], as: UTF8.self)
        i += 1
        guard i + 1 < n, u[i + 1] == 0x3F else { return nil }
        let enc = u[i] | 0x20
        guard enc == 0x62 || enc == 0x71 else { return nil }   // b or q
        i += 2
        let textStart = i
        // The text runs to "?="; it holds no white space (§5). Found through `scan`, which
        // remembers the ends past this start, so a failed start costs nothing more.
        let (terminator, space) = scan.ends(u, from: textStart)
        guard terminator < n, terminator < space else { return nil }
        i = terminator
        guard i + 1 < n, u[i] == 0x3F, u[i + 1] == 0x3D else { return nil }
        let text = u[textStart..<i]
        let decoded = enc == 0x62 ? TransferDecoding.base64(text).bytes : TransferDecoding.qEncodedWord(text).bytes
        return Word(charset: charset, bytes: decoded, end: i + 2)
    }
}
