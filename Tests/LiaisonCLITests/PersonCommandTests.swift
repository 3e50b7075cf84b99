import Foundation
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// `liaison person export|erase` (issue 18) on the shared corpus, for 刘洋
/// (liu.yang@huadong-precision.example): the export holds exactly the messages whose headers
/// name him — as Python's email package reads them, not our parser — byte for byte; after the
/// erasure neither his address nor his name is anywhere in the database file or its WAL, and the
/// case and the report's figures remain.
@Suite("liaison person (binary)")
struct PersonCommandTests {
    typealias CLI = InspectCommandTests
    static let address = "liu.yang@huadong-precision.example"
    static let name = "刘洋"

    /// The Message-IDs of the corpus files whose From/To/Cc/Reply-To/Sender carry `address`,
    /// read by /usr/bin/python3's email package.
    static func expectedIDs(_ address: String) throws -> Set<String> {
        let script = """
            import sys, email, email.policy, email.utils
            for path in sys.argv[2:]:
                with open(path, 'rb') as f:
                    m = email.message_from_binary_file(f, policy=email.policy.compat32)
                fields = []
                for h in ('from', 'to', 'cc', 'reply-to', 'sender'):
                    fields += [str(v) for v in m.get_all(h, [])]
                if any(a.lower() == sys.argv[1] for _, a in email.utils.getaddresses(fields)):
                    print(m['message-id'].strip())
            """
        let r = try ChildProcess.run(URL(fileURLWithPath: ExportCommandTests.python), ["-c", script, address] + IngestCorpusTests.files)
        try #require(r.status == 0, "\(r.stderrText)")
        return Set(r.stdoutText.split(separator: "\n").map(String.init))
    }

    static func ingestCorpus() async throws -> String {
        try #require(IngestCorpusTests.files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let db = try IngestCorpusTests.freshDB()
        let r = try await CLI.run(["ingest", "--quiet", "--config", CorpusLocation.configPath, "--db", db] + IngestCorpusTests.files)
        #expect(r.status == 0, "\(r.stderr)")
        return db
    }

    @Test func exportHoldsExactlyHisMessagesByteForByte() async throws {
        let db = try await Self.ingestCorpus()
        let expected = try Self.expectedIDs(Self.address)
        try #require(expected.count >= 2)
        let out = (db as NSString).deletingLastPathComponent + "/export"
        let r = try await CLI.run(["person", "export", Self.address.uppercased(), "--db", db, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".eml") }
        var exported: [String: Data] = [:]
        for f in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: (out as NSString).appendingPathComponent(f)))
            let ids = try Self.messageIDs(of: data)
            try #require(ids.count == 1, "\(f)")
            exported[ids[0]] = data
        }
        #expect(Set(exported.keys) == expected)
        // Raw bytes, exactly as received.
        for path in IngestCorpusTests.files {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            for (id, bytes) in exported where data.range(of: Data("Message-ID: \(id)".utf8)) != nil {
                #expect(bytes == data, "\(id) differs from \(path)")
            }
        }
        var st = stat()
        #expect(stat(out, &st) == 0 && st.st_mode & 0o777 == 0o700)
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/index.json"))) as? [String: Any])
        #expect(index["address"] as? String == Self.address)
        #expect((index["names"] as? [String])?.contains(Self.name) == true)
        let records = try #require(index["records"] as? [String: Any])
        let cases = try #require(records["cases"] as? [[String: Any]])
        #expect(!cases.isEmpty)
        #expect((index["messages"] as? [Any])?.count == expected.count)
    }

    /// The Message-ID fields of the header, read as bytes (line by line up to the blank line).
    static func messageIDs(of data: Data) throws -> [String] {
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { $0.last == 0x0D ? $0.dropLast() : $0 }
        return lines.prefix { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }
            .filter { $0.lowercased().hasPrefix("message-id:") }
            .map { String($0.dropFirst("message-id:".count)).trimmingCharacters(in: .whitespaces) }
    }

    @Test func erasureLeavesNoTraceAndKeepsTheCaseAndFigures() async throws {
        let db = try await Self.ingestCorpus()
        let list = try await CLI.run(["cases", "list", "--json", "--db", db])
        let numbersBefore = try Self.numbers(list.stdout)
        let reportArgs = ["report", "--db", db, "--config", CorpusLocation.configPath, "--from", "2026-11-01", "--to", "2026-11-30",
                          "--format", "json", "--now", "2026-12-15T00:00:00+08:00"]
        let before = try await CLI.run(reportArgs)
        #expect(before.status == 0, "\(before.stderr)")
        // His case, found by his address before the erasure.
        let export = (db as NSString).deletingLastPathComponent + "/before"
        #expect(try await CLI.run(["person", "export", Self.address, "--db", db, "--out", export]).status == 0)
        let hisCases = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/index.json")))
                                    as? [String: Any])["records"].flatMap { ($0 as? [String: Any])?["cases"] as? [[String: Any]] }
            .map { $0.compactMap { $0["number"] as? String } }
        let hisCase = try #require(hisCases?.first)

        #expect(try await CLI.run(["person", "erase", Self.address, "--db", db]).status != 0, "erased without --confirm")
        let r = try await CLI.run(["person", "erase", Self.address, "--db", db, "--confirm", "--by", "dpo@corp.example"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("erased-") && r.stdout.contains("@invalid"))

        // No trace in the file or its WAL: address in any case, name in UTF-8 and GBK, and
        // the name as an RFC 2047 base64 word.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        if let wal = try? Data(contentsOf: URL(fileURLWithPath: db + "-wal")) { bytes += wal }
        let lower = Data(bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 })
        #expect(lower.range(of: Data(Self.address.utf8)) == nil, "his address is still in the database file")
        #expect(lower.range(of: Data("liu.yang".utf8)) == nil)
        #expect(bytes.range(of: Data(Self.name.utf8)) == nil, "his name (UTF-8) is still in the database file")
        #expect(bytes.range(of: Data([0xC1, 0xF5, 0xD1, 0xF3])) == nil, "his name (GBK) is still in the database file")
        #expect(bytes.range(of: Data("5YiY5rSL".utf8)) == nil)

        // The cases and figures remain; his case says who erased, when, how many.
        let after = try await CLI.run(reportArgs)
        #expect(after.status == 0)
        #expect(try Self.figures(after.stdout) == Self.figures(before.stdout))
        #expect(try Self.numbers(try await CLI.run(["cases", "list", "--json", "--db", db]).stdout) == numbersBefore)
        let show = try await CLI.run(["cases", "show", hisCase, "--json", "--db", db])
        #expect(show.stdout.contains("person-erased") && show.stdout.contains("dpo@corp.example"))
        #expect(!show.stdout.lowercased().contains("liu.yang"))
        #expect(try await CLI.run(["verify", db]).status == 0)

        // Stable: the pseudonym is the same on a second run, which finds nothing left.
        let again = try await CLI.run(["person", "erase", Self.address, "--db", db, "--confirm"])
        let pseudonym = r.stdout.split(separator: " ").first { $0.hasPrefix("erased-") }
        #expect(pseudonym != nil && again.stdout.contains(String(pseudonym!)))
    }

    static func numbers(_ json: String) throws -> [String] {
        (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
    }

    /// The report without the parts that name people (owners' and contacts' addresses).
    static func figures(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] { return d.filter { !["contacts", "contact", "counterparty"].contains($0.key) }.mapValues(strip) }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: strip(object), options: [.sortedKeys]), as: UTF8.self)
    }
}
