/// Reads a header section (RFC 5322 §2.2): fields up to the first empty line, folding kept in
/// `rawValue`, unfolded in `value`. Tolerates LF-only line ends and a leading mbox `From ` line.
/// A line that cannot be a header field (no colon, or a name that is not printable ASCII) ends a
/// section that lacks its blank line, as mail clients show it: that line and the rest are the
/// body. Raw 8-bit bytes in a value are read in the section's own declared charset (its
/// Content-Type `charset`), then UTF-8, then GB18030 (`decodeRaw`); raw bytes inside an encoded
/// word are kept for that word's own charset. Enforces the header bounds of `ParseLimits`.
enum HeaderParser {
    struct Result {
        var section: HeaderSection
        /// Index of the first body byte (after the empty line), or `end` when there is none.
        var bodyStart: Int
        var issues: [ParseIssue]
    }

    static func parse(_ bytes: [UInt8], range: Range<Int>, limits: ParseLimits) -> Result {
        var fields: [HeaderField] = []
        var issues: [ParseIssue] = []
        let end = range.upperBound
        var pos = range.lowerBound
        var headerBytes = 0
        var stopped = false

        // A mbox "From " separator line before the first field.
        if end - pos >= 5, bytes[pos] == 0x46, bytes[pos + 1] == 0x72, bytes[pos + 2] == 0x6F,
           bytes[pos + 3] == 0x6D, bytes[pos + 4] == Bytes.space {
            pos = (Bytes.nextLF(bytes, from: pos, end: end)).map { $0 + 1 } ?? end
        }

        while pos < end {
            // The end of this field: a line end not followed by white space.
            let lineStart = pos
            if bytes[pos] == Bytes.lf { return Result(section: finish(fields), bodyStart: pos + 1, issues: issues) }
            if bytes[pos] == Bytes.cr, pos + 1 < end, bytes[pos + 1] == Bytes.lf {
                return Result(section: finish(fields), bodyStart: pos + 2, issues: issues)
            }
            var fieldEnd = end      // exclusive, before the final line break
            var next = end          // where the next field starts
            var scan = pos
            while true {
                guard let lf = Bytes.nextLF(bytes, from: scan, end: end) else {
                    fieldEnd = end; next = end; break
                }
                if lf - scan > limits.maxLineLength, !issues.contains(where: { $0.kind == .lineLength }) {
                    issues.append(ParseIssue(.lineLength, "a header line of \(lf - scan) octets"))
                }
                let after = lf + 1
                if after < end, bytes[after] == Bytes.space || bytes[after] == Bytes.tab {
                    scan = after
                    continue
                }
                fieldEnd = (lf > pos && bytes[lf - 1] == Bytes.cr) ? lf - 1 : lf
                next = after
                break
            }
            headerBytes += next - lineStart
            if headerBytes > limits.maxHeaderBytes || fields.count >= limits.maxHeaderFields {
                issues.append(ParseIssue(.headerLimit,
                    headerBytes > limits.maxHeaderBytes
                        ? "header section over \(limits.maxHeaderBytes) bytes; the rest was skipped"
                        : "more than \(limits.maxHeaderFields) header fields; the rest were skipped"))
                stopped = true
                pos = next
                break
            }
            guard let field = makeField(bytes, lineStart..<fieldEnd) else {
                // Not a field: the header section ended without its blank line; this is body.
                issues.append(ParseIssue(.missingBlankLine, "a line that is not a header field ended the header section"))
                return Result(section: finish(fields), bodyStart: lineStart, issues: issues)
            }
            fields.append(field)
            pos = next
        }
        if stopped {
            // Skip to the end of the header section so that the body is still found.
            while pos < end {
                if bytes[pos] == Bytes.lf { return Result(section: finish(fields), bodyStart: pos + 1, issues: issues) }
                if bytes[pos] == Bytes.cr, pos + 1 < end, bytes[pos + 1] == Bytes.lf {
                    return Result(section: finish(fields), bodyStart: pos + 2, issues: issues)
                }
                pos = (Bytes.nextLF(bytes, from: pos, end: end)).map { $0 + 1 } ?? end
            }
        }
        return Result(section: finish(fields), bodyStart: end, issues: issues)
    }

    /// The section, with the values of fields holding raw 8-bit bytes read again in the
    /// section's declared charset (known only once its Content-Type is read).
    static func finish(_ fields: [HeaderField]) -> HeaderSection {
        guard fields.contains(where: { !Bytes.isASCII($0.rawValue) }) else { return HeaderSection(fields: fields) }
        let declared = fields.first { $0.name.caseInsensitiveEquals("Content-Type") }
            .flatMap { ContentType(parsing: $0.value).parameters["charset"] }
        guard let declared else { return HeaderSection(fields: fields) }
        return HeaderSection(fields: fields.map { f in
            Bytes.isASCII(f.rawValue) ? f : HeaderField(name: f.name, rawValue: f.rawValue, value: unfold(f.rawValue, declaredCharset: declared))
        })
    }

