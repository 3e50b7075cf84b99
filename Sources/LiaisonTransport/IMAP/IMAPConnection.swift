import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a command ended: its tagged status response (RFC 3501 §7.1).
struct IMAPCompletion: Sendable {
    /// `OK`, `NO` or `BAD`, upper-cased.
    var status: String
    /// The tagged line (protocol text only, never literal bytes), at most 200 characters.
    var line: String
    var isOK: Bool { status == "OK" }
}

/// One IMAP session (RFC 3501) that libcurl only opens: with `CURLOPT_CONNECT_ONLY` libcurl 7.88
/// connects, does TLS (implicit, or STARTTLS made mandatory by `CURLUSESSL_ALL`) with the peer
/// verified, reads the greeting and logs in, then hands over the socket. Every command after
/// that is written here with its own tags through `curl_easy_send`, and every response read
/// through `curl_easy_recv` and cut by `IMAPResponseFramer`, which counts literal bytes — so a
/// message of any size arrives whole (libcurl's 300 KiB response-header cap never applies) and no
/// line inside a message can end a command early (libcurl's own `A00n` tags are never used).
///
/// Waiting: the socket (`CURLINFO_ACTIVESOCKET`) is polled only after `curl_easy_recv` said
/// `CURLE_AGAIN` (TLS may hold decrypted bytes the socket no longer shows); a server that sends
/// no byte for `transferTimeout` seconds fails the command with a timeout (curl code 28). A
/// closed or broken connection fails it with curl code 56 or 55.
///
/// Bounds per command (`execute`, and the IDLE exchanges of `start`): every byte its responses
/// bring counts against `maxResponseBytes` (or the caller's smaller cap), literals it did not
/// ask for are dropped as they stream (`IMAPLiteralPolicy`), and it must end within
/// `commandTimeout` seconds on the monotonic clock however steadily the server drips bytes.
/// A breach is `MailboxError.boundExceeded` or `.commandTimeout`, and the session is unusable.
///
/// Threading rule: not thread-safe; its owner (`IMAPMailbox`, `IMAPIdleWatcher`) serialises use.
/// After any failure in mid-command the session is marked unusable and must be dropped.
final class IMAPConnection {
    private let easy: CurlEasy
    private let socket: Int32
    let transferTimeout: Double
    /// The longest a command may take, sending to tagged response (seconds, monotonic).
    let commandTimeout: Double
    /// The most bytes the responses to one command may bring.
    let maxResponseBytes: Int
    private var framer: IMAPResponseFramer
    private var pending: [IMAPResponse] = []
    private var pendingIndex = 0
    private var nextTag = 1
    private let buffer: UnsafeMutableRawBufferPointer
    private var lastBye: String?
    /// False once a command failed part-way: the stream position is unknown.
    private(set) var isUsable = true
    /// The post-login CAPABILITY (§6.1.1), once asked.
    var capabilities: Set<String>?
    /// The wire name of the mailbox selected on this session (SELECT or EXAMINE), if any.
    var selected: String?
    /// When a byte last went out or came in (for the idle-age rule), on the monotonic clock: a
    /// wall-clock jump neither ages a connection nor keeps a stale one.
    private(set) var lastUsed = ContinuousClock.now

    /// Receive buffer size: large enough that a multi-megabyte literal takes few calls.
    static let bufferSize = 256 * 1024

