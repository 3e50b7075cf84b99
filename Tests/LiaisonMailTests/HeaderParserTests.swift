import Testing
@testable import LiaisonMail

@Suite("Header section")
struct HeaderParserTests {
    @Test("folded fields unfold; raw bytes keep the folding; duplicates stay in order")
    func unfoldingAndDuplicates() {
        let m = parse("""
            Received: from a\n\tby b\n    with c
            Received: second
            Subject: one
             two
            X-Empty:
            
            body
            """)
        let received = m.header.all("received")
        #expect(received.map(\.value) == ["from a\tby b    with c", "second"])
        #expect(received[0].rawValue == Array(" from a\r\n\tby b\r\n    with c".utf8))
        #expect(m.header["SUBJECT"] == "one two")
        #expect(m.header["x-empty"] == "")
        #expect(m.root.leafText == "body")
    }

    @Test("LF-only line ends, an mbox From line, and a line without a colon ends the header section")
    func sloppyInput() {
        // Issue 14: a line that cannot be a field ends a header section that lacks its blank
        // line, as mail clients show it (it used to be skipped, and the fields after it read).
        let raw = Array("From someone@x Mon Nov 16 09:00:00 2026\nSubject: hi\nnot a header line\nTo: a@b\n\nhello\n".utf8)
        let m = MessageParser.parse(raw)
        #expect(m.header["Subject"] == "hi")
        #expect(m.header["To"] == nil)
        #expect(m.header.fields.count == 1)
        #expect(m.root.leafText == "not a header line\nTo: a@b\n\nhello\n")
        #expect(m.issues.contains { $0.kind == .missingBlankLine })
        #expect(m.raw == raw)
    }

    @Test("raw UTF-8 and raw GBK in a header are read, not dropped")
    func eightBitHeaders() {
        var raw = Array("Subject: 会议纪要\r\nX-Gbk: ".utf8)
        raw += [0xC4, 0xE3, 0xBA, 0xC3]   // 你好 in GBK
        raw += Array("\r\n\r\nx".utf8)
        let m = MessageParser.parse(raw)
        #expect(m.subject == "会议纪要")
        #expect(m.header["X-Gbk"] == "你好")   // not UTF-8: best-effort guess reads it as GB18030
    }

    @Test("a message with no body and no blank line")
    func headersOnly() {
        let m = MessageParser.parse(Array("Subject: x\r\nFrom: a@b".utf8))
        #expect(m.header["From"] == "a@b")
        #expect(m.text == "")
    }

    @Test("header bounds: too many fields are cut and reported, the body is still found")
    func headerLimits() {
        var limits = ParseLimits()
        limits.maxHeaderFields = 10
        var s = ""
        for i in 0..<50 { s += "X-N: \(i)\n" }
        let m = parse(s + "Subject: late\n\nthe body", limits: limits)
        #expect(m.header.fields.count == 10)
        #expect(m.issues.contains { $0.kind == .headerLimit })
        #expect(m.text == "the body")
    }

    @Test("a missing or unreadable Date is reported, never invented")
    func dates() {
        #expect(parse("Subject: x\n\nb").issues.contains { $0.kind == .missingDate })
        let bad = parse("Date: sometime last week\n\nb")
        #expect(bad.date == nil)
        #expect(bad.issues.contains { $0.kind == .unparsableDate })
    }

    @Test("message IDs with and without brackets, comments and folding")
    func messageIDs() {
        #expect(MessageIDs.parse("<a@b> (comment) <c@d>") == ["<a@b>", "<c@d>"])
        #expect(MessageIDs.parse("  <a@b>\r\n <c\r\n @d>") == ["<a@b>", "<c@d>"])
        #expect(MessageIDs.parse("bare@id.example") == ["<bare@id.example>"])
        #expect(MessageIDs.parse("no id here") == [])
    }
}
