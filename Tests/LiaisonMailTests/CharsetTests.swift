import Foundation
import Testing
@testable import LiaisonMail

/// Fixtures are real encoder output (Python's codecs), pasted as bytes.
@Suite struct CharsetTests {
    // MARK: - Chinese

    @Test func gbkOnlyCharacterLabelledGB2312() {
        // 镕 (U+9555) is GBK 0xE9 0x46; strict GB2312 has no such code.
        let result = Charset.decode([0xE9, 0x46] as [UInt8], label: "gb2312")
        #expect(result.text == "镕")
        #expect(result.charsetUsed == "GB18030")
        #expect(result.replacements == 0)
    }

    @Test func zheLabelledGB2312() {
        let result = Charset.decode([0x86, 0xB4] as [UInt8], label: "GB2312")
        #expect(result.text == "喆")
        #expect(result.replacements == 0)
    }

    @Test(arguments: ["gb2312", "\"GB2312\"", " x-gbk ", "CP936", "ms936", "windows-936", "gb_2312-80",
                      "csGB2312", "euc-cn", "GB18030", "'gbk'", "x-gb2312"])
    func chineseLabelAliases(label: String) {
        let result = Charset.decode([0xD6, 0xD0, 0xCE, 0xC4] as [UInt8], label: label)
        #expect(result.text == "中文")
        #expect(result.charsetUsed == "GB18030")
    }

    @Test func gb18030FourByteSequences() {
        // € (GB18030-2005 0xA2E3) and 𠀀 (U+20000, a four-byte sequence).
        let result = Charset.decode([0xA2, 0xE3, 0x95, 0x32, 0x82, 0x36] as [UInt8], label: "gb18030")
        #expect(result.text == "€𠀀")
    }

    @Test func damagedGBKInTheMiddle() {
        // 会议 0xFF 纪要: one replacement, the rest intact.
        let bytes: [UInt8] = [0xBB, 0xE1, 0xD2, 0xE9, 0xFF, 0xBC, 0xCD, 0xD2, 0xAA]
        let result = Charset.decode(bytes, label: "gb2312")
        #expect(result.text == "会议\u{FFFD}纪要")
        #expect(result.replacements == 1)
        // A lead byte followed by a space: the lead byte is replaced, the space kept.
        let second = Charset.decode([0xBB, 0xE1, 0xD2, 0x20, 0xBC, 0xCD] as [UInt8], label: "gbk")
        #expect(second.text == "会\u{FFFD} 纪")
        #expect(second.replacements == 1)
    }

    @Test func truncatedGBKTail() {
        let result = Charset.decode([0xD6, 0xD0, 0xCE] as [UInt8], label: "gb2312")
        #expect(result.text == "中\u{FFFD}")
        #expect(result.replacements == 1)
    }

    @Test func big5HKSCSOnlyCharactersLabelledBig5() {
        // 嘅 (0x9DEF) and 𨋢 (0x9DF2) exist only in HKSCS.
        let result = Charset.decode([0x9D, 0xEF, 0x9D, 0xF2] as [UInt8], label: "big5")
        #expect(result.text == "嘅𨋢")
        #expect(result.charsetUsed == "BIG5-HKSCS")
        #expect(result.replacements == 0)
    }

    @Test(arguments: ["big5", "x-big5", "cp950", "Big5-HKSCS", "big5hkscs"])
    func traditionalChinese(label: String) {
        let bytes: [UInt8] = [0xB7, 0x7C, 0xC4, 0xB3, 0xAC, 0xF6, 0xAD, 0x6E]
        let result = Charset.decode(bytes, label: label)
        #expect(result.text == "會議紀要")
        #expect(result.charsetUsed == "BIG5-HKSCS")
    }

    // MARK: - Japanese, Korean, Cyrillic

    @Test(arguments: ["shift_jis", "sjis", "x-sjis", "cp932", "windows-31j", "Shift-JIS"])
    func shiftJIS(label: String) {
        let bytes: [UInt8] = [0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA, 0x82, 0xCC, 0x83, 0x65, 0x83, 0x4C, 0x83, 0x58, 0x83, 0x67]
        #expect(Charset.decode(bytes, label: label).text == "日本語のテキスト")
    }

    @Test func shiftJISWithCP932Extension() {
        #expect(Charset.decode([0x87, 0x40] as [UInt8], label: "shift_jis").text == "①")
    }

