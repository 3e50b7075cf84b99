import Foundation
import Testing
@testable import LiaisonMail

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }


private func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

@Suite struct Base64Tests {
    @Test(arguments: [("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"),
                      ("Zm9vYmE=", "fooba"), ("Zm9vYmFy", "foobar")])
    func rfc4648Vectors(encoded: String, plain: String) {
        let result = TransferDecoding.base64(bytes(encoded))
        #expect(result.bytes == bytes(plain))
        #expect(!result.damaged)
    }

    @Test func chinese() {
        #expect(TransferDecoding.base64(bytes("5Lit5paH")).bytes == bytes("中文"))
        // From the corpus: "张伟" in GB2312.
        #expect(TransferDecoding.base64(bytes("1cXOsA==")).bytes == [0xD5, 0xC5, 0xCE, 0xB0])
    }

    @Test func whitespaceAnywhereIsNotDamage() {
        for encoded in ["Zm9v\r\nYmFy", " Zm9vYmFy\r\n", "Z m 9 v\tY\nm\rF y", "Zm9vYg=\r\n=", "\r\n\r\n"] {
            let result = TransferDecoding.base64(bytes(encoded))
            #expect(!result.damaged, "\(encoded.debugDescription)")
        }
        #expect(TransferDecoding.base64(bytes("Z m 9 v\tY\nm\rF y")).bytes == bytes("foobar"))
        #expect(TransferDecoding.base64(bytes("Zm9vYg=\r\n=")).bytes == bytes("foob"))
    }

    @Test func charactersOutsideTheAlphabetAreSkipped() {
        let result = TransferDecoding.base64(bytes("Zm9v*Ym-Fy!"))
        #expect(result.bytes == bytes("foobar"))
        #expect(result.damaged)
        let high = TransferDecoding.base64([0x5A, 0x6D, 0xFF, 0x39, 0x76])
        #expect(high.bytes == bytes("foo"))
        #expect(high.damaged)
    }

    @Test func missingPadding() {
        let two = TransferDecoding.base64(bytes("Zg"))
        #expect(two.bytes == bytes("f"))
        #expect(two.damaged)
        let three = TransferDecoding.base64(bytes("Zm9vYmE"))
        #expect(three.bytes == bytes("fooba"))
        #expect(three.damaged)
        let half = TransferDecoding.base64(bytes("Zg="))
        #expect(half.bytes == bytes("f"))
        #expect(half.damaged)
    }

    @Test func extraPaddingAndDataAfterPadding() {
        let extra = TransferDecoding.base64(bytes("Zg===="))
        #expect(extra.bytes == bytes("f"))
        #expect(extra.damaged)
        let fullGroupPad = TransferDecoding.base64(bytes("Zm9v="))
        #expect(fullGroupPad.bytes == bytes("foo"))
        #expect(fullGroupPad.damaged)
        // Two bodies concatenated: both are decoded.
        let concatenated = TransferDecoding.base64(bytes("Zg==\r\nZm8="))
        #expect(concatenated.bytes == bytes("ffo"))
        #expect(concatenated.damaged)
    }

    @Test func loneTrailingCharacter() {
        let result = TransferDecoding.base64(bytes("Zm9vY"))
        #expect(result.bytes == bytes("foo"))
        #expect(result.damaged)
        let lonePad = TransferDecoding.base64(bytes("Zm9vY="))
        #expect(lonePad.bytes == bytes("foo"))
        #expect(lonePad.damaged)
        let onlyPad = TransferDecoding.base64(bytes("="))
        #expect(onlyPad.bytes == [])
        #expect(onlyPad.damaged)
    }

    @Test func randomRoundTripsThroughFoundation() {
        var rng = SplitMix64(seed: 2045)
        for length in Array(0...70) + (0..<150).map({ _ in Int.random(in: 0...5000, using: &rng) }) {
            let original = randomBytes(length, &rng)
            let encoded = Data(original).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
            let plain = Data(original).base64EncodedString()
            let lfOnly = Data(original).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            for text in [encoded, plain, lfOnly] {
                let result = TransferDecoding.base64(Array(text.utf8))
                #expect(result.bytes == original)
                #expect(!result.damaged)
            }
        }
    }

    /// The decoder's fast path (whole groups, two a turn, CR LF stepped over) must read damaged
    /// input exactly as the byte-at-a-time rules do: random mixes of alphabet characters, padding,
    /// white space, line breaks and stray bytes, against `referenceBase64`.
    @Test func damagedInputReadAsTheByteRulesRead() {
        var rng = SplitMix64(seed: 2231)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let others: [UInt8] = [0x3D, 0x3D, 0x0D, 0x0A, 0x0D, 0x0A, 0x20, 0x09, 0x2A, 0x2D, 0x00, 0xFF, 0x80]
        for round in 0..<3_000 {
            let length = round < 200 ? round % 40 : Int.random(in: 0...600, using: &rng)
            let damage = Int.random(in: 0...3, using: &rng)   // 0: none; 1, 2, 3: one byte in 20, 10, 5 damaged
            var input: [UInt8] = []
            for k in 0..<length {
                if damage > 0, Int.random(in: 0..<(40 >> damage), using: &rng) == 0 {
                    input.append(others[Int.random(in: 0..<others.count, using: &rng)])
                } else if k % 78 == 76 {
                    input.append(0x0D)
                } else if k % 78 == 77 {
                    input.append(0x0A)
                } else {
                    input.append(alphabet[Int.random(in: 0..<64, using: &rng)])
                }
            }
            let result = TransferDecoding.base64(input)
            let expected = referenceBase64(input)
            #expect(result.bytes == expected.bytes, "\(String(decoding: input, as: UTF8.self).debugDescription)")
            #expect(result.damaged == expected.damaged, "\(String(decoding: input, as: UTF8.self).debugDescription)")
        }
    }

