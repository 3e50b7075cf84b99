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
/// complete response stay buffered for the next one.
///
/// Bounds, for a hostile or broken server; each breach is a typed error, raised before the
/// bytes past the bound are buffered (a literal is judged by its `{n}` announcement):
/// - a line longer than `maxLineLength`, a literal larger than `maxLiteralSize`;
/// - one response (lines and literals) larger than `maxResponseBytes`;
/// - the responses to one command (every byte fed since `beginCommand`, untagged data
///   included) larger than that command's cap;
/// - a literal the command did not ask for (`IMAPLiteralPolicy`) is counted and dropped as it
///   streams; a `BODY[]` literal larger than its announced `RFC822.SIZE` is an error.
/// Pure: no I/O, no clock.
public struct IMAPResponseFramer: Sendable {
    /// The longest response line accepted, without its literals (a `* SEARCH` of many UIDs).
    public var maxLineLength: Int
    /// The largest literal accepted (one message).
    public var maxLiteralSize: Int
    /// The largest response accepted: its lines (CRLF included) and literals together.
    public var maxResponseBytes: Int

    /// Bytes taken since the last `beginCommand` (lines, CRLFs and literals, kept or dropped).
    public private(set) var commandBytes = 0
    /// The cap on `commandBytes` for the command in progress.
    public private(set) var maxCommandBytes = Int.max
    /// Which literals the command in progress keeps.
    public private(set) var literalPolicy: IMAPLiteralPolicy = .keepAll

    private var line: [UInt8] = []
    private var text: [UInt8] = []
    private var literals: [IMAPResponse.Literal] = []
    /// Bytes of the response being read so far (lines with their line ends, literals).
    private var responseBytes = 0
    /// The literal being filled and how many of its bytes are still to come.
    private var literal: IMAPResponse.Literal? = nil
    private var literalRemaining = 0
    /// UIDs whose `BODY[]` literal was kept during this command (`.bodies` policy).
    private var keptBodies: Set<UInt32> = []
    /// True when the response being read holds a `BODY[]` literal kept before its UID was known.
    private var bodyAwaitingUID = false

    public init(maxLineLength: Int = 16 * 1024 * 1024, maxLiteralSize: Int = 512 * 1024 * 1024,
                maxResponseBytes: Int = Int.max) {
        self.maxLineLength = maxLineLength
        self.maxLiteralSize = maxLiteralSize
        self.maxResponseBytes = maxResponseBytes
    }

    /// True when no response is partly read (no pending line, text or literal bytes).
    public var isAtResponseBoundary: Bool { line.isEmpty && text.isEmpty && literals.isEmpty && literal == nil }

    /// Starts the count of a new command: at most `maxBytes` more bytes, literals kept by `literals`.
    /// A response already partly read counts from here on.
    public mutating func beginCommand(maxBytes: Int, literals: IMAPLiteralPolicy) {
        commandBytes = 0
        maxCommandBytes = max(0, maxBytes)
        literalPolicy = literals
        keptBodies = []
    }

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
                // Within the caps already: they were checked against the announced size.
                let take = min(literalRemaining, n - i)
                if !literal!.discarded {
                    literal!.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                }
                i += take
                literalRemaining -= take
                commandBytes += take
                responseBytes += take
                if literalRemaining == 0 {
                    literals.append(literal!)
                    literal = nil
                }
                continue
            }
            guard let found = memchr(bytes.baseAddress! + i, 0x0A, n - i) else {
                try takeLine(UnsafeRawBufferPointer(rebasing: bytes[i..<n]), ended: false)
                i = n
                break
            }
            let lf = UnsafeRawPointer(found) - bytes.baseAddress!
            try takeLine(UnsafeRawBufferPointer(rebasing: bytes[i...lf]), ended: true)
            i = lf + 1
            if line.last == 0x0D { line.removeLast() }
            text.append(contentsOf: line)
            if let size = IMAPResponseScanner.literalSize(atEndOf: line[...]) {
                let item = IMAPResponseScanner.itemBefore(literalIn: line[...])
                var next = IMAPResponse.Literal(item: item, bytes: [])
                next.discarded = try !keeps(item: item, size: size)
                guard size <= maxLiteralSize else { throw .literalTooLarge(size: size, limit: maxLiteralSize) }
                guard size <= maxResponseBytes - responseBytes else { throw .responseTooLarge(limit: maxResponseBytes) }
                guard size <= maxCommandBytes - commandBytes else { throw .commandTooLarge(limit: maxCommandBytes) }
                if !next.discarded { next.bytes.reserveCapacity(size) }
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
            var response = IMAPResponse(text: String(decoding: text, as: UTF8.self), literals: literals)
            if bodyAwaitingUID { try judgeBody(of: &response) }
            done.append(response)
            text = []
            literals = []
            responseBytes = 0
            bodyAwaitingUID = false
        }
        return done
    }

    /// Appends line bytes (the line end included when `ended`), within every cap.
    private mutating func takeLine(_ piece: UnsafeRawBufferPointer, ended: Bool) throws(IMAPParseError) {
        // The CRLF counts against the response and command caps, not against the line length.
        let content = ended ? piece.count - 1 - ((piece.count >= 2 && piece[piece.count - 2] == 0x0D) ? 1 : 0) : piece.count
        guard text.count + line.count + content <= maxLineLength else { throw .lineTooLong(limit: maxLineLength) }
        guard piece.count <= maxResponseBytes - responseBytes else { throw .responseTooLarge(limit: maxResponseBytes) }
        guard piece.count <= maxCommandBytes - commandBytes else { throw .commandTooLarge(limit: maxCommandBytes) }
        line.append(contentsOf: piece)
        if ended { line.removeLast() }  // the LF; a CR before it is removed by the caller
        responseBytes += piece.count
        commandBytes += piece.count
    }

    /// Whether the literal just announced is kept under `literalPolicy`; throws when it is a
    /// `BODY[]` larger than its UID's announced size.
    private mutating func keeps(item: String, size: Int) throws(IMAPParseError) -> Bool {
        switch literalPolicy {
        case .keepAll: return true
        case .discardAll: return false
        case .bodies(let announced):
            guard item == "BODY[]", let items = IMAPResponseParser.fetchItems(String(decoding: text, as: UTF8.self)) else { return false }
            guard let uid = IMAPResponseParser.itemNumber("UID", in: items) else {
                // The UID item comes after the literal: judged when the response is complete.
                bodyAwaitingUID = true
                return true
            }
            guard let limit = announced[uid], !keptBodies.contains(uid) else { return false }
            guard size <= limit else { throw .literalLargerThanAnnounced(uid: uid, size: size, announced: limit) }
            keptBodies.insert(uid)
            return true
        }
    }

    /// A complete response whose `BODY[]` literal was kept before its UID item came: dropped
    /// when the UID was not asked for (or already had its body), an error when larger than announced.
    private mutating func judgeBody(of response: inout IMAPResponse) throws(IMAPParseError) {
        guard case .bodies(let announced) = literalPolicy,
            let items = IMAPResponseParser.fetchItems(response.text),
            let uid = IMAPResponseParser.itemNumber("UID", in: items)
        else { return }  // no UID at all: the parser reports it
        for k in response.literals.indices where response.literals[k].item == "BODY[]" && !response.literals[k].discarded {
            guard let limit = announced[uid], !keptBodies.contains(uid) else {
                response.literals[k].bytes = []
                response.literals[k].discarded = true
                continue
            }
            let size = response.literals[k].bytes.count
            guard size <= limit else { throw .literalLargerThanAnnounced(uid: uid, size: size, announced: limit) }
            keptBodies.insert(uid)
        }
    }
}
