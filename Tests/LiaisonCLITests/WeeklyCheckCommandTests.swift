import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonXLSX
import Testing
import LiaisonTestSupport

/// The weekly check (issue 15 part 3) over the generated month (ReportMonth): the check of Monday
/// 2026-11-30 reports Nov 23–29. Known answers:
/// - the week's table: the month's rows less EC20261102-001 (resolved Nov 10, before the week);
/// - owners at Nov 30 09:00 (quiet_days 3): a — EC20261105-001 (item ① overdue; last mail Fri
///   Nov 6 → 15 working days); b — EC20261020-001 (never answered, opened Oct 20 → 28 working
///   days), EC20261110-001 (the call of Nov 12 10:00 has no recap after it; last mail Nov 10 →
///   13 working days). EC20261129-001 (answered Sunday 29th) is not listed. c (a manager who
///   owns nothing) gets only the manager's mail.
@Suite("liaison weekly-check")
struct WeeklyCheckCommandTests {
    typealias CLI = InspectCommandTests
    static let repository = RecapCommandTests.repository

    static func setUp(weekly: String = "") throws -> (config: String, db: String, dir: URL) {
        let db = try ReportMonth.build()
        let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
        let config = dir.appendingPathComponent("liaison.toml").path
        try """
            [organization]
            name = "示例科技有限公司"
            internal_domains = ["corp.example"]
            tracking_address = "track@corp.example"
            authserv_id = "mx.corp.example"
            time_zone = "Asia/Shanghai"
            managers = ["Boss@corp.example", "en.boss@corp.example"]

            [staff]
            "王总" = "boss@corp.example"

            [smtp]
            url = "smtp://127.0.0.1:1"
            from = "Liaison 沟通跟踪 <track@corp.example>"

            [store]
            url = "sqlite:\(db)"

            [templates]
            directory = "\(repository.appendingPathComponent("Templates").path)"
            [templates.locales]
            "en.boss@corp.example" = "en"

            [reminders]
            \(weekly)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, db, dir)
    }

    static func runner(_ config: String) throws -> WeeklyCheckRunner {
        let cfg = try LiaisonConfig.load(path: config)
        let org = try cfg.organization()
        let store = try TestStores.sqlite(path: try #require(try cfg.store().sqlitePath))
        return WeeklyCheckRunner(store: store, composer: try WeeklyCheckRunner.composer(
            config: cfg, organization: org, renderXLSX: { try FollowUpXLSX.render($0, timeZone: $1) }))
    }

    static func leaves(_ p: MIMEPart) -> [MIMEPart] {
        switch p.body {
        case .leaf: return [p]
        case .multipart(let parts, _, _): return parts.flatMap(leaves)
        case .message: return []
        }
    }

    static func bytes(_ p: MIMEPart) -> [UInt8] { if case .leaf(let b) = p.body { return b } else { return [] } }

    @Test func managersGetFiguresAndTableOwnersTheirLists() async throws {
        let (config, _, dir) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("mails")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let r = try await CLI.run(["weekly-check", "--config", config, "--now", "2026-11-30T09:00:30+08:00", "--dry-run", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("weekly check of 2026-11-30 (week 2026-11-23 – 2026-11-29), dry run: 4 mail(s)"), "\(r.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["01-boss@corp.example.eml", "02-en.boss@corp.example.eml", "03-a@corp.example.eml", "04-b@corp.example.eml"])
        let mails = try files.map { MessageParser.parse(Array(try Data(contentsOf: out.appendingPathComponent($0)))) }

        // The manager's mail: multipart/mixed of (text/plain + text/html) and the XLSX.
        let boss = mails[0]
        #expect(boss.to.map(\.address) == ["boss@corp.example"] && boss.to.first?.name == "王总")
        #expect(boss.subject == "每周检查：2026-11-23至2026-11-29沟通工作周报")
        #expect(boss.header["Auto-Submitted"] == "auto-generated")
        #expect(boss.messageID?.hasPrefix("<liaison.weekly.2026-11-30.m") == true)
        #expect(boss.inReplyTo.first?.hasPrefix("<liaison.weekly.2026-11-23.m") == true, "threaded on last week's")
        #expect(boss.root.contentType.mimeType == "multipart/mixed")
        let parts = Self.leaves(boss.root)
        #expect(parts.map(\.contentType.mimeType) == ["text/plain", "text/html", WeeklyCheckComposer.xlsxType])
        let text = String(decoding: Self.bytes(parts[0]), as: UTF8.self)
        #expect(text.contains("王总，您好：") && text.contains("共5件沟通事项（其中4件跟进中）"), "\(text)")
        #expect(text.contains("cases opened 1, resolved 1"), "the week's figures: EC20261129-001 opened, EC20261120-001 resolved")
        let html = String(decoding: Self.bytes(parts[1]), as: UTF8.self)
        for banned in ["<script", "<style", "<svg", "<link", "<img", "<form", "javascript:", "onload", "onerror"] {
            #expect(!html.lowercased().contains(banned), "mail-safe: no \(banned)")
        }
        #expect(html.contains("沟通工作周报") && html.contains("a@corp.example") && html.contains("b@corp.example"))
        // The attachment: RFC 2231 file name (non-ASCII), the XLSX media type, read back by openpyxl.
        let attachment = parts[2]
        #expect(attachment.filename == "外部沟通跟进表-2026-11-30.xlsx")
        #expect(attachment.disposition?.kind == "attachment")
        let rawText = String(decoding: try Data(contentsOf: out.appendingPathComponent(files[0])), as: UTF8.self)
        #expect(rawText.contains("filename*0*=UTF-8''%E5%A4%96%E9%83%A8"), "RFC 2231 extended file name, continued")
        let xlsx = dir.appendingPathComponent("attached.xlsx")
        try Data(Self.bytes(attachment)).write(to: xlsx)
        let dump = try await ExportCommandTests.dump(xlsx.path)
        let sheet = try #require(dump["跟进表"] as? [String: Any])
        let rows = try #require(sheet["rows"] as? [[[String: Any]]])
        let expected = ExportCommandTests.expectedRows.filter { $0[0] != "EC20261102-001" }
        #expect(rows.count == expected.count + 1)
        for (i, want) in expected.enumerated() {
            let got = rows[i + 1].map { $0["v"] as? String ?? ($0["v"] as? NSNumber).map { "\($0)" } }
            #expect(got == want, "row \(i + 1)")
        }
        #expect(rows[2][5]["t"] as? String == "s", "the outsider's formula stays text")

        // The English manager: the same figures, in English.
        #expect(mails[1].subject == "Weekly check: correspondence report 2026-11-23 – 2026-11-29")
        #expect(mails[1].messageID != boss.messageID)

        // Owners: their lists, nothing more; c and the managers own nothing listed.
        let a = mails[2], b = mails[3]
        #expect(a.subject == "每周检查（11月30日）：1件沟通事项需要跟进")
        #expect(a.text.contains("EC20261105-001") && a.text.contains("1项待办已逾期") && a.text.contains("15个工作日未发出邮件"), "\(a.text)")
        #expect(a.text.contains("-5台 @仓库 +补发") && !a.text.contains("EC20261129-001"))
        #expect(Self.leaves(a.root).map(\.contentType.mimeType) == ["text/plain", "text/html"])
        #expect(b.subject == "每周检查（11月30日）：2件沟通事项需要跟进")
        #expect(b.text.contains("EC20261020-001") && b.text.contains("立案以来未发出邮件（28个工作日）"), "\(b.text)")
        #expect(b.text.contains("EC20261110-001") && b.text.contains("下次沟通时间11月12日 10:00已过，尚无新的会议纪要")
                    && b.text.contains("13个工作日未发出邮件"), "\(b.text)")
        #expect(!b.text.contains("EC20261129-001"))
    }

    /// The manager's HTML part as a mail client would get it, drawn by headless chromium: not
    /// blank, with the bars' colours (they are table cells, not SVG).
    @Test func managerMailHTMLRendersInChromium() async throws {
        guard let chromium = ReportBrowserTests.chromium else {
            let required = ProcessInfo.processInfo.environment["LIAISON_REQUIRE_BROWSER"] == "1"
            FileHandle.standardError.write(Data("*** SKIPPED WeeklyCheckCommandTests.managerMailHTMLRendersInChromium: no chromium\n".utf8))
            #expect(!required, "chromium is missing and LIAISON_REQUIRE_BROWSER=1")
            return
        }
        let (config, _, dir) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mails = try Self.runner(config).preview(nominal: LocalDate(year: 2026, month: 11, day: 30)!, now: ReportMonth.at("2026-11-30 09:00"))
        let boss = MessageParser.parse(try #require(mails.first { $0.recipients == ["boss@corp.example"] }).raw)
        let html = try #require(Self.leaves(boss.root).first { $0.contentType.mimeType == "text/html" })
        let page = dir.appendingPathComponent("weekly.html")
        try Data(Self.bytes(html)).write(to: page)
        let png = dir.appendingPathComponent("weekly.png").path
        let (status, log) = try await ReportBrowserTests.run("/usr/bin/timeout", [
            "120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=" + dir.appendingPathComponent("profile").path,
            "--screenshot=" + png, "--window-size=1200,1400", page.absoluteString,
        ])
        #expect(status == 0, "chromium: \(log)")
        let check = """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            px = list(im.getdata())
            nonwhite = sum(1 for p in px if p != (255, 255, 255))
            bars = sum(1 for p in px if p in ((0x2e, 0x7d, 0x32), (0xf9, 0xa8, 0x25), (0xc6, 0x28, 0x28)))
            blue = sum(1 for p in px if p == (0x15, 0x65, 0xc0))
            print(nonwhite, bars, blue)
            """
        let (pyStatus, out) = try await ReportBrowserTests.run("/usr/bin/python3", ["-c", check, png])
        #expect(pyStatus == 0, "\(out)")
        let n = out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(n.count == 3, "\(out)")
        #expect(n[0] > 1200 * 1400 / 60, "only \(n[0]) non-white pixels")
        #expect(n[1] > 300 && n[2] > 300, "bar colours: rates \(n[1]), ages \(n[2])")
        FileHandle.standardError.write(Data("WeeklyCheckCommandTests: screenshot \(png)\n".utf8))
    }

    @Test func exactlyOncePerWeekAcrossRestartsAndLateOnceAfterDowntime() throws {
        let (config, db, dir) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TestStores.sqlite(path: db)
        func weeklyRows() throws -> [OutboxEntry] { try store.outbox(status: nil).filter { $0.mail.purpose == .notice(.weeklyCheck) } }
        func checks() throws -> [Reminder] { try store.reminders(caseNumber: nil, status: nil, dueBefore: nil).filter { $0.kind == .weeklyCheck } }

        // Started on Wednesday: the check of Monday 30th is scheduled, nothing is due.
        #expect(try Self.runner(config).fireDue(now: ReportMonth.at("2026-11-25 10:00")) == 0)
        #expect(try checks().map(\.key) == ["weekly-check:2026-11-30"])
        #expect(try checks()[0].fireAt == ReportMonth.at("2026-11-30 09:00"))
        // The ordinary firing leaves it to the weekly path, even when due.
        _ = try store.fireDue(now: ReportMonth.at("2026-11-30 09:00:10"), limit: 100, lateAfter: 60) { r, _ in
            #expect(r.kind != .weeklyCheck)
            return FollowUp()
        }
        #expect(try checks()[0].status == .pending)

        // A crash after the mails were composed and queued by someone else (the same week by hand)
        // but before the reminder fired: firing queues nothing twice (same Message-IDs).
        let first = try Self.runner(config)
        let preview = try first.preview(nominal: LocalDate(year: 2026, month: 11, day: 30)!, now: ReportMonth.at("2026-11-30 09:00:20"))
        try store.update(now: ReportMonth.at("2026-11-30 09:00:20")) { _ in FollowUp(mails: Array(preview.prefix(1))) }
        #expect(try first.fireDue(now: ReportMonth.at("2026-11-30 09:00:30")) == 4)
        let queued = try weeklyRows()
        #expect(queued.count == 4)
        #expect(Set(queued.map(\.mail.messageID)) == Set(preview.map(\.messageID)))
        #expect(Set(queued.flatMap(\.mail.recipients)) == ["boss@corp.example", "en.boss@corp.example", "a@corp.example", "b@corp.example"])

        // A restart (a new runner) and later passes the same week: nothing more.
        #expect(try Self.runner(config).fireDue(now: ReportMonth.at("2026-11-30 09:01")) == 0)
        #expect(try Self.runner(config).fireDue(now: ReportMonth.at("2026-11-30 17:00")) == 0)
        #expect(try weeklyRows().count == 4)
        let after = try checks()
        #expect(after.map(\.key) == ["weekly-check:2026-11-30", "weekly-check:2026-12-07"])
        #expect(after[0].status == .fired && !after[0].late)
        #expect(after[1].status == .pending)

        // Down from Dec 5 to Dec 16: the check of Dec 7 fires once, late; Dec 14 is not caught up;
        // the next is Dec 21.
        #expect(try Self.runner(config).fireDue(now: ReportMonth.at("2026-12-16 10:00")) > 0)
        let late = try checks()
        #expect(late.map(\.key) == ["weekly-check:2026-11-30", "weekly-check:2026-12-07", "weekly-check:2026-12-21"])
        #expect(late[1].status == .fired && late[1].late)
        #expect(late[2].status == .pending && late[2].fireAt == ReportMonth.at("2026-12-21 09:00"))
        let lateMails = try weeklyRows().filter { $0.mail.messageID.contains(".2026-12-07.") }
        #expect(!lateMails.isEmpty)
        for m in lateMails {
            let parsed = MessageParser.parse(m.mail.raw)
            let s = parsed.subject ?? ""
            #expect(s.contains("延迟发送") || s.contains("sent late"), "\(s)")
        }
        // The Dec 7 manager mail reports Nov 30 – Dec 6 and refers to the Nov 30 one.
        let bossLate = try #require(lateMails.first { $0.mail.recipients == ["boss@corp.example"] })
        let parsed = MessageParser.parse(bossLate.mail.raw)
        #expect(parsed.subject?.hasPrefix("每周检查：2026-11-30至2026-12-06") == true)
        #expect(parsed.references.contains { $0.contains(".2026-11-30.m") })
    }

    @Test func switchedOffItIsNeverScheduled() throws {
        let (config, db, dir) = try Self.setUp(weekly: "weekly_check = \"off\"")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try Self.runner(config).fireDue(now: ReportMonth.at("2026-11-30 10:00")) == 0)
        let store = try TestStores.sqlite(path: db)
        #expect(try store.reminders(caseNumber: nil, status: nil, dueBefore: nil).filter { $0.kind == .weeklyCheck }.isEmpty)
    }

    @Test func configurationIsValidated() throws {
        func rule(_ toml: String) throws -> WeeklyCheck.Rule { try LiaisonConfig(toml: toml, path: nil).weeklyCheckRule() }
        #expect(try rule("") == .defaults)
        #expect(try rule("[reminders]\nweekly_check = \"Fri 16:30\"") == WeeklyCheck.Rule(weekday: 5, at: ClockTime(hour: 16, minute: 30)!))
        #expect(try rule("[reminders]\nweekly_check = \"周三 08:00\"").weekday == 3)
        #expect(try rule("[reminders]\nweekly_check = false").enabled == false)
        #expect(try rule("[reminders.weekly_check]\nat = \"Mon 10:00\"\nquiet_days = 5") == WeeklyCheck.Rule(at: ClockTime(hour: 10)!, quietDays: 5))
        for bad in ["weekly_check = \"Mon\"", "weekly_check = \"Funday 09:00\"", "weekly_check = \"Mon 25:00\"", "weekly_check = 3",
                    "[reminders.weekly_check]\nquiet_days = 0", "[reminders.weekly_check]\nquiet = 3"] {
            let toml = bad.hasPrefix("[") ? bad : "[reminders]\n" + bad
            #expect(throws: ConfigError.self, "\(bad)") { try rule(toml) }
        }
        let org = "[organization]\nname = \"x\"\ninternal_domains = [\"corp.example\"]\ntracking_address = \"t@corp.example\"\nauthserv_id = \"mx.corp.example\"\n"
        #expect(try LiaisonConfig(toml: org + "managers = [\"Boss@Corp.example\", \"boss@corp.example\"]", path: nil).managers() == ["boss@corp.example"])
        #expect(try LiaisonConfig(toml: org, path: nil).managers() == [])
        for bad in ["王总 <boss@corp.example>", "boss", "a@b@corp.example", "boss@corp", "boss@corp.example\r\nBcc: x@y.example"] {
            #expect(throws: ConfigError.self, "\(bad)") {
                try LiaisonConfig(toml: org + "managers = [\"\(bad.replacingOccurrences(of: "\r\n", with: "\\r\\n"))\"]", path: nil).managers()
            }
        }
    }
}
