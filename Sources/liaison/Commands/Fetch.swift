import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonTransport
import Logging

/// `liaison fetch`: one poll of the [imap] mailbox, read-only (BODY.PEEK, nothing moved).
struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poll the [imap] mailbox once: print UIDVALIDITY/UIDNEXT and fetch the messages above a UID.")
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(name: .customLong("since-uid"), help: "Fetch only UIDs greater than this.") var sinceUID: UInt32 = 0
    @Option(help: "Write each message to DIR/UID.eml, exact bytes, instead of listing it.") var out: String?
    @Flag(help: "Log each IMAP event to standard error.") var verbose = false

    func run() async throws {
        let cfg = try loadMailConfig(config)
        var logger = Logger(label: "liaison.imap")
        logger.logLevel = verbose ? .debug : .warning
        let mailbox = try IMAPMailbox(settings: try cfg.imapSettings(), logger: logger)
        let status = try mailbox.status()
        // One unbuffered stream for every line, so the order holds when stdout is a pipe.
        let stdout = FileHandle.standardOutput
        stdout.write(Data("UIDVALIDITY \(status.uidValidity) UIDNEXT \(status.uidNext)\n".utf8))
        if let out {
            // Customer mail: the folder, when made here, is the owner's only (files are 0600 too).
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        var count = 0
        // Batched UID FETCHes (IMAPMailbox.fetch(uids:each:)): each message is written as it
        // comes, so memory holds one batch at most.
        try mailbox.fetch(uids: try mailbox.uids(above: sinceUID)) { uid, bytes in
            count += 1
            if let out {
                let path = (out as NSString).appendingPathComponent("\(uid).eml")
                try writeFile(path, bytes)
            } else {
                // The raw Subject, read as UTF-8 (other bytes shown as U+FFFD), terminal-safe.
                let subject = String(decoding: rawHeader("Subject", in: bytes) ?? [], as: UTF8.self)
                let line = Array("\(uid)\t\(bytes.count)\t\(TerminalSafe.escape(subject))\n".utf8)
                stdout.write(Data(line))
            }
        }
        if let out { stdout.write(Data("fetched \(count) message(s) into \(out)\n".utf8)) }
    }
}

/// Writes `bytes` to a new file `path` (`PrivateFile.create`: mode 0600, never through a
/// symlink, never over an existing file). No fsync: Foundation's writers fsync every file, which
/// made fetching to disk several times slower than the IMAP transfer itself; this is a
/// debugging/export command, not the durable store.
private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    do {
        try PrivateFile.create(path, bytes)
    } catch let e as PrivateFile.Failure {
        throw ValidationError(e.description)
    }
}

/// Reads `--config` or `$LIAISON_CONFIG`.
func loadMailConfig(_ option: String?) throws -> LiaisonConfig {
    guard let path = option ?? ProcessInfo.processInfo.environment["LIAISON_CONFIG"] else {
        throw ValidationError("give --config FILE or set LIAISON_CONFIG")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return try LiaisonConfig(toml: String(decoding: data, as: UTF8.self), path: path)
}

/// The raw value of the first header field `name` (RFC 5322 §2.2), unfolded (CRLF before
/// white space removed), bytes untouched otherwise; nil when absent. A minimal scan of the
/// header section only, for listings.
func rawHeader(_ name: String, in message: [UInt8]) -> [UInt8]? {
    let wanted = Array(name.lowercased().utf8)
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    while start < message.count {
        let end = message[start...].firstIndex(of: 0x0A) ?? message.count
        var line = message[start..<end]
        if line.last == 0x0D { line = line.dropLast() }
        if line.isEmpty { break }
        lines.append(line)
        start = end + 1
    }
    var i = 0
    while i < lines.count {
        let line = lines[i]
        i += 1
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")),
            line[..<colon].map({ $0 | 0x20 }) == wanted.map({ $0 | 0x20 })
        else { continue }
        var value = Array(line[(colon + 1)...])
        while i < lines.count, let first = lines[i].first, first == 0x20 || first == 0x09 {
            value += lines[i]
            i += 1
        }
        while value.first == 0x20 || value.first == 0x09 { value.removeFirst() }
        return value
    }
    return nil
}
