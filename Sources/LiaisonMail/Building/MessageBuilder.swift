import Foundation

/// An attachment of an outgoing message.
public struct OutgoingAttachment: Sendable, Equatable {
    public var filename: String
    /// `type/subtype` (RFC 2045 §5.1), no parameters; multipart/* and message/* are refused.
    public var contentType: String
    public var data: [UInt8]
    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename; self.contentType = contentType; self.data = data
    }
}

/// Why a message could not be built.
public enum MessageBuildError: Error, Equatable, Sendable {
    /// A header value (or a name, subject, address, message ID, filename) contained CR, LF, NUL
    /// or another line break (VT, FF, U+0085, U+2028, U+2029).
    case lineBreakInHeader(field: String)
    /// An extra header name that is not RFC 5322 ftext, or one the builder writes itself.
    case invalidHeaderName(String)
    case invalidAddress(String)
    case noRecipients
    case noBody
    /// A message ID (Message-ID, In-Reply-To, References) that is not a printable ASCII `id-left@id-right`
    /// without white space or angle brackets (RFC 5322 §3.6.4).
    case invalidMessageID(String)
    /// An attachment content type that is not `type/subtype` tokens, or is multipart/* or message/*.
    case invalidContentType(String)
}

/// A built message and the Message-ID it carries.
public struct BuiltMessage: Sendable, Equatable {
    /// The message, CRLF line ends, no line over 998 octets.
    public var bytes: [UInt8]
    /// The Message-ID written, without angle brackets.
    public var messageID: String
    public init(bytes: [UInt8], messageID: String) { self.bytes = bytes; self.messageID = messageID }
}

/// Writes RFC 5322 messages with MIME 1.0 (RFC 2045–2047, RFC 2231): UTF-8 with RFC 2047 words,
/// base64/quoted-printable bodies, CRLF, lines ≤ 998 octets.
///
/// Header order: Date, From, To, Cc, Subject, Message-ID, In-Reply-To, References, MIME-Version,
/// Content-Type, Content-Transfer-Encoding, then the extra headers. There is no Bcc header.
/// Body: text only → text/plain; text + HTML → multipart/alternative; attachments → multipart/mixed
/// around that. No input can add a header or a MIME part: line breaks in header material are
/// refused, bodies are always transfer-encoded, and boundaries are checked against the content.
///
///     var b = MessageBuilder(from: Address(name: "Liaison", address: "liaison@example.com"),
///                            to: [Address(name: "张三", address: "zs@example.cn")], subject: "提醒")
///     b.textBody = "请回复。"
///     let bytes = try b.build()
public struct MessageBuilder: Sendable {
    /// The author (RFC 5322 §3.6.2); its domain also names generated Message-IDs.
    public var from: Address
    /// Recipients (RFC 5322 §3.6.3); To and Cc may not both be empty. There is no Bcc: blind
    /// recipients go only in the SMTP envelope.
    public var to: [Address]
    public var cc: [Address] = []
    /// Unstructured text (RFC 5322 §3.6.5), RFC 2047-encoded where needed.
    public var subject: String
    /// The Date header's instant (RFC 5322 §3.6.1).
    public var date: Date = Date()
    /// Seconds east of UTC for the Date header.
    public var utcOffsetSeconds: Int = 0
    /// Without angle brackets (given ones are removed); generated (`<random@domain-of-from>`) when nil.
    public var messageID: String?
    /// The parent's Message-ID (RFC 5322 §3.6.4), with or without angle brackets.
    public var inReplyTo: String?
    /// The thread's Message-IDs, oldest first, each with or without angle brackets.
    public var references: [String] = []
    /// Further headers, e.g. ("Auto-Submitted", "auto-generated"). Names and values are validated;
    /// names the builder writes itself (From, To, Cc, Bcc, Subject, Date, Message-ID, In-Reply-To,
    /// References, MIME-Version, Content-*) are refused.
    public var extraHeaders: [(name: String, value: String)] = []
    /// The text/plain body; line breaks are written as CRLF.
    public var textBody: String?
    /// The text/html body; with `textBody` it forms a multipart/alternative (RFC 2046 §5.1.4).
    public var htmlBody: String?
    /// Attachments, in a multipart/mixed (RFC 2046 §5.1.3) after the readable body.
    public var attachments: [OutgoingAttachment] = []

