import Foundation
import LiaisonTransport

/// The mail rig of `scripts/mailrig` as its `env` command describes it. Tests that need it are
/// enabled only when its variables are set; with LIAISON_REQUIRE_RIG=1 their absence is a failure.
public enum Rig {
    public static let env = ProcessInfo.processInfo.environment
    public static let names = [
        "LIAISON_RIG_IMAPS_URL", "LIAISON_RIG_IMAP_URL", "LIAISON_RIG_SMTP_URL", "LIAISON_RIG_SUBMISSION_URL",
        "LIAISON_RIG_PASSWORD", "LIAISON_RIG_CA",
    ]
    public static var missing: [String] { names.filter { (env[$0] ?? "").isEmpty } }
    public static var available: Bool { missing.isEmpty }
    public static var required: Bool { env["LIAISON_REQUIRE_RIG"] == "1" }

    public static var imapsURL: String { env["LIAISON_RIG_IMAPS_URL"]! }
    public static var imapURL: String { env["LIAISON_RIG_IMAP_URL"]! }
    public static var smtpURL: String { env["LIAISON_RIG_SMTP_URL"]! }
    public static var submissionURL: String { env["LIAISON_RIG_SUBMISSION_URL"]! }
    public static var password: String { env["LIAISON_RIG_PASSWORD"]! }
    public static var ca: String { env["LIAISON_RIG_CA"]! }
    /// Implicit-TLS submission (`smtps://`); absent from rigs started before it existed.
    public static var smtpsURL: String? { env["LIAISON_RIG_SMTPS_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// `scripts/mailrig` of this package (or $LIAISON_MAILRIG).
    public static var script: String {
        if let s = env["LIAISON_MAILRIG"], !s.isEmpty { return s }
        return CorpusLocation.packageRoot.appendingPathComponent("scripts/mailrig").path
    }

    /// Throws when LIAISON_REQUIRE_RIG=1 and the rig's variables are missing (a test enabled by
    /// `.enabled(if: Rig.available || Rig.required)` calls this first).
    public static func require() throws {
        if !available && required {
            throw RigError("LIAISON_REQUIRE_RIG=1 but the mail rig's variables are missing (\(missing.joined(separator: ", "))): eval \"$(scripts/mailrig env)\"")
        }
    }

    /// The rig's IMAPS URL (or `url`) on mailbox `folder`: the path after the host replaced.
    /// Not percent-encoded: as a configuration file writes it.
    public static func mailboxURL(folder: String, base url: String? = nil) -> String {
        var u = url ?? imapsURL
        if let scheme = u.range(of: "://"), let slash = u.range(of: "/", range: scheme.upperBound..<u.endIndex) {
            u = String(u[..<slash.upperBound]) + folder
        }
        return u
    }

    /// Runs `mailrig ARGS…` with this process's environment (the rig's variables); throws with its
    /// output when it fails. Every descriptor above standard error is closed first: Foundation's
    /// `Process` learns of a child's end from a socket the child inherits, and a daemon that
    /// `mailrig start` leaves running would inherit it too and hold it open — `waitUntilExit`
    /// would then wait forever. The output goes to a file for the same reason.
    public static func mailrig(_ args: [String]) throws {
        let closeAndRun = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec /bin/bash "$0" "$@""#
        let r = try ChildProcess.runToFile(URL(fileURLWithPath: "/bin/bash"), ["-c", closeAndRun, script] + args)
        if r.status != 0 {
            throw RigError("mailrig \(args.prefix(2).joined(separator: " ")) failed (\(r.status)): \(r.stdoutText)")
        }
    }

    public static func resetAll() throws { try mailrig(["reset-all"]) }
    public static func deliver(_ mailbox: String, _ files: [String]) throws { try mailrig(["deliver", mailbox] + files) }

    /// Settings for `user`'s mailbox `folder` (INBOX unless given) at the rig URL `url` (IMAPS by default).
    public static func imapSettings(_ url: String? = nil, user: String = "track@corp.example", folder: String? = nil,
                             timeout: Double = 20) -> IMAPSettings {
        var u = url ?? imapsURL
        if let folder, let hostStart = u.range(of: "://"), let slash = u[hostStart.upperBound...].firstIndex(of: "/") {
            u = String(u[...slash]) + (folder.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? folder)
        }
        return IMAPSettings(url: u, username: user, password: password, caFile: ca, connectTimeout: timeout, transferTimeout: timeout)
    }

    /// Every .eml of the shared corpus, sorted by name.
    public static var corpus: [String] { CorpusLocation.messages.map(\.path) }

    public static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    /// Polls `body` until it returns non-nil or `seconds` pass (mail through Postfix is queued).
    public static func eventually<T>(_ seconds: Double = 20, _ body: () throws -> T?) throws -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try body() { return value }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return try body()
    }
}

public struct RigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

