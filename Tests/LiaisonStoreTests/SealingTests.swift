import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// Encryption at rest in the SQLite store (issue 18): bodies sealed to their rows under a data
/// key wrapped by the store key; wrong, missing, rotated keys; tampering; verify and backups.
@Suite("Sealing in the SQLite store")
struct SealingTests {
    static let day = StoreConformance.day
    static let phrase = "机密报价单 the confidential quotation 7791"

    static func key(_ seed: UInt8) -> StoreKey {
        try! StoreKey(bytes: (0..<32).map { seed &+ UInt8($0) }, source: "test key \(seed)")
    }

    /// A filed message, a held one and an outbox mail, each carrying `phrase` in its body.
    static func fill(_ store: SQLiteStore) throws -> (caseNumber: String, heldID: Int64) {
        let filed = try store.file(Filing(message: StoreConformance.message("<f1@x>", body: "filed: " + phrase),
                                          decision: .open(StoreConformance.newCase())), now: day)
        guard case .filed(let number, _, _) = filed else { throw StoreError(.invalid, "not filed: \(filed)") }
        let held = try store.file(Filing(message: StoreConformance.message("<h1@x>", subject: "held", body: "held: " + phrase),
                                         decision: .hold(.unknownCaseTag, detail: nil)), now: day)
        guard case .held(let heldID, _) = held else { throw StoreError(.invalid, "not held: \(held)") }
        try store.update(now: day) { _ in
            FollowUp(mails: [OutgoingMail(caseNumber: number, messageID: "<o1@x>", envelopeFrom: "track@corp.example",
                                          recipients: ["liu@huadong.example"], raw: Array("Subject: re\r\n\r\noutbox: \(phrase)\r\n".utf8),
                                          purpose: .recap, reminderID: nil)])
        }
        return (number, heldID)
    }

