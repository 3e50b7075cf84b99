import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import Testing
import LiaisonTestSupport

/// Every message of shared/corpus yields the facts of its .expect.json under the corpus's
/// liaison.toml. The folder is read at run time: a new pair of files is a new test case.
@Suite("Corpus facts")
struct CorpusTests {
    /// Keys whose facts later issues add; until then they are reported, not compared.
    static let pendingKeys: Set<String> = []

    @Test("the corpus folder is found and not empty")
    func corpusIsThere() {
        #expect(CorpusLocation.cases.count >= 12, "corpus at \(CorpusLocation.directory.path)")
    }

    @Test("facts match .expect.json", arguments: CorpusLocation.cases)
    func facts(_ name: String) throws {
        let dir = CorpusLocation.directory
        let org = try LiaisonConfig.load(path: CorpusLocation.configPath).organization()
        let raw = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
        let facts = MessageFacts(message: MessageParser.parse(raw), organization: org)
        let actual = try JSONSerialization.jsonObject(with: JSONEncoder().encode(facts)) as! [String: Any]
        let expectURL = dir.appendingPathComponent(String(name.dropLast(4)) + ".expect.json")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: expectURL)) as! [String: Any]

        var problems: [String] = []
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            if Self.pendingKeys.contains(key) { continue }
            if key == "textContains" {
                for needle in value as? [String] ?? [] where !facts.text.contains(needle) {
                    problems.append("$.text: does not contain \(needle)")
                }
                continue
            }
            problems += JSONSubset.differences(expected: value, actual: actual[key], path: "$.\(key)")
        }
        if !problems.isEmpty {
            // Like mail-parser's fixtures: leave what was read beside the test for a look.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try? encoder.encode(facts).write(to: URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("\(name).failed.json"))
        }
        #expect(problems.isEmpty, Comment(rawValue: "\(name):\n" + problems.joined(separator: "\n")))
    }
}
