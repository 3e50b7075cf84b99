import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonTestSupport
import LiaisonWeb
import Synchronization
import Testing

/// The web console (issue 19) as a browser sees it: the real Hummingbird server on loopback
/// (port 0), over a real SQLite store holding the corpus's complaint case (01–03 ingested with
/// the binary), with a clock the test moves. The sign-in mail is read from the store's outbox
/// here (`ConsoleRigTests` takes it from the rig's mailbox). Every request is raw HTTP/1.1
/// (`HTTPTestClient`), so the tests see each header and cookie.
@Suite("web console (in-process server, real store)")
struct ConsoleTests {
    typealias CLI = InspectCommandTests
    static let number = "EC20261116-001"
    static let start = ConsoleTests.iso("2026-11-18T10:00:00+08:00")

    /// A "now" the test moves.
    final class TestNow: Sendable {
        let t: Mutex<Date>
        init(_ d: Date) { t = Mutex(d) }
        func advance(_ s: TimeInterval) { t.withLock { $0 = $0.addingTimeInterval(s) } }
        var now: Now { Now { [self] in t.withLock { $0 } } }
    }

    struct Running {
        var console: WebConsole
        var task: Task<Void, any Error>
        var http: HTTPTestClient
        var store: SQLiteStore
        var clock: TestNow
        var dir: URL
        var config: String

        func get(_ path: String, cookie: String? = nil, headers: [(String, String)] = []) async throws -> HTTPTestClient.Answer {
            let h = http
            let all = headers + (cookie.map { [("Cookie", $0)] } ?? [])
            return try await offPool { try h.request("GET", path, headers: all) }
        }

        func post(_ path: String, _ fields: [(String, String)], cookie: String? = nil) async throws -> HTTPTestClient.Answer {
            let h = http
            let all = [("Content-Type", "application/x-www-form-urlencoded")] + (cookie.map { [("Cookie", $0)] } ?? [])
            return try await offPool { try h.request("POST", path, headers: all, body: HTTPTestClient.form(fields)) }
        }

        func stop() async {
            task.cancel()
            _ = try? await task.value
            try? FileManager.default.removeItem(at: dir)
        }

        /// The sign-in links mailed to `address` so far (from the outbox), oldest first.
        func links(to address: String) throws -> [String] {
            try store.outbox(status: nil).filter { $0.mail.recipients == [address] && $0.mail.purpose.rawValue == "sign-in" }.compactMap {
                ConsoleTests.link(in: MessageParser.parse($0.mail.raw).text)
            }
        }

        /// Asks for a link as `address` and opens it in the same browser: the session cookie.
        func signIn(_ address: String) async throws -> String {
            let asked = try await post("/signin", [("address", address)])
            #expect(asked.status == 200, "\(asked)")
            let browser = try #require(asked.cookieValue("liaison_signin"))
            let path = try #require(try links(to: address).last)
            let opened = try await get(path, cookie: "liaison_signin=\(browser)")
            #expect(opened.status == 303 && opened.header("location") == "/cases", "\(opened)")
            return "liaison_session=" + (try #require(opened.cookieValue("liaison_session")))
        }
    }

    /// `/signin/<43 characters>` in a mail's text.
    static func link(in text: String) -> String? {
        guard let r = text.range(of: "/signin/") else { return nil }
        let token = text[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return token.count == 43 ? "/signin/" + token : nil
    }

    /// The corpus case after 01–03 (owner 张伟, item 1 王芳's), plus `extra` messages ingested,
    /// `managers`, and the console on 127.0.0.1:0.
    static func start(extra: [String] = [], managers: [String] = ["boss@corp.example"], metricsListen: Bool = false,
                      tls: (cert: String, key: String)? = nil) async throws -> Running {
        let (config, dir) = try await ItemsCommandTests.setUp()
        for file in extra {
            let r = try await CLI.run(["ingest", "--quiet", "--config", config, file])
            #expect(r.status == 0, "\(r.stderr)")
        }
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "[organization]\n", with: "[organization]\nmanagers = [\(managers.map { "\"\($0)\"" }.joined(separator: ", "))]\n")
        text += "\n\n[http]\nlisten = \"127.0.0.1:0\"\nbase_url = \"http://console.corp.example\"\n"
            + (metricsListen ? "metrics_listen = \"127.0.0.1:0\"\n" : "")
            + (tls.map { "tls_cert_file = \"\($0.cert)\"\ntls_key_file = \"\($0.key)\"\n" } ?? "")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let cfg = try LiaisonConfig.load(path: config)
        // (No [imap]/[smtp] here: only the console's own keys must be valid.)
        let report = cfg.validate()
        #expect(report.issues.filter { $0.key.hasPrefix("http") }.isEmpty, "\(report.issues)")
        let org = try cfg.organization()
        let store = try SQLiteStore(path: dir.appendingPathComponent("liaison.db").path)
        let engine = try ReminderAssembly.engine(config: cfg, organization: org, store: store)
        let clock = TestNow(start)
        let console = try WebConsole(settings: try #require(try cfg.httpSettings()), config: cfg, store: store, engine: engine, now: clock.now,
                                     probe: OperatorEndpoints(), renderXLSX: { _, _ in [0x50, 0x4B] })
        let task = Task { try await console.run() }
        var port: Int?
        for _ in 0..<600 {
            port = console.consolePort
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let p = try #require(port, "the console did not start: \(console.status())")
        return Running(console: console, task: task, http: HTTPTestClient(port: p), store: store, clock: clock, dir: dir, config: config)
    }