    /// Connects and logs in; throws `CurlError` (the server's last status line included when it
    /// sent one, e.g. a refused login), with a hint when STARTTLS was required but not offered.
    init(options: CurlSessionOptions, transferTimeout: Double, commandTimeout: Double = IMAPSettings.defaultCommandTimeout,
         maxResponseBytes: Int = IMAPSettings.defaultMaxResponseBytes, operation: String) throws {
        var options = options
        options.connectOnly = true
        let easy = try CurlEasy()
        try options.apply(to: easy)
        let outcome = easy.perform()
        guard outcome.succeeded else {
            var error = easy.error(for: outcome, operation: operation, serverLine: IMAPResponseParser.lastStatusLine(in: outcome.transfer.headers))
            if outcome.code == 64 && options.security == .startTLS {
                error.detail += " (the server did not offer STARTTLS; plaintext IMAP is refused)"
            }
            throw error
        }
        guard let socket = easy.activeSocket() else {
            throw CurlError(code: 2, message: "no socket", detail: "libcurl gave no active socket after connecting", operation: operation)
        }
        self.easy = easy
        self.socket = socket
        self.transferTimeout = transferTimeout
        self.commandTimeout = commandTimeout
        self.maxResponseBytes = max(1, maxResponseBytes)
        self.framer = IMAPResponseFramer(
            maxLineLength: min(16 * 1024 * 1024, self.maxResponseBytes), maxLiteralSize: self.maxResponseBytes,
            maxResponseBytes: self.maxResponseBytes)
        self.buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        // curl_easy_cleanup (CurlEasy's deinit) closes the socket; for a connect-only session
        // libcurl 7.88 sends no LOGOUT of its own.
    }

    /// Says LOGOUT (§6.1.3) without waiting for the answer, when the session is between commands.
    func logout() {
        guard isUsable, framer.isAtResponseBoundary, pendingIndex >= pending.count else { return }
        let line = Array("L\(nextTag) LOGOUT\r\n".utf8)
        _ = line.withUnsafeBytes { easy.send($0) }
        isUsable = false
    }

    // MARK: commands

    /// Sends `command` with a fresh tag and reads until its tagged response; every other
    /// response (untagged data, in order) goes to `untagged` as it completes, to be used or
    /// dropped there (nothing is accumulated here). A NO or BAD is returned, not thrown: the
    /// caller decides (TRYCREATE, ALREADYEXISTS…). The responses may bring at most `maxBytes`
    /// bytes (at most `maxResponseBytes`); only the literals `literals` names are kept.
    /// Throws `CurlError` on an idle timeout or a lost connection, `MailboxError.commandTimeout`
    /// past `commandTimeout`, `.boundExceeded` past a byte cap, and `.protocolViolation` on an
    /// unreadable stream.
    func execute(_ command: IMAPCommand, operation: String, literals: IMAPLiteralPolicy = .discardAll, maxBytes: Int? = nil,
                 untagged: (IMAPResponse) throws -> Void = { _ in }) throws -> IMAPCompletion {
        guard isUsable else { throw CurlError(code: 56, message: "Failure when receiving data from the peer", detail: "the session was abandoned", operation: operation) }
        var finished = false
        defer {
            if !finished { isUsable = false }
            lastUsed = .now
        }
        let deadline = begin(literals: literals, maxBytes: maxBytes)
        let tag = "L\(nextTag)"
        nextTag += 1
        let chunks = command.wire(tag: tag, literalPlus: capabilities?.contains("LITERAL+") ?? false)
        for (k, chunk) in chunks.enumerated() {
            try send(chunk, deadline: deadline, operation: operation)
            guard k < chunks.count - 1 else { break }
            // A synchronising literal: the server must say `+` first (§7.5), or refuse.
            while true {
                let response = try nextResponse(timeout: transferTimeout, deadline: deadline, operation: operation)!
                if response.tag == "+" { break }
                if response.tag == tag {
                    finished = true
                    return completion(response)
                }
                try untagged(response)
            }
        }
        while true {
            let response = try nextResponse(timeout: transferTimeout, deadline: deadline, operation: operation)!
            if response.tag == tag {
                finished = true
                return completion(response)
            }
            if response.tag == "+" { continue }  // a stray continuation request: nothing to send
            try untagged(response)
        }
    }

    /// Starts the byte count and literal rule of a command; returns its deadline.
    private func begin(literals: IMAPLiteralPolicy, maxBytes: Int?) -> ContinuousClock.Instant {
        framer.beginCommand(maxBytes: min(maxBytes ?? maxResponseBytes, maxResponseBytes), literals: literals)
        return Self.deadline(after: commandTimeout)
    }

    /// The session may be reused: used less than `maxAge` seconds ago (`IMAPSettings.maxConnectionAge`),
    /// measured on the monotonic clock.
    static func isFresh(lastUsed: ContinuousClock.Instant, maxAge: Double, now: ContinuousClock.Instant = .now) -> Bool {
        now - lastUsed < .seconds(min(max(0, maxAge), 1e9))
    }

