/// Reading one IMAP mailbox by UID (RFC 3501 §2.3.1.1). Implementations are synchronous and
/// blocking (libcurl is): call them from a dedicated thread or queue, never from a cooperative
/// task pool's hot path. Each instance serialises its own calls; it is safe to share, but calls
/// from several threads simply wait for each other.
public protocol MailboxReading: Sendable {
    /// UIDVALIDITY and UIDNEXT of the mailbox now; reports a UIDVALIDITY change since the last call.
    func status() throws -> MailboxStatus
    /// The UIDs greater than `checkpoint`, ascending. Throws `MailboxError.uidValidityChanged`
    /// when UIDVALIDITY differs from what this instance saw last (its previous status or search):
    /// a checkpoint from before the change names other messages.
    func uids(above checkpoint: UInt32) throws -> [UInt32]
    /// The message's exact bytes (RFC 5322), without setting `\Seen`.
    /// Throws `MailboxError.noSuchMessage` when the UID does not exist (any more).
    func fetch(uid: UInt32) throws -> [UInt8]
    /// Moves the message to `folder` (a Unicode name; created when missing).
    func move(uid: UInt32, to folder: String) throws
    /// The exact bytes of each message of `uids` (RFC 3501 §6.4.8 `UID FETCH`, without setting
    /// `\Seen`), handed to `each` one message at a time in ascending UID order (duplicates
    /// dropped), so a caller can file each as it comes while memory stays bounded by one batch.
    /// A UID that does not exist (any more) is simply skipped. `each` runs without the mailbox's
    /// lock held: it may call `move` on the same mailbox. An error thrown by `each` ends the
    /// fetch and is rethrown. The default implementation loops over `fetch(uid:)`.
    func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void) throws
    /// `fetch(uids:each:)`, except that a message that could never be fetched within the reader's
    /// bounds (its announced `RFC822.SIZE` above `max_response_bytes`) is not asked for and not a
    /// fault: it is handed to `tooLarge` with its announced size, in its place in UID order, so
    /// that one oversized message costs that message and not the mailbox behind it. The default
    /// implementation has no such bound and never calls `tooLarge`.
    func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void,
               tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws
    /// `fetch(uids:each:tooLarge:)`, handing over what has ALREADY arrived together: `group`
    /// gets the messages of one response (a `UID FETCH` batch, bounded by the reader's batch
    /// plan), ascending by UID, as soon as that response is read — never held back to wait for
    /// more, so a lone message is a group of one. A `tooLarge` UID comes between groups, in its
    /// UID order. The default implementation hands each message over as a group of one.
    func fetch(uids: [UInt32], groups group: (_ messages: [FetchedMessage]) throws -> Void,
               tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws
}

/// One message as fetched: its UID and exact bytes.
public struct FetchedMessage: Sendable {
    public var uid: UInt32
    public var bytes: [UInt8]
    public init(uid: UInt32, bytes: [UInt8]) {
        self.uid = uid
        self.bytes = bytes
    }
}

extension MailboxReading {
    /// One `fetch(uid:)` per message: correct for any implementation, one round trip each.
    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void) throws {
        for uid in Set(uids).sorted() {
            let bytes: [UInt8]
            do { bytes = try fetch(uid: uid) } catch MailboxError.noSuchMessage { continue }
            try each(uid, bytes)
        }
    }

    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void,
                      tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws {
        try fetch(uids: uids, each: each)
    }

    public func fetch(uids: [UInt32], groups group: (_ messages: [FetchedMessage]) throws -> Void,
                      tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws {
        try fetch(uids: uids, each: { uid, bytes in try group([FetchedMessage(uid: uid, bytes: bytes)]) }, tooLarge: tooLarge)
    }

    /// `fetch(uids:each:)` collected: every existing message of `uids`, ascending by UID. Holds
    /// them all in memory; prefer the callback form for large sets.
    public func fetch(uids: [UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])] {
        var result: [(uid: UInt32, bytes: [UInt8])] = []
        try fetch(uids: uids) { uid, bytes in result.append((uid, bytes)) }
        return result
    }
}

