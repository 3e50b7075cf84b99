import Foundation
import LiaisonCore
@testable import LiaisonXLSX
import Testing

/// The XLSX writer's per-cell helpers over bytes (issue 15: the export's hot loop) against their
/// plain definitions over Unicode scalars, and the workbook's deflate level (Sources/CXLSXDeflate).
@Suite("XLSX cells: widths, clean text, deflate level")
struct FollowUpXLSXCellTests {
    /// Excel width by scalars, as the writer measured it before it read bytes.
    static func scalarWidth(_ s: String) -> Int {
        var widest = 0, line = 0
        for u in s.unicodeScalars {
            let v = u.value
            if v == 0x0A { widest = max(widest, line); line = 0; continue }
            line += FollowUpXLSX.isWide(v) ? 2 : 1
        }
        return max(widest, line)
    }

    /// Clean by definition: no control character but tab and line feed, no DEL, no U+FFFE/U+FFFF.
    static func scalarClean(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { u in
            let v = u.value
            return !((v < 0x20 && v != 0x09 && v != 0x0A) || v == 0x7F || v == 0xFFFE || v == 0xFFFF)
        }
    }

    static let samples: [String] = [
        "", "EC202611-000001", "client0.example / buyer0@client0.example", "客户投诉",
        "①第1项：更换设备并回访（王芳，11月2日02:00，逾期办结）\n②第2项：更换设备并回访（王芳，11月3日02:00，已办结）",
        "mixed 中文 and English\nsecond line longer than the first one", "한국어 텍스트", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
        "emoji 😀 and 𠀋 (plane 2)", "é à ü ß — “quotes”", "tab\there", "bell\u{07}", "del\u{7F}", "nonchar \u{FFFE}",
        "nonchar \u{FFFF}", "replacement \u{FFFD} is fine", "\u{EF}\u{BF}", "=HYPERLINK(\"http://evil\",\"点此\")",
        "line\r\nwith CR", String(repeating: "长", count: 40), "\n\n\n", "ﾊﾝｶｸ half-width katakana",
    ]

    @Test func widthsAreThoseOfTheScalarDefinition() {
        for s in Self.samples { #expect(FollowUpXLSX.width(s) == Self.scalarWidth(s), "\(s.debugDescription)") }
        // Random strings over a mix of ASCII, Latin, CJK, Hangul, fullwidth and astral scalars.
        var rng = SystemRandomNumberGenerator()
        let pool: [ClosedRange<UInt32>] = [0x20...0x7E, 0x0A...0x0A, 0xA0...0x7FF, 0x800...0x10FF, 0x1100...0x115F,
                                           0x3000...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF, 0x1F300...0x1F6FF, 0x20000...0x2A6DF]
        for _ in 0..<2_000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                let r = pool.randomElement(using: &rng)!
                if let u = Unicode.Scalar(UInt32.random(in: r, using: &rng)) { s.append(u) }
            }
            let str = String(s)
            #expect(FollowUpXLSX.width(str) == Self.scalarWidth(str), "\(str.debugDescription)")
        }
    }

    @Test func cleanTextIsThatOfTheScalarDefinition() {
        for s in Self.samples {
            #expect(FollowUpXLSX.isClean(s.utf8) == Self.scalarClean(s), "\(s.debugDescription)")
            let clean = FollowUpXLSX.sanitized(s)
            #expect(Self.scalarClean(clean), "\(s.debugDescription)")
            if Self.scalarClean(s) { #expect(clean == s) }
        }
        var rng = SystemRandomNumberGenerator()
        let pool: [ClosedRange<UInt32>] = [0x00...0x20, 0x7E...0x80, 0xFFF0...0xFFFF, 0x4E00...0x4E10, 0x41...0x5A]
        for _ in 0..<2_000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                if let u = Unicode.Scalar(UInt32.random(in: pool.randomElement(using: &rng)!, using: &rng)) { s.append(u) }
            }
            let str = String(s)
            #expect(FollowUpXLSX.isClean(str.utf8) == Self.scalarClean(str), "\(str.debugDescription)")
        }
        // A bridged (non-native) string takes the copying path: same answer.
        let bridged = NSString(string: "bridged \u{07} 文本") as String
        #expect(FollowUpXLSX.isClean(bridged.utf8) == false)
        #expect(FollowUpXLSX.width(NSString(string: "宽 wide") as String) == 7)
    }

    /// Every deflated part of a workbook goes through Sources/CXLSXDeflate at level 3; the
    /// workbook stays a valid zip whose parts inflate back (openpyxl reads it in ExportCommandTests).
    @Test func workbookPartsAreDeflatedAtTheChosenLevel() throws {
        #expect(FollowUpXLSX.deflateLevel == 3)
        let before = FollowUpXLSX.deflatedParts
        let tz = TimeZone(identifier: "Asia/Shanghai")!
        let table = FollowUpTable.make([], names: [:], timeZone: tz, asOf: Date())
        let bytes = try FollowUpXLSX.render(table, timeZone: tz)
        #expect(bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        // libxlsxwriter writes ten parts for a two-sheet workbook; each one came through here.
        #expect(FollowUpXLSX.deflatedParts - before >= 9, "the deflate level is not applied: libxlsxwriter's zip calls do not reach Sources/CXLSXDeflate")
    }
}
