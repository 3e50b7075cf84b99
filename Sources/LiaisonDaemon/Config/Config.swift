// STUB: being written (organization section, validation with key names).
import TOMLKit

/// Why a configuration cannot be used: names the key and the fix.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
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
    public let document: TOMLTable
    /// Where the file was read from, for messages.
    public let path: String?

    public init(toml: String, path: String? = nil) throws {
        self.document = try TOMLTable(string: toml)
        self.path = path
    }
}
