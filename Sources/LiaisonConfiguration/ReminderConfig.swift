import Foundation
import LiaisonCore
import TOMLKit

/// The optional `[reminders]` section: one sub-table per rule of shared/docs/semantics.md
/// ("Deadlines the source documents set", action items, recaps), each with `enabled`, its
/// offsets (durations such as "24h", "30m", "2d", "1h30m"), times of day ("17:00") and
/// `recipients` (roles `owner`, `case_owner`, `author`, or addresses). Absent keys keep the
/// defaults of `ReminderRules`; unknown rules or keys are errors (a typo must not silently
/// leave a default in force).
///
/// ```toml
/// [reminders.item_due]
/// before = "24h"            # also on the morning of the due day at workday_start (morning = true)
/// [reminders.digest]
/// at = "17:00"
/// recipients = ["owner", "boss@corp.example"]
/// ```
extension LiaisonConfig {
    /// The rule names of `[reminders]`, in the order of the example file.
    public static let reminderRuleNames = ["item_due", "item_overdue", "next_contact", "complaint_response",
                                           "complaint_solution", "recap_window", "recap_disputed", "satisfaction",
                                           "filing_check", "digest", "weekly_check"]

    /// The reminder rules: the defaults, with `[reminders]` applied.
    public func reminderRules() throws -> ReminderRules {
        var rules = ReminderRules.defaults
        guard let node = document["reminders"] else { return rules }
        guard let section = node.table else {
            throw ConfigError(key: "reminders", problem: "must be a table",
                              fix: "write sub-tables such as [reminders.item_due] (see deploy/liaison.toml.example)")
        }
        for name in section.keys where !Self.reminderRuleNames.contains(name) {
            throw ConfigError(key: "reminders.\(name)", problem: "is not a reminder rule",
                              fix: "use one of \(Self.reminderRuleNames.joined(separator: ", "))")
        }
        func rule(_ name: String, keys: [String]) throws -> ReminderTableReader? {
            guard let n = section[name] else { return nil }
            guard let t = n.table else {
                throw ConfigError(key: "reminders.\(name)", problem: "must be a table",
                                  fix: "write [reminders.\(name)] with keys \(keys.joined(separator: ", "))")
            }
            let r = ReminderTableReader(table: t, prefix: "reminders.\(name)")
            try r.onlyKeys(keys)
            return r
        }
        if let r = try rule("item_due", keys: ["enabled", "morning", "before", "recipients"]) {
            rules.itemDue.enabled = try r.bool("enabled", default: rules.itemDue.enabled)
            rules.itemDue.morning = try r.bool("morning", default: rules.itemDue.morning)
            if let b = try r.duration("before", allowZero: true) { rules.itemDue.before = b == 0 ? nil : b }
            rules.itemDue.recipients = try r.recipients(default: rules.itemDue.recipients)
        }
        func offset(_ name: String, _ key: String, _ rule: inout ReminderRules.Offset, allowZero: Bool) throws {
            guard let r = try ruleReader(name, key) else { return }
            rule.enabled = try r.bool("enabled", default: rule.enabled)
            if let d = try r.duration(key, allowZero: allowZero) { rule.offset = d }
            rule.recipients = try r.recipients(default: rule.recipients)
        }
        func ruleReader(_ name: String, _ key: String) throws -> ReminderTableReader? {
            try rule(name, keys: ["enabled", key, "recipients"])
        }
        try offset("item_overdue", "after", &rules.itemOverdue, allowZero: true)
        try offset("next_contact", "before", &rules.nextContact, allowZero: true)
        try offset("complaint_response", "after", &rules.complaintResponse, allowZero: false)
        try offset("complaint_solution", "after", &rules.complaintSolution, allowZero: false)
        for (name, path) in [("recap_window", \ReminderRules.recapWindow), ("recap_disputed", \ReminderRules.recapDisputed)] {
            guard let r = try rule(name, keys: ["enabled", "recipients"]) else { continue }
            rules[keyPath: path].enabled = try r.bool("enabled", default: rules[keyPath: path].enabled)
            rules[keyPath: path].recipients = try r.recipients(default: rules[keyPath: path].recipients)
        }
        if let r = try rule("satisfaction", keys: ["enabled", "working_days", "at", "recipients"]) {
            rules.satisfaction.enabled = try r.bool("enabled", default: rules.satisfaction.enabled)
            if let n = r.table["working_days"] {
                guard let v = n.int, (1...30).contains(v) else {
                    throw ConfigError(key: "reminders.satisfaction.working_days", problem: "must be a whole number from 1 to 30",
                                      fix: "write e.g. `working_days = 1` without quotes")
                }
                rules.satisfaction.workingDays = v
            }
            rules.satisfaction.at = try r.time("at") ?? rules.satisfaction.at
            rules.satisfaction.recipients = try r.recipients(default: rules.satisfaction.recipients)
        }
        for (name, path) in [("filing_check", \ReminderRules.filingCheck), ("digest", \ReminderRules.digest)] {
            guard let r = try rule(name, keys: ["enabled", "at", "recipients"]) else { continue }
            rules[keyPath: path].enabled = try r.bool("enabled", default: rules[keyPath: path].enabled)
            rules[keyPath: path].at = try r.time("at") ?? rules[keyPath: path].at
            rules[keyPath: path].recipients = try r.recipients(default: rules[keyPath: path].recipients)
        }
        return rules
    }
}