    @Test func eucJP() {
        let bytes: [UInt8] = [0xC6, 0xFC, 0xCB, 0xDC, 0xB8, 0xEC, 0xA4, 0xCE, 0xA5, 0xC6, 0xA5, 0xAD, 0xA5, 0xB9, 0xA5, 0xC8]
        let result = Charset.decode(bytes, label: "EUC-JP")
        #expect(result.text == "日本語のテキスト")
        #expect(result.charsetUsed == "EUC-JP")
    }

    @Test func iso2022JP() {
        let bytes: [UInt8] = [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x38, 0x6C, 0x24, 0x4E, 0x25, 0x46,
                              0x25, 0x2D, 0x25, 0x39, 0x25, 0x48, 0x1B, 0x28, 0x42]
        let result = Charset.decode(bytes, label: "iso-2022-jp")
        #expect(result.text == "日本語のテキスト")
        #expect(result.replacements == 0)
    }

    @Test(arguments: ["euc-kr", "ks_c_5601-1987", "cp949", "EUC-KR"])
    func korean(label: String) {
        let bytes: [UInt8] = [0xC7, 0xD1, 0xB1, 0xB9, 0xBE, 0xEE, 0x20, 0xC5, 0xD8, 0xBD, 0xBA, 0xC6, 0xAE]
        #expect(Charset.decode(bytes, label: label).text == "한국어 텍스트")
    }

    @Test func cp949ExtensionLabelledEUCKR() {
        // 똠 is outside KS X 1001 (EUC-KR) but in CP949/UHC.
        #expect(Charset.decode([0x8C, 0x63] as [UInt8], label: "euc-kr").text == "똠")
    }

    @Test func koi8() {
        let russian: [UInt8] = [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4, 0x2C, 0x20, 0xCD, 0xC9, 0xD2]
        #expect(Charset.decode(russian, label: "koi8-r").text == "Привет, мир")
        #expect(Charset.decode([0xBD, 0xC1, 0xCE, 0xCF, 0xCB] as [UInt8], label: "KOI8-U").text == "Ґанок")
    }

    // MARK: - Western

    @Test(arguments: ["windows-1252", "cp1252", "iso-8859-1", "latin1", "ISO_8859-1:1987", "iso8859-1"])
    func windows1252SmartQuotesAndEuro(label: String) {
        let bytes: [UInt8] = [0x93, 0x53, 0x6D, 0x61, 0x72, 0x74, 0x94, 0x20, 0x96, 0x20, 0x80, 0x35, 0x20,
                              0x91, 0x6F, 0x6B, 0x92]
        let result = Charset.decode(bytes, label: label)
        #expect(result.text == "“Smart” – €5 ‘ok’")
        #expect(result.charsetUsed == "WINDOWS-1252")
        #expect(result.replacements == 0)
    }

    @Test func latin1Umlauts() {
        let bytes: [UInt8] = [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x20, 0x63, 0x61, 0x66, 0xE9]
        #expect(Charset.decode(bytes, label: "iso-8859-1").text == "Müller café")
    }

    @Test func iso8859Parts2And15() {
        let polish: [UInt8] = [0x5A, 0x61, 0xBF, 0xF3, 0xB3, 0xE6, 0x20, 0x67, 0xEA, 0xB6, 0x6C, 0xB1, 0x20,
                               0x6A, 0x61, 0xBC, 0xF1]
        let two = Charset.decode(polish, label: "ISO-8859-2")
        #expect(two.text == "Zażółć gęślą jaźń")
        #expect(two.charsetUsed == "ISO-8859-2")
        #expect(Charset.decode(polish, label: "latin2").text == "Zażółć gęślą jaźń")
        let fifteen = Charset.decode([0xA4, 0x20, 0xBD, 0x20, 0xBE] as [UInt8], label: "iso-8859-15")
        #expect(fifteen.text == "€ œ Ÿ")
        #expect(Charset.decode([0xA4] as [UInt8], label: "latin9").text == "€")
    }

    @Test func usASCIIIsUTF8CompatibleElseWindows1252() {
        #expect(Charset.decode(Array("plain text".utf8), label: "us-ascii").text == "plain text")
        let utf8 = Charset.decode(Array("naïve 中".utf8), label: "US-ASCII")
        #expect(utf8.text == "naïve 中")
        #expect(utf8.charsetUsed == "UTF-8")
        let eightBit = Charset.decode([0x63, 0x61, 0x66, 0xE9] as [UInt8], label: "ascii")
        #expect(eightBit.text == "café")
        #expect(eightBit.charsetUsed == "WINDOWS-1252")
    }

    // MARK: - Unicode

