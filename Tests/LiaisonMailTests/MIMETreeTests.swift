import Testing
@testable import LiaisonMail

@Suite("MIME tree")
struct MIMETreeTests {
    @Test("multipart with preamble and epilogue; the CRLF before a delimiter belongs to it")
    func preambleEpilogue() throws {
        let m = parse("""
            Content-Type: multipart/mixed; boundary="b1"

            This is the preamble.
            --b1
            Content-Type: text/plain

            first line
            last line
            --b1
            Content-Type: text/plain

            second
            --b1--
            epilogue text
            """)
        guard case .multipart(let parts, let preamble, let epilogue) = m.root.body else { Issue.record("not multipart"); return }
        #expect(parts.count == 2)
        #expect(String(decoding: preamble, as: UTF8.self) == "This is the preamble.")
        #expect(parts[0].leafText == "first line\r\nlast line")
        #expect(parts[1].leafText == "second")
        #expect(String(decoding: epilogue, as: UTF8.self) == "epilogue text")
        #expect(m.issues.map(\.kind) == [.missingDate])   // nothing else was tolerated
        #expect(!m.issues.contains { $0.kind == .missingBoundary })
    }

    @Test("a boundary-like line inside content, transport padding after the delimiter")
    func delimiterRecognition() {
        let m = parse("""
            Content-Type: multipart/mixed; boundary=abc

            --abc \t
            Content-Type: text/plain

            --abcdef is not a delimiter
            -- abc neither
            --abc
            
            two
            --abc--\t
            """)
        #expect(m.root.children.count == 2)
        #expect(m.root.children[0].leafText == "--abcdef is not a delimiter\r\n-- abc neither")
        #expect(m.root.children[1].leafText == "two")
    }

    @Test("nested multiparts at depth, alternative prefers text/plain")
    func nested() {
        let m = parse("""
            Content-Type: multipart/mixed; boundary=outer

            --outer
            Content-Type: multipart/related; boundary=rel

            --rel
            Content-Type: multipart/alternative; boundary=alt

            --alt
            Content-Type: text/html; charset=utf-8

            <p>HTML version</p>
            --alt
            Content-Type: text/plain; charset=utf-8

            Plain version
            --alt--
            --rel
            Content-Type: image/png
            Content-Transfer-Encoding: base64
            Content-ID: <img1>

            iVBORw0KGgo=
            --rel--
            --outer
            Content-Type: application/pdf; name="a.pdf"
            Content-Disposition: attachment; filename="report.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0xLjQK
            --outer--
            """)
        #expect(m.text == "Plain version")
        #expect(m.attachments.count == 2)
        #expect(m.attachments.map(\.contentType) == ["image/png", "application/pdf"])
        #expect(m.attachments.last?.filename == "report.pdf")
        #expect(m.attachments.last?.size == 9)
    }

    @Test("missing final boundary: the last part is kept and the damage is reported")
    func missingFinalBoundary() {
        let m = parse("""
            Content-Type: multipart/mixed; boundary=zz

            --zz
            Content-Type: text/plain

            only part, never closed
            """)
        #expect(m.root.children.count == 1)
        #expect(m.text == "only part, never closed")
        #expect(m.issues.contains { $0.kind == .missingBoundary })
    }

    @Test("a boundary that never appears keeps the body as text")
    func boundaryNeverAppears() {
        let m = parse("Content-Type: multipart/mixed; boundary=nothere\n\njust text\n")
        #expect(m.text == "just text")
        #expect(m.issues.contains { $0.kind == .missingBoundary })
        let noParam = parse("Content-Type: multipart/mixed\n\nstill text\n")
        #expect(noParam.text == "still text")
    }

    @Test("message/rfc822 is parsed as a nested message; digest parts default to it")
    func forwarded() {
        let m = parse("""
            From: pr@corp.example
            Content-Type: multipart/mixed; boundary=f

            --f
            Content-Type: text/plain

            see below
            --f
            Content-Type: message/rfc822

            From: Reporter <media@news.example>
            Subject: Interview
            Message-ID: <orig@news.example>

            Original body
            --f--
            """)
        #expect(m.forwarded.count == 1)
        #expect(m.forwarded[0].from.first?.address == "media@news.example")
        #expect(m.forwarded[0].messageID == "<orig@news.example>")
        #expect(m.forwarded[0].text == "Original body")
        #expect(m.text.hasPrefix("see below"))
        #expect(m.text.contains("Original body"))
        #expect(m.attachments.isEmpty)

        let digest = parse("""
            Content-Type: multipart/digest; boundary=d

            --d

            Subject: one
            Message-ID: <1@x>

            body one
            --d--
            """)
        #expect(digest.forwarded.first?.messageID == "<1@x>")
    }

