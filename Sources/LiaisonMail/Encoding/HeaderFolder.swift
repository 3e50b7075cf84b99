/// Writes one header field, folding at white space (RFC 5322 §2.2.3) so that lines stay within
/// 78 characters where possible and always within 998 (§2.1.1).
///
/// A fold is a CRLF inserted *before* existing white space, so unfolding gives back the value
/// exactly. Callers hand over tokens no longer than `maxRawToken` octets; longer text goes
/// through encoded words (RFC 2047), which can be cut anywhere between characters.
///
///     var f = HeaderFolder(name: "Subject")
///     f.appendUnstructured("Recap 会议纪要")
///     f.bytes   // "Subject: Recap =?UTF-8?B?5Lya6K6u57qq6KaB?=\r\n"
public struct HeaderFolder: Sendable {
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters.
    public static let preferredLineLength = 78
    /// RFC 5322 §2.1.1: lines MUST be at most 998 characters.
    public static let maxLineLength = 998
    /// Longest token written as is; longer words are encoded (so no line can pass 998).
    public static let maxRawToken = 800
    /// Longest run of white space kept literally in unstructured text.
    static let maxRawWhitespace = 64
    /// Longest field name accepted.
    public static let maxNameLength = 76

    private var output: [UInt8]
    private var column: Int
    private var lineHasToken = false

    /// Starts the field `name:`; the caller validates the name (see `isValidFieldName`).
    public init(name: String) {
        output = Array(name.utf8) + [UInt8(ascii: ":")]
        column = output.count
    }

    /// The field with its final CRLF.
    public var bytes: [UInt8] { output + [13, 10] }

    /// Append `token` after the white space `separator`. When the line would pass 78 characters
    /// and already holds a token, the fold goes before the separator. An empty separator glues
    /// the token to the previous one (no fold point), e.g. a list comma.
    public mutating func append(_ token: String, separator: String = " ") {
        if !separator.isEmpty && lineHasToken
            && column + separator.utf8.count + token.utf8.count > Self.preferredLineLength {
            fold()
        }
        output.append(contentsOf: separator.utf8)
        output.append(contentsOf: token.utf8)
        column += separator.utf8.count + token.utf8.count
        lineHasToken = true
    }

    /// Append `text` as RFC 2047 encoded words after `separator`, sized to the room left on each
    /// line; words are separated by one space (dropped by decoders, RFC 2047 §6.2). `prefix` is
    /// glued to the first word and `suffix` to the last (e.g. the quotes of a parameter value).
    public mutating func appendEncoded(_ text: String, separator: String = " ", prefix: String = "", suffix: String = "") {
        var splitter = EncodedWordSplitter(text)
        var sep = separator
        var first = true
        let minimumUseful = 24
        // Text that fits one word on a fresh line, but not on this one, starts on a fresh line.
        let whole = prefix.utf8.count + splitter.remainingSingleWordLength + suffix.utf8.count
        if lineHasToken && whole <= EncodedWordWriter.maxWordLength + prefix.utf8.count + suffix.utf8.count
            && column + separator.utf8.count + whole > Self.preferredLineLength
            && separator.utf8.count + whole <= Self.preferredLineLength {
            fold()
        }
        while !splitter.isDone {
            let extra = (first ? prefix.utf8.count : 0)
            var room = Self.preferredLineLength - column - sep.utf8.count - extra - suffix.utf8.count
            if room < minimumUseful && lineHasToken {
                fold()
                room = Self.preferredLineLength - column - sep.utf8.count - extra - suffix.utf8.count
            }
            let limit = max(minimumUseful, min(EncodedWordWriter.maxWordLength, room))
            guard let word = splitter.next(maxLength: limit) else { break }  // cannot happen: 24 ≥ 12 + 12
            let token = (first ? prefix : "") + word + (splitter.isDone ? suffix : "")
            output.append(contentsOf: sep.utf8)
            output.append(contentsOf: token.utf8)
            column += sep.utf8.count + token.utf8.count
            lineHasToken = true
            sep = " "
            first = false
        }
    }

    private mutating func fold() {
        output.append(13); output.append(10)
        column = 0
        lineHasToken = false
    }

    // MARK: - Unstructured text (RFC 5322 §3.2.5, RFC 2047 §5(1))

    /// Append an unstructured value (Subject, extra headers). Words that are non-ASCII, hold
    /// control characters, look like encoded words, or are too long are RFC 2047-encoded, together
    /// with the white space between them; leading and trailing white space is encoded too so that
    /// a reader which trims the value still gets it back. Other words and spaces stay as written.
    public mutating func appendUnstructured(_ value: String) {
        let tokens = Self.tokenize(value)
        guard !tokens.isEmpty else { return }
        if tokens.allSatisfy({ $0.isSpace }) {
            appendEncoded(value)
            return
        }
        var marked = tokens.map { token -> Bool in
            if token.isSpace { return token.text.utf8.count > Self.maxRawWhitespace }
            return Self.wordNeedsEncoding(token.text)
        }
        if tokens[0].isSpace { marked[0] = true }
        if tokens[tokens.count - 1].isSpace { marked[tokens.count - 1] = true }
        for (i, token) in tokens.enumerated() where token.isSpace && marked[i] {
            if i > 0 { marked[i - 1] = true }
            if i + 1 < tokens.count { marked[i + 1] = true }
        }
        var sep = " "
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            if !marked[i] {
                if token.isSpace { sep = token.text } else { append(token.text, separator: sep); sep = "" }
                i += 1
                continue
            }
            // An encoded run: marked words and the white space between them.
            var text = token.text
            var j = i + 1
            while j < tokens.count {
                if !tokens[j].isSpace { text += tokens[j].text; j += 1; continue }
                if j + 1 == tokens.count {
                    if marked[j] { text += tokens[j].text; j += 1 }
                    break
                }
                if marked[j + 1] { text += tokens[j].text + tokens[j + 1].text; j += 2 } else { break }
            }
            appendEncoded(text, separator: sep.isEmpty ? " " : sep)
            sep = ""
            i = j
        }
    }

    struct Token { var text: String; var isSpace: Bool }

    /// Alternating runs of white space (SP, HTAB) and words.
    static func tokenize(_ value: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var currentIsSpace = false
        for scalar in value.unicodeScalars {
            let space = scalar == " " || scalar == "\t"
            if !current.isEmpty && space != currentIsSpace {
                tokens.append(Token(text: current, isSpace: currentIsSpace))
                current = ""
            }
            current.unicodeScalars.append(scalar)
            currentIsSpace = space
        }
        if !current.isEmpty { tokens.append(Token(text: current, isSpace: currentIsSpace)) }
        return tokens
    }

    static func wordNeedsEncoding(_ word: String) -> Bool {
        if word.utf8.count > maxRawToken { return true }
        if word.utf8.contains(where: { $0 < 0x21 || $0 > 0x7E }) { return true }
        return EncodedWordWriter.looksEncoded(word)
    }

    // MARK: - Validation

    /// True when `value` holds a line break or NUL: CR, LF, VT, FF, NEL (U+0085), LS (U+2028),
    /// PS (U+2029) or U+0000. Such values are refused, never rewritten (header injection).
    public static func containsLineBreak(_ value: String) -> Bool {
        value.unicodeScalars.contains { s in
            switch s.value {
            case 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
            default: return false
            }
        }
    }

    /// RFC 5322 §3.6.8 `field-name = 1*ftext`: printable ASCII except colon; at most 76 characters.
    public static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameLength
            && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }
    }
}
