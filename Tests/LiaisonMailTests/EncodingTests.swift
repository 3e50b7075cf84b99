import Foundation
import Testing
@testable import LiaisonMail

// MARK: - Test support for the builder suites (independent minimal decoders, deterministic RNG)


/// Small decoders written from the RFCs for checking the writers; not the library's parser.
enum BuilderTestSupport {
    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Lines split at CRLF; records a bare CR or LF as a failure.
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 {
                result.append(current); current = []; i += 2; continue
            }
            if bytes[i] == 13 || bytes[i] == 10 { Issue.record("bare CR or LF at offset \(i)") }
            current.append(bytes[i]); i += 1
        }
        result.append(current)
        return result
    }

    /// Checks RFC 5322 §2.1.1 and §2.3: CRLF only, every line ≤ 998 octets.
    static func expectWellFormedLines(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let all = lines(bytes)
        let longest = all.map(\.count).max() ?? 0
        #expect(longest <= 998, "a line of \(longest) octets", sourceLocation: sourceLocation)
        #expect(bytes.suffix(2) == [13, 10], "the message ends in CRLF", sourceLocation: sourceLocation)
    }

    /// Header fields (unfolded values) and the body of a message or part.
    static func split(_ bytes: [UInt8]) -> (fields: [(name: String, value: String, raw: String)], body: [UInt8]) {
        var fields: [(String, String, String)] = []
        var i = 0
        var lineStart = 0
        var headerLines: [String] = []
        while i + 1 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 {
                let line = string(Array(bytes[lineStart..<i]))
                i += 2
                lineStart = i
                if line.isEmpty { break }
                headerLines.append(line)
                continue
            }
            i += 1
        }
        var current: [String] = []
        func flush() {
            guard !current.isEmpty else { return }
            let raw = current.joined(separator: "\r\n")
            let unfolded = current.joined()
            let colon = unfolded.firstIndex(of: ":")!
            let name = String(unfolded[..<colon])
            let value = String(unfolded[unfolded.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            fields.append((name, value, raw))
            current = []
        }
        for line in headerLines {
            if line.first == " " || line.first == "\t" { current.append(line) } else { flush(); current = [line] }
        }
        flush()
        return (fields, Array(bytes[min(lineStart, bytes.count)...]))
    }

    static func field(_ bytes: [UInt8], _ name: String) -> String? {
        split(bytes).fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    static func base64(_ text: String) -> [UInt8] {
        Array(Data(base64Encoded: text, options: .ignoreUnknownCharacters) ?? Data())
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    /// RFC 2045 §6.7 decoding (strict enough for checking a writer).
    static func quotedPrintable(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "=") {
                if i + 2 < bytes.count && bytes[i + 1] == 13 && bytes[i + 2] == 10 { i += 3; continue }
                if i + 2 < bytes.count, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                    out.append(h << 4 | l); i += 3; continue
                }
                Issue.record("bad QP escape at \(i)")
            }
            out.append(b); i += 1
        }
        return out
    }

    /// RFC 2047 decoding of UTF-8 words; white space between adjacent encoded words dropped.
    static func decodeWords(_ value: String) -> String {
        var result: [UInt8] = []
        var pendingSpace: [UInt8] = []
        var lastWasEncoded = false
        let tokens = HeaderFolder.tokenize(value)
        for token in tokens {
            if token.isSpace { pendingSpace = Array(token.text.utf8); continue }
            let t = token.text
            let upper = t.uppercased()
            if t.hasPrefix("=?") && t.hasSuffix("?=") && (upper.hasPrefix("=?UTF-8?B?") || upper.hasPrefix("=?UTF-8?Q?")) {
                let payload = Array(t.utf8.dropFirst(10).dropLast(2))
                let decoded: [UInt8]
                if upper.hasPrefix("=?UTF-8?B?") {
                    decoded = base64(string(payload))
                } else {
                    decoded = quotedPrintable(payload.map { $0 == UInt8(ascii: "_") ? 32 : $0 })
                }
                if !lastWasEncoded { result += pendingSpace }
                result += decoded
                lastWasEncoded = true
            } else {
                result += pendingSpace
                result += Array(t.utf8)
                lastWasEncoded = false
            }
            pendingSpace = []
        }
        result += pendingSpace
        return string(result)
    }

    /// RFC 2231 percent decoding of an extended value without its charset'' prefix.
    static func percentDecode(_ value: String) -> [UInt8] {
        let u = Array(value.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%"), i + 2 < u.count, let h = hexValue(u[i + 1]), let l = hexValue(u[i + 2]) {
                out.append(h << 4 | l); i += 3
            } else {
                out.append(u[i]); i += 1
            }
        }
        return out
    }

    /// The `filename` of a Content-Disposition value: quoted, RFC 2231 single or continued.
    static func filename(fromDisposition value: String) -> String? {
        var plain: String?
        var pieces: [Int: String] = [:]
        for raw in value.split(separator: ";").dropFirst() {
            let param = raw.trimmingCharacters(in: .whitespaces)
            guard let eq = param.firstIndex(of: "=") else { continue }
            let key = String(param[..<eq]).lowercased()
            var val = String(param[param.index(after: eq)...])
            if key == "filename" {
                val = String(val.dropFirst().dropLast())
                plain = val
            } else if key == "filename*" {
                pieces[0] = val
            } else if key.hasPrefix("filename*"), key.hasSuffix("*"),
                      let n = Int(key.dropFirst("filename*".count).dropLast()) {
                pieces[n] = val
            }
        }
        if pieces.isEmpty { return plain }
        var joined = (0..<pieces.count).compactMap { pieces[$0] }.joined()
        guard joined.hasPrefix("UTF-8''") else { return nil }
        joined.removeFirst(7)
        return string(percentDecode(joined))
    }
}