    static func items(_ store: SQLiteStore) throws -> [ActionItemRecord] {
        try store.recaps(caseNumber: number).last?.recap.items ?? []
    }

    // MARK: - Sign-in

    @Test func signInByMailIsOneTimeBoundToTheBrowserAndExpires() async throws {
        let r = try await Self.start()
        defer { Task { await r.stop() } }
        let form = try await r.get("/signin")
        #expect(form.status == 200 && form.text.contains("name=\"address\""))
        #expect(form.text.contains("lang=\"zh-Hans\""), "Chinese first")
        #expect(try await r.get("/signin", headers: [("Accept-Language", "en-GB,en;q=0.9")]).text.contains("lang=\"en\""))
        #expect(try await r.get("/signin", headers: [("Accept-Language", "zh-TW,zh;q=0.9")]).text.contains("lang=\"zh-Hant\""))

        // Not signed in: every page leads to the sign-in form.
        let anonymous = try await r.get("/cases/\(Self.number)")
        #expect(anonymous.status == 303 && anonymous.header("location") == "/signin")

        let asked = try await r.post("/signin", [("address", "Zhang.Wei@corp.example")])
        #expect(asked.status == 200)
        let browserCookie = try #require(asked.setCookie("liaison_signin"))
        #expect(browserCookie.contains("HttpOnly") && browserCookie.contains("SameSite=Lax") && !browserCookie.contains("Secure"))
        let browser = try #require(asked.cookieValue("liaison_signin"))
        // The mail: through the outbox, to him, in Chinese, the link on base_url.
        let mails = try r.store.outbox(status: .pending).filter { $0.mail.purpose.rawValue == "sign-in" }
        #expect(mails.count == 1)
        let mail = MessageParser.parse(try #require(mails.first).mail.raw)
        #expect(mail.to.map(\.address) == ["zhang.wei@corp.example"])
        #expect(mail.subject?.contains("登录链接") == true)
        #expect(mail.text.contains("http://console.corp.example/signin/"))
        #expect(mail.root.header["Auto-Submitted"] == "auto-generated")
        let path = try #require(Self.link(in: mail.text))

        // Another browser (no cookie, or another one): refused, and the link still works in the right one.
        #expect(try await r.get(path).status == 400)
        #expect(try await r.get(path, cookie: "liaison_signin=\(WebTestTokens.other)").status == 400)
        let opened = try await r.get(path, cookie: "liaison_signin=\(browser)")
        #expect(opened.status == 303 && opened.header("location") == "/cases", "\(opened)")
        let sessionCookie = try #require(opened.setCookie("liaison_session"))
        #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Lax") && sessionCookie.contains("Path=/"))
        let session = "liaison_session=" + (try #require(opened.cookieValue("liaison_session")))
        let list = try await r.get("/cases", cookie: session)
        #expect(list.status == 200 && list.text.contains(Self.number))
        #expect(list.text.contains("zhang.wei@corp.example"))

        // Used: refused, even in the same browser.
        let again = try await r.get(path, cookie: "liaison_signin=\(browser)")
        #expect(again.status == 400 && again.cookieValue("liaison_session") == nil)
        // A made-up token.
        #expect(try await r.get("/signin/" + String(repeating: "A", count: 43), cookie: "liaison_signin=\(browser)").status == 400)

        // Expired: 15 minutes.
        let asked2 = try await r.post("/signin", [("address", "zhang.wei@corp.example")], cookie: "liaison_signin=\(browser)")
        #expect(asked2.status == 200)
        let path2 = try #require(try r.links(to: "zhang.wei@corp.example").last)
        #expect(path2 != path)
        r.clock.advance(15 * 60 + 1)
        #expect(try await r.get(path2, cookie: "liaison_signin=\(browser)").status == 400)

        // The session ends at sign-out (CSRF-checked like every POST).
        let page = try await r.get("/cases", cookie: session)
        let csrf = try #require(Self.csrf(in: page.text))
        #expect(try await r.post("/signout", [], cookie: session).status == 403)
        let out = try await r.post("/signout", [("csrf", csrf)], cookie: session)
        #expect(out.status == 303 && out.header("location") == "/signin")
        #expect(try await r.get("/cases", cookie: session).status == 303)
        // Every attempt is logged.
        #expect(try r.store.signInAttempts(address: "zhang.wei@corp.example", client: nil, since: Self.start) == 2)
    }

    @Test func outsidersGetTheSameAnswerAndNoMailAndTheRateLimitBites() async throws {
        let r = try await Self.start()
        defer { Task { await r.stop() } }
        let outsider = try await r.post("/signin", [("address", "liu.yang@huadong-precision.example")])
        let insider = try await r.post("/signin", [("address", "wang.fang@corp.example")])
        #expect(outsider.status == 200 && insider.status == 200)
        // The same page but for the address echoed in the form.
        #expect(outsider.text.replacingOccurrences(of: "liu.yang@huadong-precision.example", with: "X")
                == insider.text.replacingOccurrences(of: "wang.fang@corp.example", with: "X"))
        #expect(try r.links(to: "liu.yang@huadong-precision.example").isEmpty)
        #expect(try r.links(to: "wang.fang@corp.example").count == 1)
        // Not an address at all: 400, no mail.
        #expect(try await r.post("/signin", [("address", "not an address")]).status == 400)

        // Per address: the fourth request in 15 minutes is refused (429), and no fourth mail goes.
        for _ in 0..<2 { #expect(try await r.post("/signin", [("address", "wang.fang@corp.example")]).status == 200) }
        let limited = try await r.post("/signin", [("address", "wang.fang@corp.example")])
        #expect(limited.status == 429)
        #expect(try r.links(to: "wang.fang@corp.example").count == 3)
        // Per client: ten requests from this address of ours, whatever the addresses.
        for i in 0..<6 { _ = try await r.post("/signin", [("address", "staff\(i)@corp.example")]) }
        #expect(try await r.post("/signin", [("address", "zhang.wei@corp.example")]).status == 429)
        #expect(try r.links(to: "zhang.wei@corp.example").isEmpty)
        // Fifteen minutes later the address may ask again.
        r.clock.advance(15 * 60 + 1)
        #expect(try await r.post("/signin", [("address", "wang.fang@corp.example")]).status == 200)
    }

    // MARK: - Who sees what

    @Test func aCaseIsSeenByItsPeopleAndManagersAndIsA404ForOthers() async throws {
        let r = try await Self.start()
        defer { Task { await r.stop() } }
        let owner = try await r.signIn("zhang.wei@corp.example")
        let itemOwner = try await r.signIn("wang.fang@corp.example")
        let other = try await r.signIn("li.na@corp.example")
        let manager = try await r.signIn("boss@corp.example")
        for session in [owner, itemOwner, manager] {
            let page = try await r.get("/cases/\(Self.number)", cookie: session)
            #expect(page.status == 200, "\(page)")
            #expect(page.text.contains("我方免费更换同型号设备12台"))
        }
        let hidden = try await r.get("/cases/\(Self.number)", cookie: other)
        let missing = try await r.get("/cases/EC19990101-001", cookie: other)
        #expect(hidden.status == 404 && missing.status == 404)
        #expect(hidden.text == missing.text, "a hidden case and no case answer alike")
        #expect(try await r.get("/cases/\(Self.number)/messages/1/attachments/0", cookie: other).status == 404)
        #expect(try await r.post("/cases/\(Self.number)/resolve", [("csrf", "x")], cookie: other).status == 404)
        let list = try await r.get("/cases", cookie: other)
        #expect(list.status == 200 && !list.text.contains(Self.number))
        // The manager's list has it, filters narrow it.
        #expect(try await r.get("/cases?status=open&owner=zhang.wei%40corp.example", cookie: manager).text.contains(Self.number))
        #expect(!(try await r.get("/cases?status=resolved", cookie: manager).text.contains(Self.number)))
        #expect(try await r.get("/cases?counterparty=huadong", cookie: manager).text.contains(Self.number))
        #expect(!(try await r.get("/cases?counterparty=nobody-else", cookie: manager).text.contains(Self.number)))
        #expect(try await r.get("/cases?q=%E8%B4%A7%E7%89%A9", cookie: owner).text.contains(Self.number))  // 货物
        #expect(!(try await r.get("/cases?q=%25", cookie: owner).text.contains(Self.number)), "% is a character, not a wildcard")
        // Only managers get the report and the follow-up table.
        #expect(try await r.get("/report.xlsx", cookie: owner).status == 404)
        #expect(try await r.get("/report", cookie: owner).status == 404)
        let report = try await r.get("/report?from=2026-11-01&to=2026-11-30", cookie: manager)
        #expect(report.status == 200 && report.text.contains("沟通工作报告") && !report.text.contains("<script"))
        #expect(report.header("content-security-policy")?.hasPrefix("default-src 'none'") == true)
        let xlsx = try await r.get("/report.xlsx", cookie: manager)
        #expect(xlsx.status == 200 && xlsx.header("content-disposition")?.hasPrefix("attachment;") == true)
    }

    /// An outside reply on the corpus case naming `cc` in Cc and `bcc` in a Bcc header (a copy
    /// that kept it); the file's path.
    /// A reply on the corpus case naming `cc` and `bcc`: from the customer, or (`fromStaff`) from
    /// 张伟 with the organisation's MX's passing verdict (trusted, filed as outbound).
    static func replyNaming(cc: [String], bcc: [String], fromStaff: Bool = false, dir: URL) throws -> String {
        let sender = fromStaff
            ? ["From: =?utf-8?B?5byg5Lyf?= <zhang.wei@corp.example>", "To: liu.yang@huadong-precision.example",
               "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example"]
            : ["From: liu.yang@huadong-precision.example", "To: =?utf-8?B?5byg5Lyf?= <zhang.wei@corp.example>"]
        let lines = sender + [
            "Cc: " + cc.joined(separator: ", "),
            "Bcc: " + bcc.joined(separator: ", "),
            "Subject: =?utf-8?B?\(Data("回复: 换货进度".utf8).base64EncodedString())?=",
            "Date: Wed, 18 Nov 2026 09:30:00 +0800",
            "Message-ID: <cc.\(UUID().uuidString.prefix(8))@\(fromStaff ? "corp.example" : "huadong-precision.example")>",
            "In-Reply-To: <20261116091233.4f2a@huadong-precision.example>",
            "References: <20261116091233.4f2a@huadong-precision.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            fromStaff ? "换货已安排,本周五发出。" : "请问换货的进度如何?",
            "",
        ]
        let path = dir.appendingPathComponent("cc-\(UUID().uuidString).eml").path
        try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// To/Cc widen who sees a case only on staff mail (docs/threat-model.md): a colleague in Cc of
    /// 张伟's reply sees it; a colleague the customer put in Cc gets a 404, like Bcc and strangers.
    @Test func staffNamedInCcByStaffSeeTheCaseNotWhenAnOutsiderNamedThem() async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-cc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let customers = try Self.replyNaming(cc: ["=?utf-8?B?6ZmI6Z2Z?= <Chen.Jing@corp.example>", "guest@elsewhere.example"],
                                             bcc: ["zhao.min@corp.example"], dir: tmp)
        let staffs = try Self.replyNaming(cc: ["Wu Lei <Wu.Lei@corp.example>", "track@corp.example"], bcc: ["sun.li@corp.example"],
                                          fromStaff: true, dir: tmp)
        let r = try await Self.start(extra: [customers, staffs])
        defer { Task { await r.stop() } }
        let mail = try r.store.correspondence(caseNumber: Self.number)
        #expect(mail.contains { $0.subject == "回复: 换货进度" && $0.direction == .inbound }, "the customer's reply is filed on the case")
        #expect(mail.contains { $0.subject == "回复: 换货进度" && $0.direction == .outbound }, "张伟's reply is filed on the case, trusted")
        // Only in Cc of 张伟's message (not its sender, not a case address): the case, its page and the list.
        let cc = try await r.signIn("wu.lei@corp.example")
        let page = try await r.get("/cases/\(Self.number)", cookie: cc)
        #expect(page.status == 200, "\(page)")
        #expect(page.text.contains("换货已安排"))
        #expect(try await r.get("/cases", cookie: cc).text.contains("/cases/\(Self.number)\""))
        // In Cc only of the customer's mail: an outsider does not widen who sees the case. Bcc is
        // never kept. Each a 404 like someone the mail never named, and no row in the list.
        for address in ["chen.jing@corp.example", "zhao.min@corp.example", "sun.li@corp.example", "li.na@corp.example"] {
            let session = try await r.signIn(address)
            let hidden = try await r.get("/cases/\(Self.number)", cookie: session)
            #expect(hidden.status == 404, "\(address): \(hidden.status)")
            #expect(!(try await r.get("/cases", cookie: session).text.contains(Self.number)), "\(address)")
        }
        // An outsider in Cc still cannot ask for a link.
        #expect(try await r.post("/signin", [("address", "guest@elsewhere.example")]).status == 200)
        #expect(try r.links(to: "guest@elsewhere.example").isEmpty)
    }

    /// The case numbers linked from a list page, in order.
    static func listed(_ page: String) -> [String] {
        page.components(separatedBy: "<td data-label=").compactMap { cell -> String? in
            guard let r = cell.range(of: "<a href=\"/cases/") else { return nil }
            return String(cell[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// The `href` of the link marked `rel`, HTML entities of a query string undone.
    static func pageLink(_ page: String, rel: String) -> String? {
        guard let r = page.range(of: "rel=\"\(rel)\"") else { return nil }
        let before = page[..<r.lowerBound]
        guard let h = before.range(of: "href=\"", options: .backwards) else { return nil }
        return String(before[h.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func theListIsPagedByNextAndPreviousLinks() async throws {
        let r = try await Self.start()
        defer { Task { await r.stop() } }
        // 120 more cases of 张伟's, a minute apart, newer than the corpus case.
        for i in 0..<120 {
            _ = try r.store.openCase(NewCase(numberTemplate: "EC20261117-{seq:3}", isInternal: false,
                                             counterparty: Counterparty(organization: "page\(i).example", contacts: ["c\(i)@page\(i).example"]),
                                             owner: "zhang.wei@corp.example", category: .delivery,
                                             openedAt: Self.iso("2026-11-17T08:00:00+08:00").addingTimeInterval(Double(i) * 60)))
        }
        let session = try await r.signIn("zhang.wei@corp.example")
        var seen: [String] = []
        var pages: [String] = ["/cases"]
        var path: String? = "/cases"
        while let p = path {
            let page = try await r.get(p, cookie: session)
            #expect(page.status == 200)
            let numbers = Self.listed(page.text)
            #expect(numbers.count <= 50 && !numbers.isEmpty, "\(p): \(numbers.count)")
            seen += numbers
            path = Self.pageLink(page.text, rel: "next")
            if let next = path { pages.append(next) }
            #expect(pages.count < 10)
        }
        #expect(pages.count == 3, "\(pages)")
        // Every case once, newest first; the corpus case last.
        #expect(seen.count == 121 && Set(seen).count == 121)
        #expect(seen.first == "EC20261117-120" && seen.last == Self.number)
        // Back from the last page: the page before it, the same rows.
        let last = try await r.get(pages[2], cookie: session)
        let previous = try #require(Self.pageLink(last.text, rel: "prev"))
        #expect(Self.listed(try await r.get(previous, cookie: session).text) == Array(seen[50..<100]))
        // Filters stay in the links.
        let filtered = try await r.get("/cases?category=delivery&status=open", cookie: session)
        let next = try #require(Self.pageLink(filtered.text, rel: "next"))
        #expect(next.contains("category=delivery") && next.contains("status=open") && next.contains("before=EC20261117-071"), "\(next)")
        // A cursor that is not a case number is the first page.
        #expect(Self.listed(try await r.get("/cases?before=%3Cscript%3E", cookie: session).text) == Array(seen[0..<50]))
    }

    // MARK: - Actions

    static func csrf(in page: String) -> String? {
        guard let r = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }

    @Test func actionsNeedTheCSRFTokenAndGoThroughThePlanner() async throws {
        let r = try await Self.start()
        defer { Task { await r.stop() } }
        let session = try await r.signIn("wang.fang@corp.example")
        let page = try await r.get("/cases/\(Self.number)", cookie: session)
        let csrf = try #require(Self.csrf(in: page.text))
        let done = "/cases/\(Self.number)/items/1/done"
        #expect(try await r.post(done, [], cookie: session).status == 403)
        #expect(try await r.post(done, [("csrf", String(csrf.reversed()))], cookie: session).status == 403)
        // Another session's token is no good either.
        let otherPage = try await r.get("/cases/\(Self.number)", cookie: try await r.signIn("zhang.wei@corp.example"))
        #expect(try await r.post(done, [("csrf", try #require(Self.csrf(in: otherPage.text)))], cookie: session).status == 403)
        #expect(try Self.items(r.store).first?.status == .open)

        let ok = try await r.post(done, [("csrf", csrf)], cookie: session)
        #expect(ok.status == 303 && ok.header("location") == "/cases/\(Self.number)", "\(ok)")
        let item = try #require(try Self.items(r.store).first)
        #expect(item.status == .done && item.doneBy == "wang.fang@corp.example" && item.doneAt == Self.start)
        let after = try await r.get("/cases/\(Self.number)", cookie: session)
        #expect(after.text.contains("已完成操作"), "the outcome is shown once")
        #expect(!(try await r.get("/cases/\(Self.number)", cookie: session).text.contains("已完成操作")))
        // Again: refused by the planner, said on the page, nothing changed.
        _ = try await r.post(done, [("csrf", csrf)], cookie: session)
        #expect(try await r.get("/cases/\(Self.number)", cookie: session).text.contains("未执行"))

        let moved = try await r.post("/cases/\(Self.number)/items/2/reschedule", [("csrf", csrf), ("due", "2026-11-25")], cookie: session)
        #expect(moved.status == 303)
        let item2 = try Self.items(r.store)[1]
        #expect(item2.status == .rescheduled && item2.due == ConsoleTests.iso("2026-11-25T18:00:00+08:00"))
        #expect(try await r.post("/cases/\(Self.number)/items/3/cancel", [("csrf", csrf)], cookie: session).status == 303)
        #expect(try Self.items(r.store)[2].status == .cancelled)
        // Handed over: to a staff member only (an outsider is refused before the planner sees it).
        #expect(try await r.post("/cases/\(Self.number)/assign", [("csrf", csrf), ("owner", "liu.yang@huadong-precision.example")], cookie: session).status == 303)
        #expect(try r.store.caseWithNumber(Self.number)?.owner == "zhang.wei@corp.example")
        #expect(try await r.post("/cases/\(Self.number)/assign", [("csrf", csrf), ("owner", "wang.fang@corp.example")], cookie: session).status == 303)
        #expect(try r.store.caseWithNumber(Self.number)?.owner == "wang.fang@corp.example")
        #expect(try await r.post("/cases/\(Self.number)/resolve", [("csrf", csrf)], cookie: session).status == 303)
        #expect(try r.store.caseWithNumber(Self.number)?.status == .resolved)
        #expect(try await r.post("/cases/\(Self.number)/reopen", [("csrf", csrf)], cookie: session).status == 303)
        #expect(try r.store.caseWithNumber(Self.number)?.status == .open)
        // A body past the bound is refused.
        let big = try await r.post(done, [("csrf", csrf), ("pad", String(repeating: "x", count: 40_000))], cookie: session)
        #expect(big.status == 413, "\(big)")
    }

    // MARK: - Hostile mail

    /// A reply on the case from the customer: `<script>` in its subject and body, an HTML attachment.
    static func hostileReply(dir: URL) throws -> String {
        let boundary = "b-\(UUID().uuidString)"
        let subject = "回复: <script>alert(1)</script> 质量问题"
        let lines = [
            "From: liu.yang@huadong-precision.example",
            "To: zhang.wei@corp.example",
            "Subject: =?utf-8?B?\(Data(subject.utf8).base64EncodedString())?=",
            "Date: Wed, 18 Nov 2026 09:00:00 +0800",
            "Message-ID: <hostile.\(UUID().uuidString.prefix(8))@huadong-precision.example>",
            "In-Reply-To: <20261116091233.4f2a@huadong-precision.example>",
            "References: <20261116091233.4f2a@huadong-precision.example>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Body <img src=x onerror=alert(3)> text",
            "--\(boundary)",
            "Content-Type: text/html; name=\"evil.html\"",
            "Content-Disposition: attachment; filename=\"evil\\\".html\"",
            "",
            "<html><script>alert(2)</script></html>",
            "--\(boundary)--",
            "",
        ]
        let path = dir.appendingPathComponent("hostile-\(UUID().uuidString).eml").path
        try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func mailIsTextOnThePageAndAttachmentsDownloadInert() async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await Self.start(extra: [try Self.hostileReply(dir: tmp)])
        defer { Task { await r.stop() } }
        let session = try await r.signIn("zhang.wei@corp.example")
        let page = try await r.get("/cases/\(Self.number)", cookie: session)
        #expect(page.status == 200)
        #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.text.contains("<script"), "no script element on the page")
        #expect(!page.text.contains("<img"))
        #expect(page.text.contains("evil"))
        let mail = try r.store.correspondence(caseNumber: Self.number)
        let hostile = try #require(mail.first { $0.subject?.contains("<script>") == true })
        let id = try #require(hostile.id)
        let download = try await r.get("/cases/\(Self.number)/messages/\(id)/attachments/0", cookie: session)
        #expect(download.status == 200, "\(download)")
        #expect(download.header("content-type") == "application/octet-stream")
        let disposition = try #require(download.header("content-disposition"))
        #expect(disposition.hasPrefix("attachment; filename=\"evil"), "\(download)")
        #expect(disposition.split(separator: ";")[1].filter { $0 == "\"" }.count == 2, "the name's quote does not reach the quoted form: \(disposition)")
        #expect(download.header("x-content-type-options") == "nosniff")
        #expect(download.header("content-security-policy")?.contains("sandbox") == true)
        #expect(download.text == "<html><script>alert(2)</script></html>")
        #expect(try await r.get("/cases/\(Self.number)/messages/\(id)/attachments/1", cookie: session).status == 404)
    }

    // MARK: - Headers, operators

    @Test func everyAnswerCarriesTheSecurityHeadersAndOperatorsGetHealthAndMetrics() async throws {
        let r = try await Self.start()
        defer { Task { await r.stop() } }
        let session = try await r.signIn("zhang.wei@corp.example")
        let answers = [
            try await r.get("/signin"), try await r.get("/nowhere"), try await r.get("/cases"), try await r.get("/static/console.css"),
            try await r.get("/cases", cookie: session), try await r.get("/cases/\(Self.number)", cookie: session),
            try await r.get("/nowhere", cookie: session), try await r.get("/healthz"), try await r.get("/metrics"),
            try await r.post("/signin", [("address", "x@corp.example")]),
        ]
        for a in answers {
            #expect(a.header("content-security-policy")?.hasPrefix("default-src 'self'") == true || a.header("content-security-policy")?.hasPrefix("default-src 'none'") == true, "\(a)")
            #expect(a.header("content-security-policy")?.contains("frame-ancestors 'none'") == true)
            #expect(a.header("x-content-type-options") == "nosniff")
            #expect(a.header("referrer-policy") == "same-origin")
            #expect(a.header("x-frame-options") == "DENY")
        }
        for page in answers where page.header("content-type")?.hasPrefix("text/html") == true {
            #expect(!page.text.contains("<script"), "no script on any page")
        }
        let health = try await r.get("/healthz")
        #expect(health.status == 200 && health.text == "ok\n")
        let metrics = try await r.get("/metrics")
        #expect(metrics.status == 200 && metrics.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        // The daemon's own series (OperatorEndpoints), created at zero when the endpoints are made.
        #expect(metrics.text.contains("liaison_messages_filed_total"))
        #expect(metrics.text.contains("liaison_outbox_pending"))
    }
}

extension ConsoleTests {
    /// SIGHUP's path: a new managers list takes effect at once, a new address restarts the
    /// listener, a bad `[http]` is refused and changes nothing; a listener that cannot start is
    /// the component's fault in STATUS (and the daemon goes on).
    @Test func reloadAndAListenerThatCannotStartShowInStatus() async throws {
        let r = try await Self.start(managers: ["boss@corp.example"])
        defer { Task { await r.stop() } }
        let other = try await r.signIn("li.na@corp.example")
        #expect(try await r.get("/cases/\(Self.number)", cookie: other).status == 404)
        let firstPort = try #require(r.console.consolePort)
        var text = try String(contentsOfFile: r.config, encoding: .utf8)
        text = text.replacingOccurrences(of: "managers = [\"boss@corp.example\"]", with: "managers = [\"li.na@corp.example\"]")
        // Another free port: the listener moves.
        let probe = try LoopbackListener(backlog: 1)
        probe.start { _ in false }
        let busyPort = Int(probe.port)
        text = text.replacingOccurrences(of: "listen = \"127.0.0.1:0\"", with: "listen = \"127.0.0.1:\(busyPort)\"")
        try text.write(toFile: r.config, atomically: true, encoding: .utf8)
        // The port is taken (the probe still listens): the reload is accepted, the restart fails
        // and says so in STATUS; once the port is free the retry (30 s) or the next reload binds it.
        let commit = try #require(try r.console.prepareReload(try LiaisonConfig.load(path: r.config)))
        commit()
        var fault: String?
        for _ in 0..<200 {
            fault = r.console.status().fault
            if fault != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(fault?.contains("cannot serve on 127.0.0.1:\(busyPort)") == true, "\(r.console.status())")
        _ = try await offPool { probe.stop() }
        // A bad [http] is refused; nothing changes.
        let bad = text.replacingOccurrences(of: "listen = \"127.0.0.1:\(busyPort)\"", with: "listen = \"nowhere\"")
        try bad.write(toFile: r.config, atomically: true, encoding: .utf8)
        let badConfig = try LiaisonConfig.load(path: r.config)
        #expect(throws: ConfigError.self) { _ = try r.console.prepareReload(badConfig) }
        // Back to a free port: the console serves again, with the new managers.
        try text.replacingOccurrences(of: "listen = \"127.0.0.1:\(busyPort)\"", with: "listen = \"127.0.0.1:0\"")
            .write(toFile: r.config, atomically: true, encoding: .utf8)
        let again = try #require(try r.console.prepareReload(try LiaisonConfig.load(path: r.config)))
        again()
        var port: Int?
        for _ in 0..<600 {
            port = r.console.consolePort
            if port != nil && r.console.status().fault == nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let newPort = try #require(port)
        #expect(r.console.status().fault == nil && r.console.status().summary.first?.hasPrefix("console ") == true)
        _ = firstPort
        let moved = Running(console: r.console, task: r.task, http: HTTPTestClient(port: newPort), store: r.store, clock: r.clock, dir: r.dir,
                            config: r.config)
        let page = try await moved.get("/cases/\(Self.number)", cookie: other)
        #expect(page.status == 200, "li.na is a manager now")
    }
}

extension ConsoleTests {
    /// `metrics_listen`: /metrics and /healthz there only; the console's listener has neither,
    /// and the metrics listener serves nothing else.
    @Test func metricsOnTheirOwnListener() async throws {
        let r = try await Self.start(metricsListen: true)
        defer { Task { await r.stop() } }
        var port: Int?
        for _ in 0..<600 {
            port = r.console.metricsPort
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let metrics = HTTPTestClient(port: try #require(port, "\(r.console.status())"))
        let m = try await offPool { try metrics.request("GET", "/metrics") }
        #expect(m.status == 200 && m.text.contains("liaison_messages_filed_total"))
        #expect(try await offPool { try metrics.request("GET", "/healthz") }.status == 200)
        #expect(try await offPool { try metrics.request("GET", "/cases") }.status == 404)
        #expect(try await offPool { try metrics.request("GET", "/signin") }.status == 404)
        let onConsole = try await r.get("/metrics")
        #expect(onConsole.status != 200 && !onConsole.text.contains("liaison_"))
    }
}

extension ConsoleTests {
    /// With a certificate and key the console speaks TLS itself (checked by curl against that
    /// certificate), and its cookies are `Secure`.
    @Test func tlsAndSecureCookies() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let made = try await offPool {
            try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/openssl"), [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ], mergingStderr: true)
        }
        try #require(made.status == 0, "openssl: \(made.stdoutText)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        let r = try await Self.start(tls: (cert, key))
        defer { Task { await r.stop() } }
        let port = r.http.port
        let out = try await offPool {
            try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), [
                "curl", "--silent", "--show-error", "--max-time", "30", "--cacert", cert, "-D", "-", "-o", "/dev/null",
                "--data-urlencode", "address=zhang.wei@corp.example", "https://127.0.0.1:\(port)/signin",
            ], mergingStderr: true)
        }
        #expect(out.status == 0, "curl: \(out.stdoutText)")
        let cookie = out.stdoutText.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: liaison_signin=") }
        #expect(cookie?.hasSuffix("; Secure") == true, "\(out.stdoutText)")
        // Plain HTTP on the TLS port gets no page.
        #expect((try? await r.get("/signin"))?.status != 200)
    }
}

enum WebTestTokens {
    /// A well-formed browser token nobody was given.
    static let other = String(repeating: "b", count: 43)
}

extension ConsoleTests {
    static func iso(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }
}
