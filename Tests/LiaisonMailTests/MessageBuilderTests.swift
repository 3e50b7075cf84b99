import Foundation
import Testing
@testable import LiaisonMail

@Suite("Message builder")
struct MessageBuilderTests {
    typealias S = BuilderTestSupport

    static let sender = Address(name: "Liaison", address: "liaison@example.com")
    static let fixedDate = Date(timeIntervalSince1970: 1_795_429_313)  // 2026-11-23T10:21:53Z

    static func base(subject: String = "Recap") -> MessageBuilder {
        var b = MessageBuilder(from: sender, to: [Address(name: "Zhang San", address: "zs@example.cn")], subject: subject)
        b.date = fixedDate
        b.utcOffsetSeconds = 8 * 3600
        b.textBody = "Hello"
        return b
    }

    static func build(_ b: MessageBuilder, seed: UInt64 = 1) throws -> BuiltMessage {
        var rng = SplitMix64(seed: seed)
        let built = try b.buildMessage(using: &rng)
        S.expectWellFormedLines(built.bytes)
        return built
    }

    /// The body parts of a multipart body, split at its declared boundary.
    static func parts(_ message: [UInt8]) -> (boundary: String, parts: [[UInt8]])? {
        let (fields, body) = S.split(message)
        guard let type = fields.first(where: { $0.name.lowercased() == "content-type" })?.value,
              let range = type.range(of: "boundary=\"") else { return nil }
        let boundary = String(type[range.upperBound...].prefix { $0 != "\"" })
        let text = S.string(body)
        let chunks = text.components(separatedBy: "--" + boundary)
        // chunks: preamble, parts…, "--\r\n" epilogue
        guard chunks.count >= 3, chunks.last == "--\r\n" else { return nil }
        let inner = chunks.dropFirst().dropLast().map { chunk -> [UInt8] in
            var c = Array(chunk.utf8)
            if c.starts(with: [13, 10]) { c.removeFirst(2) }
            if c.suffix(2) == [13, 10] { c.removeLast(2) }
            return c
        }
        return (boundary, inner)
    }

    // MARK: - Exact output

    @Test("Text-only ASCII message: exact bytes")
    func exactBytes() throws {
        var b = Self.base()
        b.messageID = "fixed.1@example.com"
        b.textBody = "Hello,\nplease reply.\n"
        let built = try Self.build(b)
        let expected = """
            Date: Mon, 23 Nov 2026 18:21:53 +0800\r
            From: Liaison <liaison@example.com>\r
            To: Zhang San <zs@example.cn>\r
            Subject: Recap\r
            Message-ID: <fixed.1@example.com>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Hello,\r
            please reply.\r

            """
        #expect(S.string(built.bytes) == expected)
        #expect(built.messageID == "fixed.1@example.com")
    }

