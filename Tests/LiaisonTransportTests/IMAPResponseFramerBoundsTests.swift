import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LiaisonTransport
import LiaisonTestSupport

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The framer's caps, on bytes without a socket: per response, per command, untagged literals
/// dropped as they stream, and bodies held to their announced `RFC822.SIZE` — each breach a
/// typed error raised before the bytes past the bound are kept.
@Suite(.serialized) struct IMAPResponseFramerBoundsTests {
    /// Feeds `stream` in `piece`-byte pieces until the framer throws; returns the error and the
    /// number of bytes the framer had taken without complaint.
    static func feedUntilError(_ framer: inout IMAPResponseFramer, _ stream: [UInt8], piece: Int = 4096)
        -> (error: IMAPParseError?, accepted: Int, responses: [IMAPResponse]) {
        var i = 0
        var got: [IMAPResponse] = []
        while i < stream.count {
            let end = min(i + piece, stream.count)
            do {
                got += try framer.feed(Array(stream[i..<end]))
            } catch {
                return (error, i, got)
            }
            i = end
        }
        return (nil, i, got)
    }

    static func literalResponse(uid: UInt32, item: String = "BODY[]", size: Int, fill: UInt8 = 0x61) -> [UInt8] {
        bytes("* \(uid) FETCH (UID \(uid) \(item) {\(size)}\r\n") + [UInt8](repeating: fill, count: size) + bytes(")\r\n")
    }

    /// Forty 300 KiB literals in ONE response against a 1 MiB per-response cap: the fourth
    /// literal's `{n}` is refused at once, before any of its bytes are kept.
    @Test func manyLiteralsInOneResponsePassTheResponseCap() {
        var stream = bytes("* 1 FETCH (UID 1")
        for k in 0..<40 { stream += bytes(" BODY[\(k)] {\(300 * 1024)}\r\n") + [UInt8](repeating: 0x62, count: 300 * 1024) }
        stream += bytes(")\r\n")
        var framer = IMAPResponseFramer(maxResponseBytes: 1 << 20)
        let (error, _, responses) = Self.feedUntilError(&framer, stream)
        #expect(error == .responseTooLarge(limit: 1 << 20))
        #expect(responses.isEmpty)
        // Three literals and their lines were taken; the fourth announcement was the breach.
        let taken = framer.commandBytes
        #expect(taken > 3 * 300 * 1024 && taken < 3 * 300 * 1024 + 100, "took \(taken) bytes")
    }

    /// An endless flood of small untagged lines during one command ends at the command cap,
    /// within one piece of it; the responses completed before are handed out, not held.
    @Test func untaggedFloodPassesTheCommandCap() {
        var framer = IMAPResponseFramer()
        framer.beginCommand(maxBytes: 100_000, literals: .discardAll)
        let flood = [UInt8](String(repeating: "* 1 FETCH (FLAGS (\\Seen))\r\n", count: 10_000).utf8)
        let (error, accepted, responses) = Self.feedUntilError(&framer, flood, piece: 1000)
        #expect(error == .commandTooLarge(limit: 100_000))
        #expect(accepted <= 100_000 && accepted > 99_000, "accepted \(accepted)")
        #expect(responses.count == accepted / 27)
        #expect(framer.commandBytes <= 100_000)
        // A new command starts a new count.
        framer.beginCommand(maxBytes: 100, literals: .discardAll)
        #expect(framer.commandBytes == 0)
    }

    /// Literals a command did not ask for are counted and dropped: the response keeps its text
    /// (with the `{n}` marker) and an empty, marked literal.
    @Test func unaskedLiteralsAreDroppedAndCounted() throws {
        var framer = IMAPResponseFramer()
        framer.beginCommand(maxBytes: 1 << 20, literals: .discardAll)
        let stream = Self.literalResponse(uid: 9, size: 100_000) + bytes("L1 OK done\r\n")
        var got: [IMAPResponse] = []
        for start in stride(from: 0, to: stream.count, by: 7000) {
            got += try framer.feed(Array(stream[start..<min(start + 7000, stream.count)]))
        }
        #expect(got.map(\.text) == ["* 9 FETCH (UID 9 BODY[] {100000})", "L1 OK done"])
        #expect(got[0].literals == [.init(item: "BODY[]", bytes: [], discarded: true)])
        #expect(framer.commandBytes == stream.count)
        // The parser skips a dropped body rather than returning it empty.
        #expect(try IMAPResponseParser.fetchedBodies(in: got).isEmpty)
    }

