import Foundation
import Testing
import LiaisonTestSupport

/// `liaison ingest` of a trusted staff mail carries out its commands as the poller would (the
/// same filing path): issue 14.
@Suite("liaison ingest of staff instructions (binary)")
struct StaffIngestCommandTests {
    typealias CLI = InspectCommandTests

    static func staffMail(_ dir: URL, name: String, from: String, body: String, trusted: Bool) throws -> String {
        let path = dir.appendingPathComponent(name).path
        let auth = trusted
            ? "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example\r\n"
            : ""
        let text = auth + """
            From: <\(from)>\r
            To: track@corp.example\r
            Subject: Re: [\(ItemsCommandTests.number)] status\r
            Date: Wed, 18 Nov 2026 10:00:00 +0800\r
            Message-ID: <\(name)@corp.example>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(body)\r

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func ingestOfAStaffCommandChangesTheCase() async throws {
        let (config, dir) = try await ItemsCommandTests.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let done = try Self.staffMail(dir, name: "done-1", from: "wang.fang@corp.example", body: "#完成 1\r\n#完成 9", trusted: true)
        let r = try await CLI.run(["ingest", "--quiet", "--config", config, done])
        #expect(r.status == 0, "\(r.stderr)")
        let items = try await ItemsCommandTests.items(config)
        #expect(items[0]["status"] as? String == "done")
        #expect(items[0]["doneBy"] as? String == "wang.fang@corp.example")
        let shown = try #require(try await RecapCommandTests.json(["cases", "show", ItemsCommandTests.number, "--json", "--config", config]) as? [String: Any])
        let events = try #require(shown["events"] as? [[String: Any]])
        #expect(events.contains { $0["kind"] as? String == "item-done" })
        #expect(events.contains { $0["kind"] as? String == "instruction-refused" && ($0["detail"] as? String ?? "").contains("9") })

        // The customer's #结案 is filed and changes nothing.
        let outsider = dir.appendingPathComponent("outsider.eml").path
        try String(contentsOfFile: try Self.staffMail(dir, name: "resolve-x", from: "liu.yang@huadong-precision.example",
                                                      body: "#结案", trusted: false), encoding: .utf8)
            .write(toFile: outsider, atomically: true, encoding: .utf8)
        let r2 = try await CLI.run(["ingest", "--quiet", "--config", config, outsider])
        #expect(r2.status == 0, "\(r2.stderr)")
        let after = try #require(try await RecapCommandTests.json(["cases", "show", ItemsCommandTests.number, "--json", "--config", config]) as? [String: Any])
        #expect(after["status"] as? String == "open")
    }
}