    @Test func utf8AsIs() {
        let result = Charset.decode(Array("会议纪要 ok".utf8), label: "utf-8")
        #expect(result.text == "会议纪要 ok")
        #expect(result.replacements == 0)
        #expect(Charset.decode(Array("é".utf8), label: "UTF8").text == "é")
        #expect(Charset.decode(Array("é".utf8), label: "unicode-1-1-utf-8").text == "é")
    }

    @Test func utf8BOMDropped() {
        #expect(Charset.decode([0xEF, 0xBB, 0xBF, 0x41] as [UInt8], label: "utf-8").text == "A")
    }

    @Test func truncatedUTF8Tail() {
        // "中" then the first two bytes of "文".
        let result = Charset.decode([0xE4, 0xB8, 0xAD, 0xE6, 0x96] as [UInt8], label: "utf-8")
        #expect(result.text == "中\u{FFFD}")
        #expect(result.replacements == 1)
    }

    @Test func invalidUTF8ReplacedEachAndLiteralReplacementNotCounted() {
        // A literal U+FFFD in the input, then a stray continuation byte, then 0xFF 0x41 (not GB18030-clean).
        let bytes: [UInt8] = [0xEF, 0xBF, 0xBD, 0x41, 0x80, 0x42, 0xFF, 0x43]
        let result = Charset.decode(bytes, label: "utf-8")
        #expect(result.text == "\u{FFFD}A\u{FFFD}B\u{FFFD}C")
        #expect(result.replacements == 2)
        #expect(result.charsetUsed == "UTF-8")
    }

    @Test func utf16WithBOM() {
        let result = Charset.decode([0xFF, 0xFE, 0x2D, 0x4E, 0x87, 0x65, 0x41, 0x00] as [UInt8], label: "utf-16")
        #expect(result.text == "中文A")
        #expect(Charset.decode([0x4E, 0x2D, 0x00, 0x41] as [UInt8], label: "UTF-16BE").text == "中A")
        let odd = Charset.decode([0x2D, 0x4E, 0x41] as [UInt8], label: "utf-16le")
        #expect(odd.text == "中\u{FFFD}")
        #expect(odd.replacements == 1)
    }

    @Test func utf7() {
        let bytes = Array("Hi Mom -+Jjo--!".utf8)
        #expect(Charset.decode(bytes, label: "utf-7").text == "Hi Mom -☺-!")
    }

    // MARK: - Lying and unknown labels

    @Test func labelledUTF8ButGB18030Bytes() {
        let gbk: [UInt8] = [0xBB, 0xE1, 0xD2, 0xE9, 0xBC, 0xCD, 0xD2, 0xAA, 0xA3, 0xBA, 0xC7, 0xEB, 0xC8, 0xB7, 0xC8, 0xCF]
        let result = Charset.decode(gbk, label: "utf-8")
        #expect(result.text == "会议纪要：请确认")
        #expect(result.charsetUsed == "GB18030")
        #expect(result.replacements == 0)
    }

    @Test func labelledLatin1ButUTF8() {
        let result = Charset.decode(Array("Müller – 张伟".utf8), label: "iso-8859-1")
        #expect(result.text == "Müller – 张伟")
        #expect(result.charsetUsed == "UTF-8")
    }

    @Test func labelledGB2312ButUTF8WithInvalidGB() {
        // "x€" in UTF-8 is 78 E2 82 AC: E2 82 is a GB pair, the lone AC a truncated tail (a replacement).
        let bytes = Array("x€".utf8)
        let result = Charset.decode(bytes, label: "gb2312")
        #expect(result.text == "x€")
        #expect(result.charsetUsed == "UTF-8")
    }

    @Test(arguments: [nil, "x-unknown", "unknown-8bit", "", "\"\"", "foo/bar//TRANSLIT"] as [String?])
    func unknownLabelBestEffort(label: String?) {
        let utf8 = Charset.decode(Array("纪要 é".utf8), label: label)
        #expect(utf8.text == "纪要 é")
        #expect(utf8.charsetUsed == "UTF-8")
        let gb = Charset.decode([0xBC, 0xCD, 0xD2, 0xAA, 0x20, 0x6F, 0x6B] as [UInt8], label: label)
        #expect(gb.text == "纪要 ok")
        #expect(gb.charsetUsed == "GB18030")
        let latin = Charset.decode([0x63, 0x61, 0x66, 0xE9, 0x20, 0x81, 0xFF] as [UInt8], label: label)
        #expect(latin.text == "café \u{81}ÿ")
        #expect(latin.charsetUsed == "WINDOWS-1252")
        #expect(latin.replacements == 0)
    }