    @Test("Header order; Cc, In-Reply-To, References with brackets; extra headers last; no Bcc")
    func headerOrder() throws {
        var b = Self.base()
        b.cc = [Address(name: nil, address: "boss@example.com"), Address(name: "李四", address: "ls@example.cn")]
        b.inReplyTo = "orig@mail.example.cn"
        b.references = ["<root@a.example>", "orig@mail.example.cn"]
        b.extraHeaders = [("Auto-Submitted", "auto-generated"), ("X-Liaison-Case", "C-42")]
        let bytes = try Self.build(b).bytes
        let names = S.split(bytes).fields.map(\.name)
        #expect(names == ["Date", "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References",
                          "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted", "X-Liaison-Case"])
        #expect(S.field(bytes, "In-Reply-To") == "<orig@mail.example.cn>")
        #expect(S.field(bytes, "References") == "<root@a.example> <orig@mail.example.cn>")
        #expect(S.field(bytes, "Cc") == "boss@example.com, =?UTF-8?B?5p2O5Zub?= <ls@example.cn>")
        #expect(S.field(bytes, "Auto-Submitted") == "auto-generated")
        #expect(!S.string(bytes).lowercased().contains("bcc"))
    }

    @Test("Message-ID: generated with 128 random bits, timestamp and the sender's domain")
    func generatedMessageID() throws {
        let b = Self.base()
        let one = try b.buildMessage()
        let two = try b.buildMessage()
        #expect(one.messageID != two.messageID)
        for built in [one, two] {
            let parts = built.messageID.split(separator: "@")
            #expect(parts.count == 2 && parts[1] == "example.com")
            let left = parts[0].split(separator: ".")
            #expect(left.count == 2)
            #expect(left[0].count == 32 && left[0].allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(left[1] == "1795429313")
            #expect(S.field(built.bytes, "Message-ID") == "<\(built.messageID)>")
        }
        let made = MessageBuilder.makeMessageID(domain: "mx.example.org")
        #expect(made.hasSuffix("@mx.example.org") && made.count == 32 + 1 + 10 + 15)
    }

    @Test("A given Message-ID is used, with or without brackets")
    func givenMessageID() throws {
        for given in ["abc@x.example", "<abc@x.example>"] {
            var b = Self.base()
            b.messageID = given
            let built = try Self.build(b)
            #expect(built.messageID == "abc@x.example")
            #expect(S.field(built.bytes, "Message-ID") == "<abc@x.example>")
        }
    }

    // MARK: - Bodies

    @Test("ASCII text is quoted-printable, Chinese text base64; both decode to the text in CRLF form")
    func textEncodings() throws {
        var ascii = Self.base()
        ascii.textBody = "Total = 5 \nNext line"
        let a = try Self.build(ascii).bytes
        #expect(S.field(a, "Content-Transfer-Encoding") == "quoted-printable")
        #expect(S.string(S.quotedPrintable(S.split(a).body)) == "Total = 5 \r\nNext line")

        var chinese = Self.base()
        chinese.textBody = "各位好，\n本周会议纪要如下：一、项目进度；二、下周计划。\n謝謝！"
        let c = try Self.build(chinese).bytes
        #expect(S.field(c, "Content-Type") == "text/plain; charset=utf-8")
        #expect(S.field(c, "Content-Transfer-Encoding") == "base64")
        #expect(S.string(S.base64(S.string(S.split(c).body)))
            == "各位好，\r\n本周会议纪要如下：一、项目进度；二、下周计划。\r\n謝謝！")
    }

    @Test("Text + HTML: multipart/alternative, text first")
    func alternative() throws {
        var b = Self.base()
        b.textBody = "Plain version"
        b.htmlBody = "<p>HTML version</p>"
        let bytes = try Self.build(b).bytes
        #expect(S.field(bytes, "Content-Type")?.hasPrefix("multipart/alternative; boundary=\"=_liaison_") == true)
        #expect(S.field(bytes, "Content-Transfer-Encoding") == nil)
        let split = try #require(Self.parts(bytes))
        #expect(split.parts.count == 2)
        #expect(S.field(split.parts[0], "Content-Type") == "text/plain; charset=utf-8")
        #expect(S.field(split.parts[1], "Content-Type") == "text/html; charset=utf-8")
        #expect(S.string(S.quotedPrintable(S.split(split.parts[1]).body)) == "<p>HTML version</p>")
    }

    @Test("Attachments: multipart/mixed around the alternative; disposition, RFC 2231 filename, base64 data")
    func attachments() throws {
        var b = Self.base()
        b.htmlBody = "<p>Hello</p>"
        let pdf = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        b.attachments = [
            OutgoingAttachment(filename: "会议纪要 2026-11.pdf", contentType: "Application/PDF", data: pdf),
            OutgoingAttachment(filename: "notes.txt", contentType: "text/plain", data: Array("x".utf8)),
        ]
        let bytes = try Self.build(b).bytes
        #expect(S.field(bytes, "Content-Type")?.hasPrefix("multipart/mixed;") == true)
        let mixed = try #require(Self.parts(bytes))
        #expect(mixed.parts.count == 3)
        #expect(S.field(mixed.parts[0], "Content-Type")?.hasPrefix("multipart/alternative;") == true)
        let inner = try #require(Self.parts(mixed.parts[0]))
        #expect(inner.boundary != mixed.boundary)
        #expect(inner.parts.count == 2)

        let first = mixed.parts[1]
        #expect(S.field(first, "Content-Type") == "application/pdf; name=\"=?UTF-8?B?5Lya6K6u57qq6KaBIDIwMjYtMTEucGRm?=\"")
        let disposition = try #require(S.field(first, "Content-Disposition"))
        #expect(disposition.hasPrefix("attachment;"))
        #expect(S.filename(fromDisposition: disposition) == "会议纪要 2026-11.pdf")
        #expect(S.field(first, "Content-Transfer-Encoding") == "base64")
        #expect(S.base64(S.string(S.split(first).body)) == pdf)

        #expect(S.field(mixed.parts[2], "Content-Disposition") == "attachment; filename=\"notes.txt\"")
        #expect(S.base64(S.string(S.split(mixed.parts[2]).body)) == Array("x".utf8))
    }

    @Test("Attachments only: multipart/mixed without a text part")
    func attachmentsOnly() throws {
        var b = Self.base()
        b.textBody = nil
        b.attachments = [OutgoingAttachment(filename: "a.bin", contentType: "application/octet-stream", data: [0, 1, 2])]
        let mixed = try #require(Self.parts(try Self.build(b).bytes))
        #expect(mixed.parts.count == 1)
    }

    // MARK: - Boundaries

    @Test("A boundary never occurs in the content, even when the content holds the first one drawn")
    func boundaryUniqueness() throws {
        var probe = SplitMix64(seed: 99)
        let firstDrawn = "=_liaison_" + MessageBuilder.randomHex(bytes: 12, using: &probe)
        let hostile = MIMEPartWriter.Part(header: Array("Content-Type: text/plain\r\n".utf8),
                                          body: Array("--\(firstDrawn)\r\n--\(firstDrawn)--\r\n".utf8))
        var rng = SplitMix64(seed: 99)
        let part = MIMEPartWriter.multipart("mixed", [hostile], using: &rng)
        let header = S.string(part.header)
        #expect(!header.contains(firstDrawn), "the colliding boundary was drawn again")
        #expect(header.contains("boundary=\"=_liaison_"))

        // Through the builder: an HTML line equal to the boundary that will be chosen.
        var b = Self.base()
        var replay = SplitMix64(seed: 5)
        _ = MessageBuilder.makeMessageID(domain: "example.com", date: Self.fixedDate, using: &replay)
        let boundary = "=_liaison_" + MessageBuilder.randomHex(bytes: 12, using: &replay)
        b.htmlBody = "<p>x</p>\n--\(boundary)\nContent-Type: text/html\n\n<script>evil()</script>\n--\(boundary)--\n"
        let bytes = try Self.build(b, seed: 5).bytes
        let split = try #require(Self.parts(bytes))
        #expect(split.parts.count == 2)
        let occurrences = S.string(bytes).components(separatedBy: "--" + split.boundary).count - 1
        #expect(occurrences == 3, "two delimiters and the close delimiter, nothing else")
        #expect(S.string(S.quotedPrintable(S.split(split.parts[1]).body)).contains("--\(boundary)\r\nContent-Type"))
    }

    // MARK: - Security

    @Test("Line breaks anywhere in header material are refused", arguments: [
        ("subject", "hi\r\nBcc: x@y"), ("subject", "hi\nBcc: x@y"), ("subject", "hi\rX"), ("subject", "nul\u{0}"),
        ("subject", "ls\u{2028}x"), ("subject", "ps\u{2029}x"), ("subject", "nel\u{85}x"),
        ("name", "Evil\nBcc: x@y"), ("address", "a@b.example\r\nBcc: x@y"), ("cc", "x\r\n"),
        ("filename", "a\"\r\nContent-Type: text/html"), ("contentType", "text/plain\r\nX: y"),
        ("messageID", "a@b\r\nBcc: x@y"), ("inReplyTo", "a@b\n"), ("references", "a@b\rc"),
        ("extraValue", "ok\r\nBcc: x@y"), ("extraName", "X-A\r\nBcc"),
    ])
    func lineBreaks(field: String, value: String) throws {
        var b = Self.base()
        let expected: String
        switch field {
        case "subject": b.subject = value; expected = "Subject"
        case "name": b.to = [Address(name: value, address: "a@example.com")]; expected = "To"
        case "address": b.from = Address(name: "x", address: value); expected = "From"
        case "cc": b.cc = [Address(name: value, address: "c@example.com")]; expected = "Cc"
        case "filename": b.attachments = [OutgoingAttachment(filename: value, contentType: "text/plain", data: [])]
            expected = "Content-Disposition"
        case "contentType": b.attachments = [OutgoingAttachment(filename: "a", contentType: value, data: [])]
            expected = "Content-Type"
        case "messageID": b.messageID = value; expected = "Message-ID"
        case "inReplyTo": b.inReplyTo = value; expected = "In-Reply-To"
        case "references": b.references = ["ok@x", value]; expected = "References"
        case "extraValue": b.extraHeaders = [("X-Note", value)]; expected = "X-Note"
        default: b.extraHeaders = [(value, "v")]; expected = "header name"
        }
        #expect(throws: MessageBuildError.lineBreakInHeader(field: expected)) { try b.build() }
    }

    @Test("Extra header names: ftext only, not one the builder writes", arguments: [
        "X Space", "X:Colon", "", "Bcc", "bcc", "To", "Subject", "Content-Type", "content-transfer-encoding",
        "MIME-Version", "Message-ID", "X-Ünï", String(repeating: "X", count: 77),
    ])
    func badHeaderNames(name: String) {
        var b = Self.base()
        b.extraHeaders = [(name, "v")]
        #expect(throws: MessageBuildError.invalidHeaderName(name)) { try b.build() }
    }

    @Test("Invalid addresses, no recipients, no body, bad IDs and content types")
    func otherErrors() {
        var b = Self.base()
        b.to = [Address(name: "x", address: "not-an-address")]
        #expect(throws: MessageBuildError.invalidAddress("not-an-address")) { try b.build() }
        b.to = [Address(name: "x", address: "a@b.example, c@d.example")]
        #expect(throws: MessageBuildError.invalidAddress("a@b.example, c@d.example")) { try b.build() }
        b.to = []
        #expect(throws: MessageBuildError.noRecipients) { try b.build() }
        b = Self.base()
        b.textBody = nil
        #expect(throws: MessageBuildError.noBody) { try b.build() }
        b = Self.base()
        b.inReplyTo = "a b@c"
        #expect(throws: MessageBuildError.invalidMessageID("a b@c")) { try b.build() }
        b = Self.base()
        b.references = ["<a@b> <c@d>"]
        #expect(throws: MessageBuildError.invalidMessageID("<a@b> <c@d>")) { try b.build() }
        for type in ["multipart/mixed", "message/rfc822", "text/plain; charset=gbk", "pdf", "text/"] {
            b = Self.base()
            b.attachments = [OutgoingAttachment(filename: "a", contentType: type, data: [])]
            #expect(throws: MessageBuildError.invalidContentType(type)) { try b.build() }
        }
    }

    @Test("Empty subject and empty text body")
    func emptyValues() throws {
        var b = Self.base(subject: "")
        b.textBody = ""
        b.messageID = "e@x"
        let bytes = try Self.build(b).bytes
        let text = S.string(bytes)
        #expect(text.contains("\r\nSubject:\r\nMessage-ID: <e@x>\r\n"))
        #expect(text.hasSuffix("Content-Transfer-Encoding: quoted-printable\r\n\r\n"))
    }

    @Test("Only Cc recipients: no To header")
    func ccOnly() throws {
        var b = Self.base()
        b.to = []
        b.cc = [Address(name: nil, address: "c@example.com")]
        let bytes = try Self.build(b).bytes
        #expect(S.field(bytes, "To") == nil)
        #expect(S.field(bytes, "Cc") == "c@example.com")
    }

    @Test("A filename with quotes, backslashes and a semicolon cannot break out of its parameter")
    func hostileFilename() throws {
        var b = Self.base()
        let name = "x\"; filename=\"evil.exe\\\"; a=\\"
        b.attachments = [OutgoingAttachment(filename: name, contentType: "application/octet-stream", data: [1])]
        let mixed = try #require(Self.parts(try Self.build(b).bytes))
        let disposition = try #require(S.field(mixed.parts[1], "Content-Disposition"))
        #expect(!disposition.contains("\""), "extended form, no quoted string to escape from")
        #expect(S.filename(fromDisposition: disposition) == name)
        let type = try #require(S.field(mixed.parts[1], "Content-Type"))
        #expect(type.hasPrefix("application/octet-stream; name=\"=?UTF-8?"))
        #expect(type.filter { $0 == "\"" }.count == 2)
    }

    // MARK: - Size

    @Test("Huge inputs: every line ≤ 998 octets, header lines ≤ 78 where there are fold points")
    func hugeInputs() throws {
        let words = (0..<1000).map { "w\($0)" }.joined(separator: " ")  // ~5,000 characters with spaces
        let oneWord = String(repeating: "x", count: 5000)
        let chinese = String(repeating: "会议纪要與時程安排", count: 560)  // 5,040 characters
        let longName = String(repeating: "欧阳", count: 400)
        for subject in [words, oneWord, chinese] {
            var b = Self.base(subject: subject)
            b.to = [Address(name: longName, address: "oy@example.cn"), Address(name: words, address: "w@example.com")]
            b.cc = (0..<200).map { Address(name: "Person \($0)", address: "p\($0)@example.com") }
            b.references = (0..<300).map { "ref\($0).\(String(repeating: "r", count: 30))@example.com" }
            b.textBody = String(repeating: "a", count: 100_000)
            b.htmlBody = String(repeating: "中", count: 50_000)
            b.extraHeaders = [("X-Long", words)]
            b.attachments = [OutgoingAttachment(filename: String(repeating: "附件", count: 300) + ".pdf",
                                                contentType: "application/pdf", data: Array(repeating: 7, count: 200_000))]
            let bytes = try Self.build(b).bytes
            let (fields, _) = S.split(bytes)
            let headerBytes = Array(bytes.prefix(fields.reduce(0) { $0 + $1.raw.utf8.count + 2 }))
            let headerLines = S.lines(headerBytes).dropLast()
            #expect(headerLines.allSatisfy { $0.count <= 78 }, "longest \(headerLines.map(\.count).max() ?? 0)")
            #expect(S.decodeWords(try #require(S.field(bytes, "Subject"))) == subject)
            #expect(S.lines(bytes).allSatisfy { $0.allSatisfy { $0 < 0x80 } }, "7-bit output")
        }
    }
}
