import Foundation
import LiaisonConfiguration
import LiaisonCore
import Testing

/// The domain under an organisation read from a configuration file, as the daemon reads it
/// (`LiaisonConfiguration` is its own target, so core tests can use it): the zone and the
/// workday the file names are what the readers compute with.
@Suite struct OrganizationFromConfigTests {
    static func organization(_ lines: String) throws -> Organization {
        try LiaisonConfig(toml: """
            [organization]
            name = "Example Corp"
            internal_domains = ["corp.example"]
            tracking_address = "track@corp.example"
            authserv_id = "mx.corp.example"
            \(lines)
            """).organization()
    }

    static func instant(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test("close of business is the configured workday end, in the configured zone")
    func workdayEndInZone() throws {
        let ny = try Self.organization("time_zone = \"America/New_York\"\nworkday_end = \"17:30\"")
        let resolver = DeadlineResolver(organization: ny, calendar: .mondayToFriday)
        let sent = Self.instant("2026-12-01T15:00:00Z")  // 10:00 in New York, a Tuesday
        #expect(resolver.resolve("today COB", sentAt: sent).instant == Self.instant("2026-12-01T22:30:00Z"))

        let shanghai = try Self.organization("")  // defaults: Asia/Shanghai, 18:00
        let r2 = DeadlineResolver(organization: shanghai)
        let morning = Self.instant("2026-12-01T01:00:00Z")  // 09:00 in Shanghai
        #expect(r2.resolve("今天下班前", sentAt: morning).instant == Self.instant("2026-12-01T10:00:00Z"))
    }

    @Test("the same zone through every reader: the wall clock and the resolver agree")
    func oneZone() throws {
        let org = try Self.organization("time_zone = \"Europe/Berlin\"\nworkday_start = \"08:00\"")
        let day = LocalDate(year: 2026, month: 7, day: 1)!
        #expect(org.wallClock.instant(day, org.workdayStart) == Self.instant("2026-07-01T06:00:00Z"))  // CEST
        #expect(org.wallClock.local(Self.instant("2026-07-01T06:00:00Z")).secondsIntoDay == 8 * 3600)
    }
}
