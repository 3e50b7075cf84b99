import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonXLSX

/// `liaison weekly-check [--now T] [--dry-run] [--out DIR]`: the weekly check (issue 15 part 3)
/// by hand. The week is the one before the latest check day at or before `--now` (Monday by
/// default). `--dry-run` composes the mails and prints who would get what (with `--out`, each
/// mail as a `.eml` file, created 0600) without writing to the store. Otherwise the check due at
/// `--now` is fired as `liaison serve` would fire it (reminder marked fired, next one scheduled);
/// when none is due, that week's mails are queued anyway — the same Message-IDs as the scheduled
/// check's, so no recipient gets that week twice. Mails wait in the outbox for `liaison serve`.
struct WeeklyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weekly-check",
        abstract: "Run or preview the weekly check: the week's figures and follow-up table to managers, open cases needing attention to owners.")

    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Option(help: "Run as of this instant (ISO 8601; default: now).") var now: String?
    @Flag(help: "Compose and print the mails; write nothing to the store.") var dryRun = false
    @Option(help: "With --dry-run: write each mail as NAME.eml into this existing folder.") var out: String?

    func run() async throws {
        let opened = try StoreOpening.open(config: config, db: db, needOrganization: true)
        guard let cfg = opened.config else { throw ValidationError("this command needs --config FILE (or LIAISON_CONFIG)") }
        let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
        let composer: WeeklyCheckComposer
        do {
            composer = try WeeklyCheckRunner.composer(config: cfg, organization: opened.organization,
                                                      renderXLSX: { try FollowUpXLSX.render($0, timeZone: $1) })
        } catch let e as ConfigError { throw ValidationError(e.description) }
        let runner = WeeklyCheckRunner(store: opened.store, composer: composer)
        let today = WallClock(timeZone: opened.organization.timeZone).local(at).day
        let nominal = today.adding(days: -((today.weekday - composer.rule.weekday + 7) % 7))
        if out != nil, !dryRun { throw ValidationError("--out goes with --dry-run") }
        if dryRun {
            let mails = try runner.preview(nominal: nominal, now: at)
            print("weekly check of \(nominal) (week \(nominal.adding(days: -7)) – \(nominal.adding(days: -1))), dry run: \(mails.count) mail(s)")
            for (i, m) in mails.enumerated() {
                let subject = MessageParser.parse(m.raw).subject ?? ""
                print("  \(TerminalSafe.escape(m.recipients.joined(separator: ", "))): \(TerminalSafe.escape(subject)) (\(m.raw.count) bytes)")
                if let out {
                    let path = out + "/" + String(format: "%02d-", i + 1) + m.recipients[0].replacingOccurrences(of: "/", with: "_") + ".eml"
                    do { try PrivateFile.create(path, m.raw) } catch let e as PrivateFile.Failure { throw ValidationError(e.description) }
                }
            }
            return
        }
        var queued = try runner.fireDue(now: at)
        if queued == 0 {
            let mails = try runner.preview(nominal: nominal, now: at)
            let before = try opened.store.outbox(status: nil).count
            try opened.store.update(now: at) { _ in FollowUp(mails: mails) }
            queued = try opened.store.outbox(status: nil).count - before
            print("weekly check of \(nominal): \(queued) mail(s) queued (\(mails.count - queued) already in the outbox)")
        } else {
            print("weekly check of \(nominal): \(queued) mail(s) queued")
        }
        print("the mails are sent by `liaison serve`")
    }
}