    @Test func otherIconvNamesAreUsed() {
        // Not in the alias table; iconv knows it.
        #expect(Charset.decode([0x80, 0x81] as [UInt8], label: "IBM437").text == "Çü")
    }

    @Test func emptyInput() {
        for label in ["gb2312", "utf-8", "big5", "iso-8859-1", "nonsense"] as [String?] + [nil] {
            let result = Charset.decode([UInt8](), label: label)
            #expect(result.text == "")
            #expect(result.replacements == 0)
        }
    }

    @Test func nonContiguousCollectionInput() {
        let bytes: [UInt8] = [0xD6, 0xD0, 0xCE, 0xC4]
        #expect(Charset.decode(bytes.lazy.map { $0 }, label: "gbk").text == "中文")
    }

    @Test func iconvNames() {
        #expect(Charset.iconvName(forLabel: "GB2312") == "GB18030")
        #expect(Charset.iconvName(forLabel: "x-big5") == "BIG5-HKSCS")
        #expect(Charset.iconvName(forLabel: "latin1") == "WINDOWS-1252")
        #expect(Charset.iconvName(forLabel: "us-ascii") == "US-ASCII")
        #expect(Charset.iconvName(forLabel: "utf8") == "UTF-8")
        #expect(Charset.iconvName(forLabel: "ks_c_5601-1987") == "CP949")
        #expect(Charset.iconvName(forLabel: "iso_8859-2:1987") == "ISO-8859-2")
        #expect(Charset.iconvName(forLabel: "windows-1251") == "WINDOWS-1251")
        #expect(Charset.iconvName(forLabel: "GB2312*zh-CN") == "GB18030")
        #expect(Charset.iconvName(forLabel: "no-such-charset") == nil)
    }

    // MARK: - Size and speed

    @Test func largeInputCrossesChunksIntact() {
        // 400 000 Chinese characters (800 KB of GBK) with one bad byte near the end.
        let unit: [UInt8] = [0xBB, 0xE1, 0xD2, 0xE9, 0xBC, 0xCD, 0xD2, 0xAA]  // 会议纪要
        var bytes = [UInt8]()
        for _ in 0..<100_000 { bytes += unit }
        bytes.insert(0xFF, at: bytes.count - 4)
        let result = Charset.decode(bytes, label: "gb2312")
        #expect(result.replacements == 1)
        #expect(result.text.unicodeScalars.count == 400_001)
        #expect(result.text.hasSuffix("会议\u{FFFD}纪要"))
        #expect(result.text.hasPrefix("会议纪要会议纪要"))
    }

    @Test func concurrentDecodes() async {
        let gbk: [UInt8] = [0xBB, 0xE1, 0xD2, 0xE9, 0xBC, 0xCD, 0xD2, 0xAA]
        let big5: [UInt8] = [0xB7, 0x7C, 0xC4, 0xB3, 0xAC, 0xF6, 0xAD, 0x6E]
        let allRight = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask {
                    (0..<200).allSatisfy { _ in
                        i.isMultiple(of: 2)
                            ? Charset.decode(gbk, label: "gb2312").text == "会议纪要"
                            : Charset.decode(big5, label: "big5").text == "會議紀要"
                    }
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(allRight)
    }

    @Test func fourKilobytePartIsFast() {
        var bytes = [UInt8]()
        let unit: [UInt8] = [0xBB, 0xE1, 0xD2, 0xE9, 0xBC, 0xCD, 0xD2, 0xAA, 0x2C, 0x20]
        while bytes.count < 4096 { bytes += unit }
        let rounds = 2000
        var total = 0
        let elapsed = ContinuousClock().measure {
            for _ in 0..<rounds { total &+= Charset.decode(bytes, label: "gb2312").replacements }
        }
        #expect(total == 0)
        let perCall = elapsed / rounds
        print("Charset.decode 4 KB GB2312: \(perCall) per call")
        // Generous bound for a shared debug build; release measurements are in the commit message.
        #expect(perCall < .milliseconds(2))
    }
}

/// Bodies of /work/shared/corpus mails, through transfer decoding and the declared charset.
@Suite struct CorpusBodyDecodingTests {
    @Test func gbkBodyLabelledGB2312() {
        // 05-supplier-gbk-labelled-gb2312.eml: 8bit, charset=gb2312, holds 镕 (0xE946) and 喆 (0x86B4).
        let body: [UInt8] = [
            0xC0, 0xEE, 0xD6, 0xF7, 0xB9, 0xDC, 0x3A, 0x0D, 0x0A, 0x0D, 0x0A, 0xD4, 0xAD, 0xB6, 0xA8, 0x31,
            0x31, 0xD4, 0xC2, 0x32, 0x30, 0xC8, 0xD5, 0xBD, 0xBB, 0xB8, 0xB6, 0xB5, 0xC4, 0xD4, 0xAD, 0xC1,
            0xCF, 0xD2, 0xF2, 0xC9, 0xFA, 0xB2, 0xFA, 0xD1, 0xD3, 0xB3, 0xD9, 0x2C, 0xD0, 0xE8, 0xCD, 0xC6,
            0xB3, 0xD9, 0xD6, 0xC1, 0x31, 0x31, 0xD4, 0xC2, 0x32, 0x35, 0xC8, 0xD5, 0xA1, 0xA3, 0xBE, 0xAD,
            0xB0, 0xEC, 0xC8, 0xCB, 0x3A, 0xB3, 0xC2, 0xE9, 0x46, 0x2C, 0xC1, 0xAA, 0xCF, 0xB5, 0xB5, 0xE7,
            0xBB, 0xB0, 0xBC, 0xFB, 0xC7, 0xA9, 0xC3, 0xFB, 0xA1, 0xA3, 0x0D, 0x0A, 0x0D, 0x0A, 0xCE, 0xE2,
            0x86, 0xB4, 0x0D, 0x0A, 0xB6, 0xAB, 0xB7, 0xBD, 0xBB, 0xAF, 0xB9, 0xA4, 0xD4, 0xAD, 0xC1, 0xCF,
            0xD3, 0xD0, 0xCF, 0xDE, 0xB9, 0xAB, 0xCB, 0xBE,
        ]
        let result = Charset.decode(body, label: "gb2312")
        #expect(result.text == "李主管:\r\n\r\n原定11月20日交付的原料因生产延迟,需推迟至11月25日。经办人:陈镕,联系电话见签名。\r\n\r\n吴喆\r\n东方化工原料有限公司")
        #expect(result.replacements == 0)
    }

