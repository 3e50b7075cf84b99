/// Quoted-printable writer for text bodies (RFC 2045 §6.7).
///
/// Line breaks of the input (CRLF, LF or a lone CR) become CRLF hard breaks (rule 4: text in
/// canonical form). Bytes other than printable ASCII, and `=`, are written `=XX` (rules 1–2);
/// a space or tab before a line break is encoded (rule 3); lines are cut with soft breaks so no
/// encoded line passes 76 characters, never inside an `=XX` (rule 5). The output always ends in
/// CRLF: when the input does not end with a line break, the last line ends in a soft break
/// (`=` CRLF), so decoding gives back exactly the input.
///
///     "Total = 5 \n" → "Total =3D 5=20\r\n"
public enum QuotedPrintableWriter {
    static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Encode text `bytes` (see the type's documentation). `maxLineLength` is clamped to 4…76.
    public static func encodeText(_ bytes: some Collection<UInt8>, maxLineLength: Int = 76) -> [UInt8] {
        let limit = max(4, min(76, maxLineLength))
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count + input.count / 8 + 8)
        var lineStart = 0
        var i = 0
        while i <= input.count {
            let atEnd = i == input.count
            if atEnd || input[i] == 13 || input[i] == 10 {
                if atEnd && lineStart == i && i > 0 && (input[i - 1] == 10 || input[i - 1] == 13) {
                    break  // the input ended with a line break: already written
                }
                if atEnd && input.isEmpty { break }
                writeLine(input[lineStart..<i], hardBreak: !atEnd, limit: limit, into: &out)
                if atEnd { break }
                if input[i] == 13 && i + 1 < input.count && input[i + 1] == 10 { i += 1 }
                i += 1
                lineStart = i
                continue
            }
            i += 1
        }
        return out
    }

    /// One input line: encoded tokens with soft breaks, then CRLF (hard) or `=` CRLF (soft, last line).
    private static func writeLine(_ line: ArraySlice<UInt8>, hardBreak: Bool, limit: Int, into out: inout [UInt8]) {
        var column = 0
        let last = line.endIndex - 1
        for index in line.indices {
            let b = line[index]
            let isLast = index == last
            let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 32 || b == 9) && !isLast)
            let width = literal ? 1 : 3
            // A token that ends a line ended by a hard break may use the last column; others leave room for "=".
            let room = (isLast && hardBreak) ? limit : limit - 1
            if column + width > room {
                out.append(UInt8(ascii: "=")); out.append(13); out.append(10)
                column = 0
            }
            if literal {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "="))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
            column += width
        }
        if !hardBreak {
            out.append(UInt8(ascii: "="))
        }
        out.append(13); out.append(10)
    }
}