    public init(from: Address, to: [Address], subject: String) {
        self.from = from; self.to = to; self.subject = subject
    }

    /// The message's bytes, CRLF line ends. Throws on any line break in a header value.
    public func build() throws -> [UInt8] { try buildMessage().bytes }

    /// The message and its Message-ID (generated with `SystemRandomNumberGenerator` when nil).
    public func buildMessage() throws -> BuiltMessage {
        var rng = SystemRandomNumberGenerator()
        return try buildMessage(using: &rng)
    }

    /// The message, drawing the generated Message-ID and the MIME boundaries from `rng`.
    public func buildMessage<R: RandomNumberGenerator>(using rng: inout R) throws -> BuiltMessage {
        try validate()
        let id = try messageID.map { try Self.normalizeID($0, field: "Message-ID") }
            ?? Self.makeMessageID(domain: Self.domain(of: from.address), date: date, using: &rng)
        let body = try bodyPart(using: &rng)

        var out: [UInt8] = []
        func field(_ name: String, _ fill: (inout HeaderFolder) -> Void) {
            var f = HeaderFolder(name: name)
            fill(&f)
            out.append(contentsOf: f.bytes)
        }
        field("Date") { $0.append(DateHeaderWriter.format(date, offsetSeconds: utcOffsetSeconds)) }
        field("From") { AddressWriter.append([from], to: &$0) }
        if !to.isEmpty { field("To") { AddressWriter.append(to, to: &$0) } }
        if !cc.isEmpty { field("Cc") { AddressWriter.append(cc, to: &$0) } }
        field("Subject") { $0.appendUnstructured(subject) }
        field("Message-ID") { $0.append("<\(id)>") }
        if let reply = inReplyTo {
            let normalized = try Self.normalizeID(reply, field: "In-Reply-To")
            field("In-Reply-To") { $0.append("<\(normalized)>") }
        }
        if !references.isEmpty {
            let ids = try references.map { try Self.normalizeID($0, field: "References") }
            field("References") { f in for ref in ids { f.append("<\(ref)>") } }
        }
        out.append(contentsOf: Array("MIME-Version: 1.0\r\n".utf8))
        out.append(contentsOf: body.header)
        for extra in extraHeaders {
            field(extra.name) { $0.appendUnstructured(extra.value) }
        }
        out.append(13); out.append(10)
        out.append(contentsOf: body.body)
        return BuiltMessage(bytes: out, messageID: id)
    }

    // MARK: - Message-ID (RFC 5322 §3.6.4)

    /// A new Message-ID without angle brackets: `<32 hex digits>.<Unix seconds>@domain`, with 128
    /// bits from `SystemRandomNumberGenerator`.
    public static func makeMessageID(domain: String, date: Date = Date()) -> String {
        var rng = SystemRandomNumberGenerator()
        return makeMessageID(domain: domain, date: date, using: &rng)
    }

    /// A new Message-ID drawing its 128 random bits from `rng`.
    public static func makeMessageID<R: RandomNumberGenerator>(domain: String, date: Date, using rng: inout R) -> String {
        let seconds = Int64(max(-1e15, min(1e15, date.timeIntervalSince1970)).rounded(.down))
        return randomHex(bytes: 16, using: &rng) + ".\(seconds)@\(domain)"
    }

