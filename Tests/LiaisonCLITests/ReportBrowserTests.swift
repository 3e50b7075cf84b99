import Foundation
import LiaisonTestSupport
import Testing

/// The report's HTML page rendered by a real browser: Debian's headless chromium takes a
/// screenshot, and the PNG must exist, be of some size and not be blank (issue 15). chromium
/// comes from scripts/setup; when it is missing the test fails under LIAISON_REQUIRE_BROWSER=1
/// (scripts/test sets it) and otherwise says loudly that it skipped.
@Suite("liaison report HTML in chromium")
struct ReportBrowserTests {
    typealias CLI = InspectCommandTests

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ tool: String, _ args: [String]) async throws -> (Int32, String) {
        let r = try await offPool { try ChildProcess.run(URL(fileURLWithPath: tool), args, mergingStderr: true) }
        return (r.status, r.stdoutText)
    }

    @Test func screenshotIsNotBlank() async throws {
        guard let chromium = Self.chromium else {
            let required = ProcessInfo.processInfo.environment["LIAISON_REQUIRE_BROWSER"] == "1"
            FileHandle.standardError.write(Data("*** SKIPPED ReportBrowserTests: chromium is not installed (scripts/setup installs it)\n".utf8))
            #expect(!required, "chromium is missing and LIAISON_REQUIRE_BROWSER=1")
            return
        }
        // Without a CJK font chromium draws the Chinese as empty boxes (scripts/setup installs one).
        let (fcStatus, fonts) = try await Self.run("/usr/bin/env", ["fc-list", ":lang=zh", "family"])
        #expect(fcStatus == 0 && !fonts.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "no Chinese font: fonts-wqy-microhei")
        let db = try ReportMonth.build()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = try await CLI.run(["report", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "html",
                             "--now", "2026-12-15T00:00:00+08:00"])
        #expect(r.status == 0, "\(r.stderr)")
        let page = dir.appendingPathComponent("report.html")
        try r.stdout.write(to: page, atomically: true, encoding: .utf8)
        let png = dir.appendingPathComponent("report.png").path
        // Its own profile folder: other runs of chromium on the machine do not share state.
        let (status, log) = try await Self.run("/usr/bin/timeout", [
            "120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=" + dir.appendingPathComponent("profile").path,
            "--screenshot=" + png, "--window-size=1200,1600", page.absoluteString,
        ])
        #expect(status == 0, "chromium: \(log)")
        let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
        #expect(size > 20_000, "screenshot is \(size) bytes")
        // Not blank: a good share of the pixels is not white, and some are the charts' colours.
        let check = """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            px = list(im.getdata())
            nonwhite = sum(1 for p in px if p != (255, 255, 255))
            green = sum(1 for p in px if p == (0x2e, 0x7d, 0x32))
            blue = sum(1 for p in px if p == (0x15, 0x65, 0xc0))
            print(im.size[0], im.size[1], nonwhite, green, blue)
            """
        let (pyStatus, out) = try await Self.run("/usr/bin/python3", ["-c", check, png])
        #expect(pyStatus == 0, "\(out)")
        let n = out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(n.count == 5, "\(out)")
        #expect(n[0] == 1200 && n[1] == 1600)
        #expect(n[2] > 1200 * 1600 / 50, "only \(n[2]) non-white pixels")
        #expect(n[3] > 500 && n[4] > 500, "chart colours: green \(n[3]), blue \(n[4])")
        FileHandle.standardError.write(Data("ReportBrowserTests: screenshot \(png)\n".utf8))
    }
}
