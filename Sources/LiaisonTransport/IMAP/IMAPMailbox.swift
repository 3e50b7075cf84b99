import Foundation
import Logging

/// The tracking mailbox over IMAP (RFC 3501), on one session that libcurl opens (TLS, login)
/// and Liaison then speaks itself (`IMAPConnection`): SELECT, UID SEARCH, UID FETCH BODY.PEEK[],
/// UID MOVE or COPY + STORE + UID EXPUNGE, STATUS, CAPABILITY — one connection, one response
/// reader that counts literal bytes, so messages of any size come whole.
///
/// Threading rule: one session per instance, reused by every call so the login and the selected
/// mailbox survive between polls; calls are serialised by a lock (never concurrent on the
/// session). The API is blocking: run it on a dedicated thread or queue.
/// A connection that died between calls is re-made once, transparently (and the mailbox
/// selected again, its UIDVALIDITY checked); a connection idle longer than
/// `IMAPSettings.maxConnectionAge` is replaced; a server that stops answering fails within
/// `transferTimeout`.
///
/// Bounds (a hostile or broken server is a fault, never a memory blow-up or a hang): each
/// command's responses bring at most `maxResponseBytes` (a batch at most its announced bytes
/// plus `batchSlack`), untagged data is folded into the answer as it arrives or dropped (never
/// accumulated), literals the command did not ask for are dropped as they stream, a body larger
/// than its `RFC822.SIZE` is refused, and every command ends within `commandTimeout`. A breach
/// throws `MailboxError.boundExceeded` / `.commandTimeout` and drops the connection.
public final class IMAPMailbox: MailboxReading, @unchecked Sendable {
    private let lock = NSLock()
    private let settings: IMAPSettings
    private let logger: Logger
    private let endpoint: MailServerURL
    private let security: TransportSecurity
    /// The mailbox's Unicode name (from the URL path, percent-decoded).
    public let mailboxName: String
    /// `mailboxName` in modified UTF-7 (RFC 3501 §5.1.3), as sent.
    private let wireName: String
    private let options: CurlSessionOptions
    private var connection: IMAPConnection?
    private var lastUIDValidity: UInt32?
    /// How `fetch(uids:each:)` cuts its work into `UID FETCH` commands.
    public let fetchPlan: IMAPFetchPlan

    /// UIDs asked for per `UID SEARCH`, so that no reply line grows without bound.
    static let searchChunk: UInt32 = 20_000
    /// UIDs asked per `UID FETCH set (RFC822.SIZE)`; the command line stays far below the 64 KiB
    /// servers accept (Dovecot's `imap_max_line_length`) even when no two UIDs are adjacent.
    static let sizeChunk = 1_000
    /// What a batch's responses may bring beyond its bodies' announced bytes: the FETCH lines
    /// themselves and unsolicited updates (`* n FETCH (FLAGS …)`, `* n EXISTS`).
    static let batchSlack = 1024 * 1024

    /// The most a body may exceed its announced `RFC822.SIZE`: servers that compute the size
    /// approximately (Exchange's is known to be; others count line endings differently) must not
    /// turn every pass into a fault. An eighth of the size plus 64 KiB, still within the
    /// command's byte cap; a body beyond it is a server breaking its word.
    static func sizeTolerance(announced: Int) -> Int { announced + announced / 8 + 64 * 1024 }

    /// Validates the URL, the TLS rule and the mailbox name; connects lazily on the first call.
    /// `fetchPlan` bounds the batches of `fetch(uids:each:)` (by count and by announced bytes).
    public init(settings: IMAPSettings, logger: Logger = Logger(label: "liaison.imap"),
                fetchPlan: IMAPFetchPlan = .standard) throws {
        self.fetchPlan = fetchPlan
        let url = try MailServerURL(parsing: settings.url, schemes: ["imap", "imaps"])
        self.security = try TransportSecurity.decide(for: url, allowInsecureLoopback: settings.allowInsecureLoopback)
        let name = url.path.removingPercentEncoding ?? url.path
        self.mailboxName = name.isEmpty ? "INBOX" : name
        guard Self.isSendable(mailboxName) else { throw MailboxError.invalidFolderName(mailboxName) }
        self.wireName = ModifiedUTF7.encode(mailboxName)
        self.settings = settings
        self.logger = logger
        self.endpoint = url
        self.options = IMAPMailbox.sessionOptions(url: url, security: security, settings: settings)
    }

    deinit {
        connection?.logout()
    }

