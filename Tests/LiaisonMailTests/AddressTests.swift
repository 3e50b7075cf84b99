import Foundation
import Testing
@testable import LiaisonMail

private func m(_ name: String?, _ address: String) -> AddressListEntry { .mailbox(Address(name: name, address: address)) }
private func a(_ name: String?, _ address: String) -> Address { Address(name: name, address: address) }

/// RFC 5322 §3.4 / §4.4 address lists as real mailers write them, with the entries expected.
/// None of these holds an encoded word: those are in the "Address encoded words" suite.
let addressTable: [(String, [AddressListEntry])] = [
    // RFC 5322 §3.4
    ("fang.wang@corp.example", [m(nil, "fang.wang@corp.example")]),
    ("Fang Wang <fang.wang@corp.example>", [m("Fang Wang", "fang.wang@corp.example")]),
    ("\"Wang, Fang \\\"WF\\\"\" <wf@corp.example>", [m("Wang, Fang \"WF\"", "wf@corp.example")]),
    ("\"Li\\\\Na\" <li.na@corp.example>", [m("Li\\Na", "li.na@corp.example")]),
    ("<a@b.example>", [m(nil, "a@b.example")]),
    ("a@b.example, Fang <c@d.example>", [m(nil, "a@b.example"), m("Fang", "c@d.example")]),
    ("a@[192.0.2.1]", [m(nil, "a@[192.0.2.1]")]),
    // Comments anywhere, nested; the old `a@b (Name)` style
    ("a@b.example (Wang (sales))", [m("Wang (sales)", "a@b.example")]),
    ("MAILER-DAEMON@mx.corp.example (Mail Delivery System)", [m("Mail Delivery System", "MAILER-DAEMON@mx.corp.example")]),
    ("Fang (the boss) Wang <a@b.example> (ignored)", [m("Fang Wang", "a@b.example")]),
    ("<a@b.example> (Fang Wang)", [m("Fang Wang", "a@b.example")]),
    ("a(one)@(two)b.example", [m(nil, "a@b.example")]),
    ("a@b.example (unclosed comment", [m("unclosed comment", "a@b.example")]),
    ("a@b.example ()", [m(nil, "a@b.example")]),
    // Groups (RFC 5322 §3.4 `group`)
    ("Team: a@b.example, c@d.example;", [.group(name: "Team", members: [a(nil, "a@b.example"), a(nil, "c@d.example")])]),
    ("undisclosed-recipients:;", [.group(name: "undisclosed-recipients", members: [])]),
    ("Sales Team: Fang <a@b.example>; e@f.example",
     [.group(name: "Sales Team", members: [a("Fang", "a@b.example")]), m(nil, "e@f.example")]),
    ("Team: a@b.example, c@d.example", [.group(name: "Team", members: [a(nil, "a@b.example"), a(nil, "c@d.example")])]),
    ("A: B: c@d.example;;", [.group(name: "A", members: [a(nil, "c@d.example")])]),
    ("Team (ours): <a@b.example> (A), b@c.example (B);",
     [.group(name: "Team", members: [a("A", "a@b.example"), a("B", "b@c.example")])]),
    // Obsolete forms (RFC 5322 §4.4)
    ("<@route1.example,@route2.example:a@b.example>", [m(nil, "a@b.example")]),
    ("Fang <@r1.example:a@b.example>", [m("Fang", "a@b.example")]),
    ("john . doe @ example.com", [m(nil, "john.doe@example.com")]),
    ("Doe <john. doe@example.com>", [m("Doe", "john.doe@example.com")]),
    ("foo..bar.@docomo.example", [m(nil, "foo..bar.@docomo.example")]),
    ("\"john doe\"@example.com", [m(nil, "\"john doe\"@example.com")]),
    ("\"john\"@example.com", [m(nil, "john@example.com")]),
    ("\"john\r\ndoe\"@example.com", [m(nil, "johndoe@example.com")]),
    ("a@[ 192.0.2.1\t]", [m(nil, "a@[192.0.2.1]")]),
    ("J.R. Smith <jr@x.example>", [m("J.R. Smith", "jr@x.example")]),
    // Missing brackets, stray and missing separators
    ("Fang <a@b.example", [m("Fang", "a@b.example")]),
    ("Fang <a@b.example, Li <c@d.example>", [m("Fang", "a@b.example"), m("Li", "c@d.example")]),
    (", a@b.example,, c@d.example,", [m(nil, "a@b.example"), m(nil, "c@d.example")]),
    ("a@b.example; c@d.example", [m(nil, "a@b.example"), m(nil, "c@d.example")]),
    ("a@b.example c@d.example", [m(nil, "a@b.example"), m(nil, "c@d.example")]),
    ("A <a@x.example> B <b@x.example>", [m("A", "a@x.example"), m("B", "b@x.example")]),
    ("<a@x.example> (A) <b@x.example>", [m("A", "a@x.example"), m(nil, "b@x.example")]),
    ("Fang Wang fang@x.example", [m("Fang Wang", "fang@x.example")]),
    ("<<a@b.example>>", [m(nil, "a@b.example")]),
    ("Fang <a@b.example>>", [m("Fang", "a@b.example")]),
    ("mailto:a@b.example", [m(nil, "a@b.example")]),
    ("Fang <mailto:a@b.example>", [m("Fang", "a@b.example")]),
    ("Fang <>, a@b.example", [m(nil, "a@b.example")]),
    ("Wang, Fang <fang@x.example>", [m("Wang, Fang", "fang@x.example")]),
    // A display name that is itself an address
    ("\"a@b.example\" <c@d.example>", [m("a@b.example", "c@d.example")]),
    ("a@b.example <c@d.example>", [m("a@b.example", "c@d.example")]),
    // Names: unquoted, whitespace collapsed, trimmed, empty is nil
    ("  Fang \t  Wang   <a@b.example>  ", [m("Fang Wang", "a@b.example")]),
    ("\"  Fang   Wang \" <a@b.example>", [m("Fang Wang", "a@b.example")]),
    ("\"\" <a@b.example>", [m(nil, "a@b.example")]),
    ("\"   \" <a@b.example>", [m(nil, "a@b.example")]),
    ("\"Fang\u{07}\u{0B}Wang\" <a@b.example>", [m("Fang Wang", "a@b.example")]),
    ("Fang\r\n Wang <a@b.example>", [m("Fang Wang", "a@b.example")]),
    // Raw UTF-8 (RFC 6532) in names and addresses
    ("张伟 <zhang.wei@corp.example>", [m("张伟", "zhang.wei@corp.example")]),
    ("Dr. 王 芳 <wf@x.example>", [m("Dr. 王 芳", "wf@x.example")]),
    ("用户@例子.广告", [m(nil, "用户@例子.广告")]),
    ("José <josé@exámple.es>", [m("José", "josé@exámple.es")]),
    // A local name without a domain is kept
    ("root", [m(nil, "root")]),
    ("root (Cron Daemon)", [m("Cron Daemon", "root")]),
    ("a@b.example, root, c@d.example", [m(nil, "a@b.example"), m(nil, "root"), m(nil, "c@d.example")]),
    // Garbage: what can be salvaged, never a crash
    ("garbage \"unterminated <a@b.example>", [m(nil, "a@b.example")]),
    ("x@y.example, \"Li <c@d.example>", [m(nil, "x@y.example"), m(nil, "c@d.example")]),
    ("Fang Wang", []),
    ("", []),
    ("  ,;: <> () \"\"", []),
]

