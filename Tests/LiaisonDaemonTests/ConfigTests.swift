import Foundation
import Testing
@testable import LiaisonDaemon

/// `[organization]` parsing as the daemon reads it (the corpus file has only this section).
@Suite struct OrganizationConfigTests {
    @Test func corpusConfigReads() throws {
        let config = try LiaisonConfig(toml: """
            [organization]
            name = "示例科技有限公司"
            internal_domains = ["corp.example"]
            tracking_address = "track@corp.example"
            authserv_id = "mx.corp.example"
            time_zone = "Asia/Shanghai"
            workday_start = "09:00"
            workday_end = "18:00"
            """)
        let org = try config.organization()
        #expect(org.trackingAddress == "track@corp.example")
        #expect(org.timeZone == "Asia/Shanghai")
    }
}