    /// The libcurl options of a connect-only IMAP session (shared with `IMAPIdleWatcher`).
    static func sessionOptions(url: MailServerURL, security: TransportSecurity, settings: IMAPSettings) -> CurlSessionOptions {
        var options = CurlSessionOptions(
            url: "\(url.origin)/", protocols: "imap,imaps", security: security,
            username: settings.username, password: settings.password, caFile: settings.caFile,
            connectTimeout: settings.connectTimeout, responseTimeout: settings.transferTimeout,
            totalTimeout: 0, maxConnectionAge: settings.maxConnectionAge, bufferSize: nil)
        options.connectOnly = true
        return options
    }

    // MARK: MailboxReading

    public func status() throws -> MailboxStatus {
        try locked { try session("IMAP SELECT") { try select($0) } }
    }

    public func uids(above checkpoint: UInt32) throws -> [UInt32] {
        try locked {
            let known = lastUIDValidity
            let result = try session("IMAP UID SEARCH") { c -> [UInt32] in
                let status = try select(c)
                if let known, known != status.uidValidity {
                    throw MailboxError.uidValidityChanged(old: known, new: status.uidValidity)
                }
                guard checkpoint < UInt32.max, checkpoint + 1 < status.uidNext else { return [] }
                var result = Set<UInt32>()
                var low = checkpoint + 1
                while true {
                    let (high, overflow) = low.addingReportingOverflow(Self.searchChunk - 1)
                    let last = overflow || high >= status.uidNext - 1
                    let range = last ? "\(low):*" : "\(low):\(high)"
                    // `n:*` also matches the highest UID when it is below n (RFC 3501 §6.4.8): filter,
                    // as each `* SEARCH` arrives, to the UIDs asked for.
                    try run(c, try IMAPCommand("UID SEARCH UID \(range)"), "IMAP UID SEARCH") { r in
                        for uid in IMAPResponseParser.searchUIDs(in: [r])
                        where uid >= low && uid > checkpoint && (last || uid <= high) && uid < status.uidNext {
                            result.insert(uid)
                        }
                    }
                    if last { break }
                    low = high + 1
                }
                return result.sorted()
            }
            logger.debug("imap search", metadata: ["above": "\(checkpoint)", "found": "\(result.count)"])
            return result
        }
    }

    public func fetch(uid: UInt32) throws -> [UInt8] {
        try locked {
            let body = try session("IMAP UID FETCH \(uid)") { c -> [UInt8]? in
                try ensureSelected(c)
                var body: [UInt8]? = nil
                try run(c, try IMAPCommand("UID FETCH \(uid) BODY.PEEK[]"), "IMAP UID FETCH \(uid)",
                        literals: .bodies(announced: [uid: Int.max])) { r in
                    guard body == nil else { return }
                    body = try parsed { try IMAPResponseParser.fetchedBody(in: [r], uid: uid) }
                }
                return body
            }
            guard let body else { throw MailboxError.noSuchMessage(uid: uid) }
            logger.debug("imap fetched", metadata: ["uid": "\(uid)", "bytes": "\(body.count)"])
            return body
        }
    }

