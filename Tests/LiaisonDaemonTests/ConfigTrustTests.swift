import Foundation
import LiaisonCore
import Testing
@testable import LiaisonDaemon

/// `[organization]` keys of issue 12 (`mx_hosts`, `shared_domains`) and what `check-config` can
/// tell about `authserv_id`.
@Suite struct ConfigTrustTests {
    func report(authservID: String, extra: String = "") throws -> ConfigReport {
        let text = ConfigValidationTests.complete.replacingOccurrences(of: "authserv_id = \"mx.corp.example\"",
                                                                       with: "authserv_id = \"\(authservID)\"\n\(extra)")
        return try LiaisonConfig(toml: text).validate(environment: ConfigValidationTests.env)
    }

    func warning(_ r: ConfigReport) -> ConfigIssue? { r.warnings.first { $0.key == "organization.authserv_id" } }

    @Test func theMXsHostNameIsQuiet() throws {
        let r = try report(authservID: "mx.corp.example")
        #expect(r.issues.isEmpty, "\(r.issues)")
    }

    @Test func warnsWhereItCanTell() throws {
        // Not a host name.
        let spaced = try #require(warning(try report(authservID: "corp mx")))
        #expect(spaced.problem.contains("not a host name") && spaced.fix.contains("AuthservID"))
        // A public provider's id: its headers come with anyone's mail.
        for id in ["mx.google.com", "gmail.com", "mx.qq.com", "outlook.com"] {
            let w = try #require(warning(try report(authservID: id)), "\(id)")
            #expect(w.problem.contains("public mail provider"), "\(id)")
            #expect(try report(authservID: id).isValid, "a warning, not an error")
        }
        // A bare internal domain: not what an MX writes.
        #expect(try warning(try report(authservID: "corp.example"))?.problem.contains("bare mail domain") == true)
        // Every warning says the MX must strip forged headers.
        #expect(spaced.fix.contains("strip or rename"))
    }

    @Test func mxHostsAndSharedDomainsAreRead() throws {
        let text = ConfigValidationTests.complete.replacingOccurrences(
            of: "authserv_id = \"mx.corp.example\"",
            with: "authserv_id = \"mx.corp.example\"\nmx_hosts = [\"MX.corp.example\", \"imap.corp.example\"]\nshared_domains = [\"qq.com\", \"example-mail.cn\"]")
        let config = try LiaisonConfig(toml: text)
        #expect(config.validate(environment: ConfigValidationTests.env).issues.isEmpty)
        let org = try config.organization()
        #expect(org.mxHosts == ["mx.corp.example", "imap.corp.example"])
        #expect(org.sharedDomains == ["qq.com", "example-mail.cn"])
        #expect(org.isShared("someone@Example-Mail.cn") && !org.isShared("liu@huadong-precision.example"))
        // Absent: no mx_hosts, the built-in free-mail list.
        let plain = try LiaisonConfig(toml: ConfigValidationTests.complete).organization()
        #expect(plain.mxHosts.isEmpty)
        #expect(plain.sharedDomains == Organization.defaultSharedDomains)
        #expect(["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "hotmail.com", "foxmail.com", "sina.com",
                 "sohu.com", "yahoo.com", "icloud.com", "yeah.net", "aliyun.com", "139.com"].allSatisfy(plain.sharedDomains.contains))
    }

    @Test func badValuesNameTheKey() throws {
        let bad = try report(authservID: "mx.corp.example", extra: "mx_hosts = [\"mx corp\"]")
        #expect(bad.errors.map(\.key) == ["organization.mx_hosts"])
        let notDomain = try report(authservID: "mx.corp.example", extra: "shared_domains = [\"@qq.com\"]")
        #expect(notDomain.errors.map(\.key) == ["organization.shared_domains"])
    }
}
