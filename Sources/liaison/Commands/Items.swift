import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

/// `liaison items done|reschedule|cancel CASE ITEM`: an action item's lifecycle by hand, through
/// the same planner function as staff mail (`ReminderPlanner.planChange` via `ReminderEngine.change`).
struct Items: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark a case's action item done, cancelled or rescheduled (its reminders follow).",
        subcommands: [Done.self, Reschedule.self, Cancel.self])

    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an item done: its due and overdue reminders are cancelled.")
        @Argument(help: "The case number.") var number: String
        @Argument(help: "The item number (of the case's latest recap that has it).") var item: Int
        @OptionGroup var options: LifecycleOptions
        func run() async throws { try options.apply(.itemDone(item: item), caseNumber: number) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an item: it is no longer to do; its reminders are cancelled.")
        @Argument(help: "The case number.") var number: String
        @Argument(help: "The item number.") var item: Int
        @OptionGroup var options: LifecycleOptions
        func run() async throws { try options.apply(.itemCancelled(item: item), caseNumber: number) }
    }

    struct Reschedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an item a new due: its reminders are planned again for it.",
            discussion: "DATE: an ISO 8601 instant with an offset (2026-11-21T17:00:00+08:00), or a day (2026-11-21: the end of the workday in the organisation's zone).")
        @Argument(help: "The case number.") var number: String
        @Argument(help: "The item number.") var item: Int
        @Argument(help: "The new due.") var date: String
        @OptionGroup var options: LifecycleOptions
        func run() async throws {
            try options.apply(caseNumber: number) { org in
                .itemRescheduled(item: item, due: try LifecycleOptions.due(date, organization: org))
            }
        }
    }
}

/// The options every lifecycle command takes, and the one way they apply a change.
struct LifecycleOptions: ParsableArguments {
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Option(help: "Who did it (an address; default: cli).") var by: String?
    @Option(help: "Take this instant as now (ISO 8601): the change's time.") var now: String?
    @Flag(help: "Print JSON.") var json = false

    func apply(_ change: CaseChange, caseNumber: String) throws {
        try apply(caseNumber: caseNumber) { _ in change }
    }

    /// Opens the store with the configuration, plans and writes `change` in one transaction,
    /// prints what it did; a refusal or an unknown case is a non-zero exit with the reason.
    func apply(caseNumber: String, _ change: (Organization) throws -> CaseChange) throws {
        guard let path = ConfigLoading.path(config) else { throw ValidationError("this command needs --config FILE (or LIAISON_CONFIG)") }
        let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
        let outcome: ChangeOutcome
        do {
            let cfg = try LiaisonConfig.load(path: path)
            let org = try cfg.organization()
            let store = try cfg.store(overridePath: db).open()
            guard try store.caseWithNumber(caseNumber) != nil else { throw ValidationError("no case \(caseNumber)") }
            let engine = try ReminderAssembly.engine(config: cfg, organization: org, store: store)
            outcome = try engine.change(try change(org), caseNumber: caseNumber, by: by, at: at)
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        } catch let e as StoreError {
            throw ValidationError(e.description)
        }
        if json {
            let result = LifecycleJSON(caseNumber: caseNumber, applied: outcome.applied.map(\.en),
                                       refused: outcome.refusal?.description)
            print(try CaseJSON.encode(result))
        } else if outcome.refusal == nil {
            print(TerminalSafe.escape(outcome.applied.map(\.en).joined(separator: "; ")))
        }
        if let refusal = outcome.refusal {
            if !json { FileHandleOutput.standardError("liaison: \(caseNumber): \(refusal)") }
            throw ExitCode(1)
        }
    }

    /// An ISO 8601 instant, or `YYYY-MM-DD` at the end of the workday in the organisation's zone.
    static func due(_ text: String, organization org: Organization) throws -> Date {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        if parts.count == 3, text.count == 10, let day = LocalDate(year: parts[0], month: parts[1], day: parts[2]) {
            return WallClock(timeZone: org.timeZone).instant(day, org.workdayEnd)
        }
        return try Instant.parse(text, option: "DATE")
    }
}

/// `--json` of the lifecycle commands: `{case, applied: [...], refused: reason|null}`.
struct LifecycleJSON: Encodable {
    var caseNumber: String
    var applied: [String]
    var refused: String?
    enum CodingKeys: String, CodingKey { case caseNumber = "case", applied, refused }
    func encode(to encoder: Encoder) throws {
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(caseNumber, forKey: .caseNumber)
        try k.encode(applied, forKey: .applied)
        try k.encode(refused, forKey: .refused)
    }
}

enum FileHandleOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((TerminalSafe.escape(line) + "\n").utf8))
    }
}
