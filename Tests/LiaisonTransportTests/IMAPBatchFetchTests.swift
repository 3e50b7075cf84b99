import Testing
@testable import LiaisonTransport
import LiaisonTransportFakes

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The multi-literal reading of a batched `UID FETCH set (UID BODY.PEEK[])`, the batch plan, and
/// the protocol's default and fake implementations.
@Suite struct IMAPBatchFetchTests {
    /// What the header callback holds after a batched FETCH: the login and SELECT lines, then
    /// `responses` (already framed), then the tagged completion.
    static func stream(_ responses: [UInt8]) -> [UInt8] {
        var s = bytes("* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot ready.\r\nA001 OK Logged in\r\n")
        s += bytes("* 9 EXISTS\r\n* OK [UIDVALIDITY 1700000000] ok\r\n* OK [UIDNEXT 20] ok\r\nA002 OK [READ-WRITE] Select completed.\r\n")
        return s + responses + bytes("A003 OK Fetch completed.\r\n")
    }

    static func body(seq: Int, uid: UInt32, _ literal: [UInt8], uidFirst: Bool = true) -> [UInt8] {
        if uidFirst {
            return bytes("* \(seq) FETCH (UID \(uid) BODY[] {\(literal.count)}\r\n") + literal + bytes(")\r\n")
        }
        return bytes("* \(seq) FETCH (BODY[] {\(literal.count)}\r\n") + literal + bytes(" UID \(uid))\r\n")
    }

    @Test func severalLiteralsOutOfOrderWithAFlagsUpdateBetween() throws {
        let a = bytes("Subject: a\r\n\r\nfirst\r\n")
        let b = bytes("Subject: b\r\n\r\nsecond, no final newline")
        let c = bytes("Subject: c\r\n\r\n\r\n\r\nthird\r\n")
        var r = Self.body(seq: 3, uid: 12, c)
        r += bytes("* 1 FETCH (FLAGS (\\Seen \\Answered))\r\n")
        r += Self.body(seq: 1, uid: 10, a, uidFirst: false)
        r += bytes("* 2 FETCH (UID 11 FLAGS (\\Flagged))\r\n")
        r += Self.body(seq: 2, uid: 11, b)
        let got = try IMAPResponseParser.fetchedBodies(in: Self.stream(r))
        #expect(got.map(\.uid) == [12, 10, 11])
        #expect(got.map(\.bytes) == [c, a, b])
    }

    @Test func literalContainingAFetchLookalikeAndCRLFsIsOneBody() throws {
        let tricky = bytes("Subject: tricky)\r\n\r\n* 5 FETCH (UID 9 BODY[] {3}\r\nabc)\r\nA003 OK fake\r\n\r\n)")
        let plain = bytes("Subject: p\r\n\r\nx\r\n")
        let got = try IMAPResponseParser.fetchedBodies(in: Self.stream(Self.body(seq: 4, uid: 40, tricky) + Self.body(seq: 5, uid: 41, plain)))
        #expect(got.count == 2)
        #expect(got.first?.uid == 40 && got.first?.bytes == tricky)
        #expect(got.last?.uid == 41 && got.last?.bytes == plain)
        #expect(!got.contains { $0.uid == 9 })
    }

    @Test func zeroByteLiteralIsAnEmptyBody() throws {
        let got = try IMAPResponseParser.fetchedBodies(in: Self.stream(
            Self.body(seq: 1, uid: 3, []) + Self.body(seq: 2, uid: 4, bytes("x"))))
        #expect(got.map(\.uid) == [3, 4])
        #expect(got.map(\.bytes) == [[], [0x78]])
    }

    @Test func missingUIDsAreAbsentAndNilBodiesSkipped() throws {
        let got = try IMAPResponseParser.fetchedBodies(in: Self.stream(
            bytes("* 1 FETCH (UID 5 BODY[] NIL)\r\n") + Self.body(seq: 2, uid: 7, bytes("m"))))
        #expect(got.map(\.uid) == [7])
        #expect(try IMAPResponseParser.fetchedBodies(in: Self.stream([])).isEmpty)
    }

