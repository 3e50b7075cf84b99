import Foundation
import LiaisonCore
import TOMLKit

/// The weekly check's configuration (issue 15 part 3):
///
/// ```toml
/// [organization]
/// managers = ["boss@corp.example"]     # who gets the week's figures and follow-up table
///
/// [reminders]
/// weekly_check = "Mon 09:00"           # or "off" / false; or the table form below
///
/// [reminders.weekly_check]             # the same, with the quiet days
/// enabled = true
/// at = "Mon 09:00"
/// quiet_days = 3                       # working days without outbound mail before a case is listed
/// ```
extension LiaisonConfig {
    /// `[organization] managers`: plain addresses, lowercased, without repeats; empty when absent.
    public func managers() throws -> [String] {
        guard let org = document["organization"]?.table, org["managers"] != nil else { return [] }
        let values = try TableReader(table: org, prefix: "organization").stringArray("managers")
        var out: [String] = []
        for v in values {
            let a = v.trimmingCharacters(in: .whitespaces).lowercased()
            guard MailAddressCheck.isPlain(a), a.count <= 254, let at = a.firstIndex(of: "@"), a[a.index(after: at)...].contains(".") else {
                throw ConfigError(key: "organization.managers", problem: "`\(v)` is not a mail address",
                                  fix: "list bare addresses such as \"boss@corp.example\" (no names or angle brackets)")
            }
            if !out.contains(a) { out.append(a) }
        }
        return out
    }

    /// `[reminders] weekly_check`, with `WeeklyCheck.Rule.defaults` (Monday 09:00, 3 quiet days) for
    /// what it does not say.
    public func weeklyCheckRule() throws -> WeeklyCheck.Rule {
        var rule = WeeklyCheck.Rule.defaults
        guard let node = document["reminders"]?.table?["weekly_check"] else { return rule }
        let key = "reminders.weekly_check"
        let fix = "write weekly_check = \"Mon 09:00\" (a weekday and a 24-hour time), \"off\", or a [reminders.weekly_check] table"
        if let b = node.bool {
            rule.enabled = b
            return rule
        }
        if let s = node.string {
            if ["off", "false", "no", "none"].contains(s.trimmingCharacters(in: .whitespaces).lowercased()) {
                rule.enabled = false
                return rule
            }
            guard let (weekday, at) = Self.weekdayTime(s) else { throw ConfigError(key: key, problem: "`\(s)` is not a weekday and time", fix: fix) }
            rule.weekday = weekday
            rule.at = at
            return rule
        }
        guard let table = node.table else { throw ConfigError(key: key, problem: "must be a string or a table", fix: fix) }
        for k in table.keys.sorted() where !["enabled", "at", "quiet_days"].contains(k) {
            throw ConfigError(key: "\(key).\(k)", problem: "is not a key of [\(key)]", fix: "use enabled, at, quiet_days, or remove it")
        }
        rule.enabled = try TableReader(table: table, prefix: key).bool("enabled", default: true)
        if let v = table["at"] {
            guard let s = v.string, let (weekday, at) = Self.weekdayTime(s) else {
                throw ConfigError(key: "\(key).at", problem: "`\(v.string ?? "\(v)")` is not a weekday and time", fix: "write e.g. at = \"Mon 09:00\"")
            }
            rule.weekday = weekday
            rule.at = at
        }
        if let v = table["quiet_days"] {
            guard let n = v.int, (1...60).contains(n) else {
                throw ConfigError(key: "\(key).quiet_days", problem: "must be a whole number from 1 to 60",
                                  fix: "write e.g. quiet_days = 3 without quotes")
            }
            rule.quietDays = n
        }
        return rule
    }

    /// `Mon 09:00`, `monday 9:00`, `周一 09:00`, `星期一 09:00`: the ISO weekday (Monday = 1) and the time.
    static func weekdayTime(_ text: String) -> (Int, ClockTime)? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2, parts[1].count <= 8, let t = ClockTime(parsing: String(parts[1])), t.hour < 24 else { return nil }
        let names: [[String]] = [
            ["mon", "monday", "周一", "星期一", "週一"], ["tue", "tues", "tuesday", "周二", "星期二", "週二"],
            ["wed", "wednesday", "周三", "星期三", "週三"], ["thu", "thur", "thurs", "thursday", "周四", "星期四", "週四"],
            ["fri", "friday", "周五", "星期五", "週五"], ["sat", "saturday", "周六", "星期六", "週六"],
            ["sun", "sunday", "周日", "星期日", "星期天", "週日"],
        ]
        let w = parts[0].lowercased()
        guard let i = names.firstIndex(where: { $0.contains(w) }) else { return nil }
        return (i + 1, t)
    }
}
