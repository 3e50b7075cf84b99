import Foundation
import TOMLKit

/// One finding of `LiaisonConfig.validate()`: the key, what is wrong, and the fix.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var key: String
    public var problem: String
    public var fix: String

    public init(_ severity: Severity, key: String, problem: String, fix: String) {
        self.severity = severity
        self.key = key
        self.problem = problem
        self.fix = fix
    }

    init(_ e: ConfigError) { self.init(.error, key: e.key, problem: e.problem, fix: e.fix) }

    /// e.g. "error: configuration key `imap.url`: is missing — add url = "…" to [imap]".
    public var description: String { "\(severity.rawValue): configuration key `\(key)`: \(problem) — \(fix)" }
}

/// Everything `validate()` found, errors first.
public struct ConfigReport: Sendable, Equatable {
    public var issues: [ConfigIssue]
    public var errors: [ConfigIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [ConfigIssue] { issues.filter { $0.severity == .warning } }
    /// No errors (warnings allowed): the daemon can start with this file.
    public var isValid: Bool { errors.isEmpty }
}

extension LiaisonConfig {
    /// The keys the daemon reads, by section (shared/docs/configuration.md); nil: any key (the
    /// section is a free map, or belongs to a part that checks its own keys).
    public static let knownKeys: [String: Set<String>?] = [
        "organization": ["name", "internal_domains", "tracking_address", "authserv_id", "time_zone", "workday_start",
                         "workday_end", "calendar", "mx_hosts", "shared_domains", "default_owner", "managers"],
        "limits": ["cases_per_sender_hour", "cases_per_sender_day", "cases_per_owner_hour", "notices_per_owner_hour", "notify"],
        "imap": ["url", "username", "password_file", "password_env", "ca_file", "poll_interval", "allow_insecure_loopback",
                 "connect_timeout", "transfer_timeout", "command_timeout", "max_response_bytes"],
        "smtp": ["url", "username", "password_file", "password_env", "from", "ca_file", "allow_insecure_loopback",
                 "connect_timeout", "response_timeout", "send_timeout"],
        "store": LiaisonConfig.storeKeys,
        "staff": nil,
        "categories": nil,
        "templates": nil,
        "reminders": nil,
        "rules": nil,
        "outbox": nil,
        "containment": LiaisonConfig.containmentKeys,
        "retention": LiaisonConfig.retentionKeys,
        "http": LiaisonConfig.httpKeys,
    ]

    /// Checks the whole file as `liaison serve` needs it: every required section present and
    /// valid ([organization], [imap], [smtp] with `from`, [store]; [staff] recommended), the
    /// passwords readable (through `environment`: `password_env` and `$CREDENTIALS_DIRECTORY`),
    /// and every section or key the daemon does not know reported as a warning naming it (a
    /// typo'd key is otherwise silently ignored). `extraKeys` adds sections/keys of other parts;
    /// `checks` are the checks of parts this target cannot see (the daemon's: the templates in
    /// `[templates] directory` load), run after the sections' own, their `ConfigError`s reported
    /// like those. `LiaisonDaemon` offers `validate(environment:extraKeys:)` with its checks.
    /// Messages name the key and the fix; none contains a secret.
    public func validate(environment: [String: String] = ProcessInfo.processInfo.environment,
                         extraKeys: [String: Set<String>?] = [:],
                         checks: [(LiaisonConfig) throws -> Void]) -> ConfigReport {
        var issues: [ConfigIssue] = []
        func check(_ body: () throws -> Void) {
            do { try body() } catch let e as ConfigError { issues.append(ConfigIssue(e)) } catch {
                issues.append(ConfigIssue(.error, key: "(file)", problem: "\(error)", fix: "correct the file"))
            }
        }
        for section in ["organization", "imap", "smtp", "store"] {
            if let node = document[section], node.table == nil {
                issues.append(ConfigIssue(.error, key: section, problem: "is not a table",
                                          fix: "write it as a [\(section)] section"))
            }
        }
        check { _ = try organization() }
        check { _ = try imapSettings(environment: environment) }
        check {
            _ = try smtpSettings(environment: environment)
            guard let from = try smtpFrom() else {
                throw ConfigError(key: "smtp.from", problem: "is missing: reminders cannot be sent without a sender",
                                  fix: "add from = \"Liaison <track@corp.example>\" to [smtp]")
            }
            guard from.contains("@") else {
                throw ConfigError(key: "smtp.from", problem: "`\(from)` holds no address",
                                  fix: "write a mailbox such as \"Liaison <track@corp.example>\"")
            }
        }
        check {
            guard document["store"] != nil else {
                throw ConfigError(key: "store", problem: "the [store] section is missing",
                                  fix: "add [store] url = \"sqlite:/var/lib/liaison/liaison.db\"")
            }
            _ = try store(environment: environment)
        }
        check { _ = try reminderRules() }
        check { _ = try weeklyCheckRule(); _ = try managers() }
        check { _ = try containmentLimits() }
        check { _ = try retentionPolicy() }
        check { _ = try rateCaps() }
        check { _ = try templateConfig() }
        check { _ = try httpSettings(environment: environment) }
        for part in checks { check { try part(self) } }
        issues += trustWarnings()
        if document["staff"] == nil {
            issues.append(ConfigIssue(.warning, key: "staff", problem: "the [staff] section is missing: names in recaps cannot be matched to addresses",
                                      fix: "add a [staff] section of `\"王芳\" = \"wang.fang@corp.example\"` lines"))
        }
        issues += unknownKeys(extra: extraKeys)
        // Errors first, then warnings, each in file-section order as found.
        return ConfigReport(issues: issues.filter { $0.severity == .error } + issues.filter { $0.severity == .warning })
    }

    /// Warnings for sections and keys nobody reads, with the nearest known name when one is close.
    func unknownKeys(extra: [String: Set<String>?]) -> [ConfigIssue] {
        var known = Self.knownKeys
        for (k, v) in extra { known[k] = v }
        var out: [ConfigIssue] = []
        for section in document.keys.sorted() {
            guard let allowed = known[section] else {
                let hint = Self.nearest(section, in: Array(known.keys)).map { "did you mean [\($0)]? " } ?? ""
                out.append(ConfigIssue(.warning, key: section, problem: "unknown section or key, ignored",
                                       fix: "\(hint)remove it or correct its name"))
                continue
            }
            guard let allowed, let table = document[section]?.table else { continue }
            for key in table.keys.sorted() where !allowed.contains(key) {
                if section == "imap" || section == "smtp", key == "password" { continue }  // already an error
                let hint = Self.nearest(key, in: Array(allowed)).map { "did you mean `\($0)`? " } ?? ""
                out.append(ConfigIssue(.warning, key: "\(section).\(key)", problem: "unknown key, ignored",
                                       fix: "\(hint)remove it or correct its name"))
            }
        }
        return out
    }

    /// The candidate within edit distance 2 (or a third of the word), if any.
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var row = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[y.count]
    }
}
