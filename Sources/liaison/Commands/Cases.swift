import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

struct Cases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List cases and show one with its correspondence.",
        subcommands: [List.self, Show.self, Resolve.self, Reopen.self, Assign.self])

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reopen a resolved case: its satisfaction follow-up is cancelled and its open items' reminders planned again.")
        @Argument(help: "The case number.") var number: String
        @OptionGroup var options: LifecycleOptions

        func run() async throws { try options.apply(.reopen, caseNumber: number) }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand a case to another owner (a staff address): its pending reminders to the old owner go to the new one.")
        @Argument(help: "The case number.") var number: String
        @Argument(help: "The new owner's address.") var owner: String
        @OptionGroup var options: LifecycleOptions

        func run() async throws { try options.apply(.assign(owner: owner), caseNumber: number) }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a case resolved: its complaint and item reminders are cancelled and the satisfaction follow-up is scheduled.")
        @Argument(help: "The case number.") var number: String
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "Take this instant as now (ISO 8601): the resolution's time.") var now: String?

        func run() async throws {
            guard let path = ConfigLoading.path(config) else { throw ValidationError("this command needs --config FILE (or LIAISON_CONFIG)") }
            let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
            do {
                let cfg = try LiaisonConfig.load(path: path)
                let org = try cfg.organization()
                let store = try cfg.store(overridePath: db).open()
                guard let c = try store.caseWithNumber(number) else { throw ValidationError("no case \(number)") }
                guard c.status == .open else { throw ValidationError("case \(number) is already \(c.status.rawValue)") }
                try ReminderAssembly.engine(config: cfg, organization: org, store: store).resolve(caseNumber: number, at: at)
                let pending = try store.reminders(caseNumber: number, status: .pending, dueBefore: nil)
                print("\(number) resolved; \(pending.count) reminder(s) pending: "
                      + (pending.map { $0.kind.rawValue }.joined(separator: ", ").nilIfEmpty ?? "none"))
            } catch let e as ConfigError {
                throw ValidationError(e.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List cases, newest first.",
            discussion: "JSON: an array of cases, each with number, category, status, owner, counterparty {organization, contacts}, internal, openedAt, resolvedAt.")
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Option(help: "Only cases of this status: open, resolved or closed.") var status: CaseStatus?
        @Option(help: "Only cases of this owner (an address).") var owner: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            let cases = try opened.store.cases(status: status, owner: owner)
            let dates = CaseJSON.dateFormatter(opened.organization)
            if json {
                print(try CaseJSON.encode(cases.map { CaseJSON.Item($0, dates: dates) }))
            } else if cases.isEmpty {
                print("no cases")
            } else {
                let rows = cases.map { c in
                    [c.number, c.status.rawValue, c.category.rawValue, c.owner ?? "-",
                     c.counterparty.organization ?? (c.isInternal ? "(internal)" : "-"), dates.string(from: c.openedAt)]
                }
                print(TextTable.render(header: ["NUMBER", "STATUS", "CATEGORY", "OWNER", "COUNTERPARTY", "OPENED"], rows: rows))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one case and its correspondence in order.",
            discussion: "JSON: the case with correspondence, each entry with messageID, kind, direction, date, subject, sender.")
        @Argument(help: "The case number, e.g. EC20261116-001.") var number: String
        @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
        @Option(help: "The SQLite database (overrides [store] url).") var db: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
            guard let c = try opened.store.caseWithNumber(number) else { throw ValidationError("no case \(number)") }
            let mail = try opened.store.correspondence(caseNumber: number)
            let dates = CaseJSON.dateFormatter(opened.organization)
            let recaps = try opened.store.recaps(caseNumber: number)
            let events = try opened.store.events(caseNumber: number)
            let reminders = try opened.store.reminders(caseNumber: number, status: nil, dueBefore: nil)
            if json {
                var item = CaseJSON.Item(c, dates: dates)
                item.correspondence = mail.map { CaseJSON.Entry($0, dates: dates) }
                item.recaps = recaps.map { CaseJSON.RecapEntry($0, dates: dates) }
                item.events = events.map { CaseJSON.EventEntry(at: dates.string(from: $0.at), kind: $0.kind.rawValue, detail: $0.detail) }
                item.reminders = reminders.map { ReminderJSON($0, dates: dates) }
                print(try CaseJSON.encode(item))
                return
            }
            print("\(c.number)  \(c.status.rawValue)  \(c.category)")
            print("owner:        \(TerminalSafe.escape(c.owner ?? "-"))")
            print(TerminalSafe.escape("counterparty: \(c.counterparty.organization ?? (c.isInternal ? "(internal)" : "-"))"
                  + (c.counterparty.contacts.isEmpty ? "" : " — " + c.counterparty.contacts.joined(separator: ", "))))
            print("opened:       \(dates.string(from: c.openedAt))" + (c.resolvedAt.map { "   resolved: \(dates.string(from: $0))" } ?? ""))
            print("")
            let rows = mail.map { m in
                [m.date.map { dates.string(from: $0) } ?? "-", m.direction == .outbound ? "out" : "in", m.kind.rawValue,
                 m.subject ?? "", m.sender ?? "-"]
            }
            print(rows.isEmpty ? "no correspondence" : TextTable.render(header: ["DATE", "DIR", "KIND", "SUBJECT", "FROM"], rows: rows))
            for r in recaps {
                let e = CaseJSON.RecapEntry(r, dates: dates)
                print("")
                print(TerminalSafe.escape("recap \(e.messageID ?? "#\(r.id)") from \(e.author ?? "-"): \(e.state)"
                      + (e.stateAt.map { " at \($0)" } ?? "") + (e.objectedItems.isEmpty ? "" : ", objected items \(e.objectedItems.map(String.init).joined(separator: ", "))")))
                print(TerminalSafe.escape("  objection window closes: \(e.windowCloses ?? "— " + (e.windowNote ?? "not stated"))"))
                if let next = e.nextContact { print("  next contact: \(next)") }
                let items = r.recap.items.map { i in
                    [String(i.number), i.owner ?? "-", i.task, i.due.map { dates.string(from: $0) } ?? (i.dueNote.map { "— \($0)" } ?? "-")]
                }
                if !items.isEmpty { print(TextTable.render(header: ["  #", "OWNER", "TASK", "DUE"], rows: items.map { ["  " + $0[0]] + $0.dropFirst() })) }
                for i in r.recap.items where i.status != .open {
                    print(TerminalSafe.escape("  item \(i.number): \(i.status.rawValue)" + (i.doneAt.map { " at \(dates.string(from: $0))" } ?? "")
                          + (i.doneBy.map { " by \($0)" } ?? "")))
                }
            }
            if !events.isEmpty {
                print("")
                print(TextTable.render(header: ["WHEN", "EVENT", "DETAIL"], rows: events.map { [dates.string(from: $0.at), $0.kind.rawValue, $0.detail] }))
            }
            if !reminders.isEmpty {
                print("")
                print(TextTable.render(header: ["REMINDER", "KIND", "FIRES", "STATUS", "TO"], rows: reminders.map {
                    ["#\($0.id)", $0.kind.rawValue, dates.string(from: $0.fireAt), $0.status.rawValue + ($0.late ? " (late)" : ""),
                     $0.recipients.joined(separator: ", ")]
                }))
            }
        }
    }
}