    /// Whether this session may be reused under the idle-age rule.
    func isFresh(maxAge: Double) -> Bool { Self.isFresh(lastUsed: lastUsed, maxAge: maxAge) }

    /// Now plus `seconds` on the monotonic clock (a wall-clock jump moves no deadline).
    static func deadline(after seconds: Double) -> ContinuousClock.Instant {
        ContinuousClock.now.advanced(by: .seconds(min(max(0, seconds), 1e9)))
    }

    /// Sends raw protocol bytes (the `DONE` that ends IDLE, RFC 2177), all of them.
    func sendLine(_ text: String, operation: String) throws {
        try send(Array((text + "\r\n").utf8), deadline: Self.deadline(after: commandTimeout), operation: operation)
    }

    /// Starts a command whose responses the caller reads itself (IDLE, RFC 2177): sends it with
    /// a fresh tag and returns the tag. Only for commands without string arguments. Its
    /// responses count against `maxResponseBytes` and their literals are dropped; the caller
    /// gives each wait its own deadline.
    func start(_ command: IMAPCommand, operation: String) throws -> String {
        let tag = "L\(nextTag)"
        nextTag += 1
        let chunks = command.wire(tag: tag, literalPlus: false)
        precondition(chunks.count == 1, "start() is for commands without literals")
        let deadline = begin(literals: .discardAll, maxBytes: nil)
        try send(chunks[0], deadline: deadline, operation: operation)
        return tag
    }

    /// The tagged completion of a command started with `start`, from its tagged response.
    func completion(of response: IMAPResponse) -> IMAPCompletion { completion(response) }

    /// The next response, waiting up to `timeout` seconds for each piece of it (a silent server
    /// is a timeout error) and in all until `deadline` (`MailboxError.commandTimeout`); nil when
    /// `interruptFD` became readable first (the caller's self-pipe).
    func nextResponse(timeout: Double, deadline: ContinuousClock.Instant, interruptFD: Int32? = nil, operation: String) throws -> IMAPResponse? {
        switch try waitForResponse(timeout: timeout, deadline: deadline, interruptFD: interruptFD, quietIsError: true, operation: operation) {
        case .response(let r): return r
        case .interrupted, .quiet: return nil
        }
    }

    /// What waiting for a response ended with.
    enum Arrival {
        case response(IMAPResponse)
        /// `interruptFD` became readable.
        case interrupted
        /// Nothing arrived within the time (only when silence is not an error, as in IDLE).
        case quiet
    }

