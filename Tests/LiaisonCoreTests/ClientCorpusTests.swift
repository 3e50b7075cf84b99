import Foundation
import LiaisonMail
import Testing
@testable import LiaisonCore

/// Issue 14 part 4: mail as real clients write it (Tests/Fixtures/clients/<client>/*.eml) read
/// into the facts its `*.expected.json` states — written from what the mail means
/// (semantics.md), not from what the code printed. Every mismatch of every fixture is reported.
///
/// Expected keys (an absent key is not checked): `kind`, `senderTrusted`, `recap` (true/false),
/// `objectionDeadline`, `nextContact`, `items` (each: `number`, `owner`, `department`, `task`, `due`;
/// `null` means "must be absent"), `objection`, `objectedItems`, `subject`, `fromName`,
/// `firstLine` (the first line of the message's own text, quotes stripped) and `mustNotAppear`
/// (words of quoted history that must not be in the own text).
@Suite struct ClientCorpusTests {
    static let clients = ["outlook", "foxmail", "qqmail", "netease", "gmail", "applemail", "wecom", "dingtalk"]

    static let org = Organization(
        name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
        authservID: "mx.corp.example",
        staff: ["张伟": "zhang.wei@corp.example", "王芳": "wang.fang@corp.example", "赵强": "zhao.qiang@corp.example",
                "Li Lei": "li.lei@corp.example", "李娜": "li.na@corp.example", "陈静": "chen.jing@corp.example"])

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/clients")
    }

    /// Every fixture: client, name, message bytes, expectation.
    static func fixtures() throws -> [(client: String, name: String, eml: [UInt8], expected: [String: Any])] {
        var out: [(String, String, [UInt8], [String: Any])] = []
        for client in clients {
            let dir = root.appendingPathComponent(client)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".eml") }.sorted()
            for file in names {
                let base = String(file.dropLast(4))
                let eml = try Data(contentsOf: dir.appendingPathComponent(file))
                let json = try Data(contentsOf: dir.appendingPathComponent(base + ".expected.json"))
                let expected = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
                out.append((client, base, Array(eml), expected))
            }
        }
        return out
    }

    @Test func everyClientHasSeveralShapes() throws {
        let all = try Self.fixtures()
        for client in Self.clients {
            #expect(all.filter { $0.client == client }.count >= 2, "\(client): fewer than two fixtures")
        }
    }

    @Test func fixturesReadAsTheyMean() throws {
        var mismatches: [String] = []
        let all = try Self.fixtures()
        #expect(all.count >= 16)
        for f in all {
            let m = MessageParser.parse(f.eml)
            let facts = MessageFacts(message: m, organization: Self.org)
            mismatches += Self.compare(facts, m, f.expected).map { "\(f.client)/\(f.name): \($0)" }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: "\n" + mismatches.joined(separator: "\n")))
    }

    /// The differences between what was read and what is expected, in words.
    static func compare(_ facts: MessageFacts, _ m: Message, _ e: [String: Any]) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ key: String, _ actual: T?, _ expected: Any?) {
            guard let expected else { return }
            if expected is NSNull {
                if actual != nil { out.append("\(key): expected none, read \(actual!)") }
                return
            }
            if let want = expected as? T {
                if actual != want { out.append("\(key): expected \(want), read \(actual.map { "\($0)" } ?? "none")") }
            } else {
                out.append("\(key): the expectation \(expected) has the wrong type")
            }
        }
        check("kind", facts.kind.rawValue, e["kind"])
        check("senderTrusted", facts.senderTrusted, e["senderTrusted"])
        check("subject", facts.subject, e["subject"])
        check("fromName", facts.from?.name, e["fromName"])
        if let isRecap = e["recap"] as? Bool, isRecap != (facts.recap != nil) {
            out.append("recap: expected \(isRecap ? "a recap" : "no recap"), read \(facts.recap == nil ? "none" : "one")")
        }
        if let recap = facts.recap {
            check("objectionDeadline", recap.objectionDeadline, e["objectionDeadline"])
            check("nextContact", recap.nextContact, e["nextContact"])
            if let items = e["items"] as? [[String: Any]] {
                if items.count != recap.actionItems.count {
                    out.append("items: expected \(items.count), read \(recap.actionItems.count): \(recap.actionItems.map(\.task))")
                }
                for (k, (want, got)) in zip(items, recap.actionItems).enumerated() {
                    let before = out.count
                    check("item \(k + 1) number", got.number, want["number"])
                    check("item \(k + 1) owner", got.owner, want["owner"])
                    check("item \(k + 1) department", got.department, want["department"])
                    check("item \(k + 1) task", got.task, want["task"])
                    check("item \(k + 1) due", got.due, want["due"])
                    if out.count > before, let note = got.dueNote { out.append("  (item \(k + 1) due note: \(note))") }
                }
            }
        } else if e["objectionDeadline"] != nil || e["items"] != nil {
            out.append("recap facts expected, none read")
        }
        check("objection", facts.objection, e["objection"])
        if let want = e["objectedItems"] as? [Int], want != facts.objectedItems {
            out.append("objectedItems: expected \(want), read \(facts.objectedItems)")
        }
        let own = QuotedText.strip(m.text)
        let firstLine = own.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        check("firstLine", firstLine, e["firstLine"])
        for word in e["mustNotAppear"] as? [String] ?? [] where own.contains(word) {
            out.append("the own text holds quoted words “\(word)”")
        }
        if m.text.contains("\u{FFFD}") { out.append("the text holds replacement characters") }
        return out
    }
}