    @Test func nonContiguousInput() {
        let result = TransferDecoding.base64(bytes("Zm9vYmFy").lazy.map { $0 })
        #expect(result.bytes == bytes("foobar"))
    }

    @Test func largeInputThroughput() {
        var rng = SplitMix64(seed: 6)
        let original = randomBytes(1 << 20, &rng)
        let encoded = Array(Data(original).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn]).utf8)
        var result = DecodeResult(bytes: [], damaged: true)
        let elapsed = ContinuousClock().measure { result = TransferDecoding.base64(encoded) }
        #expect(result.bytes == original)
        #expect(!result.damaged)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("base64: \(Int(Double(encoded.count) / seconds / 1e6)) MB/s (this build)")
    }
}

/// The base64 rules of `TransferDecoding.base64`, one byte at a time with no fast path: white
/// space skipped; other bytes outside the alphabet skipped as damage; `=` ends a group of 2 or 3
/// sextets (1 or 2 bytes), a lone sextet is damage, an unexpected `=` is damage; data after
/// padding starts a new group (damage); a final group without its padding is decoded (damage).
private func referenceBase64(_ input: [UInt8]) -> (bytes: [UInt8], damaged: Bool) {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = [], damaged = false
    var acc: UInt32 = 0, sextets = 0, padsExpected = 0, afterPad = false
    for b in input {
        if let v = alphabet.firstIndex(of: b) {
            if afterPad { damaged = true; afterPad = false; padsExpected = 0 }
            acc = acc << 6 | UInt32(v)
            sextets += 1
            if sextets == 4 {
                out += [UInt8(truncatingIfNeeded: acc >> 16), UInt8(truncatingIfNeeded: acc >> 8), UInt8(truncatingIfNeeded: acc)]
                sextets = 0; acc = 0
            }
        } else if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A {
            continue
        } else if b == 0x3D {
            switch sextets {
            case 0: if padsExpected > 0 { padsExpected -= 1 } else { damaged = true }
            case 1: damaged = true; padsExpected = 0
            case 2: out.append(UInt8(truncatingIfNeeded: acc >> 4)); padsExpected = 1
            default:
                out += [UInt8(truncatingIfNeeded: acc >> 10), UInt8(truncatingIfNeeded: acc >> 2)]
                padsExpected = 0
            }
            sextets = 0; acc = 0; afterPad = true
        } else {
            damaged = true
        }
    }
    switch sextets {
    case 0: if padsExpected > 0 { damaged = true }
    case 1: damaged = true
    case 2: out.append(UInt8(truncatingIfNeeded: acc >> 4)); damaged = true
    default: out += [UInt8(truncatingIfNeeded: acc >> 10), UInt8(truncatingIfNeeded: acc >> 2)]; damaged = true
    }
    return (out, damaged)
}

/// A reference quoted-printable encoder (RFC 2045 §6.7), written independently of the decoder.
/// In text mode CRLF is kept as a hard line break; otherwise every CR and LF is escaped.
private func referenceQP(_ input: [UInt8], text: Bool) -> String {
    var out = ""
    var line = 0
    func emit(_ piece: String) {
        if line + piece.count > 75 {
            out += "=\r\n"
            line = 0
        }
        out += piece
        line += piece.count
    }
    var i = 0
    while i < input.count {
        let b = input[i]
        if text && b == 0x0D && i + 1 < input.count && input[i + 1] == 0x0A {
            out += "\r\n"
            line = 0
            i += 2
            continue
        }
        let atLineEnd = i + 1 == input.count || (text && input[i + 1] == 0x0D && i + 2 < input.count && input[i + 2] == 0x0A)
        if (b == 0x20 || b == 0x09) && !atLineEnd {
            emit(String(UnicodeScalar(b)))
        } else if b >= 33 && b <= 126 && b != 0x3D {
            emit(String(UnicodeScalar(b)))
        } else {
            emit(String(format: "=%02X", b))
        }
        i += 1
    }
    return out
}

@Suite struct QuotedPrintableTests {
    @Test func rfc2045SoftBreaks() {
        let encoded = "Now's the time =\r\nfor all folk to come=\r\n to the aid of their country."
        let result = TransferDecoding.quotedPrintable(bytes(encoded))
        #expect(result.bytes == bytes("Now's the time for all folk to come to the aid of their country."))
        #expect(!result.damaged)
    }

