// API contract for the parsed message; the parser (MessageParser.swift) fills it.
import Foundation

/// A Content-Type (RFC 2045 §5.1) with RFC 2231 parameters decoded.
public struct ContentType: Sendable, Equatable {
    /// Lowercased top-level type, e.g. "text".
    public var type: String
    /// Lowercased subtype, e.g. "plain".
    public var subtype: String
    /// Parameter names lowercased; values unquoted and RFC 2231/2047-decoded.
    public var parameters: [String: String]
    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type; self.subtype = subtype; self.parameters = parameters
    }
    /// "type/subtype".
    public var mimeType: String { "\(type)/\(subtype)" }
    public var charset: String? { parameters["charset"] }
    public var boundary: String? { parameters["boundary"] }
}

/// A Content-Disposition (RFC 2183) with RFC 2231 parameters decoded.
public struct ContentDisposition: Sendable, Equatable {
    /// Lowercased: "inline", "attachment", …
    public var kind: String
    public var parameters: [String: String]
    public init(kind: String, parameters: [String: String] = [:]) {
        self.kind = kind; self.parameters = parameters
    }
}

/// What a body part holds.
public indirect enum MIMEBody: Sendable {
    /// A leaf: the bytes after transfer decoding.
    case leaf([UInt8])
    /// multipart/*: the parts, and the preamble and epilogue bytes (RFC 2046 §5.1.1).
    case multipart(parts: [MIMEPart], preamble: [UInt8], epilogue: [UInt8])
    /// message/rfc822 (and message/global): the enclosed message, parsed.
    case message(Message)
}

/// One node of the MIME tree (RFC 2045, RFC 2046).
public struct MIMEPart: Sendable {
    public var header: HeaderSection
    public var contentType: ContentType
    public var disposition: ContentDisposition?
    /// Lowercased Content-Transfer-Encoding ("7bit" when absent).
    public var transferEncoding: String
    public var body: MIMEBody
    /// The decoded filename (Content-Disposition filename, else Content-Type name), if any.
    public var filename: String?
    /// True when transfer decoding met damage that it tolerated.
    public var damaged: Bool
    public init(header: HeaderSection, contentType: ContentType, disposition: ContentDisposition?,
                transferEncoding: String, body: MIMEBody, filename: String?, damaged: Bool) {
        self.header = header; self.contentType = contentType; self.disposition = disposition
        self.transferEncoding = transferEncoding; self.body = body; self.filename = filename
        self.damaged = damaged
    }
}

/// An attachment as listed for people and tools.
public struct Attachment: Sendable, Equatable, Codable {
    public var filename: String?
    public var contentType: String
    /// Decoded size in bytes.
    public var size: Int
    public init(filename: String?, contentType: String, size: Int) {
        self.filename = filename; self.contentType = contentType; self.size = size
    }
}

/// Something the parser met and tolerated, or a bound it enforced (the message still files).
public struct ParseIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case depthLimit, partLimit, headerLimit, lineLength, sizeLimit
        case missingBoundary, damagedEncoding, undecodableCharset, missingDate, unparsableDate
        /// A line that is not a header field ended a header section that had no blank line.
        case missingBlankLine
    }
    public var kind: Kind
    public var detail: String
    public init(_ kind: Kind, _ detail: String) { self.kind = kind; self.detail = detail }
    public var description: String { "\(kind.rawValue): \(detail)" }
    /// True for the bounds that keep hostile mail harmless.
    public var isLimit: Bool { [.depthLimit, .partLimit, .headerLimit, .lineLength, .sizeLimit].contains(kind) }
}

/// Bounds that keep hostile mail harmless. Past a bound the message is still returned, with an issue.
public struct ParseLimits: Sendable, Equatable {
    /// Nesting of multipart and message/rfc822.
    public var maxDepth: Int = 32
    /// Body parts in the whole tree.
    public var maxParts: Int = 2_000
    /// Bytes of one header section.
    public var maxHeaderBytes: Int = 512 * 1024
    /// Fields of one header section.
    public var maxHeaderFields: Int = 2_000
    /// Octets in one line (RFC 5322 allows 998; real mail carries longer, e.g. base64 without breaks).
    public var maxLineLength: Int = 4 * 1024 * 1024
    /// Characters of readable text gathered for `Message.text`.
    public var maxTextCharacters: Int = 4 * 1024 * 1024
    /// Bytes the whole MIME tree may hold besides the input (leaf bodies, preambles, epilogues,
    /// decoded enclosed messages), at most: the budget is the smaller of this and
    /// `bodyBytesPerInputByte` × the input's size + 1 MiB. Enclosed messages are read in place
    /// and cost nothing; an ordinary message needs at most its own size.
    public var maxBodyBytes: Int = 1 << 30
    /// See `maxBodyBytes`.
    public var bodyBytesPerInputByte: Int = 2
    public init() {}

