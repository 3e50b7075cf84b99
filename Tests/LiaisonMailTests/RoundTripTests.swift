import Foundation
import Testing
@testable import LiaisonMail

/// What the builder writes, the parser reads back to the same values. These tests need the real
/// `MessageParser` (and the address, encoded-word, transfer and charset decoders) and fail while
/// those are stubs.
@Suite("Round trip")
struct RoundTripTests {
    static let date = Date(timeIntervalSince1970: 1_795_429_313)

    /// One builder input with a label for the test report.
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var builder: MessageBuilder
        var testDescription: String { label }
    }

    /// The text as `Message.text` presents a text/plain body: LF line ends, white space cut from
    /// line ends, no leading or trailing blank lines (the parser's readable-text normalisation).
    static func readable(_ s: String) -> String {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousCR = false
        for scalar in s.unicodeScalars {
            if scalar == "\n" && previousCR { previousCR = false; continue }  // CRLF is one break
            previousCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = .init()
                continue
            }
            current.append(scalar)
        }
        lines.append(String(current))
        lines = lines.map { line in
            var scalars = line.unicodeScalars[...]
            while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
            return String(String.UnicodeScalarView(scalars))
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    static func same(_ parsed: [Address], _ given: [Address]) -> Bool {
        parsed.count == given.count && zip(parsed, given).allSatisfy { p, g in
            p.address == g.address && (p.name ?? "") == (g.name ?? "")
        }
    }

    static func bracketed(_ id: String) -> String {
        var s = Substring(id)
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        return "<\(s)>"
    }

    /// Build, parse, compare every value the builder was given.
    static func check(_ builder: MessageBuilder, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var rng = SplitMix64(seed: seed)
        let built = try builder.buildMessage(using: &rng)
        let m = MessageParser.parse(built.bytes)
        #expect(m.subject == builder.subject, sourceLocation: sourceLocation)
        #expect(same(m.from, [builder.from]), "from \(m.from)", sourceLocation: sourceLocation)
        #expect(same(m.to, builder.to), "to \(m.to)", sourceLocation: sourceLocation)
        #expect(same(m.cc, builder.cc), "cc \(m.cc)", sourceLocation: sourceLocation)
        #expect(m.messageID == "<\(built.messageID)>", sourceLocation: sourceLocation)
        #expect(m.inReplyTo == (builder.inReplyTo.map { [bracketed($0)] } ?? []), sourceLocation: sourceLocation)
        #expect(m.references == builder.references.map(bracketed), sourceLocation: sourceLocation)
        if let text = builder.textBody {
            #expect(m.text == readable(text), sourceLocation: sourceLocation)
        }
        let expected = builder.attachments.map {
            Attachment(filename: $0.filename, contentType: $0.contentType.lowercased(), size: $0.data.count)
        }
        #expect(m.attachments == expected, sourceLocation: sourceLocation)
        #expect(m.header["Bcc"] == nil, sourceLocation: sourceLocation)
    }

    static func make(_ subject: String, from: Address, to: [Address], text: String?) -> MessageBuilder {
        var b = MessageBuilder(from: from, to: to, subject: subject)
        b.date = date
        b.utcOffsetSeconds = 8 * 3600
        b.textBody = text
        return b
    }

    static let fixedCases: [Case] = {
        var cases: [Case] = []
        var ascii = make("Weekly recap: project status", from: Address(name: "Liaison Bot", address: "liaison@example.com"),
                         to: [Address(name: "John Doe", address: "john@example.com")], text: "Hello John,\n\nSee below.\n")
        ascii.cc = [Address(name: "Doe, Jane \"JD\"", address: "jane@example.com"), Address(name: nil, address: "x@example.org")]
        ascii.inReplyTo = "CAF1234@mail.example.com"
        ascii.references = ["<root@example.com>", "CAF1234@mail.example.com"]
        ascii.attachments = [OutgoingAttachment(filename: "report.pdf", contentType: "application/pdf", data: Array(repeating: 1, count: 1234))]
        cases.append(Case(label: "ASCII", builder: ascii))

        var simplified = make("回复：本周会议纪要（第 47 周）", from: Address(name: "联络助手", address: "liaison@example.cn"),
                              to: [Address(name: "张三", address: "zhangsan@example.cn"), Address(name: "欧阳娜娜", address: "oy@example.cn")],
                              text: "各位好：\n\n本周会议纪要如下：\n一、项目进度正常；\n二、下周五前请确认交付日期。\n\n谢谢！")
        simplified.htmlBody = "<p>各位好：</p><p>本周会议纪要如下。</p>"
        simplified.attachments = [OutgoingAttachment(filename: "会议纪要 2026-11-23.docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data: Array(repeating: 9, count: 4567))]
        cases.append(Case(label: "Simplified Chinese", builder: simplified))

        var traditional = make("回覆：會議紀要與後續事項", from: Address(name: "聯絡助理", address: "liaison@example.tw"),
                               to: [Address(name: "陳大文", address: "chan@example.hk")], text: "各位好，\n請於週五前回覆。\n謝謝")
        traditional.cc = [Address(name: "李小龍 (Bruce)", address: "lee@example.hk")]
        traditional.attachments = [OutgoingAttachment(filename: "會議紀要.pdf", contentType: "application/pdf", data: [1, 2, 3])]
        cases.append(Case(label: "Traditional Chinese", builder: traditional))

        var emoji = make("🎉 Launch done 👍🏽 — 谢谢 🇨🇳", from: Address(name: "Bot 🤖", address: "bot@example.com"),
                         to: [Address(name: "Ana Ünal", address: "ana@example.de")], text: "Great work 🎉\nNext: 🚀")
        emoji.attachments = [OutgoingAttachment(filename: "😀 smile.png", contentType: "image/png", data: Array(repeating: 0xFF, count: 77))]
        cases.append(Case(label: "Emoji", builder: emoji))

        let longWords = (0..<800).map { "word\($0)" }.joined(separator: " ")
        var long = make(String(repeating: "会议纪要", count: 1000) + " " + String(repeating: "x", count: 3000) + " " + longWords,
                        from: Address(name: String(repeating: "欧阳", count: 200), address: "oy@example.cn"),
                        to: (0..<50).map { Address(name: "Person \($0) 人", address: "p\($0)@example.com") },
                        text: String(repeating: "a", count: 100_000) + "\n" + String(repeating: "中文", count: 20_000))
        long.references = (0..<100).map { "ref\($0)@example.com" }
        long.attachments = [OutgoingAttachment(filename: String(repeating: "附件", count: 200) + ".pdf", contentType: "application/pdf", data: Array(repeating: 3, count: 300_000))]
        cases.append(Case(label: "Long values", builder: long))

        let tricky = make("  =?utf-8?q?not_encoded?= \"quoted\" (comment) <angle> ; trailing  ", from: Address(name: "a\\b \"c\"", address: "a@example.com"),
                          to: [Address(name: "=?utf-8?q?x?=", address: "b@example.com")], text: "=?utf-8?q?x?=\n--not-a-boundary\n.\nFrom me\n")
        cases.append(Case(label: "Look-alikes", builder: tricky))
        return cases
    }()

    @Test("Fixed cases", arguments: fixedCases)
    func fixed(_ c: Case) throws {
        try Self.check(c.builder, seed: 7)
    }

    // MARK: - Random

    static let pools: [[String]] = [
        (33...126).map { String(UnicodeScalar(UInt8($0))) },
        ["会", "议", "纪", "要", "项", "目", "进", "度", "请", "回", "复", "谢", "，", "。", "：", "（", "）"],
        ["會", "議", "紀", "項", "進", "週", "覆", "謝", "與", "後", "續", "「", "」"],
        ["🎉", "👍🏽", "😀", "🇨🇳", "🚀", "❤️"],
        ["é", "ü", "ñ", "ç", "ß", "Å", "ø", "—", "€", "™"],
        ["=?", "?=", "=?utf-8?q?", "_", "=", "\\", "\""],
    ]

    static func word<R: RandomNumberGenerator>(_ rng: inout R, maxLength: Int) -> String {
        let n = Int.random(in: 1...max(1, maxLength), using: &rng)
        let weights = [0, 0, 0, 1, 1, 2, 3, 4, 5]
        return (0..<n).map { _ in pools[weights.randomElement(using: &rng)! % pools.count].randomElement(using: &rng)! }.joined()
    }

    /// Words joined by single spaces (by tabs or runs of spaces when `loose`).
    static func phrase<R: RandomNumberGenerator>(_ rng: inout R, words: Int, wordLength: Int, loose: Bool) -> String {
        let count = Int.random(in: 1...max(1, words), using: &rng)
        var s = ""
        for i in 0..<count {
            if i > 0 {
                s += loose ? [" ", " ", " ", "  ", "\t"].randomElement(using: &rng)! : " "
            }
            s += word(&rng, maxLength: wordLength)
        }
        if loose && Int.random(in: 0..<10, using: &rng) == 0 { s = " " + s + "  " }
        return s
    }

    static func address<R: RandomNumberGenerator>(_ rng: inout R) -> Address {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let local = String((0..<Int.random(in: 1...20, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
        let extra = ["", ".x", "+tag", "_u", "-v"].randomElement(using: &rng)!
        let domain = ["example.com", "mail.example.cn", "sub.example.co.uk", "example.hk"].randomElement(using: &rng)!
        let name: String? = Int.random(in: 0..<4, using: &rng) == 0
            ? nil : phrase(&rng, words: 4, wordLength: Int.random(in: 1...30, using: &rng), loose: false)
        return Address(name: name, address: local + extra + "@" + domain)
    }

    static func randomBuilder(seed: UInt64) -> MessageBuilder {
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D)
        let subject = phrase(&rng, words: Int.random(in: 0...60, using: &rng), wordLength: Int.random(in: 1...120, using: &rng), loose: true)
        var b = make(subject, from: address(&rng), to: (0..<Int.random(in: 1...5, using: &rng)).map { _ in address(&rng) }, text: nil)
        b.cc = (0..<Int.random(in: 0...4, using: &rng)).map { _ in address(&rng) }
        if Bool.random(using: &rng) { b.inReplyTo = "\(UInt64.random(in: 0...UInt64.max, using: &rng))@example.com" }
        b.references = (0..<Int.random(in: 0...6, using: &rng)).map { i in
            let id = "r\(i).\(UInt32.random(in: 0...UInt32.max, using: &rng))@ex.example"
            return Bool.random(using: &rng) ? "<\(id)>" : id
        }
        if Int.random(in: 0..<8, using: &rng) > 0 {
            b.textBody = (0..<Int.random(in: 1...30, using: &rng)).map { _ in
                phrase(&rng, words: 20, wordLength: 15, loose: true)
            }.joined(separator: "\n") + (Bool.random(using: &rng) ? "\n" : "")
        }
        if Bool.random(using: &rng) || b.textBody == nil { b.htmlBody = "<p>" + phrase(&rng, words: 10, wordLength: 10, loose: false) + "</p>" }
        let types = ["application/pdf", "image/png", "application/octet-stream", "text/csv", "application/zip"]
        b.attachments = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            let name = phrase(&rng, words: 5, wordLength: Int.random(in: 1...40, using: &rng), loose: false) + ".bin"
            let data = (0..<Int.random(in: 0...5000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return OutgoingAttachment(filename: name, contentType: types.randomElement(using: &rng)!, data: data)
        }
        return b
    }

    @Test("Randomised inputs (seeded)", arguments: 0..<300)
    func randomised(seed: Int) throws {
        let b = Self.randomBuilder(seed: UInt64(seed))
        try Self.check(b, seed: UInt64(seed))
    }
}
