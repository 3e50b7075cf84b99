import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Review messages held because they could neither join nor open a case, or could not be read (unprocessable).",
        subcommands: [List.self, Accept.self, Reject.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List held messages, oldest first.")
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Flag(help: "Print JSON: an array of {id, reason, detail, messageID, sender, subject, date}.") var json = false

        struct Item: Encodable {
            var id: Int64
            var reason: String
            var detail: String?
            var messageID: String?
            var sender: String?
            var subject: String?
            var date: String?
        }

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            let dates = CaseJSON.dateFormatter(opened.organization)
            let items = try opened.store.heldMessages().map {
                Item(id: $0.id, reason: $0.reason.rawValue, detail: $0.detail, messageID: $0.messageID, sender: $0.sender,
                     subject: $0.subject, date: $0.date.map { dates.string(from: $0) })
            }
            if json {
                print(try CaseJSON.encode(items))
            } else if items.isEmpty {
                print("nothing held for review")
            } else {
                let rows = items.map { i in
                    [String(i.id), i.reason + (i.detail.map { " (\($0))" } ?? ""), i.date ?? "-", i.sender ?? "-", i.subject ?? ""]
                }
                print(TextTable.render(header: ["ID", "REASON", "DATE", "FROM", "SUBJECT"], rows: rows))
            }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "File a held message on an existing case (not an unprocessable one: it was never read).",
            discussion: """
                Files the message through the same path as on arrival, with the case the operator names: \
                a recap from a trusted sender stores its recap and schedules its reminders, an objection \
                disputes the recap, notices are queued for `liaison serve`. Its arrival is its MX's \
                Received stamp, else the time it was held. Without --config (only --db), the message \
                is filed with no organisation and no follow-ups.
                """)
        @Argument(help: "The held message's ID (from review list).") var id: Int64
        @Option(name: .customLong("case"), help: "The case number to file it on.") var caseNumber: String
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "Take this instant as now (ISO 8601): the filing's time.") var now: String?

        func run() async throws {
            let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            do {
                guard let held = try opened.store.heldMessage(id: id) else {
                    throw ValidationError("no held message \(id) awaiting review")
                }
                if held.reason == .unprocessable {
                    throw ValidationError("held message \(id) is unprocessable (\(held.detail ?? "it could not be read")): it was never read, so it cannot be filed on a case; reject it")
                }
                let engine: ReminderEngine?
                do {
                    engine = try opened.config.map {
                        try ReminderAssembly.engine(config: $0, organization: opened.organization, store: opened.store)
                    }
                } catch let e as ConfigError { throw ValidationError(e.description) }
                let pipeline = IngestPipeline(organization: opened.organization, numbering: opened.numbering, store: opened.store,
                                              followUps: engine)
                let acceptance = HeldAcceptance(heldID: id, caseNumber: caseNumber, heldAt: held.heldAt)
                switch try pipeline.file(pipeline.read(held.raw), now: at, accepting: acceptance) {
                case .filed(let n, _, _): print("filed #\(id) on \(n)")
                case .duplicate(.filed(let n, _)): print("#\(id) was already filed on \(n)")
                default: print("#\(id) accepted")
                }
            } catch let e as StoreError {
                throw ValidationError(e.description)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a held message (kept for audit, no longer listed).")
        @Argument(help: "The held message's ID (from review list).") var id: Int64
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            do {
                try opened.store.reject(heldID: id)
                print("rejected #\(id)")
            } catch let e as StoreError {
                throw ValidationError(e.description)
            }
        }
    }
}
