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
        static let configuration = CommandConfiguration(abstract: "File a held message on an existing case (not an unprocessable one: it was never read).")
        @Argument(help: "The held message's ID (from review list).") var id: Int64
        @Option(name: .customLong("case"), help: "The case number to file it on.") var caseNumber: String
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            do {
                switch try opened.store.accept(heldID: id, caseNumber: caseNumber) {
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