    /// One field from its bytes (name, colon, folded value).
    static func makeField(_ bytes: [UInt8], _ range: Range<Int>) -> HeaderField? {
        var colon = -1
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            if b == Bytes.colon { colon = i; break }
            // ftext is printable ASCII; white space before the colon is obsolete syntax (RFC 5322 §4.5).
            if b < 0x21 || b > 0x7E {
                if b == Bytes.space || b == Bytes.tab { i += 1; continue }
                return nil
            }
            i += 1
        }
        guard colon > range.lowerBound else { return nil }
        let nameRange = Bytes.trimmed(bytes, range.lowerBound..<colon)
        guard !nameRange.isEmpty else { return nil }
        let name = String(decoding: bytes[nameRange], as: UTF8.self)
        let raw = Array(bytes[(colon + 1)..<range.upperBound])
        return HeaderField(name: name, rawValue: raw, value: unfold(raw))
    }

    /// RFC 5322 §2.2.3: remove CRLF (or bare LF/CR) that precede white space; trim the ends.
    /// Raw 8-bit bytes inside a Q encoded word are written as `=XX` so that the word is decoded in
    /// the charset it declares (`EncodedWords`); the other raw bytes are read by `decodeRaw`.
    static func unfold(_ raw: [UInt8], declaredCharset: String? = nil) -> String {
        // Most values are one line of ASCII: then there is nothing to remove, no copy is made
        // and the trimmed bytes are the text (one pass finds out).
        let (folded, ascii) = Bytes.lineBreaksAndASCII(raw)
        if !folded && ascii {
            return String(decoding: raw[Bytes.trimmed(raw, 0..<raw.count)], as: UTF8.self)
        }
        var out = raw
        if folded {
            out = []
            out.reserveCapacity(raw.count)
            for b in raw where b != Bytes.cr && b != Bytes.lf { out.append(b) }
        }
        let r = Bytes.trimmed(out, 0..<out.count)
        if Bytes.isASCII(out[r]) { return String(decoding: out[r], as: UTF8.self) }
        let escaped = EightBitWords.escapeInsideEncodedWords(Array(out[r]))
        return decodeRaw(escaped[...], declaredCharset: declaredCharset)
    }

    /// Raw 8-bit header bytes as text: in the declared charset when it reads them without an
    /// error (US-ASCII declares no 8-bit bytes and is passed over), else UTF-8 when valid, else
    /// GB18030 when it reads them without an error, else the best-effort guess (never dropped).
    static func decodeRaw(_ bytes: ArraySlice<UInt8>, declaredCharset: String?) -> String {
        if Bytes.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        if let label = declaredCharset, let name = Charset.iconvName(forLabel: label), name != "US-ASCII" {
            let d = Charset.decode(bytes, label: label)
            if d.replacements == 0 { return d.text }
        }
        return Bytes.headerText(bytes)
    }
}

/// Finds RFC 2047 encoded words in raw header bytes and escapes the raw 8-bit bytes some
/// mailers put inside Q-encoded words (`=?iso-8859-1?Q?M\xFCller?=`), so the word is read in
/// its own charset rather than the whole value being guessed as GB18030. Linear: the next `?=`
/// and the next white space are precomputed once for every position.
enum EightBitWords {
    static func escapeInsideEncodedWords(_ u: [UInt8]) -> [UInt8] {
        let n = u.count
        guard n >= 8 else { return u }
        // nextTerm[i]: first j >= i with u[j] == "?" && u[j+1] == "="; nextSpace[i]: first white space >= i.
        var nextTerm = [Int](repeating: n, count: n + 1)
        var nextSpace = [Int](repeating: n, count: n + 1)
        var i = n - 1
        while i >= 0 {
            nextTerm[i] = (u[i] == 0x3F && i + 1 < n && u[i + 1] == 0x3D) ? i : nextTerm[i + 1]
            nextSpace[i] = (u[i] == Bytes.space || u[i] == Bytes.tab) ? i : nextSpace[i + 1]
            i -= 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(n + 16)
        let hex = Array("0123456789ABCDEF".utf8)
        var pos = 0
        while pos < n {
            if u[pos] == 0x3D, pos + 1 < n, u[pos + 1] == 0x3F, let (textStart, textEnd, q) = word(u, at: pos, nextTerm, nextSpace) {
                out.append(contentsOf: u[pos..<textStart])
                for b in u[textStart..<textEnd] {
                    if b >= 0x80 && q {
                        out.append(0x3D); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0x0F)])
                    } else {
                        out.append(b)
                    }
                }
                out.append(contentsOf: u[textEnd..<(textEnd + 2)])
                pos = textEnd + 2
                continue
            }
            out.append(u[pos])
            pos += 1
        }
        return out
    }

    /// `=?charset?enc?` at `pos` (charset ASCII, at most 64 bytes), then text without white
    /// space up to `?=`: the text's range and whether the encoding is Q.
    private static func word(_ u: [UInt8], at pos: Int, _ nextTerm: [Int], _ nextSpace: [Int]) -> (Int, Int, Bool)? {
        let n = u.count
        var i = pos + 2
        let csStart = i
        while i < n, u[i] != 0x3F {
            if u[i] <= 0x20 || u[i] >= 0x7F || i - csStart >= 64 { return nil }
            i += 1
        }
        guard i > csStart, i + 2 < n, u[i + 2] == 0x3F else { return nil }
        let enc = u[i + 1] | 0x20
        guard enc == 0x62 || enc == 0x71 else { return nil }
        let textStart = i + 3
        guard textStart <= n else { return nil }
        let end = nextTerm[textStart]
        guard end < n, end < nextSpace[textStart] else { return nil }
        return (textStart, end, enc == 0x71)
    }
}
