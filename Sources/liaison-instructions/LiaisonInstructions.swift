import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import Logging

/// `liaison-instructions parse|file`: small, deterministic workloads whose instructions
/// `scripts/instructions` counts under `valgrind --tool=callgrind` and compares with a committed
/// baseline (docs/benchmarks.md, "Instruction counts"). Nothing here reads a clock, the network or
/// a random source, so the same build on the same inputs executes the same instructions.
///
/// A binary of its own, apart from `liaison-bench`, because its `main` must be synchronous:
/// valgrind 3.19 dies (an internal SIGSEGV in `rt_sigsuspend`) on any Swift program whose async
/// `main` waits in `dispatch_main`, which every `AsyncParsableCommand` does.
@main
struct LiaisonInstructions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison-instructions",
        abstract: "Deterministic workloads for instruction counts (scripts/instructions).",
        subcommands: [Parse.self, File.self])

    /// Parses every `.eml` under the given folders (sorted, recursively) `--repeat` times with
    /// `MessageParser.parse` and reads what a consumer reads: text, attachments, addresses, date.
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse a fixed set of messages N times.")
        @Argument(help: "Folders of .eml files (searched recursively) or single files.") var paths: [String]
        @Option(help: "Passes over the messages.") var `repeat` = 1

        func run() throws {
            let messages = try LiaisonInstructions.messages(paths)
            var checksum = 0
            for _ in 0..<max(1, `repeat`) {
                for raw in messages {
                    let m = MessageParser.parse(raw)
                    checksum &+= m.text.utf8.count &+ m.attachments.reduce(0) { $0 &+ $1.size } &+ m.issues.count
                    for a in m.from + m.to + m.cc { checksum &+= a.address.utf8.count }
                    if let d = m.date { checksum &+= Int(d.date.timeIntervalSince1970) }
                }
            }
            print("parsed \(messages.count) messages × \(`repeat`) (\(messages.reduce(0) { $0 + $1.count }) bytes a pass); checksum \(checksum)")
        }
    }

    /// Files `--messages` messages into a new SQLite store through `IngestPipeline.ingest` with the
    /// reminder engine's follow-ups (recaps, items, reminders, notices as data), every filing at
    /// the fixed instant `--now`. The messages are the given fixtures in turn, each copy with a
    /// Message-ID of its own (so none is a duplicate) and its references kept (so replies thread).
    struct File: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "File N messages into a new store at a fixed time.")
        @Argument(help: "Folders of .eml files (searched recursively) or single files.") var paths: [String]
        @Option(help: "Messages to file.") var messages = 1_000
        @Option(help: "The database file to create (must not exist).") var db: String
        @Option(help: "The filing instant, seconds since 1970 (no clock is read).") var now: Double = 1_795_305_600
        @Option(help: "The templates folder.") var templates = "Templates"

        func run() throws {
            guard !FileManager.default.fileExists(atPath: db) else { throw Failure("\(db) exists; give a new path") }
            let fixtures = try LiaisonInstructions.messages(paths)
            let org = Organization(name: "示例科技有限公司", internalDomains: ["corp.example"],
                                   trackingAddress: "track@corp.example", authservID: "mx.corp.example")
            let store = try SQLiteStore(path: db)
            let renderer = NoticeRenderer(templates: try MailTemplates(directory: templates), config: TemplateConfig(directory: templates),
                                          organization: org, from: Address(name: "Liaison", address: "track@corp.example"))
            let engine = ReminderEngine(planner: ReminderPlanner(organization: org, rules: .defaults), renderer: renderer, store: store,
                                        logger: Logger(label: "instructions", factory: { _ in SwiftLogNoOpLogHandler() }))
            let pipeline = IngestPipeline(organization: org, store: store, followUps: engine)
            let at = Date(timeIntervalSince1970: now)
            var outcomes: [String: Int] = [:]
            for i in 0..<messages {
                let raw = Self.withMessageID(fixtures[i % fixtures.count], "<instructions.\(i)@bench.example>")
                let result = try pipeline.ingest(raw, checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: UInt32(i + 1)),
                                                 now: at)
                switch result {
                case .filed(_, let opened, _): outcomes[opened ? "opened a case" : "filed", default: 0] += 1
                case .held: outcomes["held", default: 0] += 1
                case .duplicate: outcomes["duplicate", default: 0] += 1
                }
            }
            let counts = try store.counts()
            print("filed \(messages) messages (\(outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); "
                  + "the store holds \(counts.correspondence) messages, \(counts.held) held")
        }

        /// `raw` with its first Message-ID field's value replaced by `id` (one added when it has none).
        static func withMessageID(_ raw: [UInt8], _ id: String) -> [UInt8] {
            let field = Array("message-id:".utf8)
            var lineStart = 0
            while lineStart < raw.count {
                let lineEnd = raw[lineStart...].firstIndex(of: 0x0A) ?? raw.count
                let line = raw[lineStart..<lineEnd]
                if line.isEmpty || line == [0x0D] { break }   // end of the header section
                if line.count >= field.count, zip(line.prefix(field.count), field).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) {
                    // The value may be folded onto the next lines: replace through the last of them.
                    var end = lineEnd
                    while end + 1 < raw.count, raw[end + 1] == 0x20 || raw[end + 1] == 0x09 {
                        end = raw[(end + 1)...].firstIndex(of: 0x0A) ?? raw.count
                    }
                    let cr = end > 0 && end <= raw.count && raw[end - 1] == 0x0D ? end - 1 : end
                    return Array(raw[..<lineStart]) + Array("Message-ID: \(id)".utf8) + Array(raw[cr...])
                }
                lineStart = lineEnd + 1
            }
            return Array("Message-ID: \(id)\r\n".utf8) + raw
        }
    }

    /// The bytes of every `.eml` under `paths` (each a folder searched recursively, or a file), in
    /// sorted path order, so the order never depends on the file system.
    static func messages(_ paths: [String]) throws -> [[UInt8]] {
        var files: [String] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw Failure("no such file or folder: \(path)") }
            guard isDir.boolValue else { files.append(path); continue }
            let walker = FileManager.default.enumerator(atPath: path)
            while let name = walker?.nextObject() as? String {
                if name.hasSuffix(".eml") { files.append((path as NSString).appendingPathComponent(name)) }
            }
        }
        guard !files.isEmpty else { throw Failure("no .eml file in \(paths.joined(separator: ", "))") }
        return try files.sorted().map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read \(path)") }
            return [UInt8](data)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