    /// The next response; when `quietIsError` is false, `timeout` seconds of silence or reaching
    /// `deadline` end the wait as `.quiet` and the session stays usable (IDLE, RFC 2177, where
    /// silence is normal); when it is true, they are errors.
    func waitForResponse(timeout: Double, deadline: ContinuousClock.Instant, interruptFD: Int32?, quietIsError: Bool,
                         operation: String) throws -> Arrival {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            switch try fill(timeout: timeout, deadline: deadline, interruptFD: interruptFD, quietIsError: quietIsError, operation: operation) {
            case .ready: continue
            case .interrupted: return .interrupted
            case .timedOut: return .quiet
            }
        }
        let response = pending[pendingIndex]
        pendingIndex += 1
        if response.isUntagged && response.text.uppercased().hasPrefix("* BYE") { lastBye = String(response.text.prefix(200)) }
        return .response(response)
    }

    private func completion(_ response: IMAPResponse) -> IMAPCompletion {
        let words = response.text.split(separator: " ", maxSplits: 2)
        let status = words.count >= 2 ? words[1].uppercased() : ""
        return IMAPCompletion(status: status, line: String(response.text.prefix(200)))
    }

    // MARK: socket

    private enum Readiness { case ready, timedOut, interrupted }

    /// Waits for `events` on the socket until `deadline` (monotonic clock).
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant, interruptFD: Int32?) -> Readiness {
        while true {
            var fds = [pollfd(fd: socket, events: events, revents: 0)]
            if let interruptFD { fds.append(pollfd(fd: interruptFD, events: Int16(POLLIN), revents: 0)) }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return .timedOut }
            let ms = Double(left.components.seconds) * 1000 + Double(left.components.attoseconds) / 1e15
            let n = poll(&fds, nfds_t(fds.count), Int32(min(ms, Double(Int32.max)).rounded(.up)))
            if n < 0 {
                if errno == EINTR { continue }
                return .ready  // let the next send/recv report the failure
            }
            if n == 0 { continue }  // recheck the deadline
            if fds.count > 1 && fds[1].revents != 0 { return .interrupted }
            return .ready
        }
    }

    private func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant, operation: String) throws {
        var offset = 0
        while offset < bytes.count {
            let (code, sent) = bytes[offset...].withUnsafeBytes { easy.send($0) }
            if code == CURLE_OK {
                offset += sent
                lastUsed = .now
                continue
            }
            guard code == CURLE_AGAIN else { throw failure(code, operation) }
            let idleEnd = Self.deadline(after: transferTimeout)
            if wait(for: Int16(POLLOUT), until: min(idleEnd, deadline), interruptFD: nil) == .timedOut {
                isUsable = false
                if deadline <= idleEnd { throw MailboxError.commandTimeout(operation, seconds: commandTimeout) }
                throw CurlError(code: 28, message: "Timeout was reached",
                                detail: "the server took no data for \(transferTimeout) s", operation: operation)
            }
        }
    }

    /// Reads what arrives next (waiting up to `timeout` for the first byte, and never past
    /// `deadline`) into the framer.
    private func fill(timeout: Double, deadline: ContinuousClock.Instant, interruptFD: Int32?, quietIsError: Bool,
                      operation: String) throws -> Readiness {
        let idleEnd = Self.deadline(after: timeout)
        while true {
            let (code, received) = easy.receive(into: buffer)
            if code == CURLE_OK {
                guard received > 0 else {
                    isUsable = false
                    throw CurlError(code: 56, message: "Failure when receiving data from the peer",
                                    detail: "the server closed the connection", serverResponse: lastBye, operation: operation)
                }
                lastUsed = .now
                do {
                    pending += try framer.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<received]))
                } catch {
                    isUsable = false
                    throw Self.mailboxError(error)
                }
                return .ready
            }
            guard code == CURLE_AGAIN else { throw failure(code, operation) }
            switch wait(for: Int16(POLLIN), until: min(idleEnd, deadline), interruptFD: interruptFD) {
            case .ready: continue
            case .interrupted: return .interrupted
            case .timedOut:
                guard quietIsError else { return .timedOut }
                isUsable = false
                if deadline <= idleEnd { throw MailboxError.commandTimeout(operation, seconds: commandTimeout) }
                throw CurlError(code: 28, message: "Timeout was reached",
                                detail: "no data from the server for \(timeout) s", operation: operation)
            }
        }
    }

    /// A framing error as the mailbox reports it: a broken bound, or an unreadable stream.
    static func mailboxError(_ error: IMAPParseError) -> MailboxError {
        switch error {
        case .lineTooLong(let limit): return .boundExceeded("a response line", limit: limit)
        case let .literalTooLarge(size, limit): return .boundExceeded("a literal of \(size) bytes", limit: limit)
        case .responseTooLarge(let limit): return .boundExceeded("one response", limit: limit)
        case .commandTooLarge(let limit): return .boundExceeded("the responses to one command", limit: limit)
        case let .literalLargerThanAnnounced(uid, size, announced):
            return .boundExceeded("the body of UID \(uid), \(size) bytes, against its RFC822.SIZE", limit: announced)
        case .truncatedLiteral, .malformedFetch: return .protocolViolation(error.description)
        }
    }

    private func failure(_ code: CURLcode, _ operation: String) -> CurlError {
        isUsable = false
        return CurlError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)),
                         detail: easy.errorText(), serverResponse: lastBye, operation: operation)
    }

    /// True for failures after which a fresh connection may well succeed: the peer closed or
    /// broke the connection (send 55, receive 56, nothing 52). Not timeouts, not refusals.
    static func isConnectionLoss(_ error: Error) -> Bool {
        guard let curl = error as? CurlError else { return false }
        return [52, 55, 56].contains(curl.code)
    }
}