    @Test func quotedPrintableGB2312Body() {
        // 02-staff-reply-gb2312.eml
        let encoded = "=C1=F5=D7=DC=C4=FA=BA=C3:\r\n\r\n=B7=C7=B3=A3=C0=ED=BD=E2=C4=FA=B5=C4=B8=D0=CA=DC,=B8=F8=C4=FA=B4=F8=C0=B4=\r\n=B2=BB=B1=E3=CE=D2=C3=C7=C9=EE=B8=D0=B1=A7=C7=B8=A1=A3=D2=D1=B0=B2=C5=C5=CA=\r\n=DB=BA=F3=D7=A8=D4=B1=CD=F5=B7=BC=D4=DA1=D0=A1=CA=B1=C4=DA=C1=AA=CF=B5=C4=\r\n=FA=C8=B7=C8=CF=CF=B8=BD=DA,=D4=A4=BC=C63=B8=F6=B9=A4=D7=F7=C8=D5=C4=DA=CD=\r\n=EA=B3=C9=BB=BB=BB=F5=A1=A3\r\n\r\n=D5=C5=CE=B0\r\n=BF=CD=BB=A7=BE=AD=C0=ED\r\n"
        let bytes = TransferDecoding.quotedPrintable(Array(encoded.utf8))
        #expect(!bytes.damaged)
        #expect(Charset.decode(bytes.bytes, label: "gb2312").text == "刘总您好:\r\n\r\n非常理解您的感受,给您带来不便我们深感抱歉。已安排售后专员王芳在1小时内联系您确认细节,预计3个工作日内完成换货。\r\n\r\n张伟\r\n客户经理\r\n")
    }

    @Test func base64Big5Body() {
        // 06-partner-big5.eml
        let encoded = "sWm4Z7J6sXqmbjoKCsP2qfPBcKZYscC8c6Tortcsp9qk6KR3vVS7e7LEpXypdavXqrq46re9p+uk\r\nSiy90KnzpFW2Z6RUq2W0o6jRrdetcavhqrqmWKdApOiu16FDCgqqTKfTqfoKpXilX6tIuUas7Kfe\r\n"
        let bytes = TransferDecoding.base64(Array(encoded.utf8))
        #expect(!bytes.damaged)
        let result = Charset.decode(bytes.bytes, label: "big5")
        #expect(result.text == "張經理您好:\n\n關於聯合推廣方案,我方已確認第四季度的資源投入,請於下週三前提供修訂後的合作方案。\n\n林志明\n台北信達科技")
        #expect(result.replacements == 0)
    }
}