/// Typed reads from one `[reminders.RULE]` table, with errors that name the full key.
struct ReminderTableReader {
    let table: TOMLTable
    let prefix: String

    func key(_ k: String) -> String { "\(prefix).\(k)" }

    func onlyKeys(_ allowed: [String]) throws {
        for k in table.keys.sorted() where !allowed.contains(k) {
            throw ConfigError(key: key(k), problem: "is not a key of [\(prefix)]", fix: "use \(allowed.joined(separator: ", ")), or remove it")
        }
    }

    func bool(_ k: String, default d: Bool) throws -> Bool {
        try TableReader(table: table, prefix: prefix).bool(k, default: d)
    }

    /// A duration such as "24h", "30m", "2d", "90s", "1h30m"; nil when absent.
    func duration(_ k: String, allowZero: Bool) throws -> TimeInterval? {
        guard let v = table[k] else { return nil }
        let fix = "write a duration in quotes such as \"24h\", \"30m\", \"2d\" or \"1h30m\"\(allowZero ? " (\"0h\" for none)" : "")"
        guard let s = v.string else { throw ConfigError(key: key(k), problem: "must be a duration in quotes", fix: fix) }
        guard let d = ReminderDuration.seconds(s) else {
            throw ConfigError(key: key(k), problem: "`\(s)` is not a duration", fix: fix)
        }
        if d == 0, !allowZero { throw ConfigError(key: key(k), problem: "must be longer than zero", fix: fix) }
        return d
    }

    /// "HH:MM"; nil when absent.
    func time(_ k: String) throws -> ClockTime? {
        guard let v = table[k] else { return nil }
        guard let s = v.string, let t = ClockTime(parsing: s.trimmingCharacters(in: .whitespaces)), t.hour < 24 else {
            throw ConfigError(key: key(k), problem: "`\(v.string ?? "\(v)")` is not a time of day",
                              fix: "write 24-hour \"HH:MM\" in quotes, e.g. \"17:00\"")
        }
        return t
    }

    func recipients(default d: [ReminderRecipient]) throws -> [ReminderRecipient] {
        guard table["recipients"] != nil else { return d }
        let values = try TableReader(table: table, prefix: prefix).stringArray("recipients")
        var out: [ReminderRecipient] = []
        for v in values {
            guard let r = ReminderRecipient(configValue: v) else {
                throw ConfigError(key: key("recipients"), problem: "`\(v)` is neither a role nor an address",
                                  fix: "use \"owner\", \"case_owner\", \"author\" or an address such as \"boss@corp.example\"")
            }
            if !out.contains(r) { out.append(r) }
        }
        guard !out.isEmpty else {
            throw ConfigError(key: key("recipients"), problem: "is empty",
                              fix: "name at least one recipient, or set enabled = false to turn the rule off")
        }
        return out
    }
}

/// Reads "24h", "30m", "2d", "45s", "1h30m", "0h". Pure.
enum ReminderDuration {
    static func seconds(_ text: String) -> TimeInterval? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !s.isEmpty else { return nil }
        var total = 0.0
        var digits = ""
        var sawUnit = false
        for c in s {
            if c.isASCII, c.isNumber {
                digits.append(c)
                continue
            }
            let unit: Double
            switch c {
            case "d": unit = 86_400
            case "h": unit = 3_600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard !digits.isEmpty, digits.count <= 6, let n = Double(digits) else { return nil }
            total += n * unit
            digits = ""
            sawUnit = true
        }
        guard digits.isEmpty || (digits.allSatisfy { $0 == "0" } && !sawUnit) else { return nil }
        return total
    }
}
