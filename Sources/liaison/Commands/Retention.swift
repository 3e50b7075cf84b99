import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

/// `liaison retention run [--dry-run] [--now T] [--json]`: applies `[retention]` now, as
/// `liaison serve` does daily, and prints what it removed (or would remove), per case.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Apply [retention]: remove the bodies of long-resolved cases' mail, erase expired cases.",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove what [retention] says has expired (what `liaison serve` does daily).",
            discussion: "Bodies: the raw bytes, text and attachments of the messages of cases resolved longer ago than "
                + "[retention] bodies, and of held messages no longer awaiting review; subjects, addresses, dates, cases, "
                + "recaps, items and events stay, and so do the report's figures. Cases: whole cases resolved longer ago "
                + "than [retention] cases. Then the database file is compacted (VACUUM) so the bytes leave it.")
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Flag(help: "Only say what would be removed.") var dryRun = false
        @Option(help: "Take this instant as now (ISO 8601).") var now: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: true)
            let policy: RetentionPolicy
            do { policy = try opened.config!.retentionPolicy() } catch let e as ConfigError { throw ValidationError(e.description) }
            guard !policy.keepsEverything else {
                print("[retention] sets no period: everything is kept")
                return
            }
            guard let store = opened.store as? any RetentionStore else { throw ValidationError("this store cannot apply retention") }
            let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
            let report: RetentionReport
            do {
                report = try store.applyRetention(policy, clock: WallClock(timeZone: opened.organization.timeZone), now: at, dryRun: dryRun)
            } catch let e as StoreError {
                throw ValidationError(e.description)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                for line in report.lines { print(TerminalSafe.escape(line)) }
            }
        }
    }
}
