import Foundation
import Testing
@testable import LiaisonCore

/// The pure parts of issue 15: item states, percentiles, CSV fields and dates.
@Suite struct ReportFiguresTests {
    static let t0 = Date(timeIntervalSince1970: 1_794_000_000)

    @Test func itemStateComesFromTheCaseUntilTheStoreRecordsOne() {
        let due = Self.t0.addingTimeInterval(86_400)
        let item = ReportItem(number: 1, owner: "王芳", task: "更换", due: due)
        var c = ReportCase(number: "EC1", owner: "a@x", category: "complaint", status: .open, openedAt: Self.t0)
        #expect(ItemProgress.of(item, in: c, asOf: Self.t0).progress == .open)
        #expect(ItemProgress.of(item, in: c, asOf: due.addingTimeInterval(1)).progress == .overdue)
        c.status = .resolved
        c.resolvedAt = due.addingTimeInterval(3600)
        #expect(ItemProgress.of(item, in: c, asOf: due.addingTimeInterval(7200)) == (.doneLate, c.resolvedAt))
        // Read before the resolution: still overdue.
        #expect(ItemProgress.of(item, in: c, asOf: due.addingTimeInterval(60)).progress == .overdue)
        // A state the store recorded (issue 14) wins over the case.
        var done = item
        done.recorded = .done(at: due.addingTimeInterval(-60))
        #expect(ItemProgress.of(done, in: c, asOf: due.addingTimeInterval(7200)).progress == .doneOnTime)
        done.recorded = .cancelled(at: Self.t0)
        #expect(ItemProgress.of(done, in: c, asOf: due).progress == .cancelled)
    }

    @Test func nearestRank() {
        #expect(ReportFigures.nearestRank([], 0.5) == nil)
        #expect(ReportFigures.nearestRank([7], 0.9) == 7)
        #expect(ReportFigures.nearestRank(Array(1...10), 0.5) == 5)
        #expect(ReportFigures.nearestRank(Array(1...10), 0.9) == 9)
        #expect(ReportFigures.nearestRank(Array(1...11), 0.9) == 10)
    }

    @Test func csvFieldsAreQuotedAndNeutralised() {
        #expect(FollowUpCSV.field("王芳") == "王芳")
        #expect(FollowUpCSV.field("a,b") == "\"a,b\"")
        #expect(FollowUpCSV.field("说\"好\"") == "\"说\"\"好\"\"\"")
        #expect(FollowUpCSV.field("一\n二") == "\"一\n二\"")
        #expect(FollowUpCSV.field("=1+1") == "'=1+1")
        #expect(FollowUpCSV.field("+86 123") == "'+86 123")
        #expect(FollowUpCSV.field("-5台") == "'-5台")
        #expect(FollowUpCSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(FollowUpCSV.field("\t=cmd") == "'\t=cmd")
        #expect(FollowUpCSV.field("=HYPERLINK(\"u\",\"t\")") == "\"'=HYPERLINK(\"\"u\"\",\"\"t\"\")\"")
    }

    @Test(arguments: [("Asia/Shanghai", 0.0, "1970-01-01 08:00"), ("Asia/Shanghai", 1_794_791_553, "2026-11-16 09:12"),
                      ("UTC", -1.0, "1969-12-31 23:59"), ("America/New_York", 1_772_953_200, "2026-03-08 03:00"),
                      ("UTC", 951_825_600, "2000-02-29 12:00")])
    func csvDatesMatchFoundation(zone: String, seconds: Double, expected: String) {
        let tz = TimeZone(identifier: zone)!
        let d = Date(timeIntervalSince1970: seconds)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = "yyyy-MM-dd HH:mm"
        #expect(FollowUpCSV.localMinute(d, tz) == f.string(from: d))
        #expect(FollowUpCSV.localMinute(d, tz) == expected)
    }

    @Test func circledNumbers() {
        #expect(FollowUpTable.circled(1) == "①")
        #expect(FollowUpTable.circled(20) == "⑳")
        #expect(FollowUpTable.circled(21) == "(21)")
    }
}
