import Foundation
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `liaison export` (issue 15): the follow-up table of the generated month (ReportMonth) as XLSX,
/// read back by an independent reader — Debian's openpyxl under /usr/bin/python3 — and compared
/// cell by cell, and as CSV.
@Suite("liaison export (binary)")
struct ExportCommandTests {
    typealias CLI = InspectCommandTests

    /// Debian's python3 (scripts/setup installs python3-openpyxl for it), not a pyenv shim.
    static let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

    static let dumpScript = #"""
    import json, sys, datetime, openpyxl
    wb = openpyxl.load_workbook(sys.argv[1])
    out = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                v = c.value
                if isinstance(v, datetime.datetime):
                    v = v.strftime("%Y-%m-%d %H:%M:%S")
                cells.append({"v": v, "t": c.data_type, "fmt": c.number_format, "wrap": bool(c.alignment.wrap_text)})
            rows.append(cells)
        widths = {k: ws.column_dimensions[k].width for k in "ABCDEFGHIJ"}
        out[ws.title] = {"rows": rows, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "widths": widths}
    print(json.dumps(out, ensure_ascii=False))
    """#

    static func dump(_ xlsx: String) async throws -> [String: Any] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-openpyxl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = dir.appendingPathComponent("dump.py")
        try Self.dumpScript.write(to: script, atomically: true, encoding: .utf8)
        let r = try await offPool { try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), [python, script.path, xlsx]) }
        try #require(r.status == 0, "openpyxl failed (is python3-openpyxl installed? scripts/setup): \(r.stderrText)")
        return try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
    }

    static func export(_ db: String, format: String, extra: [String] = []) async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-export-\(UUID().uuidString).\(format)").path
        let r = try await CLI.run(["export", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", format, "--out", path,
                             "--now", "2026-12-15T00:00:00+08:00"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return path
    }

    /// The table's rows as a reader sees them: nil for an empty cell.
    static let expectedRows: [[String?]] = [
        ["EC20261020-001", "2026-10-20 09:00:00", "old.example / li@old.example", "b@corp.example", "一般沟通", "旧事项", nil, nil,
         "b@corp.example", "跟进中"],
        ["EC20261102-001", "2026-11-02 09:00:00", "huadong.example / liu@huadong.example", "a@corp.example", "客户投诉",
         "投诉:第二批货物12台设备无法开机",
         "①更换同型号设备12台（王芳，11月5日，逾期办结）\n②提供3个月质保服务（李娜，11月20日17:00，已办结）", "2026-11-06 10:00:00",
         "a@corp.example", "已办结"],
        ["EC20261105-001", "2026-11-05 10:00:00", "xinda.example / chen@xinda.example", "a@corp.example", "客户需求对接",
         ReportMonth.hostileSubject, "①-5台 @仓库 +补发（张伟，11月8日18:00，已逾期）\n②评估开发难度（张伟，跟进中）", nil,
         "a@corp.example", "跟进中"],
        ["EC20261110-001", "2026-11-10 09:00:00", "supply.example / qian@supply.example", "b@corp.example", "交期协调", "交期推迟",
         "①确认新交期, 数量 \"12台\"（孙丽，12月5日17:00，跟进中）", "2026-11-12 10:00:00", "b@corp.example", "跟进中"],
        ["EC20261120-001", "2026-11-20 08:00:00", "dongfang.example / zhao@dongfang.example", "a@corp.example", "客户投诉", "质量问题反馈",
         nil, nil, "a@corp.example", "已办结"],
        ["EC20261129-001", "2026-11-29 12:00:00", "news.example / reporter@news.example", "b@corp.example", "媒体沟通", "采访邀请", nil, nil,
         "b@corp.example", "跟进中"],
    ]

    @Test func xlsxReadBackCellByCell() async throws {
        let db = try ReportMonth.build()
        let path = try await Self.export(db, format: "xlsx")
        var st = stat()
        #expect(lstat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let wb = try await Self.dump(path)
        #expect(wb["sheets"] as? [String] == ["跟进表", "待办事项"])
        let main = try #require(wb["跟进表"] as? [String: Any])
        let rows = try #require(main["rows"] as? [[[String: Any]]])
        let header = rows[0].map { $0["v"] as? String }
        #expect(header == ["沟通编号", "沟通日期", "对方单位/联系人", "我方对接人", "沟通类型", "核心需求/反馈", "解决方案/进展", "下次沟通时间", "负责人", "状态"])
        let values = rows.dropFirst().map { $0.map { $0["v"] as? String } }
        #expect(values.count == Self.expectedRows.count)
        for (got, want) in zip(values, Self.expectedRows) {
            #expect(got == want, "row \(want[0] ?? "")")
        }
        // Dates are real Excel dates (numbers with a date format), text is text, wrapped.
        let a1 = rows[2]
        // (openpyxl reads a number with a date format as a datetime: type "d"; a date written as text would be "s".)
        #expect(a1[1]["t"] as? String == "d" && (a1[1]["fmt"] as? String)?.contains("yyyy") == true)
        #expect(a1[7]["t"] as? String == "d")
        #expect(a1[6]["t"] as? String == "s" && a1[6]["wrap"] as? Bool == true)
        // The outsider's =HYPERLINK(…) comes back as text, not a formula.
        let hostile = rows[3][5]
        #expect(hostile["t"] as? String == "s")
        #expect((hostile["v"] as? String)?.hasPrefix("=HYPERLINK(") == true)
        #expect(main["freeze"] as? String == "A2")
        #expect(main["filter"] as? String == "A1:J7")
        let widths = try #require(main["widths"] as? [String: Double])
        // 核心需求/反馈: 投诉:第二批货物12台设备无法开机 is 14 wide characters and 5 narrow ones: 33 + 2.
        #expect(widths["F"] ?? 0 >= 35)

        let items = try #require(wb["待办事项"] as? [String: Any])
        let itemRows = try #require(items["rows"] as? [[[String: Any]]])
        #expect(itemRows[0].map { $0["v"] as? String } == ["沟通编号", "序号", "负责人", "事项", "截止时间", "状态", "完成时间"])
        func show(_ c: [String: Any]) -> String { c["v"].map { $0 is NSNull ? "" : "\($0)" } ?? "" }
        #expect(itemRows.dropFirst().map { $0.map(show) } == [
            ["EC20261102-001", "1", "王芳", "更换同型号设备12台", "2026-11-05 23:59:59", "逾期办结", "2026-11-10 12:00:00"],
            ["EC20261102-001", "2", "李娜", "提供3个月质保服务", "2026-11-20 17:00:00", "已办结", "2026-11-10 12:00:00"],
            ["EC20261105-001", "1", "张伟", "-5台 @仓库 +补发", "2026-11-08 18:00:00", "已逾期", ""],
            ["EC20261105-001", "2", "张伟", "评估开发难度", "", "跟进中", ""],
            ["EC20261110-001", "1", "孙丽", "确认新交期, 数量 \"12台\"", "2026-12-05 17:00:00", "跟进中", ""],
        ])
        #expect(itemRows[3][3]["t"] as? String == "s")
        #expect(items["freeze"] as? String == "A2")
    }

    @Test func csvIsExcelReadyAndNeutralisesFormulas() async throws {
        let db = try ReportMonth.build()
        let path = try await Self.export(db, format: "csv", extra: ["--owner", "a@corp.example"])
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "沟通编号,沟通日期,对方单位/联系人,我方对接人,沟通类型,核心需求/反馈,解决方案/进展,下次沟通时间,负责人,状态")
        #expect(lines[1] == "EC20261102-001,2026-11-02 09:00,huadong.example / liu@huadong.example,a@corp.example,客户投诉,投诉:第二批货物12台设备无法开机,"
                + "\"①更换同型号设备12台（王芳，11月5日，逾期办结）\n②提供3个月质保服务（李娜，11月20日17:00，已办结）\",2026-11-06 10:00,a@corp.example,已办结")
        // The formula: apostrophe first, then quoted (it holds quotes and a comma).
        #expect(lines[2].hasPrefix("EC20261105-001,2026-11-05 10:00,xinda.example / chen@xinda.example,a@corp.example,客户需求对接,"
                                   + "\"'=HYPERLINK(\"\"http://evil.example/x\"\",\"\"点此查看\"\")\","))
        #expect(lines.last == "")
        #expect(lines.count == 5)  // header, A1, A2, A3, and the empty string after the last CRLF
    }

    @Test func refusesAnExistingFileAndASymlink() async throws {
        let db = try ReportMonth.build()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent("victim").path
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        let link = dir.appendingPathComponent("link.xlsx").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        for out in [target, link] {
            let r = try await CLI.run(["export", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx", "--out", out])
            #expect(r.status != 0)
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    /// The corpus's complaint as the follow-up table shows it: the items of 03 (expect.json) with
    /// their owners and dues, all overdue at the period's end, the next contact 11月23日10:00 from the recap.
    @Test func corpusComplaintRow() async throws {
        try #require(IngestCorpusTests.files.count >= 12, "corpus not found at \(CorpusLocation.directory.path)")
        let db = try IngestCorpusTests.freshDB()
        let r = try await CLI.run(["ingest", "--config", CorpusLocation.configPath, "--db", db] + IngestCorpusTests.files)
        #expect(r.status == 0, "\(r.stderr)")
        let path = try await Self.export(db, format: "xlsx", extra: ["--config", CorpusLocation.configPath, "--owner", "zhang.wei@corp.example"])
        let wb = try await Self.dump(path)
        let rows = try #require((wb["跟进表"] as? [String: Any])?["rows"] as? [[[String: Any]]])
        #expect(rows.count == 3)  // the header, EC20261116-001, EC20261119-001
        #expect(rows[1].map { $0["v"] as? String } == [
            "EC20261116-001", "2026-11-16 09:12:33", "huadong-precision.example / liu.yang@huadong-precision.example, wang.lei@huadong-precision.example",
            "zhang.wei@corp.example", "客户投诉", "投诉:第二批货物12台设备无法开机",
            "①我方免费更换同型号设备12台（王芳，11月19日17:00，已逾期）\n②物流单号在发货当天同步给您（赵强，11月19日18:00，已逾期）\n③后续提供3个月质保服务（张伟，11月20日，已逾期）",
            "2026-11-23 10:00:00", "zhang.wei@corp.example", "跟进中",
        ])
        #expect(rows[2].map { $0["v"] as? String }[5] == "聯合推廣方案確認")
    }
}
