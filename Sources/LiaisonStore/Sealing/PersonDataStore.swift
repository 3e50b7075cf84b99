import Foundation
import LiaisonCore

/// A person's data on request (issue 18; PIPL and GDPR access and erasure), whatever the
/// backend. Which messages are theirs is read from the messages' own headers by the caller
/// (the store parses nothing); the store lists every message it holds and, for an erasure,
/// removes the bodies named and replaces the person's address and names by their `Pseudonym`
/// in every text column of every table.
public protocol PersonDataStore: Sendable {
    /// Every message the store holds — filed, held, and mail the outbox sent or will send — one
    /// at a time, from one read snapshot.
    func eachStoredMessage(_ body: (StoredMessage) throws -> Void) throws
    /// The cases, action items and events that name `address` or one of `names`, and the cases
    /// `alsoCases` (those their messages are filed on).
    func personRecords(address: String, names: [String], alsoCases: [String]) throws -> PersonRecords
    /// Erases the person in one transaction and then compacts the file (see `PersonErasure`).
    func erasePerson(_ erasure: PersonErasure, now: Date) throws -> PersonErasureResult
}

/// One message the store holds, with its raw bytes (empty once its body was removed).
public struct StoredMessage: Sendable, Equatable {
    public enum Source: String, Sendable, Codable { case filed, held, outbox }
    public struct Ref: Sendable, Hashable, Codable {
        public var source: Source
        public var id: Int64
        public init(source: Source, id: Int64) { self.source = source; self.id = id }
    }
    public var ref: Ref
    public var caseNumber: String?
    public var date: Date?
    public var subject: String?
    /// The recorded sender (filed and held messages) or envelope sender (outbox), lowercased.
    public var sender: String?
    /// The outbox's envelope recipients (Bcc included); empty for filed and held messages.
    public var recipients: [String]
    public var raw: [UInt8]

    public init(ref: Ref, caseNumber: String?, date: Date?, subject: String?, sender: String?, recipients: [String] = [], raw: [UInt8]) {
        self.ref = ref
        self.caseNumber = caseNumber
        self.date = date
        self.subject = subject
        self.sender = sender
        self.recipients = recipients
        self.raw = raw
    }
}

/// What names a person, for `liaison person export`'s `index.json`.
public struct PersonRecords: Sendable, Equatable, Codable {
    public struct CaseRecord: Sendable, Equatable, Codable {
        public var number: String
        public var status: String
        public var category: String
        public var owner: String?
        public var organization: String?
        /// How the case names them: contact, thread, owner, sender.
        public var roles: [String]
        public var openedAt: Date
        public var resolvedAt: Date?
    }
    public struct ItemRecord: Sendable, Equatable, Codable {
        public var caseNumber: String
        public var recapMessageID: String?
        public var number: Int
        public var owner: String?
        public var ownerAddress: String?
        public var task: String
        public var due: Date?
    }
    public struct EventRecord: Sendable, Equatable, Codable {
        public var caseNumber: String
        public var at: Date
        public var kind: String
        public var detail: String
    }
    public var cases: [CaseRecord]
    public var items: [ItemRecord]
    public var events: [EventRecord]

    public init(cases: [CaseRecord] = [], items: [ItemRecord] = [], events: [EventRecord] = []) {
        self.cases = cases
        self.items = items
        self.events = events
    }
}

/// An erasure: whose (`address`, the display `names` seen for it), which messages lose their
/// bodies, who runs it (recorded in the `person-erased` event of each case that named them).
public struct PersonErasure: Sendable, Equatable {
    public var address: String
    public var names: [String]
    public var messages: [StoredMessage.Ref]
    public var by: String

    public init(address: String, names: [String], messages: [StoredMessage.Ref], by: String) {
        self.address = address
        self.names = names
        self.messages = messages
        self.by = by
    }
}

public struct PersonErasureResult: Sendable, Equatable, Codable {
    /// The pseudonym the address became.
    public var pseudonym: String
    /// Messages whose bodies were removed.
    public var messages: Int
    /// Text values rewritten (a column of a row, each).
    public var replacements: Int
    /// Cases that named them (each got a `person-erased` event).
    public var cases: [String]
}
