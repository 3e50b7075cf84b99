import Foundation
import Testing
@testable import LiaisonMail

/// `ReceivedParser`: the time stamp and `by` host of one Received field, as real MTAs write them,
/// and hostile values refused with a typed failure.
@Suite struct ReceivedParserTests {
    func stamp(_ v: String) throws -> ReceivedParser.Stamp {
        switch ReceivedParser.parse(v) {
        case .success(let s): return s
        case .failure(let f): Issue.record("\(f)"); throw f
        }
    }

    func failure(_ v: String) -> ReceivedParser.Failure? {
        if case .failure(let f) = ReceivedParser.parse(v) { return f }
        return nil
    }

    @Test func postfixStampWithSemicolonsInComments() throws {
        // Postfix with TLS: the comment after the client carries its own ';'.
        let v = "from client.huadong-precision.example (client.huadong-precision.example [192.0.2.7]) "
            + "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519; "
            + "server-signature RSA-PSS (2048 bits)) (No client certificate requested) by mx.corp.example (Postfix) "
            + "with ESMTPS id 4Q2xYz1kLmz9sWN for <track@corp.example>; Tue, 17 Nov 2026 18:03:01 +0800 (CST)"
        let s = try stamp(v)
        #expect(s.by == "mx.corp.example")
        #expect(s.date.iso8601 == "2026-11-17T18:03:01+08:00")
    }

    @Test func dovecotLMTPStamp() throws {
        let s = try stamp("from mx.corp.example by imap.corp.example with LMTP id kMw2AqhVb2fSJQAA0J78UA (envelope-from <a@b.example>) for <track@corp.example>; Wed, 02 Dec 2026 01:50:00 +0000")
        #expect(s.by == "imap.corp.example")
        #expect(s.date.date == Date(timeIntervalSince1970: 1_796_176_200))
    }

    @Test func byIsAWholeWordInAnyCaseAndOptional() throws {
        #expect(try stamp("from x BY MX.Corp.Example; 1 Dec 2026 10:00:00 +0800").by == "mx.corp.example")
        // "bypass" is not "by"; a stamp with no by-clause still has a date.
        let s = try stamp("from bypass.example (helo bypass); Tue, 1 Dec 2026 10:00:00 +0800")
        #expect(s.by == nil)
        #expect(s.date.iso8601 == "2026-12-01T10:00:00+08:00")
        // "by" inside a comment is not the clause.
        #expect(try stamp("from a (by evil.example) by mx.corp.example; 1 Dec 2026 10:00:00 +0800").by == "mx.corp.example")
    }

    @Test func theDateFollowsTheLastSemicolonOutsideComments() throws {
        // A forged date in a comment after the real one does not replace it.
        let s = try stamp("by mx.corp.example; Tue, 17 Nov 2026 18:03:01 +0800 (; Fri, 1 Jan 2027 00:00:00 +0000)")
        #expect(s.date.iso8601 == "2026-11-17T18:03:01+08:00")
    }

    @Test func refusedWithAReason() {
        #expect(failure("from a by mx.corp.example with SMTP id 1") == .noDate)
        #expect(failure("by mx.corp.example; yesterday") == .unreadableDate("yesterday"))
        #expect(failure("by mx.corp.example (unclosed; 1 Dec 2026 10:00:00 +0800") == .unbalancedComment)
        #expect(failure("by mx.corp.example; 31 Feb 2026 10:00:00 +0800") == .unreadableDate("31 Feb 2026 10:00:00 +0800"))
        #expect(failure("") == .noDate)
    }

    @Test func hostileValuesAreBounded() {
        // Too long: refused before any scanning, whatever it holds.
        let long = String(repeating: "from a.example ", count: 400) + "; 1 Dec 2026 10:00:00 +0800"
        #expect(failure(long) == .tooLong(long.utf8.count))
        // Deep comments.
        let deep = "by mx.corp.example " + String(repeating: "(", count: 9) + String(repeating: ")", count: 9) + "; 1 Dec 2026 10:00:00 +0800"
        #expect(failure(deep) == .commentTooDeep)
        let ok = "by mx.corp.example " + String(repeating: "(", count: 8) + String(repeating: ")", count: 8) + "; 1 Dec 2026 10:00:00 +0800"
        #expect(failure(ok) == nil)
        // A backslash escapes a parenthesis inside a comment; one at the very end cannot read past it.
        #expect(failure("by mx (a \\) b); 1 Dec 2026 10:00:00 +0800") == nil)
        #expect(failure("by mx (a \\") == .unbalancedComment)
        // Binary junk and a date wrapped in control bytes give a failure, never a trap or an invented date.
        #expect(failure("\u{0}\u{1}\u{7F};\u{1B}[2J") != nil)
        let unread = failure(";" + String(repeating: "9", count: 3000))
        if case .unreadableDate(let shown) = unread { #expect(shown.count <= 65) } else { Issue.record("\(String(describing: unread))") }
    }
}
