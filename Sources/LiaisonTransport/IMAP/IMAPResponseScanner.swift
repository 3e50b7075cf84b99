/// One server response of an IMAP stream (RFC 3501 §7, §9 `response`): its line text with
/// literals left as their `{n}` markers, and the literals' exact bytes in order.
public struct IMAPResponse: Sendable, Equatable {
    /// The response text without CRLF; each literal's bytes are replaced by nothing, so the text
    /// reads e.g. `* 3 FETCH (UID 7 BODY[] {120}) `… with the `{120}` marker kept.
    public var text: String
    /// Each literal, with the item name written just before its `{n}` (e.g. `BODY[]`).
    public var literals: [Literal]

    public struct Literal: Sendable, Equatable {
        /// The last token before the literal, upper-cased (`BODY[]`, `BODY[HEADER]`, a mailbox name…).
        public var item: String
        public var bytes: [UInt8]
        /// True when the framer counted and dropped the literal's bytes (`IMAPLiteralPolicy`):
        /// `bytes` is empty, whatever the size the `{n}` marker in `text` says.
        public var discarded: Bool = false
    }

    /// `*` for untagged, `+` for continuation, else the tag.
    public var tag: Substring { Substring(text.utf8.prefix { $0 != 0x20 }) }
    public var isUntagged: Bool {
        var bytes = text.utf8.makeIterator()
        guard bytes.next() == UInt8(ascii: "*") else { return false }
        let next = bytes.next()
        return next == nil || next == 0x20
    }
}

/// Why an IMAP stream could not be read.
public enum IMAPParseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A literal announced `expected` bytes but the stream held only `available` after it.
    case truncatedLiteral(expected: Int, available: Int)
    /// A FETCH response did not close after its literal: bytes were lost (e.g. a cut line).
    case malformedFetch(String)
    /// A response line (without its literals) longer than the reader accepts.
    case lineTooLong(limit: Int)
    /// A literal announced more bytes than the reader accepts.
    case literalTooLarge(size: Int, limit: Int)
    /// One response (its lines and literals) would pass `limit` bytes.
    case responseTooLarge(limit: Int)
    /// The responses to one command (lines and literals, untagged data included) would pass
    /// `limit` bytes.
    case commandTooLarge(limit: Int)
    /// A `BODY[]` literal larger than the `RFC822.SIZE` the server announced for its UID.
    case literalLargerThanAnnounced(uid: UInt32, size: Int, announced: Int)

    public var description: String {
        switch self {
        case let .truncatedLiteral(e, a): return "IMAP literal announced \(e) bytes but only \(a) arrived"
        case let .malformedFetch(s): return "malformed IMAP FETCH response: \(s)"
        case let .lineTooLong(limit): return "IMAP response line longer than \(limit) bytes"
        case let .literalTooLarge(size, limit): return "IMAP literal of \(size) bytes exceeds the limit of \(limit)"
        case let .responseTooLarge(limit): return "IMAP response larger than \(limit) bytes"
        case let .commandTooLarge(limit): return "IMAP responses to one command larger than \(limit) bytes"
        case let .literalLargerThanAnnounced(uid, size, announced):
            return "IMAP literal of UID \(uid) is \(size) bytes but its RFC822.SIZE said \(announced)"
        }
    }
}

/// Splits the bytes libcurl hands to the header callback (every server line of a transfer, in
/// order) into responses, consuming literals by their announced size (RFC 3501 §4.3), so that
/// text inside a literal — a `)`, a line such as `* 5 FETCH`, a bare CRLF — is never read as
/// protocol. Pure.
public enum IMAPResponseScanner {
    public static func responses(in stream: [UInt8]) throws(IMAPParseError) -> [IMAPResponse] {
        var result: [IMAPResponse] = []
        var i = 0
        let n = stream.count
        while i < n {
            var text: [UInt8] = []
            var literals: [IMAPResponse.Literal] = []
            while true {
                let lineEnd = stream[i...].firstIndex(of: 0x0A) ?? n
                var content = stream[i..<lineEnd]
                if content.last == 0x0D { content = content.dropLast() }
                i = min(lineEnd + 1, n)
                text.append(contentsOf: content)
                guard let size = literalSize(atEndOf: content) else { break }
                guard i + size <= n else { throw .truncatedLiteral(expected: size, available: n - i) }
                literals.append(.init(item: itemBefore(literalIn: content), bytes: Array(stream[i..<(i + size)])))
                i += size
                if i >= n { break }
            }
            if !text.isEmpty || !literals.isEmpty {
                result.append(IMAPResponse(text: String(decoding: text, as: UTF8.self), literals: literals))
            }
        }
        return result
    }

    /// `{123}` or `{123+}` (RFC 7888 non-synchronising) at the end of a line.
    static func literalSize(atEndOf line: ArraySlice<UInt8>) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.endIndex - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    static func itemBefore(literalIn line: ArraySlice<UInt8>) -> String {
        guard let open = line.lastIndex(of: UInt8(ascii: "{")) else { return "" }
        var head = line[..<open]
        while head.last == UInt8(ascii: " ") { head = head.dropLast() }
        let start = head.lastIndex(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "(") }).map { $0 + 1 } ?? head.startIndex
        return String(decoding: head[start...], as: UTF8.self).uppercased()
    }
}
