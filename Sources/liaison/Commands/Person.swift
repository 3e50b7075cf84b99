import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

#if canImport(Glibc)
import Glibc
#endif

/// `liaison person export|erase ADDRESS` (issue 18): a person's data on request (PIPL art. 45 and
/// 47, GDPR art. 15 and 17).
struct PersonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person",
        abstract: "A person's data on request: export it, or erase it.",
        subcommands: [Export.self, Erase.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every message a person sent or received through the gateway as .eml, with index.json.",
            discussion: "DIR is created (0700; it must not exist or be empty); each message is written 0600 as it was "
                + "received or sent. index.json lists the messages (with those whose bodies retention removed), and the "
                + "cases, action items and events that name the person.")
        @Argument(help: "The person's address.") var address: String
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "The folder to create.") var out: String

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            guard let store = opened.store as? any PersonDataStore else { throw ValidationError("this store cannot export a person's data") }
            let found = try PersonMessages.find(address, in: store)
            try PersonFiles.makeFolder(out)
            var index = PersonIndex(address: found.address, names: found.names.sorted(), generatedAt: Date())
            for m in found.theirs {
                let name = "\(m.ref.source.rawValue)-\(m.ref.id)" + (m.caseNumber.map { "-\($0)" } ?? "") + ".eml"
                if !m.raw.isEmpty {
                    do { try PrivateFile.create((out as NSString).appendingPathComponent(name), m.raw) } catch let e as PrivateFile.Failure {
                        throw ValidationError(e.description)
                    }
                }
                index.messages.append(.init(file: m.raw.isEmpty ? nil : name, source: m.ref.source.rawValue, id: m.ref.id,
                                            caseNumber: m.caseNumber, date: m.date, subject: m.subject, bodyRemoved: m.raw.isEmpty))
            }
            index.records = try store.personRecords(address: found.address, names: found.names.sorted(),
                                                   alsoCases: Array(Set(found.theirs.compactMap(\.caseNumber))))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            do { try PrivateFile.create((out as NSString).appendingPathComponent("index.json"), Array(try encoder.encode(index))) } catch let e as PrivateFile.Failure {
                throw ValidationError(e.description)
            }
            print("\(out): \(index.messages.filter { $0.file != nil }.count) message(s)"
                  + (index.messages.contains { $0.bodyRemoved } ? " (\(index.messages.filter(\.bodyRemoved).count) more with bodies removed)" : "")
                  + ", \(index.records.cases.count) case(s), \(index.records.items.count) item(s), \(index.records.events.count) event(s)")
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a person: their messages' bodies removed, their address and name replaced by a pseudonym everywhere.",
            discussion: "Bodies removed: every message they sent or received, and every other message whose text names them. "
                + "Their address becomes erased-<key-dependent hex>@invalid and their names erased-<hex> in every table "
                + "(cases, correspondence, items, events, outbox, rate ledger); case numbers and figures stay. Each case that "
                + "named them gets a person-erased event. Then the file is compacted (VACUUM). Backups made before keep the data.")
        @Argument(help: "The person's address.") var address: String
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "Another name of theirs to erase (besides the display names their mail carries); repeatable.") var name: [String] = []
        @Option(help: "Who runs the erasure, for the event (default: the login name).") var by: String?
        @Option(help: "Take this instant as now (ISO 8601).") var now: String?
        @Flag(help: "Required: erasure cannot be undone.") var confirm = false

        func run() async throws {
            guard confirm else { throw ValidationError("erasing a person cannot be undone: add --confirm") }
            guard address.contains("@"), !address.contains(where: { $0.isWhitespace }) else { throw ValidationError("\(address) is no address") }
            let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            guard let store = opened.store as? any PersonDataStore else { throw ValidationError("this store cannot erase a person's data") }
            let found = try PersonMessages.find(address, extraNames: name, in: store)
            let who = by ?? ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            let erasure = PersonErasure(address: found.address, names: found.names.sorted(),
                                        messages: (found.theirs + found.mentioning).map(\.ref), by: who)
            let result: PersonErasureResult
            do { result = try store.erasePerson(erasure, now: at) } catch let e as StoreError { throw ValidationError(e.description) }
            print("erased: now \(result.pseudonym); bodies of \(found.theirs.count) message(s) of theirs and \(found.mentioning.count) naming them removed; "
                  + "\(result.replacements) value(s) rewritten; \(result.cases.count) case(s): \(result.cases.joined(separator: ", "))")
        }
    }
}

/// `index.json` of `liaison person export`.
struct PersonIndex: Encodable {
    struct Entry: Encodable {
        var file: String?
        var source: String
        var id: Int64
        var caseNumber: String?
        var date: Date?
        var subject: String?
        var bodyRemoved: Bool
    }
    var address: String
    var names: [String]
    var generatedAt: Date
    var messages: [Entry] = []
    var records = PersonRecords()
}

enum PersonFiles {
    /// Creates `path` 0700, or accepts an empty folder of ours; refuses anything else.
    static func makeFolder(_ path: String) throws {
        if mkdir(path, 0o700) == 0 { return }
        guard errno == EEXIST else { throw ValidationError("cannot create \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { throw ValidationError("\(path) exists and is no folder") }
        guard (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true else {
            throw ValidationError("\(path) is not empty")
        }
        chmod(path, 0o700)
    }
}