    /// `.bodies`: the body of an asked UID within its announced size is kept; a larger one is
    /// refused at its `{n}`; other UIDs, other items and a second body of a UID are dropped.
    @Test func bodiesAreHeldToTheirAnnouncedSize() throws {
        var framer = IMAPResponseFramer()
        framer.beginCommand(maxBytes: 1 << 20, literals: .bodies(announced: [7: 10, 8: 5]))
        var stream = Self.literalResponse(uid: 7, size: 10, fill: 0x37)
        stream += Self.literalResponse(uid: 12, size: 10)  // not asked for
        stream += Self.literalResponse(uid: 8, item: "BODY[HEADER]", size: 3)  // not BODY[]
        stream += Self.literalResponse(uid: 7, size: 4)  // a second body of UID 7
        let got = try framer.feed(stream)
        #expect(got.count == 4)
        #expect(got.map { $0.literals.map(\.discarded) } == [[false], [true], [true], [true]])
        #expect(try IMAPResponseParser.fetchedBodies(in: got).map(\.uid) == [7])
        #expect(try IMAPResponseParser.fetchedBodies(in: got).first?.bytes == [UInt8](repeating: 0x37, count: 10))

        // UID 8 announced 5 bytes; the server offers 1 GiB: refused at the marker.
        #expect(throws: IMAPParseError.literalLargerThanAnnounced(uid: 8, size: 1 << 30, announced: 5)) {
            _ = try framer.feed(bytes("* 2 FETCH (UID 8 BODY[] {\(1 << 30)}\r\n"))
        }
    }

    /// When the UID item follows the literal, the body is judged once its response is complete.
    @Test func bodyBeforeItsUIDIsJudgedWhenComplete() throws {
        func response(uid: UInt32, size: Int) -> [UInt8] {
            bytes("* 1 FETCH (BODY[] {\(size)}\r\n") + [UInt8](repeating: 0x78, count: size) + bytes(" UID \(uid))\r\n")
        }
        var framer = IMAPResponseFramer()
        framer.beginCommand(maxBytes: 1 << 20, literals: .bodies(announced: [7: 10]))
        let fine = try framer.feed(response(uid: 7, size: 10) + response(uid: 9, size: 3))
        #expect(fine.map { $0.literals.map(\.discarded) } == [[false], [true]])
        #expect(try IMAPResponseParser.fetchedBodies(in: fine).map(\.uid) == [7])
        framer.beginCommand(maxBytes: 1 << 20, literals: .bodies(announced: [7: 10]))
        #expect(throws: IMAPParseError.literalLargerThanAnnounced(uid: 7, size: 11, announced: 10)) {
            _ = try framer.feed(response(uid: 7, size: 11))
        }
    }

    /// 1 GiB of literals in ONE untagged response streams through a command that asked for none:
    /// all of it is counted, none of it kept — the process's peak resident memory grows by far
    /// less (a framer that kept them would hold the whole gigabyte until the response ended).
    /// The bound leaves room for tests running beside this one.
    @Test func oneGibibyteOfUnaskedLiteralsKeepsMemoryFlat() throws {
        let chunk = [UInt8](repeating: 0x7A, count: 256 * 1024)
        let literal = 16 * 1024 * 1024
        var framer = IMAPResponseFramer()
        framer.beginCommand(maxBytes: Int.max, literals: .discardAll)
        let before = ProcessMemory.resetPeak()
        var responses: [IMAPResponse] = []
        responses += try framer.feed(bytes("* 1 FETCH (UID 1"))
        for k in 0..<64 {
            responses += try framer.feed(bytes(" BODY[\(k)] {\(literal)}\r\n"))
            for _ in 0..<(literal / chunk.count) {
                responses += try chunk.withUnsafeBytes { try framer.feed($0) }
            }
        }
        responses += try framer.feed(bytes(")\r\n"))
        let growth = ProcessMemory.peakKiB() - before
        #expect(responses.count == 1)
        #expect(responses.first?.literals.count == 64)
        #expect(responses.first?.literals.allSatisfy { $0.discarded && $0.bytes.isEmpty } == true)
        #expect(framer.commandBytes >= 64 * literal)
        #expect(growth < 256 * 1024, "peak resident memory grew by \(growth) KiB for 1 GiB streamed")
    }
}
