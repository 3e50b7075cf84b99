import Foundation
import LiaisonCore
import TOMLKit

/// Why a configuration cannot be used: names the key and the fix.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var key: String
    public var problem: String
    public var fix: String
    public init(key: String, problem: String, fix: String) { self.key = key; self.problem = problem; self.fix = fix }
    public var description: String { "configuration key `\(key)`: \(problem) — \(fix)" }
}

/// The parsed configuration file (shared/docs/configuration.md). Sections that a command does not
/// need are read only when asked for, so `inspect` works with a file that has only [organization].
public struct LiaisonConfig: @unchecked Sendable {
    /// The whole TOML document, for sections parsed elsewhere (e.g. [imap], [smtp]).
    /// (`@unchecked`: the table is never mutated after init.)
    public let document: TOMLTable
    /// Where the file was read from, for messages.
    public let path: String?

    public init(toml: String, path: String? = nil) throws {
        do {
            self.document = try TOMLTable(string: toml)
        } catch let e as TOMLParseError {
            throw ConfigError(key: "(file)", problem: "not valid TOML at line \(e.source.begin.line), column \(e.source.begin.column): \(e.description)",
                              fix: "correct the TOML syntax\(path.map { " in \($0)" } ?? "")")
        }
        self.path = path
    }

    /// Reads the file at `path`.
    public static func load(path: String) throws -> LiaisonConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: "(file)", problem: "cannot read \(path)", fix: "pass --config with a readable liaison.toml, or set LIAISON_CONFIG")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(key: "(file)", problem: "\(path) is not UTF-8", fix: "save the file as UTF-8")
        }
        return try LiaisonConfig(toml: text, path: path)
    }

    /// The `[organization]` section, validated.
    public func organization() throws -> Organization {
        guard let org = document["organization"]?.table else {
            throw ConfigError(key: "organization", problem: "the section is missing", fix: "add an [organization] section (see deploy/liaison.toml.example)")
        }
        let r = TableReader(table: org, prefix: "organization")
        let name = try r.string("name")
        let domains = try r.stringArray("internal_domains")
        guard !domains.isEmpty else {
            throw ConfigError(key: "organization.internal_domains", problem: "is empty", fix: "list the domains of staff addresses, e.g. [\"corp.example\"]")
        }
        for d in domains where d.contains("@") || d.contains(" ") || d.isEmpty {
            throw ConfigError(key: "organization.internal_domains", problem: "`\(d)` is not a domain", fix: "write bare domains such as \"corp.example\"")
        }
        let tracking = try r.string("tracking_address")
        guard tracking.contains("@") else {
            throw ConfigError(key: "organization.tracking_address", problem: "`\(tracking)` is not an address", fix: "write the address staff CC, e.g. \"track@corp.example\"")
        }
        let authserv = try r.string("authserv_id")
        let tz = try r.string("time_zone", default: Organization.defaultTimeZone.identifier)
        guard let zone = TimeZone(identifier: tz) else {
            throw ConfigError(key: "organization.time_zone", problem: "`\(tz)` is not a known time zone", fix: "use an IANA name such as \"Asia/Shanghai\"")
        }
        let start = try r.clockTime("workday_start", default: Organization.defaultWorkdayStart)
        let end = try r.clockTime("workday_end", default: Organization.defaultWorkdayEnd)
        guard start < end else {
            throw ConfigError(key: "organization.workday_end", problem: "\(end) is not after workday_start \(start)", fix: "set workday_end later than workday_start")
        }
        var keywords: [String: [String]] = [:]
        if let cats = document["categories"]?.table {
            let cr = TableReader(table: cats, prefix: "categories")
            for key in cats.keys { keywords[key] = try cr.stringArray(key) }
        }
        let calendar = try workCalendar(path: try r.optionalString("calendar"))
        let mxHosts = try r.stringArray("mx_hosts", default: [])
        for h in mxHosts where !Self.isHostName(h) {
            throw ConfigError(key: "organization.mx_hosts", problem: "`\(h)` is not a host name",
                              fix: "list the names your MX writes after `by` in its Received header, e.g. [\"mx.corp.example\"]")
        }
        let shared = try r.stringArray("shared_domains", default: Array(Organization.defaultSharedDomains).sorted())
        for d in shared where !Self.isHostName(d) {
            throw ConfigError(key: "organization.shared_domains", problem: "`\(d)` is not a domain",
                              fix: "write bare domains such as \"qq.com\"")
        }
        let directory = try staff()
        var organization = Organization(name: name, internalDomains: domains, trackingAddress: tracking, authservID: authserv,
                                        timeZone: zone, workdayStart: start, workdayEnd: end, categoryKeywords: keywords,
                                        staff: directory, calendar: calendar, mxHosts: mxHosts, sharedDomains: Set(shared))
        organization.defaultOwner = try defaultOwner(internalDomains: domains, staff: directory)
        return organization
    }

    /// A DNS host name: dot-separated labels of letters, digits and hyphens (not at a label's ends).
    static func isHostName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { l in
            !l.isEmpty && l.count <= 63 && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
        }
    }

    /// The `[staff]` section: name = "address" pairs (absent: an empty directory).
    func staff() throws -> [String: String] {
        guard let node = document["staff"] else { return [:] }
        guard let table = node.table else {
            throw ConfigError(key: "staff", problem: "must be a table", fix: "write a [staff] section of `\"王芳\" = \"wang.fang@corp.example\"` lines")
        }
        var out: [String: String] = [:]
        for name in table.keys {
            let key = "staff.\(name)"
            guard let address = table[name]?.string else {
                throw ConfigError(key: key, problem: "must be an address in quotes", fix: "write `\"\(name)\" = \"name@corp.example\"`")
            }
            let a = address.trimmingCharacters(in: .whitespaces)
            guard a.contains("@"), !a.contains(" "), !a.hasPrefix("@"), !a.hasSuffix("@") else {
                throw ConfigError(key: key, problem: "`\(address)` is not an address", fix: "write the person's mail address, e.g. \"name@corp.example\"")
            }
            out[name.trimmingCharacters(in: .whitespaces)] = a.lowercased()
        }
        return out
    }

    /// `organization.calendar`: a file in the format of deploy/calendar-cn.txt, relative to the
    /// configuration file's folder unless absolute; absent → the built-in mainland-China calendar.
    func workCalendar(path: String?) throws -> WorkCalendar {
        guard let path else { return .mainlandChina }
        var full = path
        if !path.hasPrefix("/"), let base = self.path {
            full = URL(fileURLWithPath: base).deletingLastPathComponent().appendingPathComponent(path).path
        }
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ConfigError(key: "organization.calendar", problem: "cannot read \(full)", fix: "name a readable calendar file (see deploy/calendar-cn.txt), or remove the key to use the built-in one")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(key: "organization.calendar", problem: "\(full) is not UTF-8", fix: "save the calendar file as UTF-8")
        }
        do {
            return try WorkCalendar(parsing: text)
        } catch {
            throw ConfigError(key: "organization.calendar", problem: "\(full): \(error)", fix: "correct the file in the format of deploy/calendar-cn.txt")
        }
    }
}

