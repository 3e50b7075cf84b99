/// Builds the MIME tree (RFC 2045, RFC 2046) of a message from its bytes: multipart/* at any depth
/// with preamble and epilogue, a missing final boundary tolerated, message/rfc822 parsed as a
/// nested message, leaves transfer-decoded. Bounded by `ParseLimits`: past a bound the rest is
/// kept as an undecoded leaf and an issue says so.
///
/// A forwarded message (message/rfc822 in 7bit, 8bit or binary) is parsed in place, as a range
/// of the one buffer: no level copies its body. Only a transfer-encoded one (base64 or
/// quoted-printable, which RFC 2046 forbids but mailers write) is decoded into a buffer of its own.
/// Every byte the tree holds besides the input — leaf bodies, preambles and epilogues, decoded
/// enclosed messages — is taken from one budget for the whole tree (`ParseLimits.bodyBudget`);
/// past it a body is left empty and an issue says so.
struct MIMEParser {
    let bytes: [UInt8]
    let limits: ParseLimits
    var issues: [ParseIssue] = []
    var partCount = 0
    /// Bytes the tree may still hold besides the input (shared by every level, see above).
    var budget: Int
    private var budgetSpent = false

    init(bytes: [UInt8], limits: ParseLimits) {
        self.bytes = bytes
        self.limits = limits
        self.budget = limits.bodyBudget(inputSize: bytes.count)
    }

    /// Takes `count` bytes from the budget; false (and one issue) when they are not there.
    mutating func spend(_ count: Int) -> Bool {
        if count <= budget { budget -= count; return true }
        if !budgetSpent {
            budgetSpent = true
            issues.append(ParseIssue(.sizeLimit, "the message's parts hold more than its byte budget; the rest were left empty"))
        }
        return false
    }

    /// A copy of `bytes[range]`, or nothing when the budget is spent.
    mutating func copy(_ range: Range<Int>) -> [UInt8] {
        spend(range.count) ? Array(bytes[range]) : []
    }

    /// Parses the entity in `range` (header section + body).
    mutating func parseEntity(_ range: Range<Int>, depth: Int, defaultType: ContentType) -> MIMEPart {
        let head = HeaderParser.parse(bytes, range: range, limits: limits)
        issues.append(contentsOf: head.issues)
        return parseBody(header: head.section, body: head.bodyStart..<range.upperBound, depth: depth, defaultType: defaultType)
    }

    mutating func parseBody(header: HeaderSection, body: Range<Int>, depth: Int, defaultType: ContentType) -> MIMEPart {
        partCount += 1
        var contentType = ContentType.parse(header["Content-Type"], fallback: defaultType)
        let disposition = ContentDisposition.parse(header["Content-Disposition"])
        let cte = header["Content-Transfer-Encoding"].map { ParameterList.trimmedLower(Array($0.utf8)[...]) } ?? "7bit"
        let filename = disposition?.parameters["filename"] ?? contentType.parameters["name"]

        func leaf(_ range: Range<Int>, decode: Bool = true) -> MIMEPart {
            // Decoding never makes a body larger than its encoded form: the budget is taken up front.
            var (data, damaged): ([UInt8], Bool) = ([], false)
            if spend(range.count) {
                (data, damaged) = decode ? Self.transferDecode(bytes[range], cte) : (Array(bytes[range]), false)
                budget += range.count - data.count   // what decoding saved goes back
            }
            return MIMEPart(header: header, contentType: contentType, disposition: disposition,
                            transferEncoding: cte, body: .leaf(data), filename: filename, damaged: damaged)
        }

        if contentType.type == "multipart" {
            guard let boundary = contentType.boundary, !boundary.isEmpty else {
                // No boundary: nothing can be split; read it as text so it is not lost.
                contentType = ContentType(type: "text", subtype: "plain", parameters: contentType.parameters)
                return leaf(body)
            }
            if depth >= limits.maxDepth {
                issues.append(ParseIssue(.depthLimit, "nesting deeper than \(limits.maxDepth); the rest is kept undecoded"))
                return leaf(body, decode: false)
            }
            return parseMultipart(header: header, contentType: contentType, disposition: disposition,
                                  cte: cte, boundary: Array(boundary.utf8), body: body, depth: depth)
        }
        if contentType.type == "message", contentType.subtype == "rfc822" || contentType.subtype == "global" {
            if depth >= limits.maxDepth {
                issues.append(ParseIssue(.depthLimit, "nesting deeper than \(limits.maxDepth); the rest is kept undecoded"))
                return leaf(body, decode: false)
            }
            let message: Message
            if cte == "base64" || cte == "quoted-printable" {
                // Some mailers base64-encode a message/rfc822 part although RFC 2046 §5.2.1 forbids
                // it: the decoded bytes are a buffer of their own, taken from the one budget.
                guard spend(body.count) else { return leaf(body, decode: false) }
                let inner = Self.transferDecode(bytes[body], cte).0
                budget += body.count - inner.count
                var nested = MIMEParser(bytes: inner, limits: limits)
                nested.partCount = partCount
                nested.budget = budget
                nested.budgetSpent = budgetSpent
                message = MessageParser.assemble(range: 0..<inner.count, parser: &nested, depth: depth + 1)
                partCount = nested.partCount
                budget = nested.budget
                budgetSpent = nested.budgetSpent
                issues.append(contentsOf: nested.issues)
            } else {
                // In place: the enclosed message is a range of this buffer, parsed without a copy.
                message = MessageParser.assemble(range: body, parser: &self, depth: depth + 1)
            }
            return MIMEPart(header: header, contentType: contentType, disposition: disposition,
                            transferEncoding: cte, body: .message(message), filename: filename, damaged: false)
        }
        return leaf(body)
    }

