import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonTransport
import Logging

/// `liaison check-config`: the validation `serve` runs at start, then the IMAP login (STATUS of
/// the mailbox) and the SMTP login (connect-only EHLO/STARTTLS/AUTH, no mail sent). One line per
/// check, `ok`, `warning` or `FAILED` with the reason; exit 1 when anything failed. Never prints
/// a password.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and try the IMAP and SMTP logins (no mail is sent).")

    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Flag(help: "Only validate the file; do not connect.") var offline = false

    func run() async throws {
        guard let path = ConfigLoading.path(config) else {
            throw ValidationError("give --config FILE or set LIAISON_CONFIG")
        }
        var failed = false
        func line(_ verdict: String, _ what: String, _ detail: String) {
            print("\(verdict.padding(toLength: 8, withPad: " ", startingAt: 0))\(what): \(detail)")
            if verdict == "FAILED" { failed = true }
        }
        let cfg: LiaisonConfig
        do {
            cfg = try LiaisonConfig.load(path: path)
        } catch {
            line("FAILED", "configuration", "\(error)")
            throw ExitCode(1)
        }
        let report = cfg.validate()
        for e in report.errors { line("FAILED", e.key, "\(e.problem) — \(e.fix)") }
        for w in report.warnings { line("warning", w.key, "\(w.problem) — \(w.fix)") }
        if report.isValid { line("ok", "configuration", "\(path): every section valid") }

        if !offline {
            // Quiet transport loggers: the verdict lines say it all.
            var quiet = Logger(label: "liaison.check")
            quiet.logLevel = .critical
            if let imap = try? cfg.imapSettings() {
                do {
                    let mailbox = try IMAPMailbox(settings: imap, logger: quiet)
                    let status = try mailbox.status()
                    line("ok", "imap login", "\(imap.username) at \(Self.redacted(imap.url)): UIDVALIDITY \(status.uidValidity), \(status.messages.map { "\($0) message(s)" } ?? "UIDNEXT \(status.uidNext)")")
                } catch {
                    line("FAILED", "imap login", "\(imap.username) at \(Self.redacted(imap.url)): \(error)")
                }
            } else {
                line("FAILED", "imap login", "not tried: [imap] is invalid (see above)")
            }
            if let smtp = try? cfg.smtpSettings() {
                do {
                    let outcome = try SMTPLoginCheck.run(settings: smtp)
                    line("ok", "smtp login", "\(smtp.username.map { "\($0) at " } ?? "")\(outcome)")
                } catch {
                    line("FAILED", "smtp login", "\(smtp.username.map { "\($0) at " } ?? "")\(Self.redacted(smtp.url)): \(error)")
                }
            } else {
                line("FAILED", "smtp login", "not tried: [smtp] is invalid (see above)")
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// A URL with any user-info removed (a password could hide there).
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + rest[rest.index(after: at)...]
    }
}