    /// Batched: per `sizeChunk` UIDs one `UID FETCH set (RFC822.SIZE)` (RFC 3501 §6.4.8), which
    /// also drops UIDs that no longer exist, then per batch of `fetchPlan` one
    /// `UID FETCH set (UID BODY.PEEK[])`, whose literals are read by their announced sizes and
    /// matched to UIDs by each response's UID item (§7.4.2). The lock is held per command, never
    /// while `each` runs. A message expunged between the two commands is skipped.
    /// A message announcing more than `maxResponseBytes` is a fault (`boundExceeded`, naming its
    /// UID) once the messages before it have been handed out, and is never asked for.
    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void) throws {
        try fetch(uids: uids, each: each) { uid, size in
            throw MailboxError.boundExceeded("message UID \(uid) announces RFC822.SIZE \(size)", limit: settings.maxResponseBytes)
        }
    }

    /// As `fetch(uids:each:)`, but a message announcing more than `maxResponseBytes` is handed to
    /// `tooLarge` in its place (never asked for) and the fetch goes on.
    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void,
                      tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws {
        try fetch(uids: uids, groups: { messages in
            for m in messages { try each(m.uid, m.bytes) }
        }, tooLarge: tooLarge)
    }

    /// As `fetch(uids:each:tooLarge:)`, each `UID FETCH` batch handed to `group` whole as soon as
    /// its responses are read (memory: one batch, as before).
    public func fetch(uids: [UInt32], groups group: (_ messages: [FetchedMessage]) throws -> Void,
                      tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws {
        let wanted = Array(Set(uids)).sorted()
        var start = 0
        while start < wanted.count {
            let chunk = Array(wanted[start..<min(start + Self.sizeChunk, wanted.count)])
            start += chunk.count
            let announced = try sizes(of: chunk)
            for planned in batchPlan.batches(announced.map { ($0.key, $0.value) }) {
                // A message that could never come within the cap is not asked for: handed to
                // `tooLarge` in its UID order, after the messages before it.
                var pending = planned[...]
                while !pending.isEmpty {
                    if let first = pending.first, Int(announced[first] ?? 0) > settings.maxResponseBytes {
                        try tooLarge(first, Int(announced[first] ?? 0))
                        pending = pending.dropFirst()
                        continue
                    }
                    let end = pending.firstIndex(where: { Int(announced[$0] ?? 0) > settings.maxResponseBytes }) ?? pending.endIndex
                    let batch = Array(pending[..<end])
                    pending = pending[end...]
                    var bodies = try fetchBatch(batch, announced: announced)
                    var fetched: [FetchedMessage] = []
                    fetched.reserveCapacity(bodies.count)
                    for uid in batch {
                        guard let bytes = bodies.removeValue(forKey: uid) else { continue }
                        fetched.append(FetchedMessage(uid: uid, bytes: bytes))
                    }
                    if !fetched.isEmpty { try group(fetched) }
                }
            }
        }
    }

    /// `fetchPlan` with batches small enough that a batch's cap (announced bytes plus
    /// `batchSlack`) stays within `maxResponseBytes` whenever it holds more than one message.
    public var batchPlan: IMAPFetchPlan {
        var plan = fetchPlan
        plan.maxBytes = min(plan.maxBytes, max(1, settings.maxResponseBytes - Self.batchSlack))
        return plan
    }

    /// The announced `RFC822.SIZE` of each of `uids` that exists (other UIDs in the answer are dropped).
    private func sizes(of uids: [UInt32]) throws -> [UInt32: UInt32] {
        let requested = Set(uids)
        return try locked {
            try session("IMAP UID FETCH RFC822.SIZE") { c in
                try ensureSelected(c)
                let command = try IMAPCommand("UID FETCH \(IMAPFetchPlan.sequenceSet(uids)) (RFC822.SIZE)")
                var sizes: [UInt32: UInt32] = [:]
                try run(c, command, "IMAP UID FETCH RFC822.SIZE") { r in
                    for (uid, size) in IMAPResponseParser.messageSizes(in: [r]) where requested.contains(uid) { sizes[uid] = size }
                }
                return sizes
            }
        }
    }

    /// One `UID FETCH set (UID BODY.PEEK[])`: each body at most its announced size, the whole
    /// answer at most the announced total plus `batchSlack` (and `maxResponseBytes`).
    private func fetchBatch(_ batch: [UInt32], announced: [UInt32: UInt32]) throws -> [UInt32: [UInt8]] {
        try locked {
            let inBatch = Set(batch)
            var expected: [UInt32: Int] = [:]
            for uid in batch { expected[uid] = Self.sizeTolerance(announced: Int(announced[uid] ?? 0)) }
            let cap = expected.values.reduce(Self.batchSlack) { $0 + $1 }
            let byUID = try session("IMAP UID FETCH \(batch.count) messages") { c -> [UInt32: [UInt8]] in
                try ensureSelected(c)
                var byUID: [UInt32: [UInt8]] = [:]
                let command = try IMAPCommand("UID FETCH \(IMAPFetchPlan.sequenceSet(batch)) (UID BODY.PEEK[])")
                let done = try c.execute(command, operation: "IMAP UID FETCH \(batch.count) messages",
                                         literals: .bodies(announced: expected), maxBytes: cap) { response in
                    guard !response.literals.isEmpty else { return }
                    for (uid, bytes) in try parsed({ try IMAPResponseParser.fetchedBodies(in: [response]) })
                    where inBatch.contains(uid) && byUID[uid] == nil {
                        byUID[uid] = bytes
                    }
                }
                guard done.isOK else { throw refused(done, "IMAP UID FETCH \(batch.count) messages") }
                return byUID
            }
            logger.debug("imap fetched batch", metadata: [
                "asked": "\(batch.count)", "got": "\(byUID.count)", "bytes": "\(byUID.values.reduce(0) { $0 + $1.count })"])
            return byUID
        }
    }

    public func move(uid: UInt32, to folder: String) throws {
        guard !folder.isEmpty, Self.isSendable(folder) else { throw MailboxError.invalidFolderName(folder) }
        let target = ModifiedUTF7.encode(folder)
        try locked {
            try session("IMAP UID MOVE") { c in
                try ensureSelected(c)
                let caps = try capabilities(c)
                if caps.contains("MOVE") {
                    try runCreatingFolder(c, folder, try IMAPCommand("UID MOVE \(uid)").string(target), "IMAP UID MOVE")
                } else {
                    try runCreatingFolder(c, folder, try IMAPCommand("UID COPY \(uid)").string(target), "IMAP UID COPY")
                    try run(c, try IMAPCommand("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)"), "IMAP UID STORE")
                    if caps.contains("UIDPLUS") {
                        try run(c, try IMAPCommand("UID EXPUNGE \(uid)"), "IMAP UID EXPUNGE")
                    } else {
                        logger.warning("imap server lacks UIDPLUS: message flagged \\Deleted, not expunged", metadata: ["uid": "\(uid)"])
                    }
                }
            }
            logger.info("imap moved", metadata: ["uid": "\(uid)", "folder": "\(folder)"])
        }
    }

    // MARK: extras

    /// The message's flags (RFC 3501 §2.3.2), upper-cased, e.g. `["\\SEEN"]`; nil if no such UID.
    public func flags(uid: UInt32) throws -> [String]? {
        try locked {
            try session("IMAP UID FETCH FLAGS") { c in
                try ensureSelected(c)
                var flags: [String]? = nil
                try run(c, try IMAPCommand("UID FETCH \(uid) FLAGS"), "IMAP UID FETCH FLAGS") { r in
                    if flags == nil { flags = IMAPResponseParser.flags(in: [r], uid: uid) }
                }
                return flags
            }
        }
    }

    /// The server's capabilities after login (RFC 3501 §6.1.1), upper-cased.
    public func serverCapabilities() throws -> Set<String> {
        try locked { try session("IMAP CAPABILITY") { try capabilities($0) } }
    }

    // MARK: internals (called with the lock held)

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` on the session, opening it when there is none (or it is unusable or idle too
    /// long). When a reused session turns out to be dead (closed, reset), it is re-made and
    /// `body` run again, once; a session made for this call is not retried.
    private func session<T>(_ operation: String, _ body: (IMAPConnection) throws -> T) throws -> T {
        var retried = false
        while true {
            let (c, fresh) = try connected(operation)
            do {
                return try body(c)
            } catch where !fresh && !retried && IMAPConnection.isConnectionLoss(error) {
                retried = true
                logger.info("imap connection lost; reconnecting once", metadata: ["curl": "\((error as? CurlError)?.code ?? 0)"])
                connection = nil
            } catch {
                if !c.isUsable { connection = nil }
                if let curl = error as? CurlError {
                    logger.error("imap failure", metadata: ["operation": "\(curl.operation)", "curl": "\(curl.code)"])
                }
                throw error
            }
        }
    }

    private func connected(_ operation: String) throws -> (IMAPConnection, fresh: Bool) {
        if let c = connection {
            if c.isUsable && c.isFresh(maxAge: settings.maxConnectionAge) { return (c, false) }
            if c.isUsable { c.logout() }
            connection = nil
        }
        let c: IMAPConnection
        do {
            c = try IMAPConnection(options: options, transferTimeout: settings.transferTimeout, commandTimeout: settings.commandTimeout,
                                   maxResponseBytes: settings.maxResponseBytes, operation: operation)
        } catch let error as CurlError {
            logger.error("imap failure", metadata: ["operation": "\(operation)", "curl": "\(error.code)"])
            throw error
        }
        logger.info("imap connected", metadata: ["server": "\(endpoint.origin)", "tls": "\(security)"])
        connection = c
        return (c, true)
    }

    /// SELECTs the mailbox (RFC 3501 §6.3.1) afresh: unlike STATUS on the selected mailbox,
    /// which Dovecot answers from the session's old view, a fresh SELECT reports a changed
    /// UIDVALIDITY, and the session is read-write (EXAMINE would not be). STATUS is the fallback
    /// when a server omits UIDNEXT from SELECT.
    private func select(_ c: IMAPConnection) throws -> MailboxStatus {
        c.selected = nil
        var parsed = try Self.status(c, try IMAPCommand("SELECT").string(wireName), "IMAP SELECT")
        c.selected = wireName
        if parsed.uidNext == nil || parsed.uidValidity == nil {
            parsed = try Self.status(c, try IMAPCommand("STATUS").string(wireName).text("(MESSAGES UIDNEXT UIDVALIDITY)"), "IMAP STATUS")
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

    /// Selects the mailbox when this session has not (a new or re-made connection). UIDs asked
    /// for afterwards name the messages of the UIDVALIDITY seen before, so a change is thrown.
    private func ensureSelected(_ c: IMAPConnection) throws {
        guard c.selected != wireName else { return }
        let known = lastUIDValidity
        let status = try select(c)
        if let known, known != status.uidValidity {
            throw MailboxError.uidValidityChanged(old: known, new: status.uidValidity)
        }
    }

    private func capabilities(_ c: IMAPConnection) throws -> Set<String> {
        if let caps = c.capabilities { return caps }
        let caps = try Self.capabilities(c)
        c.capabilities = caps
        return caps
    }

    /// CAPABILITY (RFC 3501 §6.1.1): the last list the responses carried.
    static func capabilities(_ c: IMAPConnection) throws -> Set<String> {
        var caps = Set<String>()
        try run(c, try IMAPCommand("CAPABILITY"), "IMAP CAPABILITY") { r in
            let found = IMAPResponseParser.capabilities(in: [r])
            if !found.isEmpty { caps = found }
        }
        return caps
    }

    /// SELECT, EXAMINE or STATUS: UIDVALIDITY, UIDNEXT and the message count folded from the
    /// responses as they arrive, the last seen winning (a flood of untagged data costs no memory).
    /// `each` sees every untagged response too (the IDLE watcher's EXISTS bookkeeping).
    static func status(_ c: IMAPConnection, _ command: IMAPCommand, _ operation: String,
                       each: (IMAPResponse) -> Void = { _ in }) throws -> (uidValidity: UInt32?, uidNext: UInt32?, messages: UInt32?) {
        var parsed: (uidValidity: UInt32?, uidNext: UInt32?, messages: UInt32?) = (nil, nil, nil)
        try run(c, command, operation) { r in
            each(r)
            let found = IMAPResponseParser.status(in: [r])
            parsed = (found.uidValidity ?? parsed.uidValidity, found.uidNext ?? parsed.uidNext, found.messages ?? parsed.messages)
        }
        return parsed
    }

    private func runCreatingFolder(_ c: IMAPConnection, _ folder: String, _ command: IMAPCommand, _ operation: String) throws {
        let first = try c.execute(command, operation: operation)
        if first.isOK { return }
        guard first.line.uppercased().contains("[TRYCREATE]") else { throw refused(first, operation) }
        let create = try c.execute(try IMAPCommand("CREATE").string(ModifiedUTF7.encode(folder)), operation: "IMAP CREATE")
        if !create.isOK && !create.line.uppercased().contains("ALREADYEXISTS") { throw refused(create, "IMAP CREATE \(folder)") }
        logger.info("imap created folder", metadata: ["folder": "\(folder)"])
        try run(c, command, operation)
    }

    /// Runs a command, handing each untagged response to `each` as it arrives (to be folded into
    /// the answer or dropped: nothing is accumulated); a NO or BAD is thrown.
    private func run(_ c: IMAPConnection, _ command: IMAPCommand, _ operation: String, literals: IMAPLiteralPolicy = .discardAll,
                     each: (IMAPResponse) throws -> Void = { _ in }) throws {
        try Self.run(c, command, operation, literals: literals, each: each)
    }

    static func run(_ c: IMAPConnection, _ command: IMAPCommand, _ operation: String, literals: IMAPLiteralPolicy = .discardAll,
                    each: (IMAPResponse) throws -> Void = { _ in }) throws {
        let done = try c.execute(command, operation: operation, literals: literals, untagged: each)
        guard done.isOK else { throw refused(done, operation) }
    }

    /// A refused command as the error libcurl gave for one (`CURLE_QUOTE_ERROR`), with the
    /// server's tagged line.
    private func refused(_ done: IMAPCompletion, _ operation: String) -> CurlError {
        Self.refused(done, operation)
    }

    static func refused(_ done: IMAPCompletion, _ operation: String) -> CurlError {
        CurlError(code: 21, message: "Quote command returned error", detail: "the server answered \(done.status)",
                  serverResponse: done.line, operation: operation)
    }

    private func parsed<T>(_ body: () throws -> T) throws -> T {
        try Self.parsed(body)
    }

    static func parsed<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as IMAPParseError { throw MailboxError.protocolViolation(error.description) }
    }

    /// A mailbox name that can go into a command: no CR, LF or NUL.
    static func isSendable(_ name: String) -> Bool {
        !name.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }

    /// An IMAP quoted string (RFC 3501 §4.3).
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
