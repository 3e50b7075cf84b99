import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import Logging

/// Builds the reminder side of Liaison from a configuration: planner (`[reminders]`), templates
/// (`[templates]`), the notice author (`smtp.from`, else the tracking address) and the engine over
/// a store. One place, so that `serve`, `recap`, `cases resolve` and the tests agree.
public enum ReminderAssembly {
    /// Planner and renderer for a configuration (also what SIGHUP reloads).
    public static func parts(config: LiaisonConfig, organization: Organization, templatesDirectory: String? = nil)
        throws -> (ReminderPlanner, NoticeRenderer) {
        let rules = try config.reminderRules()
        var templateConfig = try config.templateConfig()
        if let templatesDirectory { templateConfig.directory = templatesDirectory }
        let templates = try MailTemplates(directory: resolved(templateConfig.directory, config: config))
        let from = try noticeAuthor(config: config, organization: organization)
        return (ReminderPlanner(organization: organization, rules: rules),
                NoticeRenderer(templates: templates, config: templateConfig, organization: organization, from: from))
    }

    /// The engine over `store`.
    public static func engine(config: LiaisonConfig, organization: Organization, store: any ReminderStore,
                              templatesDirectory: String? = nil, logger: Logger = Logger(label: "liaison.reminders"))
        throws -> ReminderEngine {
        let (planner, renderer) = try parts(config: config, organization: organization, templatesDirectory: templatesDirectory)
        let engine = ReminderEngine(planner: planner, renderer: renderer, store: store, logger: logger)
        engine.noticeCaps = try config.rateCaps()
        return engine
    }

    /// `smtp.from` (e.g. `Liaison 沟通跟踪 <track@corp.example>`), else the tracking address.
    public static func noticeAuthor(config: LiaisonConfig, organization: Organization) throws -> Address {
        if let written = try config.smtpFrom() {
            guard let a = AddressParser.parse(written).first, a.address.contains("@"), !a.address.contains(" ") else {
                throw ConfigError(key: "smtp.from", problem: "`\(written)` is not an address",
                                  fix: "write e.g. \"Liaison 沟通跟踪 <track@corp.example>\"")
            }
            return a
        }
        return Address(name: "Liaison", address: organization.trackingAddress)
    }

    /// A relative templates directory is taken from the configuration file's folder when it
    /// exists there, else from the working directory (the repository's `Templates/`), else from
    /// beside the executable's install prefix (`/usr/local/share/liaison/Templates`).
    public static func resolved(_ directory: String, config: LiaisonConfig) -> String {
        guard !directory.hasPrefix("/") else { return directory }
        var candidates: [String] = []
        if let p = config.path { candidates.append(URL(fileURLWithPath: p).deletingLastPathComponent().appendingPathComponent(directory).path) }
        candidates.append(FileManager.default.currentDirectoryPath + "/" + directory)
        candidates.append("/usr/local/share/liaison/" + directory)
        var isDir: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue } ?? directory
    }
}