    @Test("depth bound: deeper nesting is kept undecoded and reported")
    func depthLimit() {
        var limits = ParseLimits()
        limits.maxDepth = 5
        var s = "Content-Type: multipart/mixed; boundary=b0\n\n"
        for i in 1..<20 { s += "--b\(i - 1)\nContent-Type: multipart/mixed; boundary=b\(i)\n\n" }
        s += "--b19\nContent-Type: text/plain\n\ndeep\n"
        let m = parse(s, limits: limits)
        #expect(m.issues.contains { $0.kind == .depthLimit })
        var depth = 0
        var p = m.root
        while let c = p.children.first { p = c; depth += 1 }
        #expect(depth <= 5)
    }

    @Test("part-count bound: parts past it are not read and the bound is reported")
    func partLimit() {
        var limits = ParseLimits()
        limits.maxParts = 50
        var s = "Content-Type: multipart/mixed; boundary=p\n\n"
        for i in 0..<200 { s += "--p\nContent-Type: text/plain\n\npart \(i)\n" }
        s += "--p--\n"
        let m = parse(s, limits: limits)
        #expect(m.root.children.count < 50)
        #expect(m.issues.contains { $0.kind == .partLimit })
        #expect(m.text.hasPrefix("part 0"))
    }

    @Test("RFC 2231 parameters: continuations, charset and language; RFC 2047 in quotes")
    func parameters() {
        let p1 = ParameterList.parse("attachment; filename*=UTF-8''%E5%8F%97%E7%90%86%E5%9B%9E%E6%89%A7%2E%70%64%66")
        #expect(p1.token == "attachment")
        #expect(p1.parameters["filename"] == "受理回执.pdf")
        let p2 = ParameterList.parse("application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"")
        #expect(p2.parameters["title"] == "This is even more ***fun*** isn't it!")
        let p3 = ParameterList.parse("text/plain; CHARSET=\"gb2312\" (comment); Name=\"a \\\"b\\\".txt\"")
        #expect(p3.token == "text/plain")
        #expect(p3.parameters["charset"] == "gb2312")
        #expect(p3.parameters["name"] == "a \"b\".txt")
        let p4 = ParameterList.parse("attachment; filename=\"=?utf-8?B?5Y+X55CG5Zue5omnLnBkZg==?=\"")
        #expect(p4.parameters["filename"] == "受理回执.pdf")
        // Sections out of order are joined by number.
        let p5 = ParameterList.parse("x; name*1=\"def\"; name*0=\"abc\"")
        #expect(p5.parameters["name"] == "abcdef")
    }

    @Test("Content-Type defaults and oddities")
    func contentTypes() {
        #expect(ContentType.parse(nil, fallback: .textPlain).mimeType == "text/plain")
        #expect(ContentType.parse("TEXT/HTML; charset=UTF-8", fallback: .textPlain).mimeType == "text/html")
        #expect(ContentType.parse("garbage", fallback: .textPlain).mimeType == "text/plain")
        #expect(ContentType.parse("text", fallback: .textPlain).mimeType == "text/plain")
        #expect(ContentType.parse("text/plain (comment)", fallback: .textPlain).mimeType == "text/plain")
    }

    @Test("delivery status notification: recipients, status and the returned Message-ID")
    func dsn() {
        let m = parse("""
            Content-Type: multipart/report; report-type=delivery-status; boundary=r

            --r
            Content-Type: text/plain

            could not deliver
            --r
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.corp.example

            Final-Recipient: rfc822; ok@x.example
            Action: delivered
            Status: 2.0.0

            Final-Recipient: rfc822;bad@x.example
            Action: failed
            Status: 5.1.1 (unknown user)
            Diagnostic-Code: smtp; 550 5.1.1 User unknown
            --r
            Content-Type: message/rfc822

            Message-ID: <orig.1@corp.example>
            Subject: x

            body
            --r--
            """)
        let r = m.deliveryReport
        #expect(r?.reportingMTA == "mx.corp.example")
        #expect(r?.recipients.map(\.recipient) == ["ok@x.example", "bad@x.example"])
        #expect(r?.recipients.last?.status == "5.1.1")
        #expect(r?.recipients.last?.diagnostic == "550 5.1.1 User unknown")
        #expect(r?.originalMessageID == "<orig.1@corp.example>")
        #expect(m.text.hasPrefix("could not deliver"))
        #expect(m.attachments.isEmpty)
    }
}
