import Foundation
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// Retention of held messages (issue 18): a held message that was reviewed (here rejected) loses
/// its body the day `bodies` after it was held, never before; one still awaiting review keeps it.
@Suite("Retention in the SQLite store")
struct RetentionStoreTests {
    static let clock = WallClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    static func at(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    static func hold(_ store: SQLiteStore, _ n: Int, at: Date) throws -> Int64 {
        let raw = Array("From: x\(n)@out.example\r\nSubject: held \(n)\r\nMessage-ID: <h\(n)@out.example>\r\n\r\nbody \(n) 机密内容\r\n".utf8)
        let outcome = try store.file(Filing(message: IncomingMessage(
            messageID: "<h\(n)@out.example>", date: at, subject: "held \(n)", threadSubject: "held \(n)", sender: "x\(n)@out.example",
            kind: .correspondence, direction: .inbound, raw: raw), decision: .hold(.unknownCaseTag, detail: nil)), now: at)
        guard case .held(let id, _) = outcome else { throw StoreError(.invalid, "not held: \(outcome)") }
        return id
    }

    @Test func reviewedHeldBodiesGoOnTheirDayPendingOnesStay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
        // 00:30 in Shanghai is still the 20th in UTC: the day counted is the organisation's.
        let heldAt = Self.at("2026-11-21T00:30:00+08:00")
        let reviewed = try Self.hold(store, 1, at: heldAt)
        let pending = try Self.hold(store, 2, at: heldAt)
        try store.reject(heldID: reviewed)
        let policy = RetentionPolicy(bodies: RetentionPeriod.parse("7 days"))

        let eve = try store.applyRetention(policy, clock: Self.clock, now: Self.at("2026-11-27T23:59:59+08:00"), dryRun: false)
        #expect(eve.held == 0)
        let dry = try store.applyRetention(policy, clock: Self.clock, now: Self.at("2026-11-28T00:00:00+08:00"), dryRun: true)
        #expect(dry.held == 1)
        let day = try store.applyRetention(policy, clock: Self.clock, now: Self.at("2026-11-28T00:00:00+08:00"), dryRun: false)
        #expect(day.held == 1)
        #expect(try store.heldMessage(id: pending)?.raw.isEmpty == false)
        let again = try store.applyRetention(policy, clock: Self.clock, now: Self.at("2027-06-01T00:00:00+08:00"), dryRun: false)
        #expect(again.held == 0, "removed twice, or a pending body removed")
        let file = try Data(contentsOf: dir.appendingPathComponent("liaison.db"))
        #expect(file.range(of: Data("body 1 机密内容".utf8)) == nil)
        // The pending body is kept: in the file's bytes in a clear store, sealed (so not in them) with LIAISON_TEST_SEAL=1.
        #expect((file.range(of: Data("body 2 机密内容".utf8)) != nil) != TestSeal.isOn)
        #expect(String(decoding: try #require(try store.heldMessage(id: pending)).raw, as: UTF8.self).contains("body 2 机密内容"))
    }
}
