import Testing
@testable import LiaisonTransport

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct IMAPResponseParserTests {
    /// What libcurl 7.88 hands the header callback on a fresh connection: greeting, login,
    /// SELECT, then the FETCH with its literal — every line, in order.
    static func stream(literal: [UInt8], uid: UInt32 = 7, seq: Int = 3, trailer: String = ")") -> [UInt8] {
        var s = bytes("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n")
        s += bytes("A001 OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] Logged in\r\n")
        s += bytes("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 4 EXISTS\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 9] Predicted next UID\r\n")
        s += bytes("A002 OK [READ-WRITE] Select completed.\r\n")
        s += bytes("* \(seq) FETCH (UID \(uid) BODY[] {\(literal.count)}\r\n") + literal + bytes("\(trailer)\r\n")
        s += bytes("A003 OK Fetch completed (0.001 + 0.000 secs).\r\n")
        return s
    }

    @Test func literalWithCRLFInsideIsReturnedExactly() throws {
        let message = bytes("Subject: hi\r\n\r\nline one\r\n\r\nline three\r\n")
        let body = try IMAPResponseParser.fetchedBody(in: Self.stream(literal: message), uid: 7)
        #expect(body == message)
        #expect(body?.count == 39)
    }

    @Test func literalWithoutFinalNewlineJoinsTheClosingParenthesis() throws {
        // The last line of the body and `)` arrive as one server line.
        let message = bytes("Subject: x\r\n\r\nno newline at end")
        #expect(try IMAPResponseParser.fetchedBody(in: Self.stream(literal: message), uid: 7) == message)
    }

    @Test func emptyLiteral() throws {
        let body = try IMAPResponseParser.fetchedBody(in: Self.stream(literal: []), uid: 7)
        #expect(body == [])
    }

    @Test func literalContainingProtocolLookalikesIsNotInterpreted() throws {
        let message = bytes("Subject: tricky)\r\n\r\n* 5 FETCH (UID 99 BODY[] {3}\r\nabc)\r\nA003 NO fake\r\n)\r\n")
        let s = Self.stream(literal: message)
        #expect(try IMAPResponseParser.fetchedBody(in: s, uid: 7) == message)
        // And UID 99 is not found: it existed only inside the literal.
        #expect(try IMAPResponseParser.fetchedBody(in: s, uid: 99) == nil)
    }

    @Test func flagsAfterTheLiteralAreAccepted() throws {
        let message = bytes("A: b\r\n\r\nx\r\n")
        let s = Self.stream(literal: message, trailer: " FLAGS (\\Recent))")
        #expect(try IMAPResponseParser.fetchedBody(in: s, uid: 7) == message)
    }

    @Test func eightBitBytesSurvive() throws {
        let message: [UInt8] = bytes("Subject: =?GB2312?B?xOO6ww==?=\r\n\r\n") + [0xC4, 0xE3, 0xBA, 0xC3, 0x0D, 0x0A, 0xFF, 0x00, 0x0A]
        #expect(try IMAPResponseParser.fetchedBody(in: Self.stream(literal: message), uid: 7) == message)
    }

    @Test func truncatedLiteralThrows() {
        var s = bytes("* 1 FETCH (UID 7 BODY[] {100}\r\n") + bytes("only a little\r\n")
        #expect(throws: IMAPParseError.truncatedLiteral(expected: 100, available: 15)) {
            try IMAPResponseParser.fetchedBody(in: s, uid: 7)
        }
        // A literal whose size is right but whose closing parenthesis is missing was cut.
        s = bytes("* 1 FETCH (UID 7 BODY[] {5}\r\nabcdefgh\r\nA003 OK done\r\n")
        #expect(throws: IMAPParseError.self) { try IMAPResponseParser.fetchedBody(in: s, uid: 7) }
    }

    @Test func fetchForAnotherUIDOrNoFetchIsNil() throws {
        let s = Self.stream(literal: bytes("x"), uid: 8)
        #expect(try IMAPResponseParser.fetchedBody(in: s, uid: 7) == nil)
        #expect(try IMAPResponseParser.fetchedBody(in: bytes("A003 OK Fetch completed.\r\n"), uid: 7) == nil)
    }

    @Test func scannerSeparatesResponsesAndKeepsLiteralItems() throws {
        let s = Self.stream(literal: bytes("ab\r\ncd"))
        let responses = try IMAPResponseScanner.responses(in: s)
        #expect(responses.count == 9)
        let fetch = responses[7]
        #expect(fetch.text == "* 3 FETCH (UID 7 BODY[] {6})")
        #expect(fetch.literals == [.init(item: "BODY[]", bytes: bytes("ab\r\ncd"))])
        #expect(responses[8].tag == "A003")
    }

    @Test func searchLines() throws {
        let s = bytes("* SEARCH 3 4 17 4294967295\r\n* search 2\r\nA005 OK Search completed.\r\n")
        #expect(try IMAPResponseParser.searchUIDs(in: s) == [2, 3, 4, 17, 4_294_967_295])
        #expect(try IMAPResponseParser.searchUIDs(in: bytes("* SEARCH\r\nA005 OK\r\n")) == [])
        // Numbers in other untagged lines are not UIDs.
        #expect(try IMAPResponseParser.searchUIDs(in: bytes("* 12 EXISTS\r\n* SEARCH 5\r\n")) == [5])
    }

    @Test func statusResponse() throws {
        let s = bytes("* OK [UIDVALIDITY 1] old\r\n* STATUS \"INBOX\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 1700000123)\r\nA006 OK Status completed.\r\n")
        let st = try IMAPResponseParser.status(in: s)
        #expect(st.uidValidity == 1_700_000_123)
        #expect(st.uidNext == 44292)
        #expect(st.messages == 231)
    }

    @Test func examineResponse() throws {
        let s = bytes("* FLAGS (\\Seen)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n* 18 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] Predicted next UID\r\nA007 OK [READ-ONLY] Examine completed.\r\n")
        let st = try IMAPResponseParser.status(in: s)
        #expect(st.uidValidity == 3_857_529_045)
        #expect(st.uidNext == 4392)
        #expect(st.messages == 18)
    }

    @Test func capabilitiesAndTryCreate() throws {
        let s = bytes("* CAPABILITY IMAP4rev1 LITERAL+ MOVE UIDPLUS IDLE\r\nA008 OK Capability completed.\r\n")
        #expect(try IMAPResponseParser.capabilities(in: s) == ["IMAP4REV1", "LITERAL+", "MOVE", "UIDPLUS", "IDLE"])
        #expect(IMAPResponseParser.asksToCreate(in: bytes("A009 NO [TRYCREATE] Mailbox doesn't exist: Done\r\n")))
        #expect(!IMAPResponseParser.asksToCreate(in: bytes("A009 NO [NONEXISTENT] nope\r\n")))
    }

    @Test func flagsOfAFetch() throws {
        let s = bytes("* 2 FETCH (UID 7 FLAGS (\\Seen \\Answered))\r\nA010 OK done\r\n")
        #expect(try IMAPResponseParser.flags(in: s, uid: 7) == ["\\SEEN", "\\ANSWERED"])
        #expect(try IMAPResponseParser.flags(in: bytes("* 2 FETCH (UID 7 FLAGS ())\r\n"), uid: 7) == [])
    }

    @Test func lastStatusLineSkipsLiteralContent() {
        let s = Self.stream(literal: bytes("secret body text\r\n")).dropLast(47)
        // Cut before the tagged OK: the last protocol status is the SELECT completion, never body text.
        #expect(IMAPResponseParser.lastStatusLine(in: Array(s)) == nil || !IMAPResponseParser.lastStatusLine(in: Array(s))!.contains("secret"))
        #expect(IMAPResponseParser.lastStatusLine(in: bytes("A001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")) == "A001 NO [AUTHENTICATIONFAILED] Authentication failed.")
        // After a refused command libcurl logs out: the refusal, not the LOGOUT reply, explains it.
        let refused = bytes("A008 NO [CANNOT] Invalid mailbox name\r\n* BYE Logging out\r\nA009 OK Logout completed.\r\n")
        #expect(IMAPResponseParser.lastStatusLine(in: refused) == "A008 NO [CANNOT] Invalid mailbox name")
    }
}
