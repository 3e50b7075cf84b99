import Foundation
import LiaisonCore
import LiaisonTestSupport
import Testing
@testable import LiaisonDaemon

/// `[organization]` parsing as the daemon reads it (the corpus file has only this section).
@Suite struct OrganizationConfigTests {
    @Test func corpusConfigReads() throws {
        let org = try LiaisonConfig.load(path: CorpusLocation.configPath).organization()
        #expect(org.trackingAddress == "track@corp.example")
        #expect(org.timeZone.identifier == "Asia/Shanghai")
        #expect(org.workdayStart == ClockTime(hour: 9)! && org.workdayEnd == ClockTime(hour: 18)!)
    }

    /// [organization] without a zone or a workday: each test adds its own lines.
    static let base = ConfigText.organization(timeZone: nil) + "\n"

    @Test("the zone and the workday are resolved at load: typed values, defaults when absent")
    func typedZoneAndWorkday() throws {
        let defaults = try LiaisonConfig(toml: Self.base).organization()
        #expect(defaults.timeZone == TimeZone(identifier: "Asia/Shanghai"))
        #expect(defaults.workdayStart == ClockTime(hour: 9)!)
        #expect(defaults.workdayEnd == ClockTime(hour: 18)!)
        let ny = try LiaisonConfig(toml: Self.base + """
            time_zone = "America/New_York"
            workday_start = "8:30"
            workday_end = "17:15"
            """).organization()
        #expect(ny.timeZone.identifier == "America/New_York")
        #expect(ny.workdayStart == ClockTime(hour: 8, minute: 30)!)
        #expect(ny.workdayEnd == ClockTime(hour: 17, minute: 15)!)
        // What the domain computes with the zone: 08:30 in New York on a winter day is 13:30 UTC.
        let start = ny.wallClock.instant(LocalDate(year: 2026, month: 12, day: 1)!, ny.workdayStart)
        #expect(start == Date(timeIntervalSince1970: 1_796_131_800))
    }

    @Test("an unknown zone or a bad workday time is an error naming its key, never a fallback",
          arguments: [
            ("time_zone = \"Mars/Olympus\"", "organization.time_zone"),
            ("time_zone = \"\"", "organization.time_zone"),
            ("workday_start = \"9am\"", "organization.workday_start"),
            ("workday_start = \"24:00\"", "organization.workday_start"),
            ("workday_end = \"18:0\"", "organization.workday_end"),
            ("workday_end = 18", "organization.workday_end"),
            ("workday_start = \"18:00\"\nworkday_end = \"09:00\"", "organization.workday_end"),
          ])
    func badZoneOrWorkday(line: String, key: String) throws {
        let config = try LiaisonConfig(toml: Self.base + line)
        #expect(throws: ConfigError.self) { try config.organization() }
        do { _ = try config.organization() } catch let e as ConfigError { #expect(e.key == key, "\(e)") }
        // check-config reports the same key as an error.
        #expect(config.validate(environment: [:]).errors.map(\.key).contains(key))
    }
}
