import CCurl
import Foundation
import Logging

/// The tracking mailbox over IMAP (RFC 3501) through libcurl.
///
/// Threading rule: one libcurl easy handle per instance, reused by every call so the login and
/// the selected mailbox survive between polls; calls are serialised by a lock (never concurrent
/// on the handle). The API is blocking: run it on a dedicated thread or queue.
/// A connection that died between calls is re-made once, transparently; a server that stops
/// answering fails within `transferTimeout`.
public final class IMAPMailbox: MailboxReading, @unchecked Sendable {
    private let lock = NSLock()
    private let settings: IMAPSettings
    private let logger: Logger
    private let endpoint: MailServerURL
    private let security: TransportSecurity
    /// The mailbox's Unicode name (from the URL path, percent-decoded).
    public let mailboxName: String
    private let options: CurlSessionOptions
    private var easy: CurlEasy?
    private var lastUIDValidity: UInt32?
    private var capabilities: Set<String>?
    /// How `fetch(uids:each:)` cuts its work into `UID FETCH` commands.
    public let fetchPlan: IMAPFetchPlan

    /// UIDs asked for per `UID SEARCH`, so no reply line outgrows libcurl's buffer.
    static let searchChunk: UInt32 = 5000
    /// UIDs asked per `UID FETCH set (RFC822.SIZE)`: ~40 bytes of reply each; 300 such lines
    /// already came close to libcurl 7.88's response-header cap here (see `isHeaderCap`).
    static let sizeChunk = 100
    /// libcurl cuts server lines longer than half its buffer silently (7.88): 4 MiB keeps
    /// SEARCH replies and long message lines whole; a cut literal is detected, never returned.
    static let bufferSize = 4 * 1024 * 1024