/// What `MailboxReading.status()` reports.
public struct MailboxStatus: Sendable, Equatable {
    /// RFC 3501 §2.3.1.1: UIDs are only meaningful together with this value.
    public var uidValidity: UInt32
    /// The UID the next message will get; every existing UID is below it.
    public var uidNext: UInt32
    /// Number of messages, when the server said.
    public var messages: UInt32?
    /// The UIDVALIDITY seen by the previous `status()` call when it differs from `uidValidity`:
    /// every stored UID checkpoint of the old value is void.
    public var previousUIDValidity: UInt32?

    public init(uidValidity: UInt32, uidNext: UInt32, messages: UInt32? = nil, previousUIDValidity: UInt32? = nil) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.messages = messages
        self.previousUIDValidity = previousUIDValidity
    }

    /// True when UIDVALIDITY changed since the previous status.
    public var uidValidityChanged: Bool { previousUIDValidity != nil }

    /// Throws `MailboxError.uidValidityChanged` unless the mailbox still has `expected` — for a
    /// caller holding a checkpoint recorded under `expected`.
    public func require(uidValidity expected: UInt32) throws(MailboxError) {
        if expected != uidValidity { throw .uidValidityChanged(old: expected, new: uidValidity) }
    }
}

/// Failures of a mailbox that are not transport failures (those are `CurlError`).
public enum MailboxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The mailbox was recreated: UIDs recorded under `old` no longer name the same messages.
    case uidValidityChanged(old: UInt32, new: UInt32)
    /// No message with that UID (expunged or never existed).
    case noSuchMessage(uid: UInt32)
    /// The server's answer could not be understood.
    case protocolViolation(String)
    /// A folder name that cannot be sent (empty, or with CR, LF or NUL).
    case invalidFolderName(String)
    /// The server broke a bound on what it may send (`what`, e.g. "IMAP responses to one
    /// command", over `limit` bytes): the command failed and the connection was dropped.
    case boundExceeded(String, limit: Int)
    /// A command (`operation`) took longer than `seconds` in all, however steadily the server
    /// sent (a drip of one byte every few seconds): the connection was dropped.
    case commandTimeout(String, seconds: Double)

    public var description: String {
        switch self {
        case let .uidValidityChanged(old, new): return "mailbox UIDVALIDITY changed from \(old) to \(new): UID checkpoints are void"
        case let .noSuchMessage(uid): return "no message with UID \(uid)"
        case let .protocolViolation(what): return "IMAP protocol violation: \(what)"
        case let .invalidFolderName(name): return "invalid IMAP folder name \(name.debugDescription)"
        case let .boundExceeded(what, limit): return "IMAP server broke a bound: \(what) (limit \(limit) bytes)"
        case let .commandTimeout(operation, seconds): return "\(operation) did not complete within \(seconds) s"
        }
    }
}

/// Waiting for new mail without polling (RFC 2177 IDLE), on a connection of its own so that it
/// never holds up fetching. Blocking, like `MailboxReading`: run it on a dedicated thread.
public protocol MailboxWatching: Sendable {
    /// Blocks until the server reports a change to the mailbox (a new message, an expunge), the
    /// `timeout` (seconds) passes, or `interrupt()` is called; returns true on a change, false otherwise.
    /// Throws `MailboxWatchError.unsupported` when the server does not offer IDLE, and a transport
    /// error when the connection fails (the next call reconnects).
    func waitForChange(timeout: Double) throws -> Bool
    /// Ends a wait in progress, from any thread (shutdown, configuration reload).
    func interrupt()
}

/// Why a mailbox cannot be watched.
public enum MailboxWatchError: Error, Equatable, Sendable {
    /// The server's CAPABILITY has no IDLE: poll instead.
    case unsupported
}
