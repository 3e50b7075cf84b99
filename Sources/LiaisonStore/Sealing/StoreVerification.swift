import Foundation

/// What `liaison verify` finds in a store or a backup of one, whatever the backend: the engine's
/// own integrity check, the schema's migrations, and the rows people care about. `faults` is
/// empty for a sound store; any fault makes the command exit non-zero.
public struct StoreVerification: Sendable, Equatable, Codable {
    /// The engine's integrity check ("ok", or what it found).
    public var integrity: [String]
    /// The last migration the store has applied (nil: none, so no Liaison store).
    public var schemaVersion: String?
    /// Migrations applied in the store that this build does not know (a newer Liaison made it).
    public var unknownMigrations: [String]
    /// Migrations this build has that the store has not applied yet (opening it upgrades it).
    public var pendingMigrations: [String]
    public var cases: Int
    /// Filed messages (correspondence).
    public var messages: Int
    /// Messages held for review, whatever their status.
    public var held: Int
    public var reminders: Int
    public var outbox: Int
    public var faults: [String]
    /// Encryption at rest: nil for a clear store; else under which key, and whether the bodies
    /// were opened (`verify` with the key) or not checked (without it).
    public var sealing: String?

    public init(integrity: [String], schemaVersion: String?, unknownMigrations: [String], pendingMigrations: [String],
                cases: Int, messages: Int, held: Int, reminders: Int, outbox: Int, faults: [String]) {
        self.integrity = integrity
        self.schemaVersion = schemaVersion
        self.unknownMigrations = unknownMigrations
        self.pendingMigrations = pendingMigrations
        self.cases = cases
        self.messages = messages
        self.held = held
        self.reminders = reminders
        self.outbox = outbox
        self.faults = faults
    }

    public var isSound: Bool { faults.isEmpty }

    /// True when the store holds anything a restore would destroy.
    public var holdsData: Bool { cases + messages + held + reminders + outbox > 0 }

    /// The faults of a check: integrity not "ok", no schema, migrations from a newer build.
    public static func faults(integrity: [String], schemaVersion: String?, unknownMigrations: [String]) -> [String] {
        var faults: [String] = []
        if integrity != ["ok"] {
            faults.append("integrity check: " + integrity.prefix(5).joined(separator: "; ") + (integrity.count > 5 ? " (\(integrity.count) lines)" : ""))
        }
        if schemaVersion == nil { faults.append("no Liaison schema (no migration applied)") }
        if !unknownMigrations.isEmpty {
            faults.append("made by a newer Liaison (unknown migrations: \(unknownMigrations.joined(separator: ", ")))")
        }
        return faults
    }
}
