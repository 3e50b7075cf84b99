import Testing
@testable import LiaisonTransport

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The incremental response reader of connect-only sessions: literals counted, never read as
/// protocol, whatever the pieces the stream arrives in.
@Suite struct IMAPResponseFramerTests {
    /// A body whose lines look like protocol: a tagged completion (libcurl's tag and ours), an
    /// untagged EXISTS, a lone `)`, a literal marker, and no final line break.
    static let trickyBody = bytes("Subject: tricky\r\n\r\nA001 OK\r\nL3 OK done\r\n* 3 EXISTS\r\n)\r\n{12}\r\nlast line")

    static var stream: [UInt8] {
        bytes("* 1 FETCH (UID 7 BODY[] {\(trickyBody.count)}\r\n") + trickyBody + bytes(")\r\n")
            + bytes("* 2 FETCH (UID 8 BODY[] {0}\r\n)\r\n")
            + bytes("* 3 EXISTS\r\nL3 OK Fetch completed.\r\n")
    }

    func check(_ responses: [IMAPResponse]) {
        #expect(responses.count == 4)
        guard responses.count == 4 else { return }
        #expect(responses[0].text == "* 1 FETCH (UID 7 BODY[] {\(Self.trickyBody.count)})")
        #expect(responses[0].literals == [.init(item: "BODY[]", bytes: Self.trickyBody)])
        #expect(responses[1].literals == [.init(item: "BODY[]", bytes: [])])
        #expect(responses[2].text == "* 3 EXISTS")
        #expect(responses[3].tag == "L3" && responses[3].text == "L3 OK Fetch completed.")
        #expect(try! IMAPResponseParser.fetchedBodies(in: responses).map(\.uid) == [7, 8])
    }

    @Test(arguments: [1, 2, 3, 7, 64, 100_000])
    func piecesOfAnySizeGiveTheSameResponses(pieceSize: Int) throws {
        var framer = IMAPResponseFramer()
        var got: [IMAPResponse] = []
        let s = Self.stream
        var i = 0
        while i < s.count {
            got += try framer.feed(Array(s[i..<min(i + pieceSize, s.count)]))
            i += pieceSize
        }
        check(got)
        #expect(framer.isAtResponseBoundary)
        // The same as the whole-stream scanner.
        #expect(got == (try IMAPResponseScanner.responses(in: s)))
    }

    @Test func aResponseIsReturnedOnlyWhenComplete() throws {
        var framer = IMAPResponseFramer()
        #expect(try framer.feed(bytes("* 1 FETCH (UID 7 BODY[] {5}\r\nab")).isEmpty)
        #expect(!framer.isAtResponseBoundary)
        #expect(try framer.feed(bytes("c\r\n")).isEmpty)  // the literal is whole; its response line is not
        let done = try framer.feed(bytes(")\r\n* 2 EXI"))
        #expect(done.map(\.literals) == [[.init(item: "BODY[]", bytes: bytes("abc\r\n"))]])
        #expect(try framer.feed(bytes("STS\r\n")).map(\.text) == ["* 2 EXISTS"])
    }

    @Test func fiveMegabyteLiteralInUnevenPiecesIsExact() throws {
        var body: [UInt8] = []
        body.reserveCapacity(5 << 20)
        var x: UInt32 = 12345
        while body.count < 5 << 20 {
            x = x &* 1_103_515_245 &+ 12345
            body.append(UInt8(truncatingIfNeeded: x >> 16))
        }
        let s = bytes("* 9 FETCH (UID 90 BODY[] {\(body.count)}\r\n") + body + bytes(")\r\nL1 OK done\r\n")
        var framer = IMAPResponseFramer()
        var got: [IMAPResponse] = []
        var i = 0
        var step = 1
        while i < s.count {
            got += try framer.feed(Array(s[i..<min(i + step, s.count)]))
            i += step
            step = step * 3 % 70_001 + 1
        }
        #expect(got.count == 2)
        #expect(try IMAPResponseParser.fetchedBody(in: got, uid: 90) == body)
    }

    @Test func limitsAreErrors() {
        var lines = IMAPResponseFramer(maxLineLength: 100, maxLiteralSize: 1000)
        #expect(throws: IMAPParseError.lineTooLong(limit: 100)) {
            _ = try lines.feed(bytes("* SEARCH " + String(repeating: "1 ", count: 60)))
        }
        var literal = IMAPResponseFramer(maxLineLength: 100, maxLiteralSize: 1000)
        #expect(throws: IMAPParseError.literalTooLarge(size: 1001, limit: 1000)) {
            _ = try literal.feed(bytes("* 1 FETCH (UID 1 BODY[] {1001}\r\n"))
        }
        var fine = IMAPResponseFramer(maxLineLength: 100, maxLiteralSize: 1000)
        #expect((try? fine.feed(bytes("* 1 FETCH (UID 1 BODY[] {1000}\r\n"))) == [])
    }
}