@Suite("Addresses")
struct AddressTests {
    @Test("the table has every form", arguments: addressTable)
    func table(_ input: String, _ expected: [AddressListEntry]) {
        #expect(AddressParser.parseList(input) == expected, "\(input)")
    }

    @Test("the table is large enough")
    func tableSize() {
        #expect(addressTable.count >= 40)
    }

    @Test("parse flattens groups in order")
    func flatten() {
        let list = AddressParser.parse("x@a.example, Team: y@a.example, Li <z@a.example>;, w@a.example")
        #expect(list == [a(nil, "x@a.example"), a(nil, "y@a.example"), a("Li", "z@a.example"), a(nil, "w@a.example")])
    }

    @Test("an encoded word whose Q text holds a comma stays one mailbox")
    func encodedWordIsOneToken() {
        let list = AddressParser.parse("=?utf-8?Q?Wang,_Fang?= <a@b.example>, c@d.example")
        #expect(list.map(\.address) == ["a@b.example", "c@d.example"])
        #expect(list.first?.name != nil)
    }

    @Test("helpers: domain, local part, normalized, formatted")
    func helpers() {
        let x = Address(name: "Wang, Fang", address: "Fang.Wang@Corp.Example")
        #expect(x.domain == "corp.example")
        #expect(x.localPart == "Fang.Wang")
        #expect(x.normalized == "fang.wang@corp.example")
        #expect(x.formatted == "\"Wang, Fang\" <Fang.Wang@Corp.Example>")
        #expect(Address(name: "张伟", address: "z@corp.example").formatted == "张伟 <z@corp.example>")
        #expect(Address(name: "Fang Wang", address: "z@x").formatted == "Fang Wang <z@x>")
        #expect(Address(name: "Say \"hi\"", address: "z@x").formatted == "\"Say \\\"hi\\\"\" <z@x>")
        #expect(Address(name: "A. \"B\"", address: "z@x").formatted == "\"A. \\\"B\\\"\" <z@x>")
        #expect(Address(name: nil, address: "root").formatted == "root")
        #expect(Address(name: nil, address: "root").domain == nil)
        #expect(Address(name: nil, address: "a@").domain == nil)
        // formatted reads back to the same address
        let back = AddressParser.parse(x.formatted)
        #expect(back == [x])
    }