    static func randomHex<R: RandomNumberGenerator>(bytes: Int, using rng: inout R) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for _ in 0..<bytes {
            let b = UInt8.random(in: 0...255, using: &rng)
            out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "localhost" }
        return String(address[address.index(after: at)...])
    }

    /// `id` without its angle brackets, checked: printable ASCII, no white space, no `<` `>`,
    /// at most 800 octets (RFC 5322 §3.6.4 msg-id, leniently: `@` is not required).
    static func normalizeID(_ id: String, field: String) throws -> String {
        if HeaderFolder.containsLineBreak(id) { throw MessageBuildError.lineBreakInHeader(field: field) }
        var s = Substring(id)
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        guard !s.isEmpty, s.utf8.count <= HeaderFolder.maxRawToken,
              s.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else { throw MessageBuildError.invalidMessageID(id) }
        return String(s)
    }

    // MARK: - Validation

    /// Header names the builder writes itself; an extra header may not repeat them.
    static let reservedNames: Set<String> = [
        "date", "from", "to", "cc", "bcc", "subject", "message-id", "in-reply-to", "references", "mime-version",
    ]

    func validate() throws {
        for (field, list) in [("From", [from]), ("To", to), ("Cc", cc)] {
            for address in list {
                switch AddressWriter.check(address) {
                case .lineBreak: throw MessageBuildError.lineBreakInHeader(field: field)
                case .invalid: throw MessageBuildError.invalidAddress(address.address)
                case nil: break
                }
            }
        }
        if to.isEmpty && cc.isEmpty { throw MessageBuildError.noRecipients }
        if HeaderFolder.containsLineBreak(subject) { throw MessageBuildError.lineBreakInHeader(field: "Subject") }
        for (field, value) in [("Message-ID", messageID), ("In-Reply-To", inReplyTo)] {
            if let value { _ = try Self.normalizeID(value, field: field) }
        }
        for ref in references { _ = try Self.normalizeID(ref, field: "References") }
        for extra in extraHeaders {
            if HeaderFolder.containsLineBreak(extra.name) { throw MessageBuildError.lineBreakInHeader(field: "header name") }
            let lower = extra.name.lowercased()
            guard HeaderFolder.isValidFieldName(extra.name), !Self.reservedNames.contains(lower),
                  !lower.hasPrefix("content-")
            else { throw MessageBuildError.invalidHeaderName(extra.name) }
            if HeaderFolder.containsLineBreak(extra.value) { throw MessageBuildError.lineBreakInHeader(field: extra.name) }
        }
        for attachment in attachments {
            if HeaderFolder.containsLineBreak(attachment.filename) {
                throw MessageBuildError.lineBreakInHeader(field: "Content-Disposition")
            }
            if HeaderFolder.containsLineBreak(attachment.contentType) {
                throw MessageBuildError.lineBreakInHeader(field: "Content-Type")
            }
            _ = try Self.normalizeContentType(attachment.contentType)
        }
        if textBody == nil && htmlBody == nil && attachments.isEmpty { throw MessageBuildError.noBody }
    }

    /// RFC 2045 §5.1 `type "/" subtype`, both tokens, lowercased; multipart and message refused.
    static func normalizeContentType(_ value: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        let tspecials = Array("()<>@,;:\\\"/[]?=".utf8)
        guard parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64
                  && $0.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && !tspecials.contains($0) } }),
              parts[0] != "multipart", parts[0] != "message"
        else { throw MessageBuildError.invalidContentType(value) }
        return trimmed
    }
}

// MARK: - Body (RFC 2045, RFC 2046)

extension MessageBuilder {
    /// The root body part: the text/HTML alternative (or the one present), inside multipart/mixed
    /// with the attachments when there are any.
    func bodyPart<R: RandomNumberGenerator>(using rng: inout R) throws -> MIMEPartWriter.Part {
        var readable: MIMEPartWriter.Part?
        switch (textBody, htmlBody) {
        case let (text?, html?):
            readable = MIMEPartWriter.multipart(
                "alternative",
                [MIMEPartWriter.text(text, subtype: "plain"), MIMEPartWriter.text(html, subtype: "html")],
                using: &rng)
        case let (text?, nil): readable = MIMEPartWriter.text(text, subtype: "plain")
        case let (nil, html?): readable = MIMEPartWriter.text(html, subtype: "html")
        case (nil, nil): readable = nil
        }
        guard !attachments.isEmpty else {
            guard let readable else { throw MessageBuildError.noBody }
            return readable
        }
        var parts = readable.map { [$0] } ?? []
        for attachment in attachments {
            parts.append(MIMEPartWriter.attachment(
                filename: attachment.filename,
                contentType: try Self.normalizeContentType(attachment.contentType),
                data: attachment.data))
        }
        return MIMEPartWriter.multipart("mixed", parts, using: &rng)
    }
}
