import Foundation
import LiaisonMail
import Testing
import LiaisonTestSupport

/// Staff closing the loop by mail on the real rig (issue 14): 王芳's "#完成 1" travels as mail
/// (curl → Postfix → Dovecot), `liaison serve --once` files it and carries it out, and the
/// confirmation arrives in her own mailbox. Runs serially with the other rig suites (scripts/test).
@Suite("staff instructions by mail (rig)", .serialized)
struct StaffMailEndToEndTests {
    typealias CLI = InspectCommandTests

    @Test("a staff command by real mail is carried out and confirmed in her mailbox", .enabled(if: Rig.available || Rig.required))
    func commandByMailIsConfirmed() throws {
        try Rig.require()
        let ws = try E2E.Workspace("staff-mail")
        defer { try? FileManager.default.removeItem(at: ws.dir) }
        let folder = "Staff\(UUID().uuidString.prefix(8))"
        let staff = [("王芳", "wang.fang@corp.example"), ("张伟", "zhang.wei@corp.example")]
        let config = try ws.writeConfig("liaison.toml", folder: folder, staff: staff)
        let wang = try ws.writeConfig("wang.toml", user: "wang.fang@corp.example", staff: staff)
        let corpus = ServeCommandTests.corpus(["01-", "02-", "03-"])
        try #require(corpus.count == 3, "corpus not found at \(CorpusLocation.directory.path)")
        try ServeCommandTests.deliver(folder: folder, corpus)
        let r1 = try CLI.run(["serve", "--once", "--config", config, "--now", "2026-11-17T16:00:00+08:00"])
        #expect(r1.status == 0, "\(r1.stderr)")
        let number = try #require(try E2E.cases(config: config).first?["number"] as? String)

        // Her command, as her client sends it through the MX (which adds Authentication-Results).
        let id = "<staff.\(UUID().uuidString.prefix(8))@corp.example>"
        let file = ws.path("done.eml")
        let subject = "=?utf-8?B?\(Data("回复: [\(number)] 第二批货物质量问题".utf8).base64EncodedString())?="
        try Data(([
            "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example",
            "From: =?utf-8?B?\(Data("王芳".utf8).base64EncodedString())?= <wang.fang@corp.example>",
            "To: track@corp.example",
            "Subject: \(subject)",
            "Date: Wed, 18 Nov 2026 10:00:00 +0800",
            "Message-ID: \(id)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ].joined(separator: "\r\n") + "\r\n\r\n#完成 1\r\n\r\n王芳\r\n").utf8).write(to: URL(fileURLWithPath: file))
        let from = try E2E.uidNext(config: wang)
        try E2E.sendSMTP(to: "track+\(folder)@corp.example", from: "wang.fang@corp.example", file: file)
        try Rig.mailrig(["drain", "60"])

        let r2 = try CLI.run(["serve", "--once", "--config", config, "--now", "2026-11-18T10:01:00+08:00"])
        #expect(r2.status == 0, "\(r2.stderr)")
        let shown = try E2E.caseShown(number, config: config)
        let items = try #require((shown["recaps"] as? [[String: Any]])?.last?["actionItems"] as? [[String: Any]])
        #expect(items.first?["status"] as? String == "done")
        #expect(items.first?["doneBy"] as? String == "wang.fang@corp.example")

        try Rig.mailrig(["drain", "60"])
        var got: [E2E.Mail] = []
        try E2E.waitUntil("the confirmation in wang.fang's mailbox", timeout: 60, every: 0.5) {
            got = try E2E.mails(config: wang, from: from, scratch: ws.dir).filter { $0.message.inReplyTo == [id] }
            return !got.isEmpty
        }
        #expect(got.count == 1)
        let confirmation = try #require(got.first)
        #expect(confirmation.header("Auto-Submitted") == "auto-replied")
        #expect(confirmation.subject.contains("[\(number)]"))
        #expect(confirmation.message.to.map(\.address) == ["wang.fang@corp.example"])
        #expect(confirmation.message.text.contains("第1项已完成"))
    }
}
