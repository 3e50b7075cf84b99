import Foundation
import LiaisonCore
import TOMLKit

/// The `[retention]` section (issue 18): how long resolved cases keep their mail. Both keys are
/// optional; absent keeps forever.
///
/// ```toml
/// [retention]
/// bodies = "24 months"   # raw mail, text and attachments of a resolved case's messages
/// cases = "5 years"      # the whole case
/// ```
///
/// A period is a whole number of days, weeks, months or years (`RetentionPeriod.parse`; Chinese
/// `"24个月"`, `"5年"` too). `cases` shorter than `bodies` is refused (bodies would never expire
/// on their own).
extension LiaisonConfig {
    public static let retentionKeys: Set<String> = ["bodies", "cases"]

    /// `[retention]`; an empty policy when absent. Throws `ConfigError` naming the key at fault.
    public func retentionPolicy() throws -> RetentionPolicy {
        guard let node = document["retention"] else { return RetentionPolicy() }
        guard let table = node.table else {
            throw ConfigError(key: "retention", problem: "is not a table", fix: "write it as a [retention] section")
        }
        func period(_ k: String, example: String) throws -> RetentionPeriod? {
            guard let v = table[k] else { return nil }
            guard let text = v.string, let p = RetentionPeriod.parse(text) else {
                throw ConfigError(key: "retention.\(k)", problem: "`\(v.string ?? "\(v)")` is not a period",
                                  fix: "write a whole number of days, weeks, months or years, e.g. \(k) = \"\(example)\"")
            }
            return p
        }
        let policy = RetentionPolicy(bodies: try period("bodies", example: "24 months"), cases: try period("cases", example: "5 years"))
        if let b = policy.bodies, let c = policy.cases {
            let day = LocalDate(year: 2000, month: 1, day: 31)!
            if c.after(day) < b.after(day) {
                throw ConfigError(key: "retention.cases", problem: "(\(c)) is shorter than retention.bodies (\(b))",
                                  fix: "keep whole cases at least as long as their bodies, or remove retention.bodies")
            }
        }
        return policy
    }
}
