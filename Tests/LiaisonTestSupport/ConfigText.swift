import Foundation

/// Configuration files for tests, in the shape of deploy/liaison.toml.example: the corpus's
/// organisation, the mail rig's [imap]/[smtp] (from `Rig`), a store, staff. One writer for the
/// test targets that start `liaison` or read a configuration, instead of a heredoc in each.
public enum ConfigText {
    /// Where a section takes its password from.
    public enum Password: Sendable {
        /// `password_env = NAME`
        case env(String)
        /// `password_file = PATH`
        case file(String)

        var line: String {
            switch self {
            case .env(let name): return "password_env = \"\(name)\""
            case .file(let path): return "password_file = \"\(path)\""
            }
        }
    }

    /// The corpus's `[organization]` (示例科技有限公司, corp.example), in `timeZone` (no
    /// `time_zone` line when nil), with the workday written out when `workday` is set
    /// (09:00–18:00, the defaults).
    public static func organization(timeZone: String? = "Asia/Shanghai", workday: Bool = false) -> String {
        """
        [organization]
        name = "示例科技有限公司"
        internal_domains = ["corp.example"]
        tracking_address = "track@corp.example"
        authserv_id = "mx.corp.example"
        \(timeZone.map { "time_zone = \"\($0)\"\n" } ?? "")\(workday ? "workday_start = \"09:00\"\nworkday_end = \"18:00\"\n" : "")
        """
    }

    /// `[imap]` on the rig's IMAPS mailbox `folder` of `user`, `[smtp]` through the rig's
    /// submission port as track@corp.example, `[store]` at `db`. Needs the rig's variables.
    public static func rig(folder: String = "INBOX", user: String = "track@corp.example", password: Password,
                           pollInterval: String, from: String = "Liaison <track@corp.example>", db: String) -> String {
        """
        [imap]
        url = "\(Rig.mailboxURL(folder: folder))"
        username = "\(user)"
        \(password.line)
        ca_file = "\(Rig.ca)"
        poll_interval = "\(pollInterval)"

        [smtp]
        url = "\(Rig.submissionURL)"
        username = "track@corp.example"
        \(password.line)
        ca_file = "\(Rig.ca)"
        from = "\(from)"

        [store]
        url = "sqlite:\(db)"

        """
    }

    /// `[staff]` with one `"name" = "address"` line per pair, in order.
    public static func staff(_ pairs: [(String, String)]) -> String {
        "[staff]\n" + pairs.map { "\"\($0.0)\" = \"\($0.1)\"" }.joined(separator: "\n") + "\n"
    }

    /// `[templates] directory` at the package's Templates folder.
    public static var packageTemplates: String {
        "[templates]\ndirectory = \"\(CorpusLocation.packageRoot.appendingPathComponent("Templates").path)\"\n\n"
    }

    /// Writes `sections` joined by blank lines to `path` (atomically); returns `path`.
    @discardableResult
    public static func write(_ sections: [String], to path: String) throws -> String {
        try sections.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