// MARK: - Encoder tests

@Suite("Encoders")
struct EncodingTests {
    typealias S = BuilderTestSupport

    @Test("Base64: RFC 4648 §10 vectors")
    func base64Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==",
                       "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (input, expected) in vectors {
            #expect(S.string(Base64Writer.encode(Array(input.utf8))) == expected)
        }
    }

    @Test("Base64 lines: 76 characters, CRLF, decodes back", arguments: [0, 1, 56, 57, 58, 1000, 100_003])
    func base64Lines(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let data = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let encoded = Base64Writer.encodeLines(data)
        let lines = S.lines(encoded)
        #expect(lines.last == [], "ends in CRLF or is empty")
        #expect(lines.dropLast().allSatisfy { $0.count <= 76 && !$0.isEmpty })
        #expect(lines.dropLast().dropLast().allSatisfy { $0.count == 76 })
        #expect(S.base64(S.string(encoded)) == data)
    }

    @Test("QP: escapes, trailing white space, hard and soft breaks")
    func quotedPrintableBasics() {
        #expect(S.string(QuotedPrintableWriter.encodeText(Array("a=b\r\n".utf8))) == "a=3Db\r\n")
        #expect(S.string(QuotedPrintableWriter.encodeText(Array("end \r\nx\t\r\n".utf8))) == "end=20\r\nx=09\r\n")
        #expect(S.string(QuotedPrintableWriter.encodeText(Array("no newline".utf8))) == "no newline=\r\n")
        #expect(S.string(QuotedPrintableWriter.encodeText(Array("é\n".utf8))) == "=C3=A9\r\n")
        #expect(QuotedPrintableWriter.encodeText([UInt8]()) == [])
        // 76 characters exactly fit before a hard break; 77 need a soft break.
        let s76 = String(repeating: "x", count: 76)
        #expect(S.string(QuotedPrintableWriter.encodeText(Array((s76 + "\r\n").utf8))) == s76 + "\r\n")
        let s77 = String(repeating: "x", count: 77)
        #expect(S.string(QuotedPrintableWriter.encodeText(Array((s77 + "\r\n").utf8)))
            == String(repeating: "x", count: 75) + "=\r\nxx\r\n")
    }

    @Test("QP: random text, lines ≤ 76, no split escape, decodes back exactly", arguments: 0..<40)
    func quotedPrintableRandom(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &* 7919)
        let alphabet: [UInt8] = Array("ab =\t.\r\n".utf8) + [0x00, 0x7F, 0xC3, 0xE4, 0xFF]
        let count = Int.random(in: 0...600, using: &rng)
        var input = (0..<count).map { _ in alphabet.randomElement(using: &rng)! }
        if seed % 3 == 0 { input += Array(String(repeating: "é", count: 100).utf8) }
        let encoded = QuotedPrintableWriter.encodeText(input)
        for line in S.lines(encoded).dropLast() {
            #expect(line.count <= 76)
            #expect(line.last != 32 && line.last != 9, "no trailing white space")
            #expect(line.allSatisfy { $0 >= 32 && $0 < 127 || $0 == 9 })
        }
        let decoded = S.quotedPrintable(encoded)
        // Line breaks come back as CRLF; compare with the input's canonical form.
        var canonical: [UInt8] = []
        var i = 0
        while i < input.count {
            if input[i] == 13 { canonical += [13, 10]; if i + 1 < input.count && input[i + 1] == 10 { i += 1 } }
            else if input[i] == 10 { canonical += [13, 10] } else { canonical.append(input[i]) }
            i += 1
        }
        #expect(decoded == canonical)
    }

    @Test("Encoded words: B for Chinese, Q for Latin, ≤ 75 characters, whole characters")
    func encodedWords() {
        #expect(EncodedWordWriter.encode("你好") == ["=?UTF-8?B?5L2g5aW9?="])
        #expect(EncodedWordWriter.encode("Café au lait") == ["=?UTF-8?Q?Caf=C3=A9_au_lait?="])
        let samples = [String(repeating: "会议纪要", count: 40), String(repeating: "會議紀要", count: 40),
                       String(repeating: "🎉👍🏽", count: 30), String(repeating: "naïve approach to everything ", count: 10),
                       "a" + String(repeating: "é", count: 100)]
        for text in samples {
            let words = EncodedWordWriter.encode(text)
            #expect(words.count > 1)
            var joined: [UInt8] = []
            for word in words {
                #expect(word.utf8.count <= 75)
                let decoded = Array(S.decodeWords(word).utf8)
                #expect(String(validating: decoded, as: UTF8.self) != nil, "a word holds whole UTF-8 characters")
                joined += decoded
            }
            #expect(S.string(joined) == text)
            #expect(S.decodeWords(words.joined(separator: " ")) == text)
        }
        #expect(EncodedWordWriter.encode(samples[0])[0].hasPrefix("=?UTF-8?B?"))
        #expect(EncodedWordWriter.encode(samples[3])[0].hasPrefix("=?UTF-8?Q?"))
    }

    @Test("Unstructured: plain ASCII stays, folding at spaces keeps lines ≤ 78 and unfolds exactly")
    func unstructuredFolding() {
        var f = HeaderFolder(name: "Subject")
        f.appendUnstructured("Weekly recap")
        #expect(S.string(f.bytes) == "Subject: Weekly recap\r\n")

        let long = (0..<300).map { "word\($0)" }.joined(separator: " ")
        var g = HeaderFolder(name: "Subject")
        g.appendUnstructured(long)
        let lines = S.lines(g.bytes).dropLast()
        #expect(lines.count > 10)
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(S.field(g.bytes + [13, 10], "Subject") == long)
        #expect(!S.string(g.bytes).contains("=?"), "ASCII words are not encoded")
    }

    @Test("Unstructured: what must be encoded is, and decodes back exactly", arguments: [
        "  leading and trailing  ", "会议 纪要 recap", "a =?utf-8?q?fake?= b", "tab\there", "x" + String(repeating: " ", count: 100) + "y",
        String(repeating: "z", count: 2_000), "   ", "emoji 🎉 mid", "ctl\u{1}char", "中文 English 繁體",
    ])
    func unstructuredEncoding(value: String) {
        var f = HeaderFolder(name: "Subject")
        f.appendUnstructured(value)
        let bytes = f.bytes + [13, 10]
        S.expectWellFormedLines(bytes)
        #expect(S.lines(bytes).allSatisfy { $0.count <= 78 })
        #expect(S.lines(bytes).allSatisfy { $0.allSatisfy { $0 < 0x80 } }, "7-bit header")
        let raw = S.split(bytes).fields[0].raw
        let unfolded = String(raw.replacingOccurrences(of: "\r\n", with: "").dropFirst("Subject: ".count))
        #expect(S.decodeWords(unfolded) == value)
    }

    @Test("RFC 2231 filename: plain, extended, continued; decodes back", arguments: [
        "report.pdf", "会议纪要.pdf", "a \"quoted\" \\back\\slash.txt", String(repeating: "會議紀要", count: 30) + ".docx",
        String(repeating: "long-ascii-name-", count: 20) + ".csv", "=?utf-8?q?x?=.txt", "tab\tname.txt",
    ])
    func filenames(name: String) {
        var f = HeaderFolder(name: "Content-Disposition")
        f.append("attachment")
        ParameterWriter.appendFilename(name, to: &f)
        let bytes = f.bytes
        #expect(S.lines(bytes).allSatisfy { $0.count <= 78 && $0.allSatisfy { $0 < 0x80 } })
        let value = S.split(bytes + [13, 10]).fields[0].value
        #expect(S.filename(fromDisposition: value) == name)
        if name.utf8.count > 60 { #expect(value.contains("filename*1*=")) }
        if name.contains("\"") { #expect(value.contains("filename*=UTF-8''a%20%22quoted%22%20%5Cback%5Cslash.txt")) }

        var t = HeaderFolder(name: "Content-Type")
        t.append("application/pdf")
        ParameterWriter.appendName(name, to: &t)
        let tv = S.split(t.bytes + [13, 10]).fields[0].value
        let start = tv.range(of: "name=\"")!.upperBound
        #expect(S.decodeWords(String(tv[start...].dropLast())) == name)
    }

    @Test("Date: RFC 5322 §3.3 with the offset, English names")
    func dates() {
        #expect(DateHeaderWriter.format(Date(timeIntervalSince1970: 0), offsetSeconds: 0) == "Thu, 1 Jan 1970 00:00:00 +0000")
        // 2026-11-23T10:21:53Z
        let d = Date(timeIntervalSince1970: 1_795_429_313)
        #expect(DateHeaderWriter.format(d, offsetSeconds: 8 * 3600) == "Mon, 23 Nov 2026 18:21:53 +0800")
        #expect(DateHeaderWriter.format(d, offsetSeconds: -(10 * 3600 + 30 * 60)) == "Sun, 22 Nov 2026 23:51:53 -1030")
        #expect(DateHeaderWriter.format(d, offsetSeconds: 5 * 3600 + 45 * 60) == "Mon, 23 Nov 2026 16:06:53 +0545")
        // 2024-02-29T23:59:59.9Z (leap day; fractions are cut)
        #expect(DateHeaderWriter.format(Date(timeIntervalSince1970: 1_709_251_199.9), offsetSeconds: 0)
            == "Thu, 29 Feb 2024 23:59:59 +0000")
        #expect(DateHeaderWriter.format(Date(timeIntervalSince1970: -1), offsetSeconds: 0) == "Wed, 31 Dec 1969 23:59:59 +0000")
        // An offset RFC 5322 cannot write falls back to +0000, same instant.
        #expect(DateHeaderWriter.format(d, offsetSeconds: 30 * 3600) == "Mon, 23 Nov 2026 10:21:53 +0000")
    }

    @Test("Display names: atoms, quoted strings, encoded words")
    func displayNames() {
        func write(_ name: String?) -> String {
            var f = HeaderFolder(name: "To")
            AddressWriter.append([Address(name: name, address: "a@example.com")], to: &f)
            return S.string(f.bytes)
        }
        #expect(write("Zhang San") == "To: Zhang San <a@example.com>\r\n")
        #expect(write("Doe, John") == "To: \"Doe, John\" <a@example.com>\r\n")
        #expect(write("Say \"hi\" \\o/") == "To: \"Say \\\"hi\\\" \\\\o/\" <a@example.com>\r\n")
        #expect(write("张三") == "To: =?UTF-8?B?5byg5LiJ?= <a@example.com>\r\n")
        #expect(write(nil) == "To: a@example.com\r\n")
        #expect(write("") == "To: a@example.com\r\n")
        // Text that looks like an encoded word is itself encoded, so it reads back literally.
        #expect(write("=?utf-8?q?x?=") == "To: =?UTF-8?B?PT91dGYtOD9xP3g/PQ==?= <a@example.com>\r\n")
    }

    @Test("Address checks", arguments: [
        ("a@example.com", true), ("first.last+tag@sub.example.co", true), ("x@[192.0.2.1]", true),
        ("no-at.example.com", false), ("a@b@c", false), ("a b@example.com", false), ("<a@example.com>", false),
        ("a@example.com>", false), ("a,b@example.com", false), ("@example.com", false), ("a@", false),
        (".a@example.com", false), ("a..b@example.com", false), ("张@example.com", false),
        ("\"q\"@example.com", false), ("a@exa mple.com", false), ("a;b@example.com", false),
    ])
    func addressChecks(address: String, valid: Bool) {
        #expect((AddressWriter.check(Address(name: nil, address: address)) == nil) == valid)
    }
}
