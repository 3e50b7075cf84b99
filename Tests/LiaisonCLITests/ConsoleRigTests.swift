import Foundation
import LiaisonMail
import LiaisonTestSupport
import Testing

/// The web console on a running `liaison serve` with the mail rig (issue 19): the sign-in link
/// travels as real mail (outbox → Postfix → Dovecot) and is taken from 张伟's mailbox; then the
/// case page, an action, the change seen. The second test does the same in headless chromium
/// through Selenium (scripts/console-browser) and keeps a screenshot. Runs serially with the
/// other rig suites (scripts/test `rig_suites`). HTTP ports 13081/13082 (127.0.0.1).
@Suite("web console over the rig (liaison serve)", .serialized)
struct ConsoleRigTests {
    typealias CLI = InspectCommandTests
    static let staff = [("王芳", "wang.fang@corp.example"), ("张伟", "zhang.wei@corp.example")]

    struct Setup {
        var ws: E2E.Workspace
        var serve: E2E.Serve
        var base: String
        var http: HTTPTestClient
        var zhang: String
        var from: UInt32
        var number: String
    }

    /// The corpus's 01–03 delivered to a fresh folder, `liaison serve` with `[http]` on `port`,
    /// waited for until the recap is filed.
    static func start(port: Int, label: String) throws -> Setup {
        let ws = try E2E.Workspace(label)
        let folder = "Console\(UUID().uuidString.prefix(8))"
        let base = "http://127.0.0.1:\(port)"
        let config = try ws.writeConfig("liaison.toml", folder: folder, pollInterval: "1s", staff: staff,
                                        extra: "[http]\nlisten = \"127.0.0.1:\(port)\"\nbase_url = \"\(base)\"\n")
        let zhang = try ws.writeConfig("zhang.toml", user: "zhang.wei@corp.example", staff: staff)
        let corpus = ServeCommandTests.corpus(["01-", "02-", "03-"])
        guard corpus.count == 3 else { throw E2E.Failure("corpus not found at \(CorpusLocation.directory.path)") }
        try ServeCommandTests.deliver(folder: folder, corpus)
        let from = try E2E.uidNext(config: zhang)
        let serve = try E2E.Serve(config: config, now: "2026-11-18T10:00:00+08:00", logPath: ws.path("serve.log"))
        do {
            try serve.waitReady()
            var number = ""
            try E2E.waitUntil("the corpus case with its recap", timeout: 90, detail: { serve.logTail }) {
                guard let n = try E2E.cases(config: config).first?["number"] as? String else { return false }
                number = n
                return ((try E2E.caseShown(n, config: config)["recaps"] as? [[String: Any]]) ?? []).count == 1
            }
            try E2E.waitUntil("the console to listen", timeout: 30, detail: { serve.logTail }) { serve.log.contains("console listening") }
            return Setup(ws: ws, serve: serve, base: base, http: HTTPTestClient(port: port), zhang: zhang, from: from, number: number)
        } catch {
            serve.ensureStopped()
            throw error
        }
    }

