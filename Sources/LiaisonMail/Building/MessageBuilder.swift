// STUB (replaced by the builder work): see the doc comments for the contract.
import Foundation

/// An attachment of an outgoing message.
public struct OutgoingAttachment: Sendable, Equatable {
    public var filename: String
    public var contentType: String
    public var data: [UInt8]
    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename; self.contentType = contentType; self.data = data
    }
}

/// Why a message could not be built.
public enum MessageBuildError: Error, Equatable, Sendable {
    /// A header value (or a name, subject, address) contained CR or LF.
    case lineBreakInHeader(field: String)
    case invalidHeaderName(String)
    case invalidAddress(String)
    case noRecipients
    case noBody
}

/// Writes RFC 5322 messages: UTF-8 with RFC 2047 words, base64/QP bodies, CRLF, lines ≤ 998 octets.
public struct MessageBuilder: Sendable {
    public var from: Address
    public var to: [Address]
    public var cc: [Address] = []
    public var subject: String
    public var date: Date = Date()
    /// Seconds east of UTC for the Date header.
    public var utcOffsetSeconds: Int = 0
    /// Without angle brackets; generated (`<random@domain-of-from>`) when nil.
    public var messageID: String?
    public var inReplyTo: String?
    public var references: [String] = []
    /// Further headers, e.g. ("Auto-Submitted", "auto-generated"). Names and values are validated.
    public var extraHeaders: [(name: String, value: String)] = []
    public var textBody: String?
    public var htmlBody: String?
    public var attachments: [OutgoingAttachment] = []

    public init(from: Address, to: [Address], subject: String) {
        self.from = from; self.to = to; self.subject = subject
    }

    /// The message's bytes, CRLF line ends. Throws on any CR/LF in a header value.
    public func build() throws -> [UInt8] { throw MessageBuildError.noBody }
}
