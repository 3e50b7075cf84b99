import Foundation
import Testing
@testable import LiaisonMail

/// Issue 14 part 4: the MIME reading underneath shows what mail clients show.
@Suite("Client shapes: MIME")
struct ClientShapesMIMETests {
    @Test("a text part with a file name but no attachment disposition is text to read")
    func namedTextPartIsText() {
        let m = parse("""
            From: a@b
            Subject: x
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain; charset=utf-8; name="正文.txt"

            如有异议请于今日内回复。
            --b
            Content-Type: text/plain; name="log.txt"
            Content-Disposition: attachment; filename="log.txt"

            not read
            --b--
            """)
        #expect(m.text == "如有异议请于今日内回复。")
        #expect(m.attachments.map(\.filename) == ["log.txt"])
    }

    @Test("an inline disposition with a file name is text; an HTML part with a name too")
    func inlineNamedParts() {
        let m = parse("""
            Content-Type: multipart/alternative; boundary="b"

            --b
            Content-Type: text/html; charset=utf-8; name="body.htm"
            Content-Disposition: inline; filename="body.htm"

            <p>hello <b>there</b></p>
            --b--
            """)
        #expect(m.text == "hello there")
        #expect(m.attachments.isEmpty)
    }

    @Test("a header section without its blank line ends at the first line that is not a field")
    func headerWithoutBlankLine() {
        let m = parse("""
            From: 张伟 <zhang.wei@corp.example>
            Subject: 会议纪要
            Date: Wed, 18 Nov 2026 10:00:00 +0800
            各位好，如有异议请于今日内回复。
            To: this is body text now
            """)
        #expect(m.subject == "会议纪要")
        #expect(m.header.fields.count == 3)
        #expect(m.text == "各位好，如有异议请于今日内回复。\nTo: this is body text now")
        #expect(m.issues.contains { $0.kind == .missingBlankLine })
    }

    @Test("a folded field and an mbox line still read; a name with a space before the colon is a field")
    func fieldsStillRead() {
        let m = parse("From x Mon Nov 16 09:00:00 2026\nSubject : one\n two\nX-A: b\n\nbody")
        #expect(m.header["Subject"] == "one two")
        #expect(m.header["X-A"] == "b")
        #expect(m.text == "body")
        #expect(!m.issues.contains { $0.kind == .missingBlankLine })
    }

    @Test("raw 8-bit bytes inside an encoded word are read in the charset the word declares")
    func eightBitInsideEncodedWord() {
        var raw = Array("From: =?iso-8859-1?Q?J=FCrgen_M".utf8) + [0xFC] + Array("ller?= <jm@example.de>\r\nSubject: =?iso-8859-1?Q?Gr".utf8)
        raw += [0xFC] + Array("=DFe?= aus ".utf8) + [0x4D, 0xC3, 0xBC, 0x6E, 0x63, 0x68, 0x65, 0x6E]   // "München" raw UTF-8 outside
        raw += Array("\r\n\r\nx".utf8)
        let m = MessageParser.parse(raw)
        #expect(m.from.first?.name == "Jürgen Müller")
        #expect(m.subject == "Grüße aus München")
    }

    @Test("raw bytes in an unencoded header: the declared charset first, then UTF-8, then GB18030")
    func rawHeaderBytesInDeclaredCharset() {
        // Big5 declared: 會議 in Big5 is also valid GB18030 (as other characters): the declaration decides.
        var big5 = Array("Subject: ".utf8) + [0xB7, 0x7C, 0xC4, 0xB3] + Array("\r\nContent-Type: text/plain; charset=big5\r\n\r\nx".utf8)
        #expect(MessageParser.parse(big5).subject == "會議")
        // Without a declaration the same bytes are read as GB18030 (the old guess stays the fallback).
        big5 = Array("Subject: ".utf8) + [0xC4, 0xE3, 0xBA, 0xC3] + Array("\r\n\r\nx".utf8)
        #expect(MessageParser.parse(big5).subject == "你好")
        // Declared ISO-8859-1: an umlaut is an umlaut, not half of a CJK character.
        let latin = Array("Subject: Gr".utf8) + [0xFC, 0xDF, 0x65] + Array("\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nx".utf8)
        #expect(MessageParser.parse(latin).subject == "Grüße")
        // Declared US-ASCII (it declares no 8-bit bytes): the bytes are read as UTF-8.
        let utf8 = Array("Subject: ".utf8) + Array("会议€".utf8) + Array("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nx".utf8)
        #expect(MessageParser.parse(utf8).subject == "会议€")
    }

