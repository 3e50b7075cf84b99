#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts the byte stream of an IMAP session into whole responses as the bytes arrive (RFC 3501
/// §7, §9 `response`), for a reader that sees the stream in pieces of any size.
///
/// A literal `{n}` at the end of a line is taken as exactly `n` bytes by counting (§4.3), so
/// nothing inside a message — a line `A001 OK`, `* 3 EXISTS`, a `)`, a `{12}` — is ever read
/// as protocol, and a literal of any size is whole when its response is returned. Bytes after a
/// complete response stay buffered for the next one. Limits bound memory on a hostile server:
/// a line longer than `maxLineLength` or a literal larger than `maxLiteralSize` is an error.
/// Pure: no I/O.
public struct IMAPResponseFramer: Sendable {
    /// The longest response line accepted, without its literals (a `* SEARCH` of many UIDs).
    public var maxLineLength: Int
    /// The largest literal accepted (one message).
    public var maxLiteralSize: Int

    private var line: [UInt8] = []
    private var text: [UInt8] = []
    private var literals: [IMAPResponse.Literal] = []
    /// The literal being filled and how many of its bytes are still to come.
    private var literal: IMAPResponse.Literal? = nil
    private var literalRemaining = 0

    public init(maxLineLength: Int = 16 * 1024 * 1024, maxLiteralSize: Int = 512 * 1024 * 1024) {
        self.maxLineLength = maxLineLength
        self.maxLiteralSize = maxLiteralSize
    }

    /// True when no response is partly read (no pending line, text or literal bytes).
    public var isAtResponseBoundary: Bool { line.isEmpty && text.isEmpty && literals.isEmpty && literal == nil }

    /// Takes the next piece of the stream; returns the responses it completed, in order.
    public mutating func feed(_ bytes: [UInt8]) throws(IMAPParseError) -> [IMAPResponse] {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(IMAPParseError) -> [IMAPResponse] in try feed(raw) }
        }
        return try result.get()
    }

    /// Takes the next piece of the stream; returns the responses it completed, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(IMAPParseError) -> [IMAPResponse] {
        var done: [IMAPResponse] = []
        var i = 0
        let n = bytes.count
        while i < n {
            if literal != nil {
                let take = min(literalRemaining, n - i)
                literal!.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                literalRemaining -= take
                if literalRemaining == 0 {
                    literals.append(literal!)
                    literal = nil
                }
                continue
            }
            guard let found = memchr(bytes.baseAddress! + i, 0x0A, n - i) else {
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<n]))
                i = n
                guard text.count + line.count <= maxLineLength else { throw .lineTooLong(limit: maxLineLength) }
                break
            }
            let lf = UnsafeRawPointer(found) - bytes.baseAddress!
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<lf]))
            i = lf + 1
            if line.last == 0x0D { line.removeLast() }
            guard text.count + line.count <= maxLineLength else { throw .lineTooLong(limit: maxLineLength) }
            text.append(contentsOf: line)
            if let size = IMAPResponseScanner.literalSize(atEndOf: line[...]) {
                guard size <= maxLiteralSize else { throw .literalTooLarge(size: size, limit: maxLiteralSize) }
                var next = IMAPResponse.Literal(item: IMAPResponseScanner.itemBefore(literalIn: line[...]), bytes: [])
                next.bytes.reserveCapacity(size)
                line.removeAll(keepingCapacity: true)
                if size == 0 {
                    literals.append(next)
                } else {
                    literal = next
                    literalRemaining = size
                }
                continue
            }
            line.removeAll(keepingCapacity: true)
            done.append(IMAPResponse(text: String(decoding: text, as: UTF8.self), literals: literals))
            text = []
            literals = []
        }
        return done
    }
}
