// Issue 11: inputs that made the domain readers superlinear (40,000 addresses in To: 7 s; a
// 4-million-character reply: 26 s). The figures are printed by `liaison-bench bench grammars`; these
// tests hold what the reader must still say on such inputs.
import Foundation
import Testing
@testable import LiaisonCore
import LiaisonMail

@Suite("Linear reading of large inputs (issue 11)")
struct LinearReadingTests {
    let matcher = CaseMatcher(organization: matchOrg)

    @Test("40,000 outside addresses in To: each one a contact once, in order")
    func manyRecipients() {
        var to = (0..<40_000).map { "u\($0)@client\($0 % 50).example" }
        to += to.prefix(1_000)   // repeated ones are not counted twice
        to.append("zhang@corp.example")   // staff are not contacts
        let input = MatchInput(from: "buyer@client0.example", to: to, date: t0, subject: "询价")
        let party = matcher.counterparty(input)
        #expect(party.contacts.count == 40_001)
        #expect(party.contacts.first == "buyer@client0.example")
        #expect(party.contacts.last == "u39999@client49.example")
        #expect(party.organization == "client0.example")
        #expect(matcher.counterpartyAddresses(input).count == 40_001)
        let staffOnly = MatchInput(from: "wang@corp.example", to: (0..<40_000).map { "s\($0 % 20_000)@corp.example" },
                                   date: t0, subject: "内部")
        #expect(matcher.counterpartyAddresses(staffOnly).count == 20_001)
    }

    @Test("a 4-million-character reply of negated objections objects only where it does")
    func longReply() {
        let negated = String(repeating: "we have no objection and no objections at all ", count: 90_000)
        #expect(negated.count > 4_000_000)
        #expect(ObjectionReader.read(negated).objects == false)
        #expect(ObjectionReader.read(negated + ". But I disagree with item 3.").objects == true)
        #expect(ObjectionReader.read(negated + ". But I disagree with item 3.").items == [3])
        let negatedCN = String(repeating: "没有异议无异议", count: 600_000)
        #expect(ObjectionReader.read(negatedCN).objects == false)
        #expect(ObjectionReader.read(negatedCN + "。第③点有异议").items == [3])
    }
}

/// The recap and objection readers see the head and the tail of a long text
/// (`MessageFacts.maxReadCharacters`), and the message says so in its issues.
@Suite("Readers see the head and the tail of a large text (issue 11)")
struct ReadableTextTests {
    static let org = try! Organization(name: "示例科技有限公司", internalDomains: ["corp.example"],
                                  trackingAddress: "track@corp.example", authservID: "mx.corp.example",
                                  timeZone: "Asia/Shanghai")

    static func reply(_ body: String) -> Message {
        let raw = """
            From: Liu Yang <liu.yang@client.example>\r
            To: zhang.wei@corp.example\r
            Cc: track@corp.example\r
            Subject: Re: 沟通纪要\r
            In-Reply-To: <recap.1@corp.example>\r
            Date: Tue, 17 Nov 2026 18:00:00 +0800\r
            Message-ID: <reply.1@client.example>\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(body)\r\n
            """
        return MessageParser.parse(Array(raw.utf8))
    }

    static let bulk = String(repeating: "a line of a long attachment pasted into the reply, nothing more\n", count: 1_500)

    @Test("an objection above (top-posting) or below (bottom-posting) a huge text is read, and an issue says the middle was not")
    func headAndTailOfHugeReply() {
        let top = MessageFacts(message: Self.reply("第③点有异议，请核实。\n" + Self.bulk), organization: Self.org)
        #expect(top.objection == true)
        #expect(top.objectedItems == [3])
        #expect(top.issues.contains { $0.contains("first and the last \(MessageFacts.maxReadCharacters / 2) characters") })
        let bottom = MessageFacts(message: Self.reply(Self.bulk + "\n第③点有异议"), organization: Self.org)
        #expect(bottom.objection == true)
        let middle = MessageFacts(message: Self.reply(Self.bulk + "\n第③点有异议\n" + Self.bulk), organization: Self.org)
        #expect(middle.objection == false, "words in the middle of a huge text are not read")
        let small = MessageFacts(message: Self.reply("第③点有异议"), organization: Self.org)
        #expect(small.objection == true)
        #expect(!small.issues.contains { $0.contains("characters") })
    }
}