    @Test("escaping inside encoded words is linear and keeps malformed words as written")
    func eightBitWordsHostile() {
        var raw = Array("Subject: ".utf8)
        for _ in 0..<20_000 { raw += Array("=?x?q?".utf8) + [0xFF] }
        raw += Array("\r\n\r\nx".utf8)
        let start = ContinuousClock.now
        let m = MessageParser.parse(raw)
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(m.subject?.hasPrefix("=?x?q?") == true)
        #expect(EightBitWords.escapeInsideEncodedWords(Array("=?utf-8?q?a".utf8) + [0xE4, 0xB8, 0xAD] + Array("?=".utf8))
                == Array("=?utf-8?q?a=E4=B8=AD?=".utf8))
    }
}

@Suite("Client shapes: HTML")
struct ClientShapesHTMLTests {
    @Test("Outlook table cells wrapped in paragraphs stay on their row; an empty first cell counts")
    func outlookTable() {
        let html = """
        <table class=MsoTableGrid><tr><td><p class=MsoNormal>序号<o:p></o:p></p></td><td><p class=MsoNormal>事项</p></td>
        <td><p class=MsoNormal>负责人</p></td></tr>
        <tr><td><p class=MsoNormal>1</p></td><td><p class=MsoNormal>更换<br>设备</p><p>12台</p></td><td><p>售后部/王芳</p></td></tr>
        <tr><td></td><td><p>补充</p></td><td></td></tr></table><p>end</p>
        """
        #expect(HTMLText.text(fromHTML: html) == "序号\t事项\t负责人\n1\t更换 设备 12台\t售后部/王芳\n\t补充\nend")
    }

    @Test("a one-cell layout table reads as blocks")
    func layoutTable() {
        let html = "<table><tr><td><p>第一段</p><p>第二段</p></td></tr></table>"
        #expect(HTMLText.text(fromHTML: html) == "第一段\n第二段")
    }

    @Test("mail quote containers are marked as quoted; an indenting blockquote is not")
    func quoteContainers() {
        let gmail = """
        <div dir="ltr">Own words</div><div class="gmail_quote"><div class="gmail_attr">On Wed, Nov 18, 2026 at 10:12 AM Z &lt;z@x&gt; wrote:<br></div>
        <blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px solid #ccc">quoted <b>one</b><br>quoted two</blockquote></div><p>after</p>
        """
        #expect(HTMLText.text(fromHTML: gmail) == "Own words\n> On Wed, Nov 18, 2026 at 10:12 AM Z <z@x> wrote:\n> quoted one\n> quoted two\nafter")
        let netease = "<p>好的</p><blockquote id=\"isReplyContent\" style=\"PADDING-LEFT: 1ex; BORDER-LEFT: #ccc 1px solid\"><div>有异议</div></blockquote>"
        #expect(HTMLText.text(fromHTML: netease) == "好的\n> 有异议")
        let apple = "<div>ok</div><blockquote type=\"cite\"><div>quoted</div></blockquote>"
        #expect(HTMLText.text(fromHTML: apple) == "ok\n> quoted")
        let indent = "<p>a</p><blockquote style=\"margin:0 0 0 40px;border:none;padding:0px\"><p>indented</p></blockquote>"
        #expect(HTMLText.text(fromHTML: indent) == "a\nindented")
    }

    @Test("from an Outlook reply header to the end every line is quoted")
    func outlookReplyHeader() {
        let web = """
        <div>Thanks</div><hr tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Z<br><b>Sent:</b> Wed</div>
        <div><p>old 有异议</p></div>
        """
        #expect(HTMLText.text(fromHTML: web) == "Thanks\n> From: Z\n> Sent: Wed\n> old 有异议")
        let desktop = """
        <p class=MsoNormal>没有异议</p><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>
        <p class=MsoNormal><b>发件人:</b> 张伟</p></div><p class=MsoNormal>旧的</p>
        """
        #expect(HTMLText.text(fromHTML: desktop) == "没有异议\n> 发件人: 张伟\n> 旧的")
    }
}
