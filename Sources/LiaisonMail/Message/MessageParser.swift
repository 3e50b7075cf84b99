/// Reads RFC 5322 / MIME messages from raw bytes. Pure: no files, clocks or environment.
///
/// The result keeps the exact bytes, every header field in order, the MIME tree, and the facts
/// read from them: addresses, date, message IDs, the readable text, attachments, forwarded
/// messages and delivery reports. Damage is tolerated and bounds are enforced; both are listed
/// in `Message.issues`, and the message is always returned.
public enum MessageParser {
    /// Parse `bytes`. Never throws and never traps.
    public static func parse(_ bytes: [UInt8], limits: ParseLimits = .default) -> Message {
        var parser = MIMEParser(bytes: bytes, limits: limits)
        var message = assemble(range: 0..<bytes.count, parser: &parser, depth: 0)
        message.issues = dedup(parser.issues + message.issues)
        return message
    }

    /// The To and Cc mailboxes of the top header alone, in order (groups flattened), without
    /// reading the body: a store reading recipients back from stored mail. Bounded like `parse`.
    public static func headerRecipients(_ bytes: [UInt8], limits: ParseLimits = .default) -> [Address] {
        let h = HeaderParser.parse(bytes, range: 0..<bytes.count, limits: limits).section
        return (h.all("To") + h.all("Cc")).flatMap { AddressParser.parse($0.value) }
    }

    /// Parses the entity in `range` of `parser.bytes` (the whole input, or an enclosed message in
    /// place) and reads its facts.
    static func assemble(range: Range<Int>, parser: inout MIMEParser, depth: Int) -> Message {
        let root = parser.parseEntity(range, depth: depth, defaultType: .textPlain)
        var m = Message(storage: parser.bytes, range: range, root: root)
        let h = MessageFields(root.header)
        m.subject = h.subject.map(EncodedWords.decode)
        m.from = h.from.flatMap { AddressParser.parse($0.value) }
        m.sender = h.sender.flatMap { AddressParser.parse($0).first }
        m.replyTo = h.replyTo.flatMap { AddressParser.parse($0.value) }
        m.to = h.to.flatMap { AddressParser.parse($0.value) }
        m.cc = h.cc.flatMap { AddressParser.parse($0.value) }
        if let d = h.date {
            m.date = DateParser.parse(d)
            if m.date == nil { m.issues.append(ParseIssue(.unparsableDate, "Date header could not be read: \(d.prefix(80))")) }
        } else {
            m.issues.append(ParseIssue(.missingDate, "no Date header"))
        }
        m.messageID = h.messageID.flatMap { MessageIDs.parse($0).first }
        m.inReplyTo = h.inReplyTo.flatMap { MessageIDs.parse($0.value) }
        m.references = h.references.flatMap { MessageIDs.parse($0.value) }

        var text = TextCollector(limit: parser.limits.maxTextCharacters)
        text.collect(root)
        m.text = text.result
        if text.truncated {
            m.issues.append(ParseIssue(.sizeLimit, "readable text cut at \(parser.limits.maxTextCharacters) characters"))
        }
        m.attachments = Attachments.list(root)
        m.forwarded = Attachments.forwarded(root)
        m.deliveryReport = DeliveryReports.read(root, limits: parser.limits)
        if containsDamage(root) {
            m.issues.append(ParseIssue(.damagedEncoding, "a transfer encoding was damaged; what could be read was kept"))
        }
        return m
    }

    /// The fields `assemble` reads, found in one pass over the header section: for each name the
    /// first value (`HeaderSection.subscript`) or every field in order (`HeaderSection.all`), the
    /// names compared as `HeaderSection` compares them (ASCII case-insensitively).
    struct MessageFields {
        var subject, sender, date, messageID: String?
        var from: [HeaderField] = [], replyTo: [HeaderField] = [], to: [HeaderField] = [], cc: [HeaderField] = []
        var inReplyTo: [HeaderField] = [], references: [HeaderField] = []

