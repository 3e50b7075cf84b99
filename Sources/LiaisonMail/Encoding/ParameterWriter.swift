/// Writes MIME parameters (RFC 2045 §5.1) whose values may be non-ASCII or long: RFC 2231
/// extended values with continuations for `filename`, and the RFC 2047 quoted form that old
/// clients read for `name`.
///
///     filename="report.pdf"
///     filename*=UTF-8''%E4%BC%9A%E8%AE%AE.pdf
///     filename*0*=UTF-8''%E4%BC%9A…; filename*1*=%E7%BA%AA…
///     name="=?UTF-8?B?5Lya6K6uLnBkZg==?="
public enum ParameterWriter {
    /// Segment payload per continuation, so that ` filename*12*=` + chunk + `;` stays near 78.
    static let segmentRoom = 56

    /// True when `value` can be written as a short quoted string of printable ASCII (no `"` or `\`).
    static func isPlain(_ value: String) -> Bool {
        let bytes = value.utf8
        return !bytes.isEmpty && bytes.count <= 60 && !EncodedWordWriter.looksEncoded(value)
            && bytes.allSatisfy { $0 >= 32 && $0 <= 126 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    /// RFC 2231 §7 attribute-char: a token character other than `*`, `'` and `%`.
    static func isAttributeChar(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$&+-.^_`|~".utf8).contains(b)
        }
    }

    /// `%XX`-encode one character's bytes (RFC 2231 §4).
    static func percentEncode(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            if isAttributeChar(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(QuotedPrintableWriter.hex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(QuotedPrintableWriter.hex[Int(b & 15)]))
            }
        }
        return out
    }

    /// The RFC 2231 form of `name=value`: `name*=UTF-8''…` when it fits one line, else the
    /// continuations `name*0*=UTF-8''…; name*1*=…` (§3, §4), never cutting a UTF-8 character.
    /// Each returned string is one parameter, to be joined with `;`.
    public static func extendedParameters(name: String, value: String) -> [String] {
        let encoded = value.unicodeScalars.map { percentEncode(Array(String($0).utf8)) }
        let whole = encoded.joined()
        if name.utf8.count + whole.utf8.count + 9 <= segmentRoom + 10 {
            return ["\(name)*=UTF-8''\(whole)"]
        }
        var segments: [String] = []
        var current = ""
        for chunk in encoded {
            if !current.isEmpty && current.utf8.count + chunk.utf8.count > segmentRoom {
                segments.append(current)
                current = ""
            }
            current += chunk
        }
        if !current.isEmpty { segments.append(current) }
        return segments.enumerated().map { i, segment in
            i == 0 ? "\(name)*0*=UTF-8''\(segment)" : "\(name)*\(i)*=\(segment)"
        }
    }

    /// Append `; filename=…` for an attachment to a Content-Disposition being folded: a plain
    /// quoted string when possible, else RFC 2231 (with continuations when long).
    public static func appendFilename(_ filename: String, to folder: inout HeaderFolder) {
        folder.append(";", separator: "")
        if isPlain(filename) {
            folder.append("filename=\"\(filename)\"")
            return
        }
        let parameters = extendedParameters(name: "filename", value: filename)
        for (i, parameter) in parameters.enumerated() {
            if i > 0 { folder.append(";", separator: "") }
            folder.append(parameter)
        }
    }

    /// Append `; name="…"` to a Content-Type being folded: a plain quoted string when possible,
    /// else RFC 2047 encoded words inside the quotes (what clients without RFC 2231 read).
    public static func appendName(_ value: String, to folder: inout HeaderFolder) {
        folder.append(";", separator: "")
        if isPlain(value) {
            folder.append("name=\"\(value)\"")
        } else {
            folder.appendEncoded(value, prefix: "name=\"", suffix: "\"")
        }
    }
}
