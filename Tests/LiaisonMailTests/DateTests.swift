import Foundation
import Testing
@testable import LiaisonMail

/// RFC 5322 §3.3 / §4.3 dates: the written form, the expected ISO 8601 in the message's own
/// offset, or nil when the value must not be read.
let dateTable: [(String, String?)] = [
    // RFC 5322 §3.3
    ("Mon, 16 Nov 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("16 Nov 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("Fri, 16 Nov 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),  // wrong weekday: ignored
    ("Fri, 6 Nov 2026 09:12:33 +0800", "2026-11-06T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12 +0800", "2026-11-16T09:12:00+08:00"),
    ("Mon, 16 Nov 2026 9:05:07 -0330", "2026-11-16T09:05:07-03:30"),
    ("Thu, 01 Jan 1970 00:00:00 +0000", "1970-01-01T00:00:00+00:00"),
    ("Wed, 31 Dec 1969 23:59:59 +0000", "1969-12-31T23:59:59+00:00"),
    // RFC 5322 §4.3 years
    ("Mon, 16 Nov 26 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("Tue, 16 Nov 99 09:12:33 -0500", "1999-11-16T09:12:33-05:00"),
    ("16 Nov 49 09:12:33 +0000", "2049-11-16T09:12:33+00:00"),
    ("16 Nov 50 09:12:33 +0000", "1950-11-16T09:12:33+00:00"),
    ("16 Nov 126 09:12:33 +0000", "2026-11-16T09:12:33+00:00"),
    // RFC 5322 §4.3 zones
    ("Mon, 16 Nov 2026 09:12:33 UT", "2026-11-16T09:12:33+00:00"),
    ("Mon, 16 Nov 2026 09:12:33 GMT", "2026-11-16T09:12:33+00:00"),
    ("Mon, 16 Nov 2026 09:12:33 EST", "2026-11-16T09:12:33-05:00"),
    ("Mon, 16 Nov 2026 09:12:33 EDT", "2026-11-16T09:12:33-04:00"),
    ("Mon, 16 Nov 2026 09:12:33 CST", "2026-11-16T09:12:33-06:00"),
    ("Mon, 16 Nov 2026 09:12:33 CDT", "2026-11-16T09:12:33-05:00"),
    ("Mon, 16 Nov 2026 09:12:33 MST", "2026-11-16T09:12:33-07:00"),
    ("Mon, 16 Nov 2026 09:12:33 MDT", "2026-11-16T09:12:33-06:00"),
    ("Mon, 16 Nov 2026 09:12:33 PST", "2026-11-16T09:12:33-08:00"),
    ("Mon, 16 Nov 2026 09:12:33 pdt", "2026-11-16T09:12:33-07:00"),
    ("Mon, 16 Nov 2026 09:12:33 Z", "2026-11-16T09:12:33+00:00"),
    ("Mon, 16 Nov 2026 09:12:33 A", "2026-11-16T09:12:33+00:00"),  // military: sign was ambiguous
    ("Mon, 16 Nov 2026 09:12:33 M", "2026-11-16T09:12:33+00:00"),
    ("Mon, 16 Nov 2026 09:12:33 -0000", "2026-11-16T09:12:33+00:00"),
    ("Mon, 16 Nov 2026 09:12:33 XYZT", "2026-11-16T09:12:33+00:00"),  // unknown name: +0000 (§4.3)
    ("Mon, 16 Nov 2026 09:12:33 CET", "2026-11-16T09:12:33+01:00"),
    // Sloppy zones
    ("Mon, 16 Nov 2026 09:12:33 +08:00", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 +8", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 -5", "2026-11-16T09:12:33-05:00"),
    ("Mon, 16 Nov 2026 09:12:33 +800", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 +5:30", "2026-11-16T09:12:33+05:30"),
    ("Mon, 16 Nov 2026 09:12:33 +0800 (CST)", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 +0800 (China Standard Time)", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 GMT+0800", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 GMT+8", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 GMT-05:00", "2026-11-16T09:12:33-05:00"),
    ("Mon, 16 Nov 2026 09:12:33 UTC", "2026-11-16T09:12:33+00:00"),
    ("Mon, 16 Nov 2026 09:12:33 + 0800", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 +08", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 09:12:33 0800", "2026-11-16T09:12:33+00:00"),  // unsigned: sign unknown
    ("Mon, 16 Nov 2026 09:12:33 +0800 +0900", "2026-11-16T09:12:33+08:00"),  // the first offset wins
    ("Mon Nov 16 2026 09:12:33 GMT+0800 (China Standard Time)", "2026-11-16T09:12:33+08:00"),  // JavaScript
    // Month names and separators
    ("mon, 16 nov 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("MON, 16 NOV 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("Monday, 16 November 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("Wed, 16 Sept 2026 09:12:33 +0800", "2026-09-16T09:12:33+08:00"),
    ("16-Nov-2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("Monday, 16-Nov-26 09:12:33 GMT", "2026-11-16T09:12:33+00:00"),  // RFC 850
    ("Nov 16, 2026 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    // ISO 8601
    ("2026-11-16T09:12:33+08:00", "2026-11-16T09:12:33+08:00"),
    ("2026-11-16 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("2026-11-16T01:12:33Z", "2026-11-16T01:12:33+00:00"),
    ("2026-11-16T09:12:33.250+08:00", "2026-11-16T09:12:33+08:00"),
    ("2026-11-16T09:12:33-05:00", "2026-11-16T09:12:33-05:00"),
    ("2026/11/16 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    // asctime and Unix date(1)
    ("Mon Nov 16 09:12:33 2026", "2026-11-16T09:12:33+00:00"),
    ("Mon Nov  6 09:12:33 2026", "2026-11-06T09:12:33+00:00"),
    ("Mon Nov 16 09:12:33 EST 2026", "2026-11-16T09:12:33-05:00"),
    // Stray punctuation, whitespace, AM/PM
    ("Mon, 16 Nov 2026 09:12:33 +0800.", "2026-11-16T09:12:33+08:00"),
    ("Mon,, 16 Nov. 2026, 09:12:33 +0800", "2026-11-16T09:12:33+08:00"),
    ("  Mon,\t16   Nov  2026   09:12:33    +0800  ", "2026-11-16T09:12:33+08:00"),
    ("Mon, 16 Nov 2026 9:12:33 PM +0800", "2026-11-16T21:12:33+08:00"),
    ("Mon, 16 Nov 2026 12:05:00 AM +0800", "2026-11-16T00:05:00+08:00"),
    // No zone: read at +0000 (documented decision)
    ("Mon, 16 Nov 2026 09:12:33", "2026-11-16T09:12:33+00:00"),
    // Calendar edges; a leap second is clamped
    ("Thu, 29 Feb 2024 12:00:00 +0000", "2024-02-29T12:00:00+00:00"),
    ("Tue, 29 Feb 2000 12:00:00 +0000", "2000-02-29T12:00:00+00:00"),
    ("Thu, 31 Dec 2026 23:59:60 +0000", "2026-12-31T23:59:59+00:00"),
    ("Mon, 16 Nov 2026 23:30:00 -1000", "2026-11-16T23:30:00-10:00"),
    // Out of range or unreadable: nil, never a wrapped date
    ("Sun, 29 Feb 2026 12:00:00 +0000", nil),
    ("29 Feb 1900 12:00:00 +0000", nil),
    ("31 Feb 2026 12:00:00 +0000", nil),
    ("31 Apr 2026 12:00:00 +0000", nil),
    ("2026-13-01T00:00:00Z", nil),
    ("2026-00-10T00:00:00Z", nil),
    ("0 Nov 2026 09:12:33 +0000", nil),
    ("16 Nov 2026 25:00:00 +0000", nil),
    ("16 Nov 2026 24:00:00 +0000", nil),
    ("16 Nov 2026 09:60:00 +0000", nil),
    ("16 Nov 2026 09:12:61 +0000", nil),
    ("16 Nov 2026 09:12:33 +2500", nil),
    ("16 Nov 2026 09:12:33 +0860", nil),
    ("16 Nov 2026 13:12:33 PM +0800", nil),
    ("16 Foo 2026 09:12:33 +0800", nil),
    ("16 Nov 2026", nil),
    ("11/16/2026 09:12:33", nil),
    ("16 Nov 2 09:12:33 +0000", nil),
    ("16 Nov 20266 09:12:33 +0000", nil),
    ("tomorrow", nil),
    ("+0800", nil),
    ("", nil),
]

@Suite("Dates")
struct DateTests {
    @Test("the table has every form", arguments: dateTable)
    func table(_ input: String, _ expected: String?) {
        #expect(DateParser.parse(input)?.iso8601 == expected, "\(input)")
    }

    @Test("a zone beyond ±18:00 is no zone: the date is unreadable (a Received stamp the fuzzer found)")
    func zoneBeyondEighteenHours() {
        #expect(DateParser.parse("Tue, 17 Nov 2026 1:00 +1815") == nil)
        #expect(DateParser.parse("Tue, 17 Nov 2026 1:00 -1801") == nil)
        #expect(DateParser.parse("Tue, 17 Nov 2026 1:00 +1800")?.offsetSeconds == 64_800)
        #expect(DateParser.parse("Tue, 17 Nov 2026 1:00 -1800")?.offsetSeconds == -64_800)
    }

    @Test("the table is large enough")
    func tableSize() {
        #expect(dateTable.count >= 40)
        #expect(dateTable.filter { $0.1 == nil }.count >= 10)
    }

    @Test("instants are right, not only the printed fields")
    func instants() throws {
        let cases: [(String, Int, Int)] = [
            ("Mon, 16 Nov 2026 09:12:33 +0800", 1_794_791_553, 28_800),
            ("Tue, 16 Nov 99 09:12:33 -0500", 942_761_553, -18_000),
            ("Thu, 29 Feb 2024 12:00:00 GMT", 1_709_208_000, 0),
            ("1 Mar 1900 00:00:00 +0000", -2_203_891_200, 0),
            ("Mon, 1 Jan 1601 00:00:00 +0000", -11_644_473_600, 0),
            ("2026-11-16T01:12:33Z", 1_794_791_553, 0),
            ("Mon Nov 16 01:12:33 2026", 1_794_791_553, 0),
        ]
        for (input, epoch, offset) in cases {
            let d = try #require(DateParser.parse(input), "\(input)")
            #expect(d.date.timeIntervalSince1970 == TimeInterval(epoch), "\(input)")
            #expect(d.offsetSeconds == offset, "\(input)")
        }
        // The same instant written in two zones is equal as a Date, different as a MailDate.
        let a = try #require(DateParser.parse("Mon, 16 Nov 2026 09:12:33 +0800"))
        let b = try #require(DateParser.parse("Mon, 16 Nov 2026 01:12:33 +0000"))
        #expect(a.date == b.date)
        #expect(a != b)
    }

    @Test("the civil arithmetic agrees with Foundation over four centuries")
    func civilAgainstFoundation() throws {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var checked = 0
        var t = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01
        let end = Date(timeIntervalSince1970: 10_413_792_000)  // 2300-01-01
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(identifier: "UTC")!
        while t < end {
            let c = gregorian.dateComponents([.year, .month, .day, .hour, .minute, .second], from: t)
            let written = "\(c.day!) \(months[c.month! - 1]) \(c.year!) \(c.hour!):\(c.minute!):\(c.second!) +0000"
            let parsed = try #require(DateParser.parse(written), "\(written)")
            #expect(parsed.date == t, "\(written)")
            #expect(parsed.iso8601 == iso.string(from: t).replacingOccurrences(of: "Z", with: "+00:00"), "\(written)")
            checked += 1
            t += 86_400 * 13 + 3_607 * 5 + 11  // steps across every month, weekday and hour over time
        }
        #expect(checked > 10_000)
    }

    @Test("iso8601 keeps the message's offset and always has seconds")
    func isoPrinting() throws {
        let d = try #require(MailDate(year: 2026, month: 11, day: 16, hour: 9, minute: 12, second: 0, offsetSeconds: 28_800))
        #expect(d.iso8601 == "2026-11-16T09:12:00+08:00")
        let utc = MailDate(date: d.date, offsetSeconds: 0)
        #expect(utc.iso8601 == "2026-11-16T01:12:00+00:00")
        let west = MailDate(date: d.date, offsetSeconds: -(9 * 3_600 + 30 * 60))
        #expect(west.iso8601 == "2026-11-15T15:42:00-09:30")
        #expect(MailDate(year: 2026, month: 2, day: 29, hour: 0, minute: 0, second: 0, offsetSeconds: 0) == nil)
        #expect(MailDate(year: 2026, month: 1, day: 1, hour: 24, minute: 0, second: 0, offsetSeconds: 0) == nil)
        let l = d.local
        #expect(l.year == 2026 && l.month == 11 && l.day == 16 && l.hour == 9 && l.minute == 12 && l.second == 0)
        #expect(l.weekday == 1)  // 16 Nov 2026 is a Monday
    }

    @Test("random dates never trap, and what they yield reads back the same")
    func randomDates() {
        var rng = SplitMix64(seed: 0xDA7E)
        func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
        func num(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        // Loose pieces, to find traps.
        let pieces = ["Mon", ",", " ", "16", "6", "Nov", "november", "2026", "26", "126", "09", ":", "12", "33", "60",
                      "+", "-", "0800", "8", "08:00", "GMT", "Z", "T", "(", ")", ".", "/", "PM", "31", "Feb", "2024"]
        for _ in 0..<8_000 {
            var s = ""
            for _ in 0..<num(0...15) { s += pick(pieces) }
            if let d = DateParser.parse(s) { #expect(DateParser.parse(d.iso8601) == d, "\(s) → \(d.iso8601)") }
        }
        // Date-shaped strings with random fields, some out of range.
        var read = 0
        for _ in 0..<8_000 {
            let day = num(0...32), hour = num(0...24), minute = num(0...60), second = num(0...61)
            let year = pick(["\(num(1900...2100))", "\(num(0...99))", "\(num(100...199))"])
            let month = pick(["Jan", "feb", "MARCH", "Apr", "may", "June", "jul", "Aug", "Sept", "oct", "Nov", "dec", "Foo"])
            let zone = pick(["+0800", "-0500", "+05:30", "GMT", "UT", "EST", "Z", "", "(CST)", "+8", "-0000", "+2400"])
            let s = pick(["", "Mon, ", "Fri, "]) + "\(day)" + pick([" ", "-"]) + month + pick([" ", "-"]) + year
                + " \(hour):\(minute)" + pick(["", ":\(second)"]) + " " + zone
            guard let d = DateParser.parse(s) else { continue }
            read += 1
            #expect(DateParser.parse(d.iso8601) == d, "\(s) → \(d.iso8601)")
            let l = d.local
            #expect(l.day == day && l.minute == minute && (l.hour == hour), "\(s) → \(d.iso8601)")
        }
        #expect(read > 2_000)
    }

    /// Bounds are loose for a debug build on a loaded machine; quadratic work would take minutes.
    @Test("hostile input ends quickly with nil")
    func hostile() {
        let inputs = [
            String(repeating: "(", count: 100_000),
            String(repeating: "1", count: 100_000),
            String(repeating: "Mon, ", count: 20_000),
            String(repeating: "+", count: 100_000),
            "16 Nov 2026 09:12:33 " + String(repeating: "(", count: 100_000),
            String(repeating: "\\(", count: 50_000),
        ]
        let start = Date()
        for s in inputs { _ = DateParser.parse(s) }
        #expect(DateParser.parse(inputs[0]) == nil)
        #expect(DateParser.parse(inputs[1]) == nil)
        #expect(DateParser.parse(inputs[4])?.iso8601 == "2026-11-16T09:12:33+00:00")
        #expect(Date().timeIntervalSince(start) < 5)
    }
}

@Suite("Corpus dates")
struct CorpusDateTests {
    @Test("each corpus Date header gives the date of its expect.json")
    func corpusDates() throws {
        var checked = 0
        for name in CorpusFixtures.names {
            let expected = try CorpusFixtures.expectation(name)
            guard let date = expected["date"] as? String else { continue }
            let value = try #require(try CorpusFixtures.header("Date", in: name), "\(name) has no Date")
            #expect(DateParser.parse(value)?.iso8601 == date, "\(name): \(value)")
            checked += 1
        }
        #expect(checked >= 6, "corpus at \(CorpusFixtures.directory.path)")
    }

    @Test("every corpus Date header can be read")
    func corpusDatesAllReadable() throws {
        #expect(CorpusFixtures.names.count >= 12, "corpus at \(CorpusFixtures.directory.path)")
        for name in CorpusFixtures.names {
            let value = try #require(try CorpusFixtures.header("Date", in: name), "\(name) has no Date")
            #expect(DateParser.parse(value) != nil, "\(name): \(value)")
        }
    }
}

/// The shared corpus: $LIAISON_CORPUS, else ../shared/corpus beside the package.
enum CorpusFixtures {
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["LIAISON_CORPUS"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    /// Names (without extension) of the .eml files that have an .expect.json, sorted.
    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }
            .filter { files.contains($0 + ".expect.json") }.sorted()
    }

    static func expectation(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".expect.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The first top-level header field called `field`, unfolded (RFC 5322 §2.2.3), or nil.
    static func header(_ field: String, in name: String) throws -> String? {
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name + ".eml")))
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var fields: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1] += String(line)
            } else {
                fields.append(String(line))
            }
        }
        for f in fields {
            guard let colon = f.firstIndex(of: ":") else { continue }
            if f[..<colon].lowercased() == field.lowercased() {
                return f[f.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
