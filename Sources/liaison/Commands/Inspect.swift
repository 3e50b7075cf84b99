import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the facts Liaison reads from .eml files.",
        discussion: """
            Reads each file as a mail message and prints its subject, addresses, date, message IDs, \
            kind, thread subject, case tag, category, sender trust, attachments, forwarded and bounce \
            details, and its readable text. With --json: one object for one file, an array for several.
            """)

    @Argument(help: "The .eml files.") var files: [String]
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let org = try ConfigLoading.organization(configPath: config)
        var facts: [MessageFacts] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            facts.append(MessageFacts(message: MessageParser.parse([UInt8](data)), organization: org))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = facts.count == 1 ? try encoder.encode(facts[0]) : try encoder.encode(facts)
            print(TerminalSafe.escapeJSON(String(decoding: data, as: UTF8.self)))
        } else {
            for (file, f) in zip(files, facts) {
                if files.count > 1 { print("== \(TerminalSafe.escape(file))") }
                print(FactsReport.render(f))
            }
        }
    }
}

/// Finds the configuration for commands that need only the organisation.
enum ConfigLoading {
    static func path(_ flag: String?) -> String? {
        flag ?? ProcessInfo.processInfo.environment["LIAISON_CONFIG"]
    }

    /// The organisation of the given file; without one, a neutral organisation that trusts no one.
    static func organization(configPath: String?) throws -> Organization {
        guard let p = path(configPath) else {
            return Organization(name: "", internalDomains: [], trackingAddress: "", authservID: "")
        }
        do {
            return try LiaisonConfig.load(path: p).organization()
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        }
    }
}
