import Testing
@testable import LiaisonMail

@Suite("RFC 2047 encoded words")
struct EncodedWordsTests {
    @Test("B and Q words, case of the encoding letter, charsets", arguments: [
        ("=?utf-8?B?5byg5Lyf?=", "张伟"),
        ("=?UTF-8?b?5byg5Lyf?=", "张伟"),
        ("=?gb2312?B?1cXOsA==?=", "张伟"),
        ("=?gb2312?B?u+HS6bzN0qo6udjT2rXatv7F+rv1zu/WysG/zsrM4rXEtee7sLm1zag=?=", "会议纪要:关于第二批货物质量问题的电话沟通"),
        ("=?iso-8859-1?Q?Andr=E9_Pirard?=", "André Pirard"),
        ("=?ISO-8859-1?q?a_b=5Fc?=", "a b_c"),
        ("=?utf-8*zh?B?5byg5Lyf?=", "张伟"),
        ("plain text", "plain text"),
        ("", ""),
    ])
    func words(_ input: String, _ expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    @Test("white space between adjacent words vanishes; between a word and text it stays (RFC 2047 §8)")
    func adjacency() {
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?= b") == "a b")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=") == "ab")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?=\r\n  =?ISO-8859-1?Q?b?=".replacingOccurrences(of: "\r\n", with: "")) == "ab")
        #expect(EncodedWords.decode("[EC20261110-002] =?utf-8?B?5p2Q5paZ5Y+X55CG6YCa55+l?=") == "[EC20261110-002] 材料受理通知")
        #expect(EncodedWords.decode("=?utf-8?B?5byg?= and =?utf-8?B?5Lyf?=") == "张 and 伟")
    }

    @Test("a character split across two words comes out whole")
    func splitCharacter() {
        // 张伟 = E5 BC A0 E4 BC 9F; split after the fourth byte.
        let first = "=?utf-8?B?" + [UInt8]([0xE5, 0xBC, 0xA0, 0xE4]).base64 + "?="
        let second = "=?utf-8?B?" + [UInt8]([0xBC, 0x9F]).base64 + "?="
        #expect(EncodedWords.decode(first + " " + second) == "张伟")
        // GBK: 张 = D5 C5, 伟 = CE B0; split in the middle of 伟.
        let g1 = "=?gbk?B?" + [UInt8]([0xD5, 0xC5, 0xCE]).base64 + "?="
        let g2 = "=?GBK?B?" + [UInt8]([0xB0]).base64 + "?="
        #expect(EncodedWords.decode(g1 + "\t" + g2) == "张伟")
    }

    @Test("malformed words stay as written; unknown charsets decode by best effort")
    func malformed() {
        #expect(EncodedWords.decode("=?utf-8?X?abc?=") == "=?utf-8?X?abc?=")
        #expect(EncodedWords.decode("=?utf-8?B?abc") == "=?utf-8?B?abc")
        #expect(EncodedWords.decode("=? ?B?abc?=") == "=? ?B?abc?=")
        #expect(EncodedWords.decode("a =?utf-8?Q?has space?= b") == "a =?utf-8?Q?has space?= b")
        #expect(EncodedWords.decode("=?x-unknown?B?5byg5Lyf?=") == "张伟")
    }
}

extension Array where Element == UInt8 {
    var base64: String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < count {
            let b0 = self[i], b1 = i + 1 < count ? self[i + 1] : 0, b2 = i + 2 < count ? self[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : 0x3D)
            out.append(i + 2 < count ? table[Int(b2 & 63)] : 0x3D)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