extension CaseStatus: ExpressibleByArgument {}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// The JSON shapes of `cases list` and `cases show` (scripts rely on these keys).
enum CaseJSON {
    struct Item: Encodable {
        var number: String
        var category: String
        var status: String
        var owner: String?
        var counterparty: Counterparty
        var isInternal: Bool
        var openedAt: String
        var resolvedAt: String?
        var correspondence: [Entry]?
        var recaps: [RecapEntry]?
        var events: [EventEntry]?
        var reminders: [ReminderJSON]?

        init(_ c: Case, dates: ISO8601DateFormatter) {
            number = c.number
            category = c.category.rawValue
            status = c.status.rawValue
            owner = c.owner
            counterparty = c.counterparty
            isInternal = c.isInternal
            openedAt = dates.string(from: c.openedAt)
            resolvedAt = c.resolvedAt.map { dates.string(from: $0) }
        }

        enum CodingKeys: String, CodingKey {
            case number, category, status, owner, counterparty, isInternal = "internal", openedAt, resolvedAt, correspondence,
                 recaps, events, reminders
        }
        func encode(to encoder: Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(number, forKey: .number)
            try k.encode(category, forKey: .category)
            try k.encode(status, forKey: .status)
            try k.encode(owner, forKey: .owner)
            try k.encode(CounterpartyJSON(counterparty), forKey: .counterparty)
            try k.encode(isInternal, forKey: .isInternal)
            try k.encode(openedAt, forKey: .openedAt)
            try k.encode(resolvedAt, forKey: .resolvedAt)
            try k.encodeIfPresent(correspondence, forKey: .correspondence)
            try k.encodeIfPresent(recaps, forKey: .recaps)
            try k.encodeIfPresent(events, forKey: .events)
            try k.encodeIfPresent(reminders, forKey: .reminders)
        }
    }

    /// A recap on a case: its state (pending, confirmed, disputed), window and items.
    struct RecapEntry: Encodable {
        struct ItemEntry: Encodable {
            var number: Int
            var owner: String?
            var department: String?
            var ownerAddress: String?
            var task: String
            var due: String?
            var dueNote: String?
            /// open, done, cancelled or rescheduled.
            var status: String
            var doneAt: String?
            var doneBy: String?

