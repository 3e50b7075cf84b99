import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTestSupport
import LiaisonXLSX
import Testing

/// The export's XLSX written while the store is read (issue 15: the cursor on one thread, the
/// workbook on the other) is the workbook written after reading: the generated month's rows,
/// compared by `scripts/xlsx-same` (openpyxl cell by cell, then the sheets' XML byte for byte).
@Suite("liaison export: streamed XLSX")
struct ExportStreamingTests {
    static let script = CorpusLocation.packageRoot.appendingPathComponent("scripts/xlsx-same").path

    @Test func streamedWorkbookIsTheSameAsTheOneWrittenAfterReading() async throws {
        let db = try ReportMonth.build()
        let store = try SQLiteStore(path: db)
        let from = ReportMonth.at("2026-11-01 00:00"), to = ReportMonth.at("2026-12-01 00:00")
        let asOf = ReportMonth.at("2026-12-15 00:00")
        let maker = FollowUpTable.RowMaker(names: ["a@corp.example": "王芳"], timeZone: ReportMonth.tz, asOf: asOf)

        let cases = try store.reportCases(from: from, to: to, owner: nil, details: true)
        let table = FollowUpTable.make(cases, names: maker.names, timeZone: maker.timeZone, asOf: maker.asOf)
        #expect(table.rows.count >= 5 && table.items.count >= 5)
        let after = try FollowUpXLSX.render(table, timeZone: ReportMonth.tz)
        var streamedCases = 0
        let counter = Counter()
        let streamed = try FollowUpXLSX.render(timeZone: ReportMonth.tz) { emit in
            try store.reportCases(from: from, to: to, owner: nil, details: true, lastOutbound: false) { c in
                counter.bump()
                let (row, items) = maker.row(c)
                try emit(row, items)
            }
        }
        streamedCases = counter.value
        #expect(streamedCases == table.rows.count)
        // The streaming query hands over the very cases the array one returns.
        var each: [ReportCase] = []
        try store.reportCases(from: from, to: to, owner: nil, details: true, lastOutbound: true) { each.append($0) }
        #expect(each == (try store.reportCases(from: from, to: to, owner: nil, details: true, lastOutbound: true)))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("after.xlsx"), b = dir.appendingPathComponent("streamed.xlsx")
        try Data(after).write(to: a)
        try Data(streamed).write(to: b)
        let r = try await offPool { try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), [Self.script, a.path, b.path]) }
        #expect(r.status == 0, "\(r.stdoutText)\(r.stderrText)")
        #expect(r.stdoutText.contains("byte for byte the same"), "\(r.stdoutText)")
    }

    @Test func aFailingReadEndsTheWorkbookWithItsError() throws {
        struct ReadFailed: Error, Equatable {}
        let maker = FollowUpTable.RowMaker(names: [:], timeZone: ReportMonth.tz, asOf: Date())
        let (row, _) = maker.row(ReportCase(number: "EC1", owner: nil, category: CaseCategory(rawValue: "general"), status: .open,
                                            openedAt: Date()))
        #expect(throws: ReadFailed.self) {
            _ = try FollowUpXLSX.render(timeZone: ReportMonth.tz) { emit in
                for _ in 0..<10_000 { try emit(row, []) }   // more than the channel holds: the writer must keep up
                throw ReadFailed()
            }
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func bump() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }
}
