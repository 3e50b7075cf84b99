import Testing
@testable import LiaisonMail

@Suite struct HTMLTextTests {
    @Test func paragraphsAndInlineWhitespace() {
        let html = "<html><body><p>Hello,\n   <b>world</b>!</p>\n<p>Second   line\twith <i>tabs</i>\n and breaks.</p></body></html>"
        #expect(HTMLText.text(fromHTML: html) == "Hello, world!\nSecond line with tabs and breaks.")
    }

    @Test func inlineElementsDoNotAddSpaces() {
        #expect(HTMLText.text(fromHTML: "<p>con<b>cat</b>enated <span>words</span></p>") == "concatenated words")
    }

    @Test func lineBreaksAndBlankLines() {
        let html = "<div>one<br>two<br/><br>three</div><p><br></p><p>four</p><p></p><p></p><p><br></p><p><br></p><div>five</div>"
        #expect(HTMLText.text(fromHTML: html) == "one\ntwo\n\nthree\n\nfour\n\nfive")
    }

    @Test func lists() {
        let html = "<p>Actions:</p><ul><li>ship <b>12</b> units</li><li>send tracking</ul><ol><li>first<li>second</ol>after"
        #expect(HTMLText.text(fromHTML: html) == "Actions:\n- ship 12 units\n- send tracking\n1. first\n2. second\nafter")
    }

    @Test func nestedLists() {
        let html = "<ol><li>a<ul><li>x</li><li>y</li></ul></li><li>b</li></ol>"
        #expect(HTMLText.text(fromHTML: html) == "1. a\n- x\n- y\n2. b")
    }

    @Test func tables() {
        let html = """
        <table border=1><tr><th>负责人</th><th>任务</th><th>截止</th></tr>
        <tr><td>王芳</td><td> 更换设备 </td><td>11月19日</td></tr>
        <tr><td>赵强</td><td></td><td>11月19日</td></tr></table><p>end</p>
        """
        #expect(HTMLText.text(fromHTML: html) == "负责人\t任务\t截止\n王芳\t更换设备\t11月19日\n赵强\t\t11月19日\nend")
    }

    @Test func entities() {
        let html = "<p>A&nbsp;&amp;&nbsp;B &lt;tag&gt; &quot;q&quot; &#20013;&#x6587; &eacute; &copy;&hellip;</p>"
        #expect(HTMLText.text(fromHTML: html) == "A & B <tag> \"q\" 中文 é ©…")
    }

    @Test func nbspIsNotCollapsed() {
        #expect(HTMLText.text(fromHTML: "<p>a&nbsp;&nbsp; b</p>") == "a   b")
    }

    @Test func scriptStyleHeadTitleAndCommentsDropped() {
        let html = """
        <html><head><title>Secret title</title><style>p { color: red }</style>
        <script>var x = "<p>not text</p>";</script></head>
        <body><!-- a comment --><p>Visible</p><script type="text/javascript">alert(1)</script>
        <style>.a{}</style><p>Also visible</p><?php echo 1 ?></body></html>
        """
        #expect(HTMLText.text(fromHTML: html) == "Visible\nAlso visible")
    }

    @Test func preformattedKeepsWhitespace() {
        let html = "<p>Log:</p><pre>line 1\n    indented  two\r\nline 3</pre><p>after   text</p>"
        #expect(HTMLText.text(fromHTML: html) == "Log:\nline 1\n    indented  two\nline 3\nafter text")
    }

    @Test func headingsBlockquoteAndRule() {
        let html = "<h1>Title</h1>intro<hr>body<blockquote>quoted <b>text</b></blockquote>tail"
        #expect(HTMLText.text(fromHTML: html) == "Title\nintro\nbody\nquoted text\ntail")
    }

    @Test func brokenMarkup() {
        let html = "<p>unclosed <b>bold <i>italic<p>next para<div>div <span>open</p></td><tr>stray</table> <a href='x'>link"
        let text = HTMLText.text(fromHTML: html)
        #expect(text == "unclosed bold italic\nnext para\ndiv open\nstray link")
        #expect(HTMLText.text(fromHTML: "x < y & z > w &unknown; text") == "x < y & z > w &unknown; text")
    }

    @Test func plainTextAndEmptyInput() {
        #expect(HTMLText.text(fromHTML: "") == "")
        #expect(HTMLText.text(fromHTML: "   \n  ") == "")
        #expect(HTMLText.text(fromHTML: "just text, no tags") == "just text, no tags")
    }

    @Test func disagreeingCharsetMetaIsIgnored() {
        // The input is already decoded; libxml2 must not re-decode it as GB2312 or Big5.
        for charset in ["gb2312", "big5", "iso-8859-1", "shift_jis"] {
            let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=\(charset)\"><meta charset=\"\(charset)\"></head><body><p>会议纪要：é ü</p></body></html>"
            #expect(HTMLText.text(fromHTML: html) == "会议纪要：é ü")
        }
    }