        init(_ header: HeaderSection) {
            for f in header.fields {
                let name = f.name
                switch name.utf8.count {
                case 2:
                    if name.caseInsensitiveEquals("To") { to.append(f) } else if name.caseInsensitiveEquals("Cc") { cc.append(f) }
                case 4:
                    if name.caseInsensitiveEquals("From") { from.append(f) } else if date == nil, name.caseInsensitiveEquals("Date") { date = f.value }
                case 6:
                    if sender == nil, name.caseInsensitiveEquals("Sender") { sender = f.value }
                case 7:
                    if subject == nil, name.caseInsensitiveEquals("Subject") { subject = f.value }
                case 8:
                    if name.caseInsensitiveEquals("Reply-To") { replyTo.append(f) }
                case 10:
                    if messageID == nil, name.caseInsensitiveEquals("Message-ID") { messageID = f.value }
                    else if name.caseInsensitiveEquals("References") { references.append(f) }
                case 11:
                    if name.caseInsensitiveEquals("In-Reply-To") { inReplyTo.append(f) }
                default:
                    break
                }
            }
        }
    }

    static func containsDamage(_ part: MIMEPart) -> Bool {
        if part.damaged { return true }
        if case .multipart(let parts, _, _) = part.body { return parts.contains(where: containsDamage) }
        return false
    }

    static func dedup(_ issues: [ParseIssue]) -> [ParseIssue] {
        var seen = Set<String>()
        return issues.filter { seen.insert($0.description).inserted }
    }
}

/// Message identifiers (RFC 5322 §3.6.4): `<left@right>` lists, tolerant of missing brackets
/// and comments. Returned with angle brackets.
public enum MessageIDs {
    public static func parse(_ value: String) -> [String] {
        if let ids = asciiIDs(value) { return ids }
        var ids: [String] = []
        var current: [Character] = []
        var inside = false
        for ch in value {
            if ch == "<" { inside = true; current.removeAll(); continue }
            if ch == ">" {
                if inside, !current.isEmpty {
                    let s = String(current).filter { !$0.isWhitespace }
                    if !s.isEmpty { ids.append("<\(s)>") }
                }
                inside = false
                continue
            }
            if inside { current.append(ch) }
        }
        if ids.isEmpty {
            // Bare ids without brackets, seen from some mailers.
            // Split at any white space (a bare CR or LF too: an ID never carries a line break
            // into a References header written from it) and commas; a token with a bracket or a
            // comment in it is not an ID.
            for token in value.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            where token.contains("@") && !token.contains(where: { "()<>".contains($0) }) {
                ids.append("<\(token)>")
            }
        }
        return ids
    }

    /// `parse` on the bytes of an ASCII value (the common case), with the same results; nil when
    /// the value is not ASCII.
    static func asciiIDs(_ value: String) -> [String]? {
        var value = value
        return value.withUTF8 { u -> [String]? in
            for b in u where b >= 0x80 { return nil }
            // Character.isWhitespace among ASCII: tab, LF, VT, FF, CR, space.
            func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
            var ids: [String] = []
            let n = u.count
            var start = -1          // after the last "<" while inside brackets, else -1
            var i = 0
            while i < n {
                let b = u[i]
                if b == 0x3C {
                    start = i + 1
                } else if b == 0x3E {
                    if start >= 0, i > start {
                        // "<" + the bytes between the brackets without white space + ">", if any.
                        var kept = 0
                        for c in u[start..<i] where !isSpace(c) { kept += 1 }
                        if kept > 0 {
                            ids.append(String(unsafeUninitializedCapacity: kept + 2) { out in
                                out[0] = 0x3C
                                var o = 1
                                for c in u[start..<i] where !isSpace(c) { out[o] = c; o += 1 }
                                out[o] = 0x3E
                                return o + 1
                            })
                        }
                    }
                    start = -1
                }
                i += 1
            }
            if ids.isEmpty {
                for token in u.split(whereSeparator: { isSpace($0) || $0 == 0x2C })
                where token.contains(0x40) && !token.contains(where: { $0 == 0x28 || $0 == 0x29 || $0 == 0x3C || $0 == 0x3E }) {
                    ids.append("<" + String(decoding: token, as: UTF8.self) + ">")
                }
            }
            return ids
        }
    }
}