    mutating func parseMultipart(header: HeaderSection, contentType: ContentType, disposition: ContentDisposition?,
                                 cte: String, boundary: [UInt8], body: Range<Int>, depth: Int) -> MIMEPart {
        let childDefault = contentType.subtype == "digest" ? ContentType.messageRFC822 : ContentType.textPlain
        var parts: [MIMEPart] = []
        var preambleEnd = body.upperBound
        var epilogue: Range<Int> = body.upperBound..<body.upperBound
        var partStart: Int? = nil        // first byte of the current part's content
        var closed = false
        var pos = body.lowerBound
        var limited = false

        // A delimiter is a line "--boundary" (transport padding allowed). Only a line that starts
        // with "-" can be one: the walk goes from one "-" at a line start to the next (memchr), so
        // a base64 body, which holds no "-", is passed over in one call instead of line by line.
        while pos < body.upperBound {
            guard let dash = Bytes.nextLineStartingWithDash(bytes, from: pos, in: body) else { break }
            pos = dash
            let lf = Bytes.nextLF(bytes, from: pos, end: body.upperBound)
            let lineEnd = lf ?? body.upperBound
            let next = lf.map { $0 + 1 } ?? body.upperBound
            if lineEnd - pos >= boundary.count + 2, bytes[pos] == Bytes.dash, bytes[pos + 1] == Bytes.dash,
               matches(boundary, at: pos + 2) {
                var k = pos + 2 + boundary.count
                let isClose = k + 1 < lineEnd && bytes[k] == Bytes.dash && bytes[k + 1] == Bytes.dash
                if isClose { k += 2 }
                // Only white space may follow on the line.
                var onlyWS = true
                var j = k
                while j < lineEnd { if !Bytes.isWhitespace(bytes[j]) { onlyWS = false; break }; j += 1 }
                if onlyWS {
                    // The line break before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
                    var contentEnd = pos
                    if contentEnd > body.lowerBound, bytes[contentEnd - 1] == Bytes.lf { contentEnd -= 1 }
                    if contentEnd > body.lowerBound, bytes[contentEnd - 1] == Bytes.cr { contentEnd -= 1 }
                    if let start = partStart {
                        if !limited {
                            if partCount >= limits.maxParts {
                                issues.append(ParseIssue(.partLimit, "more than \(limits.maxParts) body parts; the rest were not read"))
                                limited = true
                            } else {
                                parts.append(parseEntity(start..<max(start, contentEnd), depth: depth + 1, defaultType: childDefault))
                            }
                        }
                    } else {
                        preambleEnd = contentEnd
                    }
                    if isClose {
                        closed = true
                        epilogue = next..<body.upperBound
                        break
                    }
                    partStart = next
                }
            }
            pos = next
        }
        if !closed {
            if let start = partStart, !limited {
                if partCount >= limits.maxParts {
                    issues.append(ParseIssue(.partLimit, "more than \(limits.maxParts) body parts; the rest were not read"))
                } else {
                    parts.append(parseEntity(start..<body.upperBound, depth: depth + 1, defaultType: childDefault))
                }
                issues.append(ParseIssue(.missingBoundary, "multipart/\(contentType.subtype) ends without its closing boundary"))
            } else if partStart == nil {
                // The boundary never appears: keep the whole body as one text part.
                issues.append(ParseIssue(.missingBoundary, "multipart/\(contentType.subtype) boundary never appears"))
                preambleEnd = body.lowerBound
                parts.append(MIMEPart(header: HeaderSection(), contentType: .textPlain, disposition: nil,
                                      transferEncoding: "7bit", body: .leaf(copy(body)), filename: nil, damaged: false))
            }
        }
        let preamble = partStart == nil && parts.isEmpty ? [] : copy(body.lowerBound..<max(body.lowerBound, preambleEnd))
        return MIMEPart(header: header, contentType: contentType, disposition: disposition, transferEncoding: cte,
                        body: .multipart(parts: parts, preamble: preamble, epilogue: copy(epilogue)),
                        filename: nil, damaged: false)
    }

    @inline(__always)
    func matches(_ boundary: [UInt8], at pos: Int) -> Bool {
        guard pos + boundary.count <= bytes.count else { return false }
        var k = 0
        while k < boundary.count {
            if bytes[pos + k] != boundary[k] { return false }
            k += 1
        }
        return true
    }

    static func transferDecode(_ data: ArraySlice<UInt8>, _ cte: String) -> ([UInt8], Bool) {
        switch cte {
        case "base64":
            let r = TransferDecoding.base64(data)
            return (r.bytes, r.damaged)
        case "quoted-printable":
            let r = TransferDecoding.quotedPrintable(data)
            return (r.bytes, r.damaged)
        default:
            // 7bit, 8bit, binary, and unknown encodings (RFC 2045 §6.4: treat as opaque data).
            return (Array(data), false)
        }
    }
}