    @Test func corpusRecapHTMLPartMatchesItsPlainAlternative() {
        // /work/shared/corpus/03-recap-gb2312-alternative.eml, text/html part, decoded from GB2312.
        let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body style=\"font-family:宋体\"><p>王总您好,根据今天电话沟通内容,现将结论整理如下,如有异议请于今日内回复:</p><p>①我方免费更换同型号设备12台,负责人:售后部王芳,截止时间:11月19日17:00;</p><p>②物流单号在发货当天同步给您,负责人:物流部赵强,截止时间:11月19日18:00;</p><p>③后续提供3个月质保服务,负责人:张伟,截止时间:11月20日。</p><p>下次沟通时间:11月23日上午10:00。</p><p><br></p><p>张伟</p><p>客户经理</p></body></html>"
        // The same mail's text/plain part.
        let plain = "王总您好,根据今天电话沟通内容,现将结论整理如下,如有异议请于今日内回复:\n①我方免费更换同型号设备12台,负责人:售后部王芳,截止时间:11月19日17:00;\n②物流单号在发货当天同步给您,负责人:物流部赵强,截止时间:11月19日18:00;\n③后续提供3个月质保服务,负责人:张伟,截止时间:11月20日。\n下次沟通时间:11月23日上午10:00。\n\n张伟\n客户经理"
        #expect(HTMLText.text(fromHTML: html) == plain)
    }

    @Test func outlookStyleBody() {
        let html = """
        <html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
        <head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><meta name=Generator content="Microsoft Word 15 (filtered medium)">
        <!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}
        o\\:* {behavior:url(#default#VML);}</style><![endif]--><style><!--
        /* Font Definitions */
        @font-face {font-family:等线; panose-1:2 1 6 0 3 1 1 1 1 1;}
        p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:10.5pt; font-family:等线;}
        --></style><!--[if gte mso 9]><xml>
        <o:shapedefaults v:ext="edit" spidmax="1026" />
        </xml><![endif]--></head>
        <body lang=ZH-CN link="#0563C1" vlink="#954F72" style='text-justify-trim:punctuation'>
        <div class=WordSection1><p class=MsoNormal><span lang=EN-US>Hi Li Lei,<o:p></o:p></span></p>
        <p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
        <p class=MsoNormal><span style='font-family:"Microsoft YaHei",sans-serif'>请于</span><span lang=EN-US>11</span><span style='font-family:"Microsoft YaHei"'>月</span><span lang=EN-US>20</span><span style='font-family:"Microsoft YaHei"'>日前确认。</span><span lang=EN-US><o:p></o:p></span></p>
        <p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
        <p class=MsoNormal><span lang=EN-US>Best regards,<br>Zhang Wei<o:p></o:p></span></p>
        <div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b><span lang=EN-US>From:</span></b><span lang=EN-US> Li Lei &lt;li.lei@example.com&gt; <br><b>Sent:</b> Tuesday, November 17, 2026 3:40 PM<o:p></o:p></span></p></div></div>
        </div></body></html>
        """
        // Issue 14: from Outlook's reply header (the border-top div) on, lines are quoted history.
        let expected = "Hi Li Lei,\n\n请于11月20日前确认。\n\nBest regards,\nZhang Wei\n> From: Li Lei <li.lei@example.com>\n> Sent: Tuesday, November 17, 2026 3:40 PM"
        #expect(HTMLText.text(fromHTML: html) == expected)
    }

    @Test func outlookDownlevelConditionalsInLists() {
        let html = """
        <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span lang=EN-US>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp; </span></span><![endif]><span lang=EN-US>更换设备<o:p></o:p></span></p>
        <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![IF !supportLists]>2.&nbsp; <![ENDIF]>Ship</p>
        <p class=MsoNormal><![if !vml]><img width=20 src="cid:image001.png"><![endif]>Logo</p>
        """
        #expect(HTMLText.text(fromHTML: html) == "1.    更换设备\n2.  Ship\nLogo")
        // Literal text that only looks similar stays.
        #expect(HTMLText.text(fromHTML: "<p>a <![CDATA[x]]> &lt;![if b]&gt; c</p>").contains("<![if b]> c"))
    }

    @Test func nulBytesDoNotStopTheParse() {
        #expect(HTMLText.text(fromHTML: "<div>a</div>\u{0}<div>b\u{0}c</div>") == "a\nbc")
    }

    /// libxml2's default depth limit (256) would stop the parse and lose everything after the deep
    /// part; with XML_PARSE_HUGE it goes on, and the iterative walk has no recursion to overflow.
    @Test(arguments: [50, 300, 3_000, 30_000])
    func deepNestingDoesNotOverflow(depth: Int) {
        let html = "<p>before</p>" + String(repeating: "<div><span><blockquote>", count: depth) + "deep"
            + String(repeating: "</blockquote></span></div>", count: depth) + "<p>after</p>"
        #expect(HTMLText.text(fromHTML: html) == "before\ndeep\nafter")
    }

    @Test func deepUnclosedNesting() {
        let html = String(repeating: "<div><ul><li>x", count: 5_000)
        let lines = HTMLText.text(fromHTML: html).split(separator: "\n")
        #expect(lines.count == 5_000)
        #expect(lines.allSatisfy { $0 == "- x" })
    }

    @Test func concurrentConversions() async {
        let html = "<html><head><meta charset=gb2312><style>x{}</style></head><body><p>会议&nbsp;纪要</p><ul><li>一</li></ul></body></html>"
        let allRight = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 {
                group.addTask { (0..<50).allSatisfy { _ in HTMLText.text(fromHTML: html) == "会议 纪要\n- 一" } }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(allRight)
    }

    @Test func largeInput() {
        var html = "<html><body>"
        for i in 0..<20_000 { html += "<p>第\(i)行 line &amp; text</p>\n" }
        html += "</body></html>"
        let text = HTMLText.text(fromHTML: html)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 20_000)
        #expect(lines.first == "第0行 line & text")
        #expect(lines.last == "第19999行 line & text")
    }
}
