/// Writes MIME body parts (RFC 2045, RFC 2046): text leaves, attachments, and multiparts with
/// boundaries that are random and checked to be absent from what they enclose (RFC 2046 §5.1.1).
public enum MIMEPartWriter {
    /// A body part: its Content-* header fields (each ending in CRLF) and its encoded body, which
    /// ends in CRLF unless empty.
    public struct Part: Sendable, Equatable {
        public var header: [UInt8]
        public var body: [UInt8]
        public init(header: [UInt8], body: [UInt8]) { self.header = header; self.body = body }
        /// Header fields, the blank line, the body.
        public var bytes: [UInt8] { header + [13, 10] + body }
    }

    /// Text in canonical form (RFC 2049 §4): every line break (CRLF, LF, lone CR) as CRLF.
    public static func canonicalText(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        out.reserveCapacity(bytes.count + bytes.count / 32)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 13 {
                out.append(13); out.append(10)
                if i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
            } else if b == 10 {
                out.append(13); out.append(10)
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    /// Quoted-printable when at most one byte in six is non-ASCII (then it is also the shorter),
    /// base64 otherwise (e.g. Chinese text).
    public static func prefersQuotedPrintable(_ bytes: [UInt8]) -> Bool {
        let nonASCII = bytes.reduce(0) { $0 + ($1 >= 0x80 ? 1 : 0) }
        return nonASCII * 6 <= bytes.count
    }

    /// A `text/<subtype>; charset=utf-8` leaf.
    public static func text(_ text: String, subtype: String) -> Part {
        let canonical = canonicalText(text)
        let qp = prefersQuotedPrintable(canonical)
        let header = "Content-Type: text/\(subtype); charset=utf-8\r\n"
            + "Content-Transfer-Encoding: \(qp ? "quoted-printable" : "base64")\r\n"
        let body = qp ? QuotedPrintableWriter.encodeText(canonical) : Base64Writer.encodeLines(canonical)
        return Part(header: Array(header.utf8), body: body)
    }

    /// An attachment leaf, base64, with `name=` on Content-Type (RFC 2047 fallback) and an
    /// RFC 2231 `filename` on `Content-Disposition: attachment` (RFC 2183). `contentType` must be
    /// a checked `type/subtype`.
    public static func attachment(filename: String, contentType: String, data: [UInt8]) -> Part {
        var header: [UInt8] = []
        var type = HeaderFolder(name: "Content-Type")
        type.append(contentType)
        if !filename.isEmpty { ParameterWriter.appendName(filename, to: &type) }
        header += type.bytes
        var disposition = HeaderFolder(name: "Content-Disposition")
        disposition.append("attachment")
        if !filename.isEmpty { ParameterWriter.appendFilename(filename, to: &disposition) }
        header += disposition.bytes
        header += Array("Content-Transfer-Encoding: base64\r\n".utf8)
        return Part(header: header, body: Base64Writer.encodeLines(data))
    }

    /// A `multipart/<subtype>` of `parts`, with a fresh boundary found in none of them.
    public static func multipart<R: RandomNumberGenerator>(_ subtype: String, _ parts: [Part], using rng: inout R) -> Part {
        let contents = parts.map(\.bytes)
        var boundary: String
        repeat {
            boundary = "=_liaison_" + MessageBuilder.randomHex(bytes: 12, using: &rng)
        } while contents.contains(where: { contains($0, Array(("--" + boundary).utf8)) })
        let delimiter = Array("--\(boundary)".utf8)
        var body: [UInt8] = []
        for content in contents {
            body += delimiter + [13, 10]
            body += content
            body += [13, 10]  // belongs to the next delimiter (RFC 2046 §5.1.1)
        }
        body += delimiter + Array("--\r\n".utf8)
        let header = "Content-Type: multipart/\(subtype);\r\n boundary=\"\(boundary)\"\r\n"
        return Part(header: Array(header.utf8), body: body)
    }

    /// Whether `needle` occurs anywhere in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