    /// Bounds are loose for a debug build on a loaded machine; quadratic work would take minutes.
    @Test("hostile input ends quickly and never traps", arguments: [
        String(repeating: "(", count: 100_000),
        String(repeating: "\"", count: 100_001),
        String(repeating: "<", count: 100_000),
        String(repeating: "=?", count: 50_000),
        String(repeating: "=?a?q?", count: 20_000),
        String(repeating: "a@", count: 50_000),
        String(repeating: "@", count: 100_000),
        String(repeating: ", ", count: 50_000),
        String(repeating: "\\", count: 100_000),
        String(repeating: "a ", count: 50_000) + ":",
        "x@y.example " + String(repeating: ":", count: 100_000),
        String(repeating: "<a@b.example> ", count: 7_000),
        String(repeating: "<a", count: 50_000),
        String(repeating: "[", count: 100_000),
        String(repeating: "A: ", count: 30_000),
        String(repeating: "a.", count: 50_000) + "@" + String(repeating: "b.", count: 50_000),
        String(repeating: "a b@c ", count: 15_000),
        String(repeating: "=?utf-8?q?", count: 10_000),
    ])
    func hostile(_ input: String) {
        let start = Date()
        _ = AddressParser.parseList(input)
        #expect(Date().timeIntervalSince(start) < 5, "input of \(input.utf8.count) bytes")
    }

    @Test("random lists never trap, and what they yield is clean")
    func randomLists() {
        let pieces = ["a", "b.c", "@", "<", ">", "(", ")", "\"", "\\", ",", ";", ":", " ", "\t", ".", "[", "]",
                      "=?utf-8?q?x?=", "张", "\u{7}", "\r\n ", "@[1.2.3.4]", "root", "x@y.example"]
        var rng = SplitMix64(seed: 0x5EED)
        for _ in 0..<8_000 {
            var s = ""
            for _ in 0..<Int(rng.next() % 24) { s += pieces[Int(rng.next() % UInt64(pieces.count))] }
            for entry in AddressParser.parseList(s) {
                let boxes: [Address]
                switch entry {
                case .mailbox(let a): boxes = [a]
                case .group(_, let ms): boxes = ms
                }
                for a in boxes {
                    #expect(!a.address.isEmpty, "\(s)")
                    #expect(!a.address.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(s)")
                    #expect(!a.address.contains(" ") || a.address.contains("\""), "\(s)")  // spaces only quoted
                    if let name = a.name {
                        #expect(!name.isEmpty && name == name.trimmingCharacters(in: .whitespaces), "\(s)")
                        #expect(!name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(s)")
                    }
                }
            }
        }
    }

    @Test("hostile input still yields what is there")
    func hostileSalvage() {
        let many = AddressParser.parse(String(repeating: "<a@b.example> ", count: 7_000))
        #expect(many.count == 7_000)
        #expect(many.allSatisfy { $0.address == "a@b.example" })
        let buried = AddressParser.parse(String(repeating: "(", count: 50_000) + " <x@y.example>")
        #expect(buried.map(\.address) == ["x@y.example"])
        let quoted = AddressParser.parse(String(repeating: "\"\"", count: 50_000) + " <x@y.example>")
        #expect(quoted.map(\.address) == ["x@y.example"])
    }
}