    /// Validates the URL and the TLS rule; connects lazily on the first call. `fetchPlan` bounds
    /// the batches of `fetch(uids:each:)` (by count and by announced bytes).
    public init(settings: IMAPSettings, logger: Logger = Logger(label: "liaison.imap"),
                fetchPlan: IMAPFetchPlan = .standard) throws {
        self.fetchPlan = fetchPlan
        let url = try MailServerURL(parsing: settings.url, schemes: ["imap", "imaps"])
        self.security = try TransportSecurity.decide(for: url, allowInsecureLoopback: settings.allowInsecureLoopback)
        let name = url.path.removingPercentEncoding ?? url.path
        self.mailboxName = name.isEmpty ? "INBOX" : name
        self.settings = settings
        self.logger = logger
        self.endpoint = url
        let wireName = ModifiedUTF7.encode(mailboxName)
        let pathAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: ";?#%"))
        let encodedPath = wireName.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? wireName
        self.options = CurlSessionOptions(
            url: "\(url.origin)/\(encodedPath)", protocols: "imap,imaps", security: security,
            username: settings.username, password: settings.password, caFile: settings.caFile,
            connectTimeout: settings.connectTimeout, responseTimeout: settings.transferTimeout,
            totalTimeout: 0, maxConnectionAge: settings.maxConnectionAge, bufferSize: Self.bufferSize)
    }

    // MARK: MailboxReading

    public func status() throws -> MailboxStatus {
        try locked { try statusLocked() }
    }

    public func uids(above checkpoint: UInt32) throws -> [UInt32] {
        try locked {
            let known = lastUIDValidity
            let status = try statusLocked()
            if let known, known != status.uidValidity {
                throw MailboxError.uidValidityChanged(old: known, new: status.uidValidity)
            }
            guard checkpoint < UInt32.max, checkpoint + 1 < status.uidNext else { return [] }
            var result: [UInt32] = []
            var low = checkpoint + 1
            while true {
                let (high, overflow) = low.addingReportingOverflow(Self.searchChunk - 1)
                let last = overflow || high >= status.uidNext - 1
                let range = last ? "\(low):*" : "\(low):\(high)"
                let transfer = try run("UID SEARCH UID \(range)", operation: "IMAP UID SEARCH")
                let found = try parsed { try IMAPResponseParser.searchUIDs(in: untagged(transfer)) }
                // `n:*` also matches the highest UID when it is below n (RFC 3501 §6.4.8): filter.
                result += found.filter { $0 >= low && $0 > checkpoint && (last || $0 <= high) }
                if last { break }
                low = high + 1
            }
            logger.debug("imap search", metadata: ["above": "\(checkpoint)", "found": "\(result.count)"])
            return Array(Set(result)).sorted()
        }
    }

    public func fetch(uid: UInt32) throws -> [UInt8] {
        try locked {
            let transfer = try run("UID FETCH \(uid) BODY.PEEK[]", operation: "IMAP UID FETCH \(uid)")
            guard let body = try parsed({ try IMAPResponseParser.fetchedBody(in: transfer.headers, uid: uid) }) else {
                throw MailboxError.noSuchMessage(uid: uid)
            }
            logger.debug("imap fetched", metadata: ["uid": "\(uid)", "bytes": "\(body.count)"])
            return body
        }
    }

    /// Batched: per `sizeChunk` UIDs one `UID FETCH set (RFC822.SIZE)` (RFC 3501 §6.4.8), which
    /// also drops UIDs that no longer exist, then per batch of `fetchPlan` one
    /// `UID FETCH set (UID BODY.PEEK[])`, whose literals are read from the header stream by their
    /// announced sizes and matched to UIDs by each response's UID item (§7.4.2). The lock is held
    /// per command, never while `each` runs. A message expunged between the two commands is skipped.
    /// A command that libcurl refuses for its response-header cap (see `isHeaderCap`) is split in
    /// halves and retried, down to one message.
    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void) throws {
        let wanted = Array(Set(uids)).sorted()
        var start = 0
        while start < wanted.count {
            let chunk = Array(wanted[start..<min(start + Self.sizeChunk, wanted.count)])
            start += chunk.count
            let requested = Set(chunk)
            for batch in fetchPlan.batches(try sizes(of: chunk).filter { requested.contains($0.uid) }) {
                try fetchBatch(batch, each)
            }
        }
    }

    /// Debian's libcurl 7.88 (CVE-2023-38039 fix) fails a transfer with error 56 "Too large
    /// response headers" once it has counted 300 KiB of server lines, and it counts buffered bytes
    /// again after each untagged line: ~200 small FETCH responses already exceed it.
    static func isHeaderCap(_ error: Error) -> Bool {
        guard let curl = error as? CurlError else { return false }
        return curl.code == 56 && curl.detail.contains("Too large response headers")
    }

    private func sizes(of uids: [UInt32]) throws -> [(uid: UInt32, size: UInt32)] {
        do {
            return try locked {
                let transfer = try run("UID FETCH \(IMAPFetchPlan.sequenceSet(uids)) (RFC822.SIZE)", operation: "IMAP UID FETCH RFC822.SIZE")
                return try parsed { try IMAPResponseParser.messageSizes(in: untagged(transfer)) }
            }
        } catch where Self.isHeaderCap(error) && uids.count > 1 {
            logger.info("imap size request split (libcurl header cap)", metadata: ["uids": "\(uids.count)"])
            let half = uids.count / 2
            return try sizes(of: Array(uids[..<half])) + sizes(of: Array(uids[half...]))
        }
    }

    private func fetchBatch(_ batch: [UInt32], _ each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void) throws {
        var bodies: [UInt32: [UInt8]]
        do {
            bodies = try locked { () throws -> [UInt32: [UInt8]] in
                let transfer = try run("UID FETCH \(IMAPFetchPlan.sequenceSet(batch)) (UID BODY.PEEK[])",
                                       operation: "IMAP UID FETCH \(batch.count) messages")
                let fetched = try parsed { try IMAPResponseParser.fetchedBodies(in: transfer.headers) }
                let inBatch = Set(batch)
                var byUID: [UInt32: [UInt8]] = [:]
                for (uid, bytes) in fetched where inBatch.contains(uid) && byUID[uid] == nil { byUID[uid] = bytes }
                logger.debug("imap fetched batch", metadata: [
                    "asked": "\(batch.count)", "got": "\(byUID.count)", "bytes": "\(byUID.values.reduce(0) { $0 + $1.count })"])
                return byUID
            }
        } catch where Self.isHeaderCap(error) && batch.count > 1 {
            logger.info("imap batch split (libcurl header cap)", metadata: ["messages": "\(batch.count)"])
            let half = batch.count / 2
            try fetchBatch(Array(batch[..<half]), each)
            try fetchBatch(Array(batch[half...]), each)
            return
        }
        for uid in batch {
            guard let bytes = bodies.removeValue(forKey: uid) else { continue }
            try each(uid, bytes)
        }
    }

    public func move(uid: UInt32, to folder: String) throws {
        guard !folder.isEmpty, !folder.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
            throw MailboxError.invalidFolderName(folder)
        }
        try locked {
            let target = Self.quoted(ModifiedUTF7.encode(folder))
            let caps = try capabilitiesLocked()
            if caps.contains("MOVE") {
                try runCreatingFolder(folder, "UID MOVE \(uid) \(target)", operation: "IMAP UID MOVE")
            } else {
                try runCreatingFolder(folder, "UID COPY \(uid) \(target)", operation: "IMAP UID COPY")
                _ = try run("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)", operation: "IMAP UID STORE")
                if caps.contains("UIDPLUS") {
                    _ = try run("UID EXPUNGE \(uid)", operation: "IMAP UID EXPUNGE")
                } else {
                    logger.warning("imap server lacks UIDPLUS: message flagged \\Deleted, not expunged", metadata: ["uid": "\(uid)"])
                }
            }
            logger.info("imap moved", metadata: ["uid": "\(uid)", "folder": "\(folder)"])
        }
    }

    // MARK: extras

    /// The message's flags (RFC 3501 §2.3.2), upper-cased, e.g. `["\\SEEN"]`; nil if no such UID.
    public func flags(uid: UInt32) throws -> [String]? {
        try locked {
            let transfer = try run("UID FETCH \(uid) FLAGS", operation: "IMAP UID FETCH FLAGS")
            return try parsed { try IMAPResponseParser.flags(in: untagged(transfer), uid: uid) }
        }
    }

    /// The server's capabilities after login (RFC 3501 §6.1.1), upper-cased.
    public func serverCapabilities() throws -> Set<String> {
        try locked { try capabilitiesLocked() }
    }

    // MARK: internals (called with the lock held)

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Re-SELECTs the mailbox (RFC 3501 §6.3.1): unlike STATUS on the selected mailbox, which
    /// Dovecot answers from the session's old view, a fresh SELECT reports a changed UIDVALIDITY,
    /// and the session stays read-write (EXAMINE would not). STATUS is the fallback when a
    /// server omits UIDNEXT from SELECT.
    private func statusLocked() throws -> MailboxStatus {
        let name = Self.quoted(ModifiedUTF7.encode(mailboxName))
        var parsed = try parsed {
            try IMAPResponseParser.status(in: untagged(try run("SELECT \(name)", operation: "IMAP SELECT")))
        }
        if parsed.uidNext == nil || parsed.uidValidity == nil {
            parsed = try self.parsed {
                try IMAPResponseParser.status(in: untagged(try run("STATUS \(name) (MESSAGES UIDNEXT UIDVALIDITY)", operation: "IMAP STATUS")))
            }
        }
        guard let validity = parsed.uidValidity, let next = parsed.uidNext else {
            throw MailboxError.protocolViolation("neither SELECT nor STATUS gave UIDVALIDITY and UIDNEXT")
        }
        var status = MailboxStatus(uidValidity: validity, uidNext: next, messages: parsed.messages)
        if let old = lastUIDValidity, old != validity {
            status.previousUIDValidity = old
            logger.warning("imap UIDVALIDITY changed", metadata: ["old": "\(old)", "new": "\(validity)"])
        }
        lastUIDValidity = validity
        return status
    }

    private func capabilitiesLocked() throws -> Set<String> {
        if let capabilities { return capabilities }
        let transfer = try run("CAPABILITY", operation: "IMAP CAPABILITY")
        let caps = try parsed { try IMAPResponseParser.capabilities(in: untagged(transfer)) }
        capabilities = caps
        return caps
    }

    private func runCreatingFolder(_ folder: String, _ command: String, operation: String) throws {
        let first = try attempt(command)
        if first.succeeded { return }
        guard IMAPResponseParser.asksToCreate(in: first.transfer.headers) else {
            throw error(first, operation)
        }
        let create = try attempt("CREATE \(Self.quoted(ModifiedUTF7.encode(folder)))")
        if !create.succeeded && !(IMAPResponseParser.lastStatusLine(in: create.transfer.headers) ?? "").uppercased().contains("ALREADYEXISTS") {
            throw error(create, "IMAP CREATE \(folder)")
        }
        logger.info("imap created folder", metadata: ["folder": "\(folder)"])
        _ = try run(command, operation: operation)
    }

    /// Runs a custom command; throws `CurlError` on failure.
    @discardableResult
    private func run(_ command: String, operation: String) throws -> CurlTransfer {
        let outcome = try attempt(command)
        guard outcome.succeeded else { throw error(outcome, operation) }
        return outcome.transfer
    }

    /// Runs a custom command, re-making a dropped connection once.
    private func attempt(_ command: String) throws -> CurlOutcome {
        let easy = try handle()
        // libcurl URL-decodes a custom request: write % as %25.
        try easy.setString(CURLOPT_CUSTOMREQUEST, command.replacingOccurrences(of: "%", with: "%25"))
        var outcome = easy.perform()
        if !outcome.succeeded && Self.retryable.contains(outcome.code) {
            logger.info("imap connection lost; reconnecting once", metadata: ["curl": "\(outcome.code)"])
            capabilities = nil
            try easy.setLong(CURLOPT_FRESH_CONNECT, 1)
            outcome = easy.perform()
            try easy.setLong(CURLOPT_FRESH_CONNECT, 0)
        }
        if outcome.succeeded && easy.newConnections() > 0 {
            logger.info("imap connected", metadata: ["server": "\(endpoint.origin)", "tls": "\(security)"])
        }
        return outcome
    }

    /// Empty reply, send and receive failures, or a weird reply on a reused connection.
    private static let retryable: Set<Int> = [8, 52, 55, 56]

    private func handle() throws -> CurlEasy {
        if let easy { return easy }
        let made = try CurlEasy()
        try options.apply(to: made)
        easy = made
        return made
    }

    private func error(_ outcome: CurlOutcome, _ operation: String) -> Error {
        guard let easy else { return CurlError(code: outcome.code, message: "", operation: operation) }
        var error = easy.error(for: outcome, operation: operation, serverLine: IMAPResponseParser.lastStatusLine(in: outcome.transfer.headers))
        if outcome.code == 64 && security == .startTLS {
            error.detail += " (the server did not offer STARTTLS; plaintext IMAP is refused)"
        }
        logger.error("imap failure", metadata: ["operation": "\(operation)", "curl": "\(outcome.code)"])
        return error
    }

    /// Untagged replies of EXAMINE, SEARCH, STATUS reach both callbacks in 7.88; the header
    /// stream has every line of the transfer, so it is the one read; the write stream is a fallback.
    private func untagged(_ transfer: CurlTransfer) -> [UInt8] {
        transfer.headers.isEmpty ? transfer.body : transfer.headers
    }

    private func parsed<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as IMAPParseError { throw MailboxError.protocolViolation(error.description) }
    }

    /// An IMAP quoted string (RFC 3501 §4.3).
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
