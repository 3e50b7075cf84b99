import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonStore
import LiaisonWeb

/// `liaison console-link ADDRESS`: mails a staff member a one-time sign-in link to the web
/// console that works in any browser (an operator's link; the console's own links are bound to
/// the browser that asked). Queued in the outbox; `liaison serve` sends it. scripts/demo uses it.
struct ConsoleLinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console-link",
        abstract: "Mail a staff member a one-time sign-in link to the web console, usable in any browser (sent by liaison serve).")

    @Argument(help: "The staff address (of an internal domain).") var address: String
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "Take this instant as now (ISO 8601): the link is valid 15 minutes from it (serve --now's clock).") var now: String?

    func run() async throws {
        guard let path = ConfigLoading.path(config) else { throw ValidationError("give --config FILE or set LIAISON_CONFIG") }
        do {
            let cfg = try LiaisonConfig.load(path: path)
            guard let store = try cfg.store().open() as? any WebConsoleStore else {
                throw ValidationError("this store has no web console tables")
            }
            let to = try ConsoleLinks.mailUnboundLink(to: address, config: cfg, store: store, now: try now.map { try Instant.parse($0, option: "--now") } ?? Date())
            print("a sign-in link for \(to) is in the outbox (valid 15 minutes, once); liaison serve sends it")
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        } catch let e as StoreError {
            throw ValidationError(e.description)
        }
    }
}