@Suite("Corpus addresses")
struct CorpusAddressTests {
    @Test("each corpus From gives the address of its expect.json")
    func corpusFrom() throws {
        var checked = 0
        for name in CorpusFixtures.names {
            let expected = try CorpusFixtures.expectation(name)
            guard let from = expected["from"] as? [String: Any], let address = from["address"] as? String else { continue }
            let value = try #require(try CorpusFixtures.header("From", in: name), "\(name) has no From")
            #expect(AddressParser.parse(value).map(\.address) == [address], "\(name): \(value)")
            checked += 1
        }
        #expect(checked >= 6, "corpus at \(CorpusFixtures.directory.path)")
    }

    @Test("every corpus To and Cc reads into addresses with a domain")
    func corpusRecipients() throws {
        var seen = 0
        for name in CorpusFixtures.names {
            for field in ["To", "Cc"] {
                guard let value = try CorpusFixtures.header(field, in: name) else { continue }
                let list = AddressParser.parse(value)
                #expect(!list.isEmpty, "\(name) \(field): \(value)")
                #expect(list.allSatisfy { $0.domain != nil && !$0.address.contains(" ") }, "\(name) \(field): \(value)")
                seen += list.count
            }
        }
        #expect(seen >= 20)
    }
}

/// These need the real RFC 2047 decoder (`EncodedWords.decode`), which lands from the header work;
/// on the address branch, where it is a stub returning its input, they are expected to fail.
@Suite("Address encoded words")
struct AddressEncodedWordTests {
    static let cases: [(String, [AddressListEntry])] = [
        ("=?UTF-8?B?5byg5Lyf?= <zhang.wei@corp.example>", [m("张伟", "zhang.wei@corp.example")]),
        ("=?gb2312?B?1cXOsA==?= <zhang.wei@corp.example>", [m("张伟", "zhang.wei@corp.example")]),
        ("\"=?gb2312?B?1cXOsA==?=\" <zhang.wei@corp.example>", [m("张伟", "zhang.wei@corp.example")]),
        ("\"=?UTF-8?B?5byg5Lyf?=\" <zhang.wei@corp.example>", [m("张伟", "zhang.wei@corp.example")]),
        ("=?utf-8?B?5byg?= =?utf-8?B?5Lyf?= <zhang.wei@corp.example>", [m("张伟", "zhang.wei@corp.example")]),
        ("=?utf-8?Q?Wang,_Fang?= <a@b.example>", [m("Wang, Fang", "a@b.example")]),
        ("=?utf-8?Q?=E7=8E=8B=E7=A3=8A?= <wang.lei@huadong-precision.example>", [m("王磊", "wang.lei@huadong-precision.example")]),
        ("zhang.wei@corp.example (=?utf-8?B?5byg5Lyf?=)", [m("张伟", "zhang.wei@corp.example")]),
        ("=?utf-8?B?5byg5Lyf?=: a@b.example;", [.group(name: "张伟", members: [a(nil, "a@b.example")])]),
        ("=?UTF-8?B?5byg5Lyf?= <z@corp.example>, =?gb2312?B?wfXR8w==?= <l@x.example>",
         [m("张伟", "z@corp.example"), m("刘洋", "l@x.example")]),
    ]

    @Test("encoded-word display names are decoded, also inside quotes", arguments: cases)
    func encoded(_ input: String, _ expected: [AddressListEntry]) {
        #expect(AddressParser.parseList(input) == expected, "\(input)")
    }

    @Test("each corpus From gives the name of its expect.json")
    func corpusFromNames() throws {
        var checked = 0
        for name in CorpusFixtures.names {
            let expected = try CorpusFixtures.expectation(name)
            guard let from = expected["from"] as? [String: Any], let display = from["name"] as? String else { continue }
            let value = try #require(try CorpusFixtures.header("From", in: name), "\(name) has no From")
            #expect(AddressParser.parse(value).first?.name == display, "\(name): \(value)")
            checked += 1
        }
        #expect(checked >= 6)
    }
}

