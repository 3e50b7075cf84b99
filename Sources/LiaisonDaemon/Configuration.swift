// Configuration reading is its own target (`LiaisonConfiguration`, so that core tests and tools
// can read a liaison.toml without the daemon); the daemon re-exports it, so every file here and
// every client of `LiaisonDaemon` sees `LiaisonConfig` and its sections as before.
@_exported import LiaisonConfiguration
import Foundation

extension LiaisonConfig {
    /// `validate(environment:extraKeys:checks:)` with the daemon's own checks: the mail templates
    /// of `[templates] directory` load. What `liaison check-config` and `liaison serve` run.
    public func validate(environment: [String: String] = ProcessInfo.processInfo.environment,
                         extraKeys: [String: Set<String>?] = [:]) -> ConfigReport {
        validate(environment: environment, extraKeys: extraKeys, checks: [Self.templatesLoad])
    }

    /// The templates that `[templates] directory` names (resolved as the daemon resolves it) load.
    /// A `[templates]` section that cannot be read is `validate`'s own finding, not repeated here.
    static func templatesLoad(_ config: LiaisonConfig) throws {
        guard let templates = try? config.templateConfig() else { return }
        let directory = ReminderAssembly.resolved(templates.directory, config: config)
        do { _ = try MailTemplates(directory: directory) } catch {
            throw ConfigError(key: "templates.directory", problem: "the mail templates in \(directory) cannot be used: \(error)",
                              fix: "point [templates] directory at Liaison's Templates folder (installed as /usr/local/share/liaison/Templates)")
        }
    }
}
