import Foundation
import LiaisonCore
import TOMLKit

extension LiaisonConfig {
    /// The `[limits]` section: rate caps on what outside mail can make Liaison do (issue 12).
    /// Every key is optional; absent, the defaults of `RateCaps` apply (5 new cases per outside
    /// sender per hour and 20 per day, 30 per owner per hour, 60 notices per owner per hour); 0
    /// turns a cap off. `notify`: who is told when messages are held (default: the would-be owner).
    public func rateCaps() throws -> RateCaps {
        var caps = RateCaps()
        guard let node = document["limits"] else { return caps }
        guard let table = node.table else {
            throw ConfigError(key: "limits", problem: "must be a table", fix: "write a [limits] section (see deploy/liaison.toml.example)")
        }
        func count(_ k: String, _ value: inout Int) throws {
            guard let v = table[k] else { return }
            guard let n = v.int, n >= 0, n <= 1_000_000 else {
                throw ConfigError(key: "limits.\(k)", problem: "must be a whole number from 0 (no cap) to 1000000",
                                  fix: "write e.g. `\(k) = \(value)` without quotes")
            }
            value = n
        }
        try count("cases_per_sender_hour", &caps.casesPerSenderHour)
        try count("cases_per_sender_day", &caps.casesPerSenderDay)
        try count("cases_per_owner_hour", &caps.casesPerOwnerHour)
        try count("notices_per_owner_hour", &caps.noticesPerOwnerHour)
        if let n = try TableReader(table: table, prefix: "limits").optionalString("notify") {
            let a = n.trimmingCharacters(in: .whitespaces).lowercased()
            guard a.contains("@"), !a.contains(" "), !a.hasPrefix("@"), !a.hasSuffix("@") else {
                throw ConfigError(key: "limits.notify", problem: "`\(n)` is not an address", fix: "write the operator's mail address, e.g. \"ops@corp.example\"")
            }
            caps.notify = a
        }
        return caps
    }

    /// `organization.default_owner`: must be an address in [staff], or at least at an internal domain.
    func defaultOwner(internalDomains: [String], staff: [String: String]) throws -> String? {
        guard let t = document["organization"]?.table, let raw = try TableReader(table: t, prefix: "organization").optionalString("default_owner")
        else { return nil }
        let a = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let domain = a.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        guard a.contains("@"), !a.contains(" "), staff.values.contains(a) || internalDomains.map({ $0.lowercased() }).contains(domain)
        else {
            throw ConfigError(key: "organization.default_owner", problem: "`\(raw)` is neither in [staff] nor at an internal domain",
                              fix: "name a staff member's address, e.g. one of the [staff] entries")
        }
        return a
    }
}