    @Test func truncatedStreamIsAnError() throws {
        let whole = Self.stream(Self.body(seq: 1, uid: 1, bytes("Subject: a\r\n\r\naaaa\r\n")) + Self.body(seq: 2, uid: 2, bytes("Subject: b\r\n\r\nbbbbbbbb\r\n")))
        // Cut inside the second literal: the first body alone must not be returned as success.
        let cut = Array(whole.prefix(whole.count - 40))
        #expect(throws: IMAPParseError.self) { try IMAPResponseParser.fetchedBodies(in: cut) }
        // A literal whose closing parenthesis never came (a line lost after it).
        let unclosed = Self.stream(bytes("* 1 FETCH (UID 1 BODY[] {3}\r\nabc\r\n"))
        #expect(throws: IMAPParseError.self) { try IMAPResponseParser.fetchedBodies(in: unclosed) }
    }

    @Test func bodyWithoutUIDItemCannotBeMatched() {
        #expect(throws: IMAPParseError.malformedFetch("BODY[] without a UID item")) {
            try IMAPResponseParser.fetchedBodies(in: Self.stream(bytes("* 1 FETCH (BODY[] {1}\r\nx)\r\n")))
        }
    }

    @Test func messageSizesByUIDItem() throws {
        let s = Self.stream(bytes("* 1 FETCH (UID 10 RFC822.SIZE 120)\r\n* 3 FETCH (RFC822.SIZE 7 UID 12)\r\n* 2 FETCH (FLAGS (\\Seen))\r\n"))
        let got = try IMAPResponseParser.messageSizes(in: s)
        #expect(got.map(\.uid) == [10, 12])
        #expect(got.map(\.size) == [120, 7])
    }

    @Test func sequenceSetUsesRanges() {
        #expect(IMAPFetchPlan.sequenceSet([9, 1, 2, 3, 7, 10, 3]) == "1:3,7,9:10")
        #expect(IMAPFetchPlan.sequenceSet([5]) == "5")
        #expect(IMAPFetchPlan.sequenceSet([]) == "")
    }

    @Test func batchesAreBoundedByCountAndBytes() {
        let plan = IMAPFetchPlan(maxCount: 3, maxBytes: 100)
        let sized: [(uid: UInt32, size: UInt32)] = [(5, 10), (1, 10), (2, 10), (3, 10), (4, 60), (6, 500), (7, 40), (8, 40), (9, 30)]
        let batches = plan.batches(sized)
        #expect(batches == [[1, 2, 3], [4, 5], [6], [7, 8], [9]])
        // Every batch within both bounds unless it is one oversized message.
        let sizes = Dictionary(uniqueKeysWithValues: sized.map { ($0.uid, Int($0.size)) })
        for batch in batches {
            #expect(batch.count <= 3)
            #expect(batch.count == 1 || batch.reduce(0) { $0 + sizes[$1]! } <= 100)
        }
        #expect(IMAPFetchPlan(maxCount: 10, maxBytes: 1 << 40).maxBytes == 32 * 1024 * 1024)
    }

    @Test func inMemoryMailboxBatchSkipsMissingAndOrdersByUID() throws {
        let box = InMemoryMailbox()
        let a = box.deliver(bytes("A"))
        let b = box.deliver(bytes("B"))
        let c = box.deliver(bytes("C"))
        try box.move(uid: b, to: "Done")
        let got = try box.fetch(uids: [c, b, a, 99, c])
        #expect(got.map(\.uid) == [a, c])
        #expect(got.map(\.bytes) == [bytes("A"), bytes("C")])
        #expect(box.calls.last == "fetch([\(a), \(b), \(c), 99])")
    }

    /// A mailbox that implements only `fetch(uid:)` gets the looping default.
    @Test func defaultImplementationLoopsOverSingleFetches() throws {
        final class OnlySingle: MailboxReading, @unchecked Sendable {
            var asked: [UInt32] = []
            func status() throws -> MailboxStatus { MailboxStatus(uidValidity: 1, uidNext: 4) }
            func uids(above checkpoint: UInt32) throws -> [UInt32] { [1, 2, 3] }
            func fetch(uid: UInt32) throws -> [UInt8] {
                asked.append(uid)
                guard uid != 2 else { throw MailboxError.noSuchMessage(uid: uid) }
                return [UInt8(uid)]
            }
            func move(uid: UInt32, to folder: String) throws {}
        }
        let box = OnlySingle()
        var seen: [(UInt32, [UInt8])] = []
        try box.fetch(uids: [3, 1, 2]) { seen.append(($0, $1)) }
        #expect(seen.map(\.0) == [1, 3])
        #expect(seen.map(\.1) == [[1], [3]])
        #expect(box.asked == [1, 2, 3])
    }
}
