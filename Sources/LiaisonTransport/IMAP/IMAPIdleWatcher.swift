import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Waits for new mail with IMAP IDLE (RFC 2177) on a session of its own, opened like
/// `IMAPMailbox`'s (libcurl connects, does TLS and logs in; `IMAPConnection` speaks the rest),
/// so a wait never holds up fetching.
///
/// A wait EXAMINEs the mailbox (read-only, RFC 3501 §6.3.2) once per session, sends `IDLE`,
/// and returns true as soon as the server reports a change — `* n EXISTS` with a new count or
/// `* n EXPUNGE` — false when `timeout` passes or `interrupt()` is called; each ends with
/// `DONE` and the IDLE's tagged completion, so the session stays usable for the next wait.
/// Changes that happened between two waits on the same session are announced by the server at
/// the next IDLE and so end that wait at once. A wait longer than `reIdleInterval` re-issues
/// IDLE (RFC 2177 §3: before the server's 30-minute inactivity logout; 25 minutes by default).
///
/// Interrupting: `interrupt()` writes to a self-pipe that the wait polls beside the socket, so
/// it ends a wait promptly from any thread. An interrupt that comes while no wait runs is kept:
/// the next wait returns false at once (so a shutdown racing the start of a wait is not lost).
///
/// Timeouts: connecting is bounded by `connectTimeout`; every command and the end of IDLE by
/// `transferTimeout` between bytes and `commandTimeout` in all (a dead or dripping server fails
/// the wait with an error instead of hanging it); an IDLE slice ends at its own deadline however
/// steadily the server sends. What the server sends counts against `maxResponseBytes` per
/// command (the IDLE included) and its literals are dropped. After a failure the session is
/// dropped and the next wait reconnects; a reused session found dead is re-made once within the
/// same wait.
public final class IMAPIdleWatcher: MailboxWatching, @unchecked Sendable {
    private let lock = NSLock()
    private let settings: IMAPSettings
    private let logger: Logger
    private let endpoint: MailServerURL
    private let security: TransportSecurity
    private let options: CurlSessionOptions
    /// The mailbox's Unicode name (from the URL path, percent-decoded; INBOX when empty).
    public let mailboxName: String
    private let wireName: String
    /// Seconds after which a long wait ends its IDLE and starts another (RFC 2177: under 29 min).
    public let reIdleInterval: Double
    private var connection: IMAPConnection?
    /// The message count the session last heard (EXAMINE, then EXISTS responses).
    private var knownExists: UInt32?
    private let pipeRead: Int32
    private let pipeWrite: Int32

    /// Validates the URL, the TLS rule and the mailbox name; connects lazily on the first wait.
    public init(settings: IMAPSettings, logger: Logger = Logger(label: "liaison.imap.idle"),
                reIdleInterval: Double = 25 * 60) throws {
        let url = try MailServerURL(parsing: settings.url, schemes: ["imap", "imaps"])
        self.security = try TransportSecurity.decide(for: url, allowInsecureLoopback: settings.allowInsecureLoopback)
        let name = url.path.removingPercentEncoding ?? url.path
        self.mailboxName = name.isEmpty ? "INBOX" : name
        guard IMAPMailbox.isSendable(mailboxName) else { throw MailboxError.invalidFolderName(mailboxName) }
        self.wireName = ModifiedUTF7.encode(mailboxName)
        self.settings = settings
        self.logger = logger
        self.endpoint = url
        self.options = IMAPMailbox.sessionOptions(url: url, security: security, settings: settings)
        self.reIdleInterval = min(max(1, reIdleInterval), 29 * 60)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw CurlError(code: 2, message: "pipe failed", detail: String(cString: strerror(errno)), operation: "IMAP IDLE setup")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        pipeRead = fds[0]
        pipeWrite = fds[1]
    }

    deinit {
        connection?.logout()
        close(pipeRead)
        close(pipeWrite)
    }

    /// Ends a wait in progress promptly, from any thread; kept for the next wait when none runs.
    public func interrupt() {
        var byte: UInt8 = 1
        _ = write(pipeWrite, &byte, 1)
    }

