import Foundation
import LiaisonCore
import Testing
@testable import LiaisonDaemon

/// `[staff]` (names → addresses) and `organization.calendar` (a file in the line format of
/// deploy/calendar-cn.txt), read through `LiaisonConfig.organization()` (issue #5).
@Suite struct StaffCalendarConfigTests {
    static func organization(calendar: String? = nil) -> String {
        """
        [organization]
        name = "示例科技有限公司"
        internal_domains = ["corp.example"]
        tracking_address = "track@corp.example"
        authserv_id = "mx.corp.example"
        \(calendar.map { "calendar = \"\($0)\"" } ?? "")

        """
    }

    func configError(_ body: () throws -> Void) -> ConfigError? {
        do {
            try body()
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            return ConfigError(key: "(unexpected)", problem: "\(error)", fix: "")
        }
    }

    /// A fresh folder for calendar files.
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-calendar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: - [staff]

    @Test func staffNamesMapToAddresses() throws {
        let org = try LiaisonConfig(toml: Self.organization() + """
            [staff]
            "张伟" = "zhang.wei@corp.example"
            "王芳" = " Wang.Fang@Corp.Example "
            "Li Lei" = "li.lei@corp.example"
            """).organization()
        #expect(org.staff == ["张伟": "zhang.wei@corp.example", "王芳": "wang.fang@corp.example", "Li Lei": "li.lei@corp.example"])
    }

    @Test func noStaffSectionIsAnEmptyDirectory() throws {
        #expect(try LiaisonConfig(toml: Self.organization()).organization().staff.isEmpty)
    }

    @Test(arguments: [
        ("\"王芳\" = \"wang.fang\"", "staff.王芳"),
        ("\"王芳\" = \"@corp.example\"", "staff.王芳"),
        ("\"王芳\" = \"wang fang@corp.example\"", "staff.王芳"),
        ("\"赵强\" = 42", "staff.赵强"),
        ("\"赵强\" = [\"zhao.qiang@corp.example\"]", "staff.赵强"),
    ])
    func badStaffValueNamesThePerson(line: String, key: String) throws {
        let e = try #require(configError { _ = try LiaisonConfig(toml: Self.organization() + "[staff]\n" + line + "\n").organization() })
        #expect(e.key == key)
        #expect(e.description.contains("`\(key)`"))
        #expect(e.fix.contains("@"))
    }

    @Test func staffMustBeATable() throws {
        let e = try #require(configError { _ = try LiaisonConfig(toml: "staff = \"x\"\n" + Self.organization()).organization() })
        #expect(e.key == "staff")
    }

    // MARK: - organization.calendar

    @Test func calendarFileIsRead() throws {
        let dir = try folder()
        let file = dir.appendingPathComponent("calendar.txt")
        try """
            # test calendar
            years 2030-2030
            2030-10-01 holiday 国庆节
            2030-10-02 holiday 国庆节
            2030-09-29 workday 国庆节   # a Sunday worked
            """.write(to: file, atomically: true, encoding: .utf8)
        let org = try LiaisonConfig(toml: Self.organization(calendar: file.path)).organization()
        #expect(org.calendar.coveredYears == 2030...2030)
        #expect(org.calendar.isWorkingDay(LocalDate(year: 2030, month: 10, day: 1)!) == false)      // Tuesday, holiday
        #expect(org.calendar.isWorkingDay(LocalDate(year: 2030, month: 9, day: 29)!) == true)       // Sunday, 调休
        #expect(org.calendar.isWorkingDay(LocalDate(year: 2030, month: 10, day: 3)!) == true)       // Thursday
        #expect(org.calendar.nthWorkingDay(after: LocalDate(year: 2030, month: 9, day: 30)!, n: 1)
            == LocalDate(year: 2030, month: 10, day: 3)!)
        // Not the built-in calendar: 2026's National Day is an ordinary week here.
        #expect(org.calendar.isWorkingDay(LocalDate(year: 2026, month: 10, day: 1)!) == true)
    }

    @Test func relativeCalendarPathIsReadBesideTheConfigFile() throws {
        let dir = try folder()
        try "2031-01-01 holiday 元旦\n".write(to: dir.appendingPathComponent("cal.txt"), atomically: true, encoding: .utf8)
        let config = try LiaisonConfig(toml: Self.organization(calendar: "cal.txt"),
                                       path: dir.appendingPathComponent("liaison.toml").path)
        let org = try config.organization()
        #expect(org.calendar.isWorkingDay(LocalDate(year: 2031, month: 1, day: 1)!) == false)
        #expect(org.calendar.coveredYears == 2031...2031)
    }

    @Test func noCalendarKeyIsTheBuiltInOne() throws {
        let org = try LiaisonConfig(toml: Self.organization()).organization()
        #expect(org.calendar == WorkCalendar.mainlandChina)
        #expect(org.calendar.isWorkingDay(LocalDate(year: 2026, month: 10, day: 1)!) == false)
    }

    @Test func shippedCalendarFileMatchesTheBuiltInOne() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/calendar-cn.txt")
        let org = try LiaisonConfig(toml: Self.organization(calendar: file.path)).organization()
        #expect(org.calendar == WorkCalendar.mainlandChina)
    }

    @Test func missingCalendarFileNamesTheKey() throws {
        let missing = try folder().appendingPathComponent("absent.txt").path
        let e = try #require(configError { _ = try LiaisonConfig(toml: Self.organization(calendar: missing)).organization() })
        #expect(e.key == "organization.calendar")
        #expect(e.problem.contains(missing))
    }

    @Test(arguments: [
        ("years 2030-2030\n2030-10-01 holiday 国庆节\n2030-13-01 holiday 假\n", 3),
        ("# comment\n2030-10-01 vacation 国庆节\n", 2),
        ("years 2030-2030\n\n2031-01-01 holiday 元旦\n", 3),
        ("2030-10-01 holiday 国庆节\n2030-10-01 workday 国庆节\n", 2),
        ("years twenty\n", 1),
    ])
    func badCalendarLineNamesKeyAndLine(text: String, line: Int) throws {
        let file = try folder().appendingPathComponent("bad.txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let e = try #require(configError { _ = try LiaisonConfig(toml: Self.organization(calendar: file.path)).organization() })
        #expect(e.key == "organization.calendar")
        #expect(e.problem.contains("calendar line \(line):"))
        #expect(e.fix.contains("calendar-cn.txt"))
    }
}
