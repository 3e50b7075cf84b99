/// Base64 writer (RFC 2045 §6.8): the body form in lines of at most 76 characters, and the bare
/// form used inside RFC 2047 "B" encoded words.
///
///     Base64Writer.encode(Array("Hi!".utf8))        // "SGkh"
///     Base64Writer.encodeLines(bytes)               // "…76 chars…\r\n…\r\n"
public enum Base64Writer {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The encoded length of `count` input bytes, padding included (no line breaks).
    public static func encodedLength(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Base64 of `bytes` on one line, with `=` padding (RFC 2045 §6.8, RFC 2047 §4.1).
    public static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(input.count))
        var i = 0
        while i + 3 <= input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = input.count - i
        if rest == 1 {
            let n = UInt32(input[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return out
    }

    /// Base64 of `bytes` as body lines (RFC 2045 §6.8): each line holds at most `lineLength`
    /// characters (clamped to 4…76, a multiple of 4) and ends with CRLF. Empty input gives no lines.
    public static func encodeLines(_ bytes: some Collection<UInt8>, lineLength: Int = 76) -> [UInt8] {
        let width = max(4, min(76, lineLength)) / 4 * 4
        let flat = encode(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(flat.count + flat.count / width * 2 + 2)
        var start = 0
        while start < flat.count {
            let end = min(start + width, flat.count)
            out.append(contentsOf: flat[start..<end])
            out.append(13); out.append(10)
            start = end
        }
        return out
    }
}