    @Test func escapesInEitherCase() {
        let result = TransferDecoding.quotedPrintable(bytes("caf=C3=A9 =3D =e4=b8=ad=E6=96=87"))
        #expect(result.bytes == bytes("café = 中文"))
        #expect(!result.damaged)
    }

    @Test func softBreakWithBareLFAndTransportWhitespace() {
        #expect(TransferDecoding.quotedPrintable(bytes("ab=\ncd")).bytes == bytes("abcd"))
        #expect(TransferDecoding.quotedPrintable(bytes("ab= \t\r\ncd")).bytes == bytes("abcd"))
        let atEnd = TransferDecoding.quotedPrintable(bytes("abc="))
        #expect(atEnd.bytes == bytes("abc"))
        #expect(!atEnd.damaged)
    }

    @Test func trailingWhitespaceRemovedLineEndsKept() {
        let result = TransferDecoding.quotedPrintable(bytes("abc  \r\ndef\t\nghi \t"))
        #expect(result.bytes == bytes("abc\r\ndef\nghi"))
        #expect(!result.damaged)
        // Whitespace inside a line, or before a soft break, is data.
        #expect(TransferDecoding.quotedPrintable(bytes("a  b =\r\nc")).bytes == bytes("a  b c"))
        #expect(TransferDecoding.quotedPrintable(bytes("one\r\ntwo\nthree\r\n")).bytes == bytes("one\r\ntwo\nthree\r\n"))
    }

    @Test func badEscapesKeptLiterally() {
        let zz = TransferDecoding.quotedPrintable(bytes("a=ZZb"))
        #expect(zz.bytes == bytes("a=ZZb"))
        #expect(zz.damaged)
        let half = TransferDecoding.quotedPrintable(bytes("x=4"))
        #expect(half.bytes == bytes("x=4"))
        #expect(half.damaged)
        let spaceThenText = TransferDecoding.quotedPrintable(bytes("1 = 2"))
        #expect(spaceThenText.bytes == bytes("1 = 2"))
        #expect(spaceThenText.damaged)
        let oneHex = TransferDecoding.quotedPrintable(bytes("=4G=41"))
        #expect(oneHex.bytes == bytes("=4GA"))
        #expect(oneHex.damaged)
    }

    @Test func randomRoundTrips() {
        var rng = SplitMix64(seed: 2047)
        for _ in 0..<200 {
            let length = Int.random(in: 0...3000, using: &rng)
            let binary = randomBytes(length, &rng)
            let decoded = TransferDecoding.quotedPrintable(Array(referenceQP(binary, text: false).utf8))
            #expect(decoded.bytes == binary)
            #expect(!decoded.damaged)
            // Text: printable ASCII, spaces, tabs and CRLF line breaks (trailing spaces included).
            let alphabet: [UInt8] = Array("ab =\t\r\n中".utf8) + [0x0D, 0x0A, 0x20]
            var text = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
            text.removeAll { $0 == 0x0D || $0 == 0x0A }
            for index in stride(from: 0, to: text.count, by: 37).reversed() { text.insert(contentsOf: [0x0D, 0x0A], at: index) }
            let decodedText = TransferDecoding.quotedPrintable(Array(referenceQP(text, text: true).utf8))
            #expect(decodedText.bytes == text)
        }
    }

    @Test func largeInputThroughput() {
        var rng = SplitMix64(seed: 7)
        let original = randomBytes(256 << 10, &rng)
        let encoded = Array(referenceQP(original, text: false).utf8)
        var result = DecodeResult(bytes: [], damaged: true)
        let elapsed = ContinuousClock().measure { result = TransferDecoding.quotedPrintable(encoded) }
        #expect(result.bytes == original)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("quoted-printable: \(Int(Double(encoded.count) / seconds / 1e6)) MB/s (this build)")
    }
}

@Suite struct QEncodedWordTests {
    @Test func rfc2047Examples() {
        // =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=
        let result = TransferDecoding.qEncodedWord(bytes("Keld_J=F8rn_Simonsen"))
        #expect(result.bytes == Array("Keld J".utf8) + [0xF8] + Array("rn Simonsen".utf8))
        #expect(!result.damaged)
        #expect(TransferDecoding.qEncodedWord(bytes("a_b=3F=5f")).bytes == bytes("a b?_"))
    }

    @Test func chineseUTF8() {
        let result = TransferDecoding.qEncodedWord(bytes("=E4=BC=9A=E8=AE=AE_=E7=BA=AA=E8=A6=81"))
        #expect(result.bytes == bytes("会议 纪要"))
    }

    @Test func badEscapes() {
        let bad = TransferDecoding.qEncodedWord(bytes("a=Z1_b="))
        #expect(bad.bytes == bytes("a=Z1 b="))
        #expect(bad.damaged)
        #expect(TransferDecoding.qEncodedWord(bytes("")).bytes == [])
    }
}