            enum CodingKeys: String, CodingKey { case number, owner, department, ownerAddress, task, due, dueNote, status, doneAt, doneBy }
            /// Every key, `null` when absent.
            func encode(to encoder: Encoder) throws {
                var k = encoder.container(keyedBy: CodingKeys.self)
                try k.encode(number, forKey: .number)
                try k.encode(owner, forKey: .owner)
                try k.encode(department, forKey: .department)
                try k.encode(ownerAddress, forKey: .ownerAddress)
                try k.encode(task, forKey: .task)
                try k.encode(due, forKey: .due)
                try k.encode(dueNote, forKey: .dueNote)
                try k.encode(status, forKey: .status)
                try k.encode(doneAt, forKey: .doneAt)
                try k.encode(doneBy, forKey: .doneBy)
            }
        }
        var messageID: String?
        var author: String?
        var state: String
        var stateAt: String?
        var objectedItems: [Int]
        var windowCloses: String?
        var windowNote: String?
        var nextContact: String?
        var actionItems: [ItemEntry]

        init(_ r: RecapRecord, dates: ISO8601DateFormatter) {
            messageID = r.recap.messageID
            author = r.recap.author
            state = r.state.name
            switch r.state {
            case .pending: stateAt = nil; objectedItems = []
            case .confirmed(let at): stateAt = dates.string(from: at); objectedItems = []
            case .disputed(let at, let items): stateAt = dates.string(from: at); objectedItems = items
            }
            windowCloses = r.recap.windowCloses.map { dates.string(from: $0) }
            windowNote = r.recap.windowNote
            nextContact = r.recap.nextContact.map { dates.string(from: $0) }
            actionItems = r.recap.items.map {
                ItemEntry(number: $0.number, owner: $0.owner, department: $0.department, ownerAddress: $0.ownerAddress,
                          task: $0.task, due: $0.due.map { dates.string(from: $0) }, dueNote: $0.dueNote, status: $0.status.rawValue,
                          doneAt: $0.doneAt.map { dates.string(from: $0) }, doneBy: $0.doneBy)
            }
        }

        enum CodingKeys: String, CodingKey {
            case messageID, author, state, stateAt, objectedItems, windowCloses, windowNote, nextContact, actionItems
        }
        /// Every key, `null` when absent.
        func encode(to encoder: Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(messageID, forKey: .messageID)
            try k.encode(author, forKey: .author)
            try k.encode(state, forKey: .state)
            try k.encode(stateAt, forKey: .stateAt)
            try k.encode(objectedItems, forKey: .objectedItems)
            try k.encode(windowCloses, forKey: .windowCloses)
            try k.encode(windowNote, forKey: .windowNote)
            try k.encode(nextContact, forKey: .nextContact)
            try k.encode(actionItems, forKey: .actionItems)
        }
    }

    /// A counterparty with every key (`organization` is `null` for an internal case).
    struct CounterpartyJSON: Encodable {
        var value: Counterparty
        init(_ value: Counterparty) { self.value = value }
        enum CodingKeys: String, CodingKey { case organization, contacts }
        func encode(to encoder: Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(value.organization, forKey: .organization)
            try k.encode(value.contacts, forKey: .contacts)
        }
    }

    struct EventEntry: Encodable {
        var at: String
        var kind: String
        var detail: String
    }

    struct Entry: Encodable {
        var messageID: String?
        var kind: String
        var direction: String
        var date: String?
        var subject: String?
        var sender: String?
        init(_ m: Correspondence, dates: ISO8601DateFormatter) {
            messageID = m.messageID
            kind = m.kind.rawValue
            direction = m.direction.rawValue
            date = m.date.map { dates.string(from: $0) }
            subject = m.subject
            sender = m.sender
        }
        enum CodingKeys: String, CodingKey { case messageID, kind, direction, date, subject, sender }
        func encode(to encoder: Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(messageID, forKey: .messageID)
            try k.encode(kind, forKey: .kind)
            try k.encode(direction, forKey: .direction)
            try k.encode(date, forKey: .date)
            try k.encode(subject, forKey: .subject)
            try k.encode(sender, forKey: .sender)
        }
    }

    /// Pretty JSON; the encoder escapes C0 controls, `TerminalSafe.escapeJSON` the DEL, C1 and bidi
    /// controls it leaves raw (the same JSON value, nothing a terminal acts on).
    static func encode(_ v: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return TerminalSafe.escapeJSON(String(decoding: try e.encode(v), as: UTF8.self))
    }

    /// ISO 8601 in the organisation's time zone (e.g. `+08:00`).
    static func dateFormatter(_ org: Organization) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = org.timeZone
        return f
    }
}

/// Columns for people: padded by display width, East Asian wide and full-width characters
/// counting two columns (Unicode UAX #11, W and F), combining marks none.
enum TextTable {
    /// Cells carry mail-derived text: each is made terminal-safe (`TerminalSafe.escape`, one line)
    /// before widths are measured.
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows.map { $0.map { TerminalSafe.escape($0) } }
        var widths = Array(repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(c)) } }
        return all.map { r in
            r.enumerated().map { i, c in
                i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - displayWidth(c))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + width($1) }
    }

    static func width(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B { return 0 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}