    public func waitForChange(timeout: Double) throws -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if drainInterrupts() { return false }
        let deadline = IMAPConnection.deadline(after: timeout)
        var retried = false
        while true {
            let (c, fresh) = try connected()
            do {
                let changed = try watch(c, until: deadline)
                logger.debug("imap idle ended", metadata: ["changed": "\(changed)"])
                return changed
            } catch where !fresh && !retried && IMAPConnection.isConnectionLoss(error) {
                retried = true
                logger.info("imap idle connection lost; reconnecting once", metadata: ["curl": "\((error as? CurlError)?.code ?? 0)"])
                drop()
            } catch {
                if !c.isUsable { drop() }
                if let curl = error as? CurlError {
                    logger.error("imap idle failure", metadata: ["operation": "\(curl.operation)", "curl": "\(curl.code)"])
                }
                throw error
            }
        }
    }

    // MARK: internals (called with the lock held)

    private func connected() throws -> (IMAPConnection, fresh: Bool) {
        if let c = connection {
            if c.isUsable && c.isFresh(maxAge: settings.maxConnectionAge) { return (c, false) }
            drop()
        }
        let c: IMAPConnection
        do {
            c = try IMAPConnection(options: options, transferTimeout: settings.transferTimeout, commandTimeout: settings.commandTimeout,
                                   maxResponseBytes: settings.maxResponseBytes, operation: "IMAP IDLE connect")
        } catch let error as CurlError {
            logger.error("imap idle failure", metadata: ["operation": "\(error.operation)", "curl": "\(error.code)"])
            throw error
        }
        logger.info("imap idle connected", metadata: ["server": "\(endpoint.origin)", "tls": "\(security)"])
        connection = c
        knownExists = nil
        return (c, true)
    }

    private func drop() {
        if let c = connection, c.isUsable { c.logout() }
        connection = nil
        knownExists = nil
    }

    /// True when an interrupt was pending (the pipe is emptied).
    private func drainInterrupts() -> Bool {
        var any = false
        var sink = [UInt8](repeating: 0, count: 64)
        while read(pipeRead, &sink, sink.count) > 0 { any = true }
        return any
    }

    private enum SliceEnd { case changed, interrupted, quiet }

    /// CAPABILITY and EXAMINE when the session has not had them, then IDLE slices until a change,
    /// an interrupt, or the deadline.
    private func watch(_ c: IMAPConnection, until deadline: ContinuousClock.Instant) throws -> Bool {
        if c.capabilities == nil {
            c.capabilities = try IMAPMailbox.capabilities(c)
        }
        guard c.capabilities?.contains("IDLE") == true else { throw MailboxWatchError.unsupported }
        if c.selected != wireName {
            c.selected = nil
            let status = try IMAPMailbox.status(c, try IMAPCommand("EXAMINE").string(wireName), "IMAP EXAMINE") { r in
                if r.text.uppercased().hasSuffix(" EXISTS") || r.text.uppercased().hasSuffix(" EXPUNGE") { _ = isChange(r) }
            }
            c.selected = wireName
            knownExists = status.messages
        }
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return false }
            let leftSeconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            switch try idle(c, for: min(leftSeconds, reIdleInterval)) {
            case .changed: return true
            case .interrupted: return false
            case .quiet: continue
            }
        }
    }

    /// One IDLE … DONE exchange of at most `seconds` of waiting (RFC 2177 §3).
    private func idle(_ c: IMAPConnection, for seconds: Double) throws -> SliceEnd {
        let operation = "IMAP IDLE"
        let tag = try c.start(try IMAPCommand("IDLE"), operation: operation)
        var changed = false
        // The continuation request; notifications pending since the last command may come first.
        let answerBy = IMAPConnection.deadline(after: settings.commandTimeout)
        while true {
            guard let r = try c.nextResponse(timeout: settings.transferTimeout, deadline: answerBy, operation: operation) else { continue }
            if r.tag == "+" { break }
            if r.tag == tag {
                let done = c.completion(of: r)
                if done.isOK { return changed ? .changed : .quiet }
                throw CurlError(code: 21, message: "Quote command returned error", detail: "the server answered \(done.status)",
                                serverResponse: done.line, operation: operation)
            }
            changed = isChange(r) || changed
        }
        var end: SliceEnd = changed ? .changed : .quiet
        let sliceEnd = IMAPConnection.deadline(after: seconds)
        idling: while end != .changed {
            let left = ContinuousClock.now.duration(to: sliceEnd)
            if left <= .zero { break }
            let leftSeconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            switch try c.waitForResponse(timeout: leftSeconds, deadline: sliceEnd, interruptFD: pipeRead, quietIsError: false, operation: operation) {
            case .response(let r):
                if r.tag == tag {  // the server ended IDLE itself
                    let done = c.completion(of: r)
                    guard done.isOK else {
                        throw CurlError(code: 21, message: "Quote command returned error", detail: "the server answered \(done.status)",
                                        serverResponse: done.line, operation: operation)
                    }
                    return end
                }
                if isChange(r) { end = .changed }
            case .interrupted:
                _ = drainInterrupts()
                end = .interrupted
                break idling
            case .quiet:
                break idling
            }
        }
        try c.sendLine("DONE", operation: operation)
        let doneBy = IMAPConnection.deadline(after: settings.commandTimeout)
        while true {
            guard let r = try c.nextResponse(timeout: settings.transferTimeout, deadline: doneBy, operation: operation) else { continue }
            if r.tag == tag {
                let done = c.completion(of: r)
                guard done.isOK else {
                    throw CurlError(code: 21, message: "Quote command returned error", detail: "the server answered \(done.status)",
                                    serverResponse: done.line, operation: operation)
                }
                return end
            }
            if isChange(r) && end == .quiet { end = .changed }
        }
    }

    /// `* n EXISTS` with a count other than the one known, or `* n EXPUNGE` (RFC 3501 §7.3.1, §7.4.1).
    private func isChange(_ r: IMAPResponse) -> Bool {
        let words = r.text.split(separator: " ")
        guard r.isUntagged, words.count >= 3, let n = UInt32(words[1]) else { return false }
        switch words[2].uppercased() {
        case "EXISTS":
            defer { knownExists = n }
            return knownExists != n
        case "EXPUNGE":
            knownExists = knownExists.map { $0 > 0 ? $0 - 1 : 0 }
            return true
        default:
            return false
        }
    }

}