/// Typed reads from one TOML table, with errors that name the full key.
public struct TableReader {
    public let table: TOMLTable
    public let prefix: String
    public init(table: TOMLTable, prefix: String) { self.table = table; self.prefix = prefix }

    func key(_ k: String) -> String { "\(prefix).\(k)" }

    public func string(_ k: String) throws -> String {
        guard let v = table[k] else {
            throw ConfigError(key: key(k), problem: "is missing", fix: "add `\(k) = \"…\"` to [\(prefix)]")
        }
        guard let s = v.string, !s.isEmpty else {
            throw ConfigError(key: key(k), problem: "must be a non-empty string", fix: "write it in quotes, e.g. `\(k) = \"…\"`")
        }
        return s
    }

    public func string(_ k: String, default d: String) throws -> String {
        table[k] == nil ? d : try string(k)
    }

    public func optionalString(_ k: String) throws -> String? {
        table[k] == nil ? nil : try string(k)
    }

    /// The array, or `fallback` when the key is absent.
    public func stringArray(_ k: String, default fallback: [String]) throws -> [String] {
        table[k] == nil ? fallback : try stringArray(k)
    }

    public func stringArray(_ k: String) throws -> [String] {
        guard let v = table[k] else {
            throw ConfigError(key: key(k), problem: "is missing", fix: "add `\(k) = [\"…\"]` to [\(prefix)]")
        }
        guard let arr = v.array else {
            throw ConfigError(key: key(k), problem: "must be an array of strings", fix: "write `\(k) = [\"…\", \"…\"]`")
        }
        return try arr.map {
            guard let s = $0.string else {
                throw ConfigError(key: key(k), problem: "holds a value that is not a string", fix: "quote every entry")
            }
            return s
        }
    }

    public func bool(_ k: String, default d: Bool) throws -> Bool {
        guard let v = table[k] else { return d }
        guard let b = v.bool else {
            throw ConfigError(key: key(k), problem: "must be true or false", fix: "write `\(k) = true` or `\(k) = false` without quotes")
        }
        return b
    }

    /// "HH:MM", 00:00–23:59, as a `ClockTime`; `d` when the key is absent.
    public func clockTime(_ k: String, default d: ClockTime) throws -> ClockTime {
        guard table[k] != nil else { return d }
        let s = try string(k)
        let parts = s.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m),
              parts[1].count == 2, let time = ClockTime(hour: h, minute: m) else {
            throw ConfigError(key: key(k), problem: "`\(s)` is not a time of day", fix: "write 24-hour \"HH:MM\", e.g. \"18:00\"")
        }
        return time
    }
}
