/// Reads a header section (RFC 5322 §2.2): fields up to the first empty line, folding kept in
/// `rawValue`, unfolded in `value`. Tolerates LF-only line ends, a leading mbox `From ` line,
/// and lines without a colon (skipped). Enforces the header bounds of `ParseLimits`.
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
            if bytes[pos] == Bytes.lf { return Result(section: HeaderSection(fields: fields), bodyStart: pos + 1, issues: issues) }
            if bytes[pos] == Bytes.cr, pos + 1 < end, bytes[pos + 1] == Bytes.lf {
                return Result(section: HeaderSection(fields: fields), bodyStart: pos + 2, issues: issues)
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
            if let field = makeField(bytes, lineStart..<fieldEnd) { fields.append(field) }
            pos = next
        }
        if stopped {
            // Skip to the end of the header section so that the body is still found.
            while pos < end {
                if bytes[pos] == Bytes.lf { return Result(section: HeaderSection(fields: fields), bodyStart: pos + 1, issues: issues) }
                if bytes[pos] == Bytes.cr, pos + 1 < end, bytes[pos + 1] == Bytes.lf {
                    return Result(section: HeaderSection(fields: fields), bodyStart: pos + 2, issues: issues)
                }
                pos = (Bytes.nextLF(bytes, from: pos, end: end)).map { $0 + 1 } ?? end
            }
        }
        return Result(section: HeaderSection(fields: fields), bodyStart: end, issues: issues)
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
    static func unfold(_ raw: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        for b in raw where b != Bytes.cr && b != Bytes.lf { out.append(b) }
        let r = Bytes.trimmed(out, 0..<out.count)
        return Bytes.headerText(out[r])
    }
}
