/// One IMAP command without its tag (RFC 3501 §9 `command`), built so that nothing a caller
/// passes can end the line early or smuggle in a second command: verbs, numbers and sequence
/// sets are checked to hold no CR, LF or NUL, and string arguments (mailbox names) are written
/// as a quoted string (§4.3, `\` and `"` escaped) or, when they hold a byte a quoted string
/// cannot carry (CR, LF, 8-bit), as a literal `{n}` (§4.3; `{n+}` with LITERAL+, RFC 7888).
/// A NUL cannot be sent in either form and is refused. Pure.
public struct IMAPCommand: Sendable, Equatable, CustomStringConvertible {
    /// A piece of the command: protocol text, or a string argument's bytes.
    enum Piece: Sendable, Equatable {
        case text(String)
        case string([UInt8])
    }

    private(set) var pieces: [Piece]

    /// `text` is the command's verb and arguments, e.g. `UID FETCH 7 (UID BODY.PEEK[])`.
    public init(_ text: String) throws(IMAPCommandError) {
        try Self.checkText(text)
        pieces = [.text(text)]
    }

    /// Appends more protocol text (numbers, item lists), space-separated.
    public func text(_ more: String) throws(IMAPCommandError) -> IMAPCommand {
        try Self.checkText(more)
        var copy = self
        copy.pieces.append(.text(" " + more))
        return copy
    }

    /// Appends a string argument (`astring`, e.g. a mailbox name already in modified UTF-7).
    public func string(_ value: String) throws(IMAPCommandError) -> IMAPCommand {
        let bytes = Array(value.utf8)
        if bytes.contains(0) { throw .nulInString }
        var copy = self
        copy.pieces.append(.text(" "))
        copy.pieces.append(.string(bytes))
        return copy
    }

    /// The bytes to send after `tag` and a space, cut where the server must be waited for: each
    /// element but the last ends with a synchronising literal's `{n}\r\n`, after which a
    /// continuation request (`+`) must arrive before the next element is sent (§7.5). With
    /// `literalPlus` (the server has LITERAL+) every literal is `{n+}` and there is one element.
    public func wire(tag: String, literalPlus: Bool) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var current = Array((tag + " ").utf8)
        for piece in pieces {
            switch piece {
            case .text(let text):
                current += Array(text.utf8)
            case .string(let bytes):
                if Self.quotable(bytes) {
                    current += Self.quotedBytes(bytes)
                } else {
                    current += Array("{\(bytes.count)\(literalPlus ? "+" : "")}\r\n".utf8)
                    if !literalPlus {
                        chunks.append(current)
                        current = []
                    }
                    current += bytes
                }
            }
        }
        current += [0x0D, 0x0A]
        chunks.append(current)
        return chunks
    }

    /// The command as a log or test line: literals shown as `{n}` without their bytes.
    public var description: String {
        pieces.map { piece -> String in
            switch piece {
            case .text(let t): return t
            case .string(let b): return Self.quotable(b) ? String(decoding: IMAPCommand.quotedBytes(b), as: UTF8.self) : "{\(b.count)}"
            }
        }.joined()
    }

    /// True when a quoted string can carry `bytes`: 7-bit, no CR, LF or NUL (§9 `QUOTED-CHAR`).
    static func quotable(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 != 0 && $0 < 0x80 && $0 != 0x0D && $0 != 0x0A }
    }

    private static func quotedBytes(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in bytes {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    private static func checkText(_ text: String) throws(IMAPCommandError) {
        if text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) { throw .lineBreakInText(text) }
    }
}

/// Why an IMAP command could not be built.
public enum IMAPCommandError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Protocol text (verb, numbers, item lists) holding CR, LF or NUL.
    case lineBreakInText(String)
    /// A string argument holding NUL, which neither a quoted string nor a literal may carry.
    case nulInString

    public var description: String {
        switch self {
        case let .lineBreakInText(t): return "IMAP command text with CR, LF or NUL refused: \(t.debugDescription)"
        case .nulInString: return "IMAP string argument with NUL refused"
        }
    }
}