    /// The file and its WAL, together: every byte the store wrote.
    static func fileBytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
    }

    /// Opens the raw file (no key) for checks and tampering.
    static func store(_ path: String) throws -> DatabaseQueue { try DatabaseQueue(path: path) }

    static func readsBack(_ store: SQLiteStore, _ number: String, _ heldID: Int64) throws {
        #expect(String(decoding: try store.correspondence(caseNumber: number)[0].raw, as: UTF8.self).contains("filed: " + phrase))
        #expect(String(decoding: try #require(try store.heldMessage(id: heldID)).raw, as: UTF8.self).contains("held: " + phrase))
        #expect(String(decoding: try #require(try store.outboxEntry(messageID: "<o1@x>")).mail.raw, as: UTF8.self).contains("outbox: " + phrase))
    }

    @Test func sealedBodiesReadBackAndAreNotInTheFileButClearOnesAre() throws {
        // Clear: the phrase is in the bytes (so the search below can find it when it is there).
        let clearPath = try temporaryDatabasePath()
        let clear = try SQLiteStore(path: clearPath)
        _ = try Self.fill(clear)
        #expect(try Self.fileBytes(clearPath).range(of: Data(Self.phrase.utf8)) != nil)
        #expect(try SQLiteStore.sealStatus(path: clearPath, key: nil).isSealed == false)

        let path = try temporaryDatabasePath()
        let store = try SQLiteStore(path: path, key: Self.key(1))
        let (number, heldID) = try Self.fill(store)
        try Self.readsBack(store, number, heldID)
        let bytes = try Self.fileBytes(path)
        for word in ["机密报价单", "confidential quotation", "7791"] {
            #expect(bytes.range(of: Data(word.utf8)) == nil, "\(word) is in the sealed file")
        }
        // Metadata stays in clear and queryable.
        #expect(bytes.range(of: Data("投诉:设备无法开机".utf8)) != nil)
        let status = try SQLiteStore.sealStatus(path: path, key: Self.key(1))
        #expect(status.isSealed && status.keyOpens == true && status.bodies == 3)
        #expect(status.kekFingerprint == (Self.key(1)).fingerprint)
    }

    @Test func aSealedStoreWithoutItsKeyOrWithAnotherIsRefusedAtOpen() throws {
        let path = try temporaryDatabasePath()
        _ = try Self.fill(try SQLiteStore(path: path, key: Self.key(1)))
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("opened without its key")
        } catch let e as StoreError {
            #expect(e.kind == .refused)
            #expect(e.description.contains("encrypted at rest") && e.description.contains("key_file"), "\(e)")
            #expect(e.description.contains((Self.key(1)).fingerprint))
        }
        do {
            _ = try SQLiteStore(path: path, key: Self.key(2))
            Issue.record("opened with another key")
        } catch let e as StoreError {
            #expect(e.kind == .refused)
            #expect(e.description.contains((Self.key(2)).fingerprint) && e.description.contains((Self.key(1)).fingerprint), "\(e)")
        }
        #expect(try SQLiteStore.sealStatus(path: path, key: Self.key(2)).keyOpens == false)
    }

    @Test func aKeyForAStoreWithClearBodiesIsRefusedUntilEnableSealsThem() throws {
        let path = try temporaryDatabasePath()
        let (number, heldID) = try Self.fill(try SQLiteStore(path: path))
        do {
            _ = try SQLiteStore(path: path, key: Self.key(3))
            Issue.record("a key silently accepted for clear bodies")
        } catch let e as StoreError {
            #expect(e.description.contains("liaison keys enable") && e.description.contains("3 message body(ies) in clear"), "\(e)")
        }
        var reports: [(Int, Int)] = []
        let sealed = try SQLiteStore.enableSealing(path: path, key: Self.key(3)) { reports.append(($0, $1)) }
        #expect(sealed == 3)
        #expect(reports.first.map { $0 == (0, 3) } == true && reports.last.map { $0 == (3, 3) } == true)
        let bytes = try Self.fileBytes(path)
        #expect(bytes.range(of: Data(Self.phrase.utf8)) == nil, "a clear body survived enable (free pages or WAL)")
        try Self.readsBack(try SQLiteStore(path: path, key: Self.key(3)), number, heldID)
        #expect(throws: StoreError.self) { try SQLiteStore.enableSealing(path: path, key: Self.key(3)) { _, _ in } }
    }

    @Test func aProcessThatOpenedTheStoreInClearStopsWhenEnableSealsIt() throws {
        let path = try temporaryDatabasePath()
        let running = try SQLiteStore(path: path)
        let (number, _) = try Self.fill(running)
        try SQLiteStore.enableSealing(path: path, key: Self.key(11)) { _, _ in }
        // Neither ciphertext handed on as mail nor a clear body written into the sealed store.
        do {
            _ = try running.correspondence(caseNumber: number)
            Issue.record("ciphertext read as a body")
        } catch let e as StoreError {
            #expect(e.kind == .unavailable && e.description.contains("restart it with the key"), "\(e)")
        }
        #expect(throws: StoreError.self) {
            try running.file(Filing(message: StoreConformance.message("<late@x>", body: "late body"),
                                    decision: .existing(caseNumber: number, rule: .reference)), now: Self.day)
        }
        #expect(try SQLiteStore.verify(path: path, key: Self.key(11)).isSound)
    }

    @Test func aTamperedOrSwappedCiphertextIsAnErrorNamingTheRow() throws {
        let path = try temporaryDatabasePath()
        let store = try SQLiteStore(path: path, key: Self.key(4))
        let (number, heldID) = try Self.fill(store)
        let second = try store.file(Filing(message: StoreConformance.message("<f2@x>", body: "second body"),
                                           decision: .existing(caseNumber: number, rule: .reference)), now: Self.day)
        guard case .filed(_, let secondID, _) = second else { Issue.record("not filed"); return }
        let raw = try Self.store(path)
        // One byte of the first message's ciphertext flipped.
        try raw.write { db in
            var v = [UInt8](try Data.fetchOne(db, sql: "SELECT raw FROM correspondence WHERE id = 1")!)
            v[v.count / 2] ^= 0x01
            try db.execute(sql: "UPDATE correspondence SET raw = ? WHERE id = 1", arguments: [Data(v)])
        }
        try raw.close()
        do {
            _ = try store.correspondence(caseNumber: number)
            Issue.record("a tampered body was read")
        } catch let e as StoreError {
            #expect(e.kind == .corrupt)
            #expect(e.description.contains("correspondence.raw of row 1"), "\(e)")
        }
        // The held body copied over the second message's: valid ciphertext, wrong row.
        let raw2 = try Self.store(path)
        try raw2.write { db in
            try db.execute(sql: "UPDATE correspondence SET raw = (SELECT raw FROM held WHERE id = ?) WHERE id = ?", arguments: [heldID, secondID])
            try db.execute(sql: "UPDATE correspondence SET raw = X'' WHERE id = 1")
        }
        try raw2.close()
        do {
            _ = try store.correspondence(caseNumber: number)
            Issue.record("a body moved from another row was read")
        } catch let e as StoreError {
            #expect(e.description.contains("correspondence.raw of row \(secondID)"), "\(e)")
        }
        // Verify with the key finds it; the held message itself is untouched.
        let check = try SQLiteStore.verify(path: path, key: Self.key(4))
        #expect(!check.isSound && check.faults.contains { $0.contains("row \(secondID)") }, "\(check.faults)")
        #expect(try store.heldMessage(id: heldID) != nil)
    }

    @Test func rotationRewrapsAtomicallyNewKeyOpensOldKeyIsRefused() throws {
        let path = try temporaryDatabasePath()
        let (old, new) = (Self.key(5), Self.key(6))
        let store = try SQLiteStore(path: path, key: old)
        let (number, heldID) = try Self.fill(store)
        let before = try Self.store(path).read { db in try Data.fetchOne(db, sql: "SELECT raw FROM correspondence WHERE id = 1") }
        try store.rotateKey(to: new)
        // The running store keeps working (same data key), bodies untouched.
        try Self.readsBack(store, number, heldID)
        #expect(try Self.store(path).read { db in try Data.fetchOne(db, sql: "SELECT raw FROM correspondence WHERE id = 1") } == before)
        try Self.readsBack(try SQLiteStore(path: path, key: new), number, heldID)
        #expect(throws: StoreError.self) { try SQLiteStore(path: path, key: old) }
        #expect(try SQLiteStore.sealStatus(path: path, key: new).kekFingerprint == new.fingerprint)
        // A clear store has nothing to rotate.
        #expect(throws: StoreError.self) { try SQLiteStore(path: try temporaryDatabasePath()).rotateKey(to: new) }
    }

    @Test func backupsStaySealedAndVerifyOpensEveryBodyWithTheKey() throws {
        let path = try temporaryDatabasePath()
        let store = try SQLiteStore(path: path, key: Self.key(7))
        let (number, heldID) = try Self.fill(store)
        let backup = (path as NSString).deletingLastPathComponent + "/backup.db"
        let check = try store.backup(to: backup)
        #expect(check.isSound, "\(check.faults)")
        #expect(check.sealing?.contains("3 body(ies) opened") == true, "\(check.sealing ?? "nil")")
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup)).range(of: Data(Self.phrase.utf8)) == nil)
        let noKey = try SQLiteStore.verify(path: backup)
        #expect(noKey.isSound && noKey.sealing?.contains("not checked") == true)
        let wrong = try SQLiteStore.verify(path: backup, key: Self.key(8))
        #expect(!wrong.isSound)
        // Restore needs the key, and the restored store opens with it.
        let target = (path as NSString).deletingLastPathComponent + "/restored.db"
        #expect(throws: StoreError.self) { try SQLiteStore.restore(from: backup, to: target, force: false) }
        let restored = try SQLiteStore.restore(from: backup, to: target, force: false, key: Self.key(7))
        #expect(restored.isSound && restored.messages == 1)
        try Self.readsBack(try SQLiteStore(path: target, key: Self.key(7)), number, heldID)
    }

    @Test func retentionAndErasureEmptySealedBodiesAndTheRestStillOpens() throws {
        let path = try temporaryDatabasePath()
        let store = try SQLiteStore(path: path, key: Self.key(9))
        let (number, heldID) = try Self.fill(store)
        try store.reject(heldID: heldID)
        try store.setStatus(caseNumber: number, status: .resolved, at: Self.day)
        let clock = WallClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let policy = RetentionPolicy(bodies: RetentionPeriod.parse("1 day"))
        let report = try store.applyRetention(policy, clock: clock, now: Self.day.addingTimeInterval(3 * 86_400), dryRun: false)
        #expect(report.held == 1)
        #expect(try store.correspondence(caseNumber: number).allSatisfy { $0.raw.isEmpty })
        #expect(try SQLiteStore.verify(path: path, key: Self.key(9)).isSound)
    }

    @Test func theSealedFormatIsBoundToTableColumnAndRow() throws {
        let sealer = try SealedDataKey.make(under: Self.key(10)).1
        let s = try sealer.seal(Array("text".utf8), table: "held", column: "raw", row: 7)
        #expect(s.count == 4 + BodySealer.overhead && s[0] == 1)
        #expect(try sealer.open(s, table: "held", column: "raw", row: 7) == Array("text".utf8))
        for (t, c, r) in [("held", "raw", Int64(8)), ("correspondence", "raw", 7), ("held", "detail", 7)] {
            #expect(throws: StoreError.self) { try sealer.open(s, table: t, column: c, row: r) }
        }
        #expect(try sealer.seal([], table: "held", column: "raw", row: 7).isEmpty)
        #expect(try sealer.open([], table: "held", column: "raw", row: 7).isEmpty)
        #expect(throws: StoreError.self) { try sealer.open(Array("From: x\r\n\r\nclear".utf8), table: "held", column: "raw", row: 7) }
        #expect(throws: StoreError.self) { try StoreKey(bytes: [1, 2, 3], source: "short") }
    }
}