    /// The sign-in link in 张伟's mailbox (the newest sign-in mail since `from`).
    static func linkFromMailbox(_ s: Setup) throws -> String {
        try Rig.mailrig(["drain", "60"])
        var link: String?
        try E2E.waitUntil("the sign-in mail in zhang.wei's mailbox", timeout: 90, every: 0.5, detail: { s.serve.logTail }) {
            let mails = try E2E.mails(config: s.zhang, from: s.from, scratch: s.ws.dir).filter { $0.subject.contains("登录链接") }
            link = mails.last.flatMap { m in
                guard let r = m.message.text.range(of: s.base + "/signin/") else { return nil }
                return s.base + "/signin/" + m.message.text[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            }
            return link != nil
        }
        return try #require(link)
    }

    @Test("sign in with the link from the rig mailbox, mark item 1 done", .enabled(if: Rig.available || Rig.required))
    func signInFromTheMailboxAndActOnTheCase() throws {
        try Rig.require()
        let s = try Self.start(port: 13081, label: "console")
        defer { s.serve.ensureStopped(); try? FileManager.default.removeItem(at: s.ws.dir) }
        let http = s.http
        let asked = try http.request("POST", "/signin", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                     body: HTTPTestClient.form([("address", "zhang.wei@corp.example")]))
        #expect(asked.status == 200, "\(asked)")
        let browser = try #require(asked.cookieValue("liaison_signin"))
        let link = try Self.linkFromMailbox(s)
        let path = String(link.dropFirst(s.base.count))
        let opened = try http.request("GET", path, headers: [("Cookie", "liaison_signin=\(browser)")])
        #expect(opened.status == 303, "\(opened)")
        let session = "liaison_session=" + (try #require(opened.cookieValue("liaison_session")))
        let page = try http.request("GET", "/cases/\(s.number)", headers: [("Cookie", session)])
        #expect(page.status == 200)
        #expect(page.text.contains("我方免费更换同型号设备12台"))
        let csrf = try #require(ConsoleTests.csrf(in: page.text))
        let done = try http.request("POST", "/cases/\(s.number)/items/1/done", headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", session)],
                                    body: HTTPTestClient.form([("csrf", csrf)]))
        #expect(done.status == 303)
        let after = try http.request("GET", "/cases/\(s.number)", headers: [("Cookie", session)])
        #expect(after.text.contains("已完成"))
        let items = try #require((try E2E.caseShown(s.number, config: s.ws.path("liaison.toml"))["recaps"] as? [[String: Any]])?.last?["actionItems"] as? [[String: Any]])
        #expect(items.first?["status"] as? String == "done")
        #expect(items.first?["doneBy"] as? String == "zhang.wei@corp.example")
        // The sign-in is in the log, the link's token is not.
        #expect(!s.serve.logLines(containing: "console sign-in").isEmpty)
        #expect(!s.serve.log.contains(String(path.dropFirst("/signin/".count))))
        #expect(s.serve.stop(SIGTERM, timeout: 60) == 0, "\(s.serve.logTail)")
    }

    @Test("in headless chromium: sign in, open the case, mark item 1 done, screenshot", .enabled(if: Rig.available || Rig.required))
    func inTheBrowser() throws {
        try Rig.require()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
              (try? ChildProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", "import selenium"], mergingStderr: true).status) == 0
        else {
            let required = ProcessInfo.processInfo.environment["LIAISON_REQUIRE_BROWSER"] == "1"
            FileHandle.standardError.write(Data("*** SKIPPED ConsoleRigTests.inTheBrowser: chromium-driver or python3-selenium missing (scripts/setup installs them)\n".utf8))
            #expect(!required, "chromium-driver/python3-selenium missing and LIAISON_REQUIRE_BROWSER=1")
            return
        }
        let s = try Self.start(port: 13082, label: "console-browser")
        defer { s.serve.ensureStopped() }
        let artefacts = CorpusLocation.packageRoot.appendingPathComponent(".build/test-artefacts")
        try FileManager.default.createDirectory(at: artefacts, withIntermediateDirectories: true)
        let screenshot = artefacts.appendingPathComponent("console-case-page.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        let hand = s.ws.dir.appendingPathComponent("browser")
        try FileManager.default.createDirectory(at: hand, withIntermediateDirectories: true)
        let script = CorpusLocation.packageRoot.appendingPathComponent("scripts/console-browser").path
        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        driver.arguments = ["300", "/usr/bin/python3", script, s.base, "zhang.wei@corp.example", s.number, hand.path, screenshot]
        let log = s.ws.path("browser.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        driver.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        driver.standardError = driver.standardOutput
        try driver.run()
        defer { if driver.isRunning { driver.terminate() } }
        try E2E.waitUntil("the browser to ask for a link", timeout: 120, detail: { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }) {
            FileManager.default.fileExists(atPath: hand.appendingPathComponent("asked").path) || !driver.isRunning
        }
        let link = try Self.linkFromMailbox(s)
        try link.write(to: hand.appendingPathComponent("link"), atomically: true, encoding: .utf8)
        try E2E.waitUntil("the browser script to end", timeout: 300) { !driver.isRunning }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(driver.terminationStatus == 0, "console-browser: \(output)")
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
        #expect(size > 10_000, "screenshot is \(size) bytes")
        FileHandle.standardError.write(Data("ConsoleRigTests: screenshot of the case page at \(screenshot)\n".utf8))
        let items = try #require((try E2E.caseShown(s.number, config: s.ws.path("liaison.toml"))["recaps"] as? [[String: Any]])?.last?["actionItems"] as? [[String: Any]])
        #expect(items.first?["status"] as? String == "done")
        _ = s.serve.stop(SIGTERM, timeout: 60)
        try? FileManager.default.removeItem(at: s.ws.dir)
    }
}
