import Foundation
import LiaisonMail
import Testing
import LiaisonTestSupport

/// Containment on the mail rig (issue 11, "What must hold"): a message that makes the reader
/// trap — the debug build's test hook, `X-Liaison-Test-Trap: 1` with `LIAISON_TEST_TRAP=1` —
/// delivered ahead of 100 ordinary ones. `liaison serve --once` is restarted after each exit as
/// systemd would restart the service: it dies once with the first batch in hand (counted against
/// none of its messages: it was reading one of them), then reads them alone and dies at most
/// twice on the trap, then holds that message as unprocessable and files the 100 behind it.
@Suite("containment end to end (binary, mail rig)", .serialized)
struct ContainmentEndToEndTests {
    typealias CLI = InspectCommandTests

    @Test("a message that crashes the reader costs its batch's restart and two of its own, then is held; the 100 behind it are filed",
          .enabled(if: Rig.available || Rig.required))
    func trapThenHundred() throws {
        try Rig.require()
        let ws = try E2E.Workspace("contain")
        let folder = "Contain\(UUID().uuidString.prefix(8))"
        // 100 complaints to one owner within the hour: the rate caps (issue 12) are off here, this
        // test is about containment.
        let config = try ws.writeConfig("liaison.toml", folder: folder, staff: [("王芳", "wang.fang@corp.example")],
                                        extra: "\n[limits]\ncases_per_sender_hour = 0\ncases_per_sender_day = 0\ncases_per_owner_hour = 0\nnotices_per_owner_hour = 0\n")
        let now = "2026-11-17T10:00:00+08:00"
        let sent = ISO8601DateFormatter().date(from: "2026-11-17T09:00:00+08:00")!

        let mail = GeneratedMail(dir: ws.dir)
        let trapPath = ws.path("trap.eml")
        let trap = [
            "From: =?utf-8?B?\(Data("客户0".utf8).base64EncodedString())?= <buyer0@client0.example>",
            "To: wang.fang@corp.example", "Cc: track@corp.example",
            "Subject: trap \(mail.run)", "Date: \(E2E.rfc5322(sent))", "Message-ID: <trap.\(mail.run)@client0.example>",
            "X-Liaison-Test-Trap: 1", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
        ].joined(separator: "\r\n") + "\r\n\r\nthis message makes the debug build's reader trap\r\n"
        try Data(trap.utf8).write(to: URL(fileURLWithPath: trapPath))
        let ordinary = try (1...100).map { try mail.complaint($0, date: sent.addingTimeInterval(Double($0))) }
        try Rig.deliver("track+\(folder)@corp.example", [trapPath] + ordinary.map(\.path))

        // Restart after every exit, as Restart=on-failure does (at most 6 runs).
        var statuses: [Int32] = []
        var last = CLI.Run(status: -1, stdout: "", stderr: "")
        for _ in 0..<6 {
            last = try CLI.run(["serve", "--once", "--config", config, "--now", now], env: ["LIAISON_TEST_TRAP": "1"])
            statuses.append(last.status)
            if last.status == 0 { break }
        }
        let deaths = statuses.filter { $0 != 0 }.count
        #expect(statuses.last == 0, "serve --once never succeeded: \(statuses); \(last.stderr.suffix(2_000))")
        #expect(deaths >= 1, "the trap did not fire: is this a debug build? \(statuses)")
        #expect(deaths <= 3, "died \(deaths) times: \(statuses)")
        #expect(last.stdout.contains("1 unprocessable"), "status line: \(last.stdout)")

        let held = try E2E.json(["review", "list", "--json", "--config", config]) as? [[String: Any]] ?? []
        #expect(held.count == 1, "\(held)")
        #expect(held.first?["reason"] as? String == "unprocessable")
        #expect(held.first?["detail"] as? String == "the reader crashed on it twice")
        #expect((held.first?["subject"] as? String) == nil, "nothing is read from a message held unread")

        let cases = try E2E.cases(config: config)
        #expect(cases.count == 100, "cases opened: \(cases.count)")
        let text = try CLI.run(["review", "list", "--config", config])
        #expect(text.stdout.contains("unprocessable (the reader crashed on it twice)"), "\(text.stdout)")
        if let id = held.first?["id"] as? Int {
            let accept = try CLI.run(["review", "accept", String(id), "--case", "EC20261117-001", "--config", config])
            #expect(accept.status != 0 && accept.stderr.contains("unprocessable"), "\(accept.status) \(accept.stderr)")
        }
        // A further run reads nothing again and does not die.
        let again = try CLI.run(["serve", "--once", "--config", config, "--now", now], env: ["LIAISON_TEST_TRAP": "1"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    /// Issue 11's first finding: 93 bytes (`Content-Disposition: (\`) stopped the service for good.
    /// The shared hostile samples and variants of them (every header grammar that scans comments
    /// and quoted pairs, at the top and in a nested part) are delivered ahead of the whole corpus;
    /// `liaison serve --once` (the build under test, hooks off) exits 0 on the first run and
    /// files the corpus behind them.
    @Test("the 93-byte trap and its variants, ahead of the corpus: serve never exits on them and files the corpus",
          .enabled(if: Rig.available || Rig.required))
    func hostileAheadOfCorpus() throws {
        try Rig.require()
        let ws = try E2E.Workspace("hostile")
        let folder = "Hostile\(UUID().uuidString.prefix(8))"
        let config = try ws.writeConfig("liaison.toml", folder: folder,
                                        staff: [("张伟", "zhang.wei@corp.example"), ("王芳", "wang.fang@corp.example"),
                                                ("李娜", "li.na@corp.example")])
        let shared = CorpusLocation.directory.deletingLastPathComponent().appendingPathComponent("hostile")
        var files = ["crash-cd.eml", "crash-ct.eml", "crash-nested.eml"].map { shared.appendingPathComponent($0).path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        try #require(files.count == 3, "hostile samples not found in \(shared.path)")
        let head = "From: a@b.example\r\nTo: zhang.wei@corp.example\r\nCc: track@corp.example\r\nSubject: x\r\n"
        let variants = [
            head + "Content-Type: text/plain; name=\"\\\r\n\r\nhello\r\n",
            head + "Content-Type: text/plain; charset*=utf-8'(\\\r\n\r\nhello\r\n",
            head + "Content-Disposition: attachment; filename*0*=(\\; filename*1=\"\\\r\n\r\nhello\r\n",
            "From: (\\\r\nTo: \"\\\r\nCc: track@corp.example, <\\\r\nDate: Tue, 17 Nov 2026 (\\\r\nMessage-ID: <(\\\r\nReferences: <a@b> (\\\r\nSubject: =?utf-8?q?(\\\r\n\r\nhello\r\n",
            head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nContent-Disposition: (\\\r\n\r\nhi\r\n--c--\r\n--b--\r\n",
        ]
        for (k, v) in variants.enumerated() {
            let path = ws.path("variant-\(k).eml")
            try Data(v.utf8).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let corpus = CorpusLocation.cases.map { CorpusLocation.directory.appendingPathComponent($0).path }
        try #require(corpus.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        try Rig.deliver("track+\(folder)@corp.example", files + corpus)

        let run = try CLI.run(["serve", "--once", "--config", config, "--now", "2026-11-17T16:59:40+08:00"])
        #expect(run.status == 0, "serve --once exited \(run.status): \(run.stderr.suffix(2_000))")
        let cases = try E2E.cases(config: config)
        let held = try E2E.json(["review", "list", "--json", "--config", config]) as? [[String: Any]] ?? []
        #expect(!held.contains { $0["reason"] as? String == "unprocessable" }, "nothing needed containment: \(held)")
        // The corpus's own case (01–04) is there, and every message was filed or held, none lost.
        #expect(cases.contains { ($0["number"] as? String)?.hasPrefix("EC20261116-") == true }, "\(cases)")
        var filed = 0
        for c in cases {
            guard let n = c["number"] as? String else { continue }
            filed += ((try E2E.caseShown(n, config: config)["correspondence"] as? [[String: Any]]) ?? []).count
        }
        // Corpus 11 and 12 are one thread (the forward files beside its original): nothing is
        // dropped, every delivered message is on a case or held for review.
        #expect(filed + held.count == corpus.count + files.count,
                "filed \(filed) + held \(held.count) of \(corpus.count + files.count)")
    }
}
