import Foundation
import LiaisonTransport

/// A mailbox in memory for tests of code that reads mail (`MailboxReading`): messages get
/// ascending UIDs, `recreate()` changes UIDVALIDITY, failures can be scripted.
public final class InMemoryMailbox: MailboxReading, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [(uid: UInt32, bytes: [UInt8], folder: String, seen: Bool)] = []
    private var uidValidity: UInt32
    private var uidNext: UInt32 = 1
    private var reportedValidity: UInt32?
    private var failures: [Error] = []
    /// Every call made, e.g. `status`, `uids(above: 3)`, `fetch(7)`, `move(7, Done)`.
    public private(set) var calls: [String] = []

    /// Like `imap.max_response_bytes`: a message larger than this goes to `tooLarge` (nil: no bound).
    public let maxMessageBytes: Int?
    /// Like the fetch plan's count: `fetch(uids:groups:tooLarge:)` hands over at most this many
    /// messages a group, as several `UID FETCH` responses would (nil: one group a call).
    public let groupSize: Int?

    public init(uidValidity: UInt32 = 1, maxMessageBytes: Int? = nil, groupSize: Int? = nil) {
        self.uidValidity = uidValidity
        self.maxMessageBytes = maxMessageBytes
        self.groupSize = groupSize.map { max(1, $0) }
    }

    /// Adds a message to the inbox and returns its UID.
    @discardableResult
    public func deliver(_ bytes: [UInt8]) -> UInt32 {
        withLock {
            let uid = uidNext
            uidNext += 1
            messages.append((uid, bytes, "INBOX", false))
            return uid
        }
    }

    /// Empties the mailbox and gives it a new UIDVALIDITY, as a server does when it is recreated.
    public func recreate(uidValidity newValue: UInt32) {
        withLock {
            messages = []
            uidValidity = newValue
            uidNext = 1
        }
    }

    /// The next calls (any method) throw these errors, in order, before working again.
    public func failNextCalls(with errors: [Error]) { withLock { failures += errors } }

    /// UIDs now in `folder`, ascending.
    public func uids(in folder: String) -> [UInt32] { withLock { messages.filter { $0.folder == folder }.map(\.uid) } }

    /// Whether the message was marked seen (never, by `fetch`: it peeks like BODY.PEEK[]).
    public func isSeen(uid: UInt32) -> Bool { withLock { messages.first { $0.uid == uid }?.seen ?? false } }

    public func status() throws -> MailboxStatus {
        try withLock {
            try call("status")
            let inbox = messages.filter { $0.folder == "INBOX" }.count
            var status = MailboxStatus(uidValidity: uidValidity, uidNext: uidNext, messages: UInt32(inbox))
            if let old = reportedValidity, old != uidValidity { status.previousUIDValidity = old }
            reportedValidity = uidValidity
            return status
        }
    }

    public func uids(above checkpoint: UInt32) throws -> [UInt32] {
        try withLock {
            try call("uids(above: \(checkpoint))")
            if let old = reportedValidity, old != uidValidity {
                throw MailboxError.uidValidityChanged(old: old, new: uidValidity)
            }
            return messages.filter { $0.folder == "INBOX" && $0.uid > checkpoint }.map(\.uid)
        }
    }

    public func fetch(uid: UInt32) throws -> [UInt8] {
        try withLock {
            try call("fetch(\(uid))")
            guard let m = messages.first(where: { $0.uid == uid && $0.folder == "INBOX" }) else {
                throw MailboxError.noSuchMessage(uid: uid)
            }
            return m.bytes
        }
    }

    /// Records one call, `fetch([7, 9])` (the UIDs ascending, unique), then hands over the INBOX
    /// messages among them in ascending UID order, outside the lock.
    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void) throws {
        let wanted = Array(Set(uids)).sorted()
        let found: [(uid: UInt32, bytes: [UInt8])] = try withLock {
            try call("fetch(\(wanted))")
            let set = Set(wanted)
            return messages.filter { $0.folder == "INBOX" && set.contains($0.uid) }
                .map { ($0.uid, $0.bytes) }.sorted { $0.uid < $1.uid }
        }
        for (uid, bytes) in found { try each(uid, bytes) }
    }

    /// As `fetch(uids:each:)`; a message above `maxMessageBytes` goes to `tooLarge` with its size.
    public func fetch(uids: [UInt32], each: (_ uid: UInt32, _ bytes: [UInt8]) throws -> Void,
                      tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws {
        let limit = maxMessageBytes ?? Int.max
        try fetch(uids: uids) { uid, bytes in
            if bytes.count > limit { try tooLarge(uid, bytes.count) } else { try each(uid, bytes) }
        }
    }

    /// As `fetch(uids:each:tooLarge:)`: what one call found is one group (split around a
    /// message above `maxMessageBytes`, which goes to `tooLarge` in its place, and every
    /// `groupSize` messages).
    public func fetch(uids: [UInt32], groups group: (_ messages: [FetchedMessage]) throws -> Void,
                      tooLarge: (_ uid: UInt32, _ announcedSize: Int) throws -> Void) throws {
        let limit = maxMessageBytes ?? Int.max
        var pending: [FetchedMessage] = []
        try fetch(uids: uids) { uid, bytes in
            if bytes.count > limit {
                if !pending.isEmpty { try group(pending) }
                pending = []
                try tooLarge(uid, bytes.count)
            } else {
                pending.append(FetchedMessage(uid: uid, bytes: bytes))
                if let groupSize, pending.count == groupSize {
                    try group(pending)
                    pending = []
                }
            }
        }
        if !pending.isEmpty { try group(pending) }
    }

    public func move(uid: UInt32, to folder: String) throws {
        try withLock {
            try call("move(\(uid), \(folder))")
            if let i = messages.firstIndex(where: { $0.uid == uid && $0.folder == "INBOX" }) { messages[i].folder = folder }
        }
    }

    private func call(_ name: String) throws {
        calls.append(name)
        if !failures.isEmpty { throw failures.removeFirst() }
    }

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
