import Foundation
import LiaisonTransport

/// The mail rig of `scripts/mailrig` as its `env` command describes it. Tests that need it are
/// enabled only when its variables are set; with LIAISON_REQUIRE_RIG=1 their absence is a failure.
enum Rig {
    static let env = ProcessInfo.processInfo.environment
    static let names = [
        "LIAISON_RIG_IMAPS_URL", "LIAISON_RIG_IMAP_URL", "LIAISON_RIG_SMTP_URL", "LIAISON_RIG_SUBMISSION_URL",
        "LIAISON_RIG_PASSWORD", "LIAISON_RIG_CA",
    ]
    static var missing: [String] { names.filter { (env[$0] ?? "").isEmpty } }
    static var available: Bool { missing.isEmpty }
    static var required: Bool { env["LIAISON_REQUIRE_RIG"] == "1" }

    static var imapsURL: String { env["LIAISON_RIG_IMAPS_URL"]! }
    static var imapURL: String { env["LIAISON_RIG_IMAP_URL"]! }
    static var smtpURL: String { env["LIAISON_RIG_SMTP_URL"]! }
    static var submissionURL: String { env["LIAISON_RIG_SUBMISSION_URL"]! }
    static var password: String { env["LIAISON_RIG_PASSWORD"]! }
    static var ca: String { env["LIAISON_RIG_CA"]! }
    /// Implicit-TLS submission (`smtps://`); absent from rigs started before it existed.
    static var smtpsURL: String? { env["LIAISON_RIG_SMTPS_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// `scripts/mailrig` of this package (or $LIAISON_MAILRIG).
    static var script: String {
        if let s = env["LIAISON_MAILRIG"], !s.isEmpty { return s }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/mailrig").path
    }

    /// Runs `mailrig ARGS…`; throws with its output when it fails.
    static func mailrig(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            throw RigError("mailrig \(args.prefix(2).joined(separator: " ")) failed (\(p.terminationStatus)): \(String(decoding: out, as: UTF8.self))")
        }
    }

    static func resetAll() throws { try mailrig(["reset-all"]) }
    static func deliver(_ mailbox: String, _ files: [String]) throws { try mailrig(["deliver", mailbox] + files) }

    /// Settings for `user`'s mailbox `folder` (INBOX unless given) at the rig URL `url` (IMAPS by default).
    static func imapSettings(_ url: String? = nil, user: String = "track@corp.example", folder: String? = nil,
                             timeout: Double = 20) -> IMAPSettings {
        var u = url ?? imapsURL
        if let folder, let hostStart = u.range(of: "://"), let slash = u[hostStart.upperBound...].firstIndex(of: "/") {
            u = String(u[...slash]) + (folder.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? folder)
        }
        return IMAPSettings(url: u, username: user, password: password, caFile: ca, connectTimeout: timeout, transferTimeout: timeout)
    }

    static var corpus: [String] {
        let dir = env["LIAISON_CORPUS"] ?? "/work/shared/corpus"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { "\(dir)/\($0)" }
    }

    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    /// Polls `body` until it returns non-nil or `seconds` pass (mail through Postfix is queued).
    static func eventually<T>(_ seconds: Double = 20, _ body: () throws -> T?) throws -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try body() { return value }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return try body()
    }
}

struct RigError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// What "byte for byte" means here: the servers prepend trace fields (RFC 5321 §4.4 Received and
/// Return-Path; Dovecot's Delivered-To) and change nothing else. So the fetched bytes must END
/// with the original bytes exactly, and what precedes them must be whole trace header fields only.
/// One honest exception: SMTP and LMTP mail data always ends with CRLF (RFC 5321 §4.1.1.4), so a
/// file whose last line has no line break arrives with CRLF appended (corpus 05 is such a file).
/// `mailrig deliver` (IMAP APPEND) stores the file's exact bytes: no prefix, no CRLF added.
func isOriginalWithTracePrefix(_ fetched: [UInt8], original: [UInt8]) -> Bool {
    if fetched == original { return true }
    if !original.suffix(2).elementsEqual([0x0D, 0x0A]) && endsWithOriginal(fetched, original + [0x0D, 0x0A]) { return true }
    return endsWithOriginal(fetched, original)
}

private func endsWithOriginal(_ fetched: [UInt8], _ original: [UInt8]) -> Bool {
    guard fetched.count >= original.count, Array(fetched.suffix(original.count)) == original else { return false }
    let prefix = fetched.prefix(fetched.count - original.count)
    if prefix.isEmpty { return true }
    guard prefix.suffix(2).elementsEqual([0x0D, 0x0A]) else { return false }
    let text = String(decoding: prefix, as: UTF8.self)
    let lines = text.components(separatedBy: "\r\n").dropLast()
    let traceNames: Set<String> = ["received", "return-path", "delivered-to", "x-original-to"]
    return lines.allSatisfy { line in
        if line.hasPrefix(" ") || line.hasPrefix("\t") { return true }
        guard let colon = line.firstIndex(of: ":") else { return false }
        return traceNames.contains(line[..<colon].lowercased())
    }
}
