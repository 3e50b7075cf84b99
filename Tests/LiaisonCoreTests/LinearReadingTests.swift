// Issue 11: inputs that made the domain readers superlinear (40,000 addresses in To: 7 s; a
// 4-million-character reply: 26 s). The figures are printed by `liaison bench-grammars`; these
// tests hold what the reader must still say on such inputs.
import Foundation
import Testing
@testable import LiaisonCore

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