/// Commands as they go on the wire: nothing a caller passes can break the line.
@Suite struct IMAPCommandTests {
    @Test func mailboxNamesAreQuotedWithEscapes() throws {
        let c = try IMAPCommand("UID MOVE 7").string(#"Filed "a\b""#)
        #expect(c.wire(tag: "L4", literalPlus: false) == [bytes(#"L4 UID MOVE 7 "Filed \"a\\b\"""# + "\r\n")])
        #expect(c.description == #"UID MOVE 7 "Filed \"a\\b\"""#)
        let status = try IMAPCommand("STATUS").string(ModifiedUTF7.encode("已处理")).text("(UIDNEXT)")
        #expect(status.wire(tag: "L1", literalPlus: true) == [bytes("L1 STATUS \"&XfJZBHQG-\" (UIDNEXT)\r\n")])
    }

    @Test func lineBreaksInProtocolTextAreRefused() {
        #expect(throws: IMAPCommandError.self) { try IMAPCommand("NOOP\r\nL9 DELETE INBOX") }
        #expect(throws: IMAPCommandError.self) { try IMAPCommand("UID FETCH 1").text("FLAGS\n") }
        #expect(throws: IMAPCommandError.nulInString) { try IMAPCommand("SELECT").string("a\0b") }
    }

    /// A string a quoted string cannot carry (CR/LF, 8-bit) becomes a literal: synchronising
    /// (the command stops after `{n}` until the server's `+`) or, with LITERAL+, `{n+}` inline.
    @Test func unquotableStringsBecomeLiterals() throws {
        let c = try IMAPCommand("CREATE").string("a\r\nL2 DELETE INBOX")
        #expect(c.wire(tag: "L1", literalPlus: false) == [bytes("L1 CREATE {18}\r\n"), bytes("a\r\nL2 DELETE INBOX\r\n")])
        #expect(c.wire(tag: "L1", literalPlus: true) == [bytes("L1 CREATE {18+}\r\na\r\nL2 DELETE INBOX\r\n")])
        #expect(c.description == "CREATE {18}")
        let eightBit = try IMAPCommand("SELECT").string("é")
        #expect(eightBit.wire(tag: "L2", literalPlus: true) == [bytes("L2 SELECT {2+}\r\n") + [0xC3, 0xA9] + bytes("\r\n")])
    }
}

/// The byte-wise FETCH item readers agree with the plain string versions they replaced.
@Suite struct IMAPFetchItemTests {
    static let texts = [
        "* 12 FETCH (UID 7 RFC822.SIZE 120)", "* 12 fetch (uid 7 rfc822.size 120)",
        "* 1 FETCH (RFC822.SIZE 7 UID 12)", "* 1 FETCH (FLAGS (\\Seen) UID 5 BODY[] {3})", "* 1 FETCH (XUID 4 UID 8)",
        "* 1 FETCH (UID x)", "* 1 FETCH (UID)", "* 1 FETCH (UID 99999999999)", "* 1 FETCH (UID 4294967295)",
        "* x FETCH (UID 1)", "* 1 FETCHED (UID 1)", "* 1 FETCH UID 1", "* 1 EXISTS", "A1 OK done", "*", "",
        "* 1 FETCH ((UID 3)", "* 1 FETCH (UID 1a)", "* 99999999999 FETCH (UID 1)", "* 1 FÉTCH (UID 1)",
    ]

    @Test func fastAndPlainReadersAgree() {
        for text in Self.texts {
            #expect(IMAPResponseParser.fetchItems(text) == IMAPResponseParser.fetchItemsSlow(text), "\(text)")
            for name in ["UID", "RFC822.SIZE", "uid"] {
                #expect(IMAPResponseParser.itemNumber(name, in: text) == IMAPResponseParser.itemNumberSlow(name, in: text), "\(name) in \(text)")
            }
        }
        #expect(IMAPResponseParser.fetchItems("* 12 fetch (uid 7 rfc822.size 120)") == "uid 7 rfc822.size 120)")
        #expect(IMAPResponseParser.itemNumber("UID", in: "XUID 4 UID 8)") == 8)
        #expect(IMAPResponseParser.itemNumber("RFC822.SIZE", in: "RFC822.SIZE 7 UID 12)") == 7)
        #expect(IMAPResponseParser.itemNumber("UID", in: "UID 99999999999)") == nil)
        #expect(IMAPResponseParser.itemNumber("UID", in: "(UID 3)") == 3)
    }
}
