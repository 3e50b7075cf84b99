/// RFC 2047 encoded-word writer (UTF-8 charset).
///
/// The text is cut into encoded words of at most 75 characters (§2), each holding whole UTF-8
/// characters (§5: "each encoded-word MUST represent an integral number of characters"). "B"
/// (§4.1) or "Q" (§4.2) is chosen per text, whichever is shorter; Chinese text comes out as "B".
/// Q words use only the characters §5(3) allows in a phrase (letters, digits, `!*+-/`, `_` for a
/// space), so the same words serve in Subject, display names and parameter values.
///
///     EncodedWordWriter.encode("你好")   // ["=?UTF-8?B?5L2g5aW9?="]
///     EncodedWordWriter.encode("Café au lait")   // ["=?UTF-8?Q?Caf=C3=A9_au_lait?="]
public enum EncodedWordWriter {
    /// The two RFC 2047 encodings.
    public enum Encoding: Sendable, Equatable {
        case b, q
    }

    /// `=?UTF-8?X?` plus `?=`.
    public static let overhead = 12
    /// RFC 2047 §2: an encoded word is at most 75 characters.
    public static let maxWordLength = 75

    /// Encode all of `text` as encoded words of at most `maxLength` (clamped to 24…75) characters.
    /// Adjacent words are meant to be separated by white space, which decoders drop (§6.2).
    public static func encode(_ text: String, maxLength: Int = maxWordLength) -> [String] {
        var splitter = EncodedWordSplitter(text)
        var words: [String] = []
        let limit = max(24, min(maxWordLength, maxLength))
        while !splitter.isDone, let word = splitter.next(maxLength: limit) { words.append(word) }
        return words
    }

    /// The shorter encoding for these bytes (Q on a tie, being readable).
    public static func chooseEncoding(_ bytes: [UInt8]) -> Encoding {
        let q = bytes.reduce(0) { $0 + qWidth($1) }
        return q <= Base64Writer.encodedLength(bytes.count) ? .q : .b
    }

    /// Characters written literally in a Q word: the phrase-safe set of RFC 2047 §5(3).
    static func isQLiteral(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// Encoded width of one byte in a Q word.
    static func qWidth(_ b: UInt8) -> Int { (isQLiteral(b) || b == 32) ? 1 : 3 }

    static func qEncode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            if isQLiteral(b) {
                out.append(b)
            } else if b == 32 {
                out.append(UInt8(ascii: "_"))
            } else {
                out.append(UInt8(ascii: "="))
                out.append(QuotedPrintableWriter.hex[Int(b >> 4)])
                out.append(QuotedPrintableWriter.hex[Int(b & 15)])
            }
        }
        return out
    }

    /// True when `text` holds something a decoder would take for an encoded word (`=?` … `?=`),
    /// so that it must itself be encoded to survive unchanged.
    static func looksEncoded(_ text: some StringProtocol) -> Bool {
        let u = Array(text.utf8)
        guard u.count >= 4 else { return false }
        var i = 0
        while i + 1 < u.count {
            if u[i] == UInt8(ascii: "=") && u[i + 1] == UInt8(ascii: "?") {
                var j = i + 2
                while j + 1 < u.count {
                    if u[j] == UInt8(ascii: "?") && u[j + 1] == UInt8(ascii: "=") { return true }
                    j += 1
                }
                return false
            }
            i += 1
        }
        return false
    }
}

/// Cuts one text into successive encoded words, each sized to the room the caller has left on
/// its line (RFC 2047 §2 and §5); used by the header folder.
struct EncodedWordSplitter {
    private let characters: [[UInt8]]
    private var index = 0
    let encoding: EncodedWordWriter.Encoding

    init(_ text: String) {
        characters = text.unicodeScalars.map { Array(String($0).utf8) }
        encoding = EncodedWordWriter.chooseEncoding(Array(text.utf8))
    }

    var isDone: Bool { index >= characters.count }

    /// The length of what is left as a single encoded word.
    var remainingSingleWordLength: Int {
        let rest = characters[index...].joined()
        switch encoding {
        case .b: return EncodedWordWriter.overhead + Base64Writer.encodedLength(rest.count)
        case .q: return EncodedWordWriter.overhead + rest.reduce(0) { $0 + EncodedWordWriter.qWidth($1) }
        }
    }

    /// The next word of at most `maxLength` characters, or nil when not even one character fits.
    mutating func next(maxLength: Int) -> String? {
        let payloadRoom = maxLength - EncodedWordWriter.overhead
        var bytes: [UInt8] = []
        var qLength = 0
        var end = index
        while end < characters.count {
            let c = characters[end]
            let fits: Bool
            switch encoding {
            case .b:
                fits = Base64Writer.encodedLength(bytes.count + c.count) <= payloadRoom
            case .q:
                let w = c.reduce(0) { $0 + EncodedWordWriter.qWidth($1) }
                fits = qLength + w <= payloadRoom
                if fits { qLength += w }
            }
            if !fits { break }
            bytes.append(contentsOf: c)
            end += 1
        }
        guard end > index else { return nil }
        index = end
        switch encoding {
        case .b: return "=?UTF-8?B?" + String(decoding: Base64Writer.encode(bytes), as: UTF8.self) + "?="
        case .q: return "=?UTF-8?Q?" + String(decoding: EncodedWordWriter.qEncode(bytes), as: UTF8.self) + "?="
        }
    }
}
