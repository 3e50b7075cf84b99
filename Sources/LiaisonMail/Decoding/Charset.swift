// STUB (replaced by the charset work): see the doc comments for the contract.

/// Text decoded from bytes in a declared (or guessed) charset.
public struct DecodedText: Sendable, Equatable {
    /// The decoded text; undecodable input appears as U+FFFD, never dropped silently.
    public var text: String
    /// The iconv name actually used (e.g. "GB18030" for a part labelled gb2312).
    public var charsetUsed: String
    /// How many replacement characters were produced.
    public var replacements: Int
    public init(text: String, charsetUsed: String, replacements: Int) {
        self.text = text; self.charsetUsed = charsetUsed; self.replacements = replacements
    }
}

/// Charset decoding through glibc's iconv (RFC 2045 §5.1 `charset`, RFC 2047, RFC 2231).
public enum Charset {
    /// Decode `bytes` labelled `label` (nil or unknown: best effort guess: UTF-8, else GB18030, else Latin-1).
    public static func decode(_ bytes: some Collection<UInt8>, label: String?) -> DecodedText {
        let s = String(decoding: Array(bytes), as: UTF8.self)
        return DecodedText(text: s, charsetUsed: "UTF-8", replacements: 0)
    }
}
