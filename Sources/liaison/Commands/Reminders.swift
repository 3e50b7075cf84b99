import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

struct Reminders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List scheduled reminders, or cancel one.",
        subcommands: [List.self, Cancel.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List reminders in the order they fire.",
            discussion: """
                By default only pending reminders. JSON: an array of reminders, each with id, kind, case, \
                fireAt, about (the deadline it concerns, or null), recipients, status, late, detail.
                """)
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(name: .customLong("case"), help: "Only reminders of this case.") var caseNumber: String?
        @Option(help: "Only reminders that fire before this instant (ISO 8601, e.g. 2026-11-20T18:00:00+08:00).")
        var dueBefore: String?
        @Option(help: "Only reminders of this status: pending, fired, cancelled, or all.") var status: String = "pending"
        @Option(help: "Take this instant as now (ISO 8601): `due in` is counted from it.") var now: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            let before = try dueBefore.map { try Instant.parse($0, option: "--due-before") }
            let wanted: ReminderStatus?
            if status == "all" { wanted = nil } else {
                guard let s = ReminderStatus(rawValue: status) else {
                    throw ValidationError("--status must be pending, fired, cancelled or all, not \(status.debugDescription)")
                }
                wanted = s
            }
            if let caseNumber, try opened.store.caseWithNumber(caseNumber) == nil { throw ValidationError("no case \(caseNumber)") }
            let list = try opened.store.reminders(caseNumber: caseNumber, status: wanted, dueBefore: before)
            let dates = CaseJSON.dateFormatter(opened.organization)
            if json {
                print(try CaseJSON.encode(list.map { ReminderJSON($0, dates: dates) }))
                return
            }
            if list.isEmpty { print("no reminders"); return }
            let reference = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
            let rows = list.map { r in
                [String(r.id), r.kind.rawValue, r.caseNumber ?? "-", dates.string(from: r.fireAt),
                 r.status == .pending ? Instant.relative(r.fireAt, from: reference) : r.status.rawValue + (r.late ? " (late)" : ""),
                 r.recipients.joined(separator: ", "), r.detail ?? ""]
            }
            print(TextTable.render(header: ["ID", "KIND", "CASE", "FIRES", "STATUS", "TO", "ABOUT"], rows: rows))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a pending reminder; it is kept, marked cancelled.")
        @Argument(help: "The reminder's id (from `reminders list`).") var id: Int64
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "Why (recorded with it).") var reason: String = "cancelled by hand"
        @Option(help: "Take this instant as now (ISO 8601).") var now: String?

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
            let existing = try opened.store.reminders(caseNumber: nil, status: nil, dueBefore: nil).first { $0.id == id }
            guard let existing else { throw ValidationError("no reminder \(id)") }
            guard try opened.store.cancelReminder(id: id, reason: reason, at: at) else {
                throw ValidationError("reminder \(id) is \(existing.status.rawValue), not pending: nothing to cancel")
            }
            if let n = existing.caseNumber {
                try opened.store.update(now: at) { _ in
                    FollowUp(events: [CaseEvent(caseNumber: n, at: at, kind: CaseEvent.Kind.reminderCancelled,
                                                detail: "\(existing.kind.rawValue) #\(id): \(reason)")])
                }
            }
            print("cancelled reminder \(id) (\(existing.kind.rawValue)\(existing.caseNumber.map { " on \($0)" } ?? ""))")
        }
    }
}

/// The JSON shape of one reminder (issue #6: id, kind, case, fireAt, about, recipients, status).
struct ReminderJSON: Encodable {
    var id: Int64
    var kind: String
    var `case`: String?
    var fireAt: String
    var about: String?
    var recipients: [String]
    var status: String
    var late: Bool
    var detail: String?

    init(_ r: Reminder, dates: ISO8601DateFormatter) {
        id = r.id
        kind = r.kind.rawValue
        `case` = r.caseNumber
        fireAt = dates.string(from: r.fireAt)
        about = r.about.map { dates.string(from: $0) }
        recipients = r.recipients
        status = r.status.rawValue
        late = r.late
        detail = r.detail
    }

    enum CodingKeys: String, CodingKey { case id, kind, `case`, fireAt, about, recipients, status, late, detail }

    /// Every key, `null` when absent.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(`case`, forKey: .case)
        try c.encode(fireAt, forKey: .fireAt)
        try c.encode(about, forKey: .about)
        try c.encode(recipients, forKey: .recipients)
        try c.encode(status, forKey: .status)
        try c.encode(late, forKey: .late)
        try c.encode(detail, forKey: .detail)
    }
}

/// `--now` and other instants on the command line: ISO 8601 with an offset or Z.
enum Instant {
    static func parse(_ text: String, option: String) throws -> Date {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        throw ValidationError("\(option) must be an ISO 8601 instant with an offset, e.g. 2026-11-20T09:30:00+08:00, not \(text.debugDescription)")
    }

    /// "in 3h 20m", "2d ago".
    static func relative(_ date: Date, from now: Date) -> String {
        let s = Int(date.timeIntervalSince(now).rounded())
        let a = abs(s)
        let text: String
        if a < 60 { text = "\(a)s" } else if a < 3_600 { text = "\(a / 60)m" }
        else if a < 86_400 { text = "\(a / 3_600)h \(a % 3_600 / 60)m" } else { text = "\(a / 86_400)d \(a % 86_400 / 3_600)h" }
        return s >= 0 ? "in \(text)" : "\(text) overdue"
    }
}