    /// The byte budget of one message's tree (see `maxBodyBytes`).
    public func bodyBudget(inputSize: Int) -> Int {
        let (scaled, overflow) = inputSize.multipliedReportingOverflow(by: max(0, bodyBytesPerInputByte))
        return max(0, min(maxBodyBytes, overflow ? Int.max - (1 << 20) : scaled) + (1 << 20))
    }
    public static let `default` = ParseLimits()
}

/// One recipient's status in a delivery status notification (RFC 3464 §2.3).
public struct DeliveryStatus: Sendable, Equatable, Codable {
    /// From Final-Recipient (else Original-Recipient), without the `rfc822;` type.
    public var recipient: String
    /// Action: failed, delayed, delivered, relayed, expanded.
    public var action: String?
    /// Status code such as "5.1.1".
    public var status: String?
    public var diagnostic: String?
    public init(recipient: String, action: String?, status: String?, diagnostic: String?) {
        self.recipient = recipient; self.action = action; self.status = status; self.diagnostic = diagnostic
    }
}

/// A multipart/report; report-type=delivery-status (RFC 3462, RFC 3464).
public struct DeliveryReport: Sendable, Equatable, Codable {
    public var reportingMTA: String?
    public var recipients: [DeliveryStatus]
    /// Message-ID of the returned message (message/rfc822 or text/rfc822-headers part), with brackets.
    public var originalMessageID: String?
    public init(reportingMTA: String?, recipients: [DeliveryStatus], originalMessageID: String?) {
        self.reportingMTA = reportingMTA; self.recipients = recipients; self.originalMessageID = originalMessageID
    }
}

/// A parsed message: the header section, the MIME tree and the facts read from them.
public struct Message: Sendable {
    /// The buffer the message was read from and the range of it that is this message: an enclosed
    /// (forwarded) message shares its outer message's buffer instead of holding a copy.
    private var storage: [UInt8]
    private var range: Range<Int>
    /// The exact bytes parsed (kept for re-filing). For an enclosed message, a copy is made when
    /// this is read; `rawCount` gives its size without one.
    public var raw: [UInt8] {
        get { range == 0..<storage.count ? storage : Array(storage[range]) }
        set { storage = newValue; range = 0..<newValue.count }
    }
    /// `raw.count`, without copying.
    public var rawCount: Int { range.count }
    /// The top-level header section (also `root.header`).
    public var header: HeaderSection { root.header }
    /// The root body part.
    public var root: MIMEPart
    /// RFC 2047-decoded Subject.
    public var subject: String?
    public var from: [Address]
    public var sender: Address?
    public var replyTo: [Address]
    public var to: [Address]
    public var cc: [Address]
    /// Date; nil when absent or unreadable (see `issues`).
    public var date: MailDate?
    /// Message-ID with angle brackets.
    public var messageID: String?
    /// Message IDs of In-Reply-To, with angle brackets.
    public var inReplyTo: [String]
    /// Message IDs of References, with angle brackets, in order.
    public var references: [String]
    /// The readable text: text/plain preferred, else HTML turned into text.
    public var text: String
    /// Attachments (any non-text leaf, or a leaf marked attachment), in order.
    public var attachments: [Attachment]
    /// Forwarded messages (message/rfc822 parts), outermost first.
    public var forwarded: [Message]
    /// The delivery report when this is a DSN.
    public var deliveryReport: DeliveryReport?
    /// What the parser tolerated or bounded.
    public var issues: [ParseIssue]

    public init(raw: [UInt8], root: MIMEPart) {
        self.init(storage: raw, range: 0..<raw.count, root: root)
    }

    /// A message that is `storage[range]`, sharing `storage`.
    init(storage: [UInt8], range: Range<Int>, root: MIMEPart) {
        self.storage = storage; self.range = range; self.root = root; self.subject = nil; self.from = []; self.sender = nil
        self.replyTo = []; self.to = []; self.cc = []; self.date = nil; self.messageID = nil
        self.inReplyTo = []; self.references = []; self.text = ""; self.attachments = []
        self.forwarded = []; self.deliveryReport = nil; self.issues = []
    }
}
