import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import Yams

struct RecapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recap",
        abstract: "Send the recap of a call from a template, file it on its case and schedule its reminders.",
        discussion: """
            Renders the call-recap template with its objection window (今日内 unless --window says \
            otherwise) and action items, puts it in the outbox with the tracking address in Cc, files \
            it on the case at once (so its items and reminders exist before the mail comes back \
            through the tracking mailbox), then tries to send it, and only it, now; a mail that \
            cannot be sent now, and any other queued mail, stays in the outbox for `liaison serve`.

            Items come from --items FILE (YAML or JSON: a list of {owner, department?, task, due?}, \
            or {items: [...]}) and/or --item "OWNER|TASK|DUE" (DUE optional), in that order. Deadlines \
            are written as staff write them: 周三前, 明天下午3点, 11月20日17:00, 2个工作日内, Friday 12:00.
            """)

    @Option(name: .customLong("case"), help: "The case number, e.g. EC20261116-001.") var caseNumber: String
    @Option(parsing: .upToNextOption, help: "Recipients (the counterparty).") var to: [String]
    @Option(parsing: .upToNextOption, help: "Further Cc recipients; the tracking address is always added.") var cc: [String] = []
    @Option(help: "The template (only call-recap is a recap template).") var template: String = "call-recap"
    @Option(help: "A YAML or JSON file of items.") var items: String?
    @Option(name: .customLong("item"), help: "An item as OWNER|TASK|DUE (repeatable).") var itemFlags: [String] = []
    @Option(help: "The objection window in words.") var window: String?
    @Option(help: "The next contact in words, e.g. 11月23日上午10:00.") var nextContact: String?
    @Option(help: "The author: a staff address (default: the case owner).") var from: String?
    @Option(help: "How to address the counterparty, e.g. 王总.") var salutation: String?
    @Option(help: "The language: zh-Hans, zh-Hant or en (default: by recipient, see [templates]).") var locale: String?
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Option(help: "Take this instant as now (ISO 8601): the recap's Date, and what its deadlines count from.") var now: String?
    @Flag(help: "Queue it only: leave sending to `liaison serve`.") var noSend = false

    func run() async throws {
        guard template == "call-recap" else { throw ValidationError("--template must be call-recap (the recap template), not \(template)") }
        guard let path = ConfigLoading.path(config) else { throw ValidationError("this command needs --config FILE (or LIAISON_CONFIG)") }
        let at = try now.map { try Instant.parse($0, option: "--now") } ?? Date()
        let drafts = try readItems()
        guard !drafts.isEmpty || nextContact != nil else {
            throw ValidationError("a recap needs action items (--items FILE or --item OWNER|TASK|DUE) or --next-contact")
        }
        do {
            let cfg = try LiaisonConfig.load(path: path)
            let org = try cfg.organization()
            let storeConfig = try cfg.store(overridePath: db)
            let store = try storeConfig.open()
            guard let c = try store.caseWithNumber(caseNumber) else { throw ValidationError("no case \(caseNumber)") }
            guard let author = (from ?? c.owner)?.lowercased() else {
                throw ValidationError("case \(caseNumber) has no owner: pass --from with your staff address")
            }
            guard org.isInternal(author) else { throw ValidationError("--from \(author) is not a staff address (\(org.internalDomains.joined(separator: ", ")))") }
            let names = Dictionary(org.staff.map { ($0.value.lowercased(), $0.key) }, uniquingKeysWith: { a, _ in a })
            let thread = try store.read { try $0.caseThread(caseNumber) }
            let templateConfig = try cfg.templateConfig()
            let templates = try MailTemplates(directory: ReminderAssembly.resolved(templateConfig.directory, config: cfg))
            var chosen: MailLocale?
            if let locale {
                guard let l = MailLocale(tag: locale) else { throw ValidationError("--locale must be zh-Hans, zh-Hant or en, not \(locale)") }
                chosen = l
            }
            let draft = RecapDraft(
                caseNumber: caseNumber, caseSubject: thread?.subject ?? caseNumber,
                author: Address(name: names[author], address: author),
                to: try addresses(to, option: "--to"), cc: try addresses(cc, option: "--cc"), items: drafts,
                window: window, nextContact: nextContact, salutation: salutation,
                inReplyTo: thread?.firstMessageID, references: thread?.firstMessageID.map { [$0] } ?? [], locale: chosen)
            let mail = try RecapComposer(templates: templates, config: templateConfig, organization: org).compose(draft, now: at)

            let engine = try ReminderAssembly.engine(config: cfg, organization: org, store: store)
            let pipeline = IngestPipeline(organization: org, numbering: storeConfig.numbering, store: store, followUps: engine)
            let result = try pipeline.ingest(mail.raw, now: at, builtHere: true, send: mail)
            guard case .filed(let filedOn, _, _) = result, filedOn == caseNumber else {
                throw ValidationError("the recap was not filed on \(caseNumber) (\(result.summary)); nothing was queued")
            }
            let recap = try store.recaps(caseNumber: caseNumber).last
            let reminders = try store.reminders(caseNumber: caseNumber, status: .pending, dueBefore: nil)
                .filter { recap != nil && $0.recapID == recap?.id }
            print("recap \(mail.messageID) filed on \(caseNumber) and queued to \(mail.recipients.joined(separator: ", "))")
            if let closes = recap?.recap.windowCloses {
                print("objection window closes \(CaseJSON.dateFormatter(org).string(from: closes))")
            }
            print("\(recap?.recap.items.count ?? 0) action item(s), \(reminders.count) reminder(s) scheduled")
            if noSend { return }
            // Only the recap is sent here; the notices its filing queued, and anything else due,
            // wait for `liaison serve`.
            let sender = try SMTPSender(settings: cfg.smtpSettings())
            let outbox = OutboxSender(store: store, sender: sender, now: .fixed(at),
                                      failureNotice: { e, r, t in engine.deliveryFailure(e, reason: r, now: t) },
                                      renderNotice: { try engine.render($0) })
            if let row = try outbox.send(messageID: mail.messageID) {
                switch row.status {
                case .sent: print("sent")
                case .pending: print("not sent yet (\(TerminalSafe.escape(row.lastError ?? "will retry"))); `liaison serve` retries it")
                case .failed: print("sending failed: \(TerminalSafe.escape(row.lastError ?? "-"))")
                }
            } else {
                print("queued")
            }
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        } catch let e as RecapComposeError {
            throw ValidationError("recap not sent: \(e)")
        }
    }

    private func addresses(_ list: [String], option: String) throws -> [Address] {
        try list.flatMap { value -> [Address] in
            let parsed = AddressParser.parse(value)
            guard !parsed.isEmpty, parsed.allSatisfy({ $0.address.contains("@") && !$0.address.contains(" ") }) else {
                throw ValidationError("\(option): \(value.debugDescription) is not an address")
            }
            return parsed
        }
    }

    /// The items of --items FILE, then of --item flags.
    private func readItems() throws -> [RecapItemDraft] {
        var out: [RecapItemDraft] = []
        if let items {
            guard let data = FileManager.default.contents(atPath: items), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read --items \(items) as UTF-8 text")
            }
            do {
                if let list = try? YAMLDecoder().decode([RecapItemDraft].self, from: text) {
                    out += list
                } else {
                    out += try YAMLDecoder().decode(ItemsFile.self, from: text).items
                }
            } catch {
                throw ValidationError("--items \(items): expected a list of {owner, task, due?, department?} (or {items: [...]}): \(error)")
            }
        }
        for flag in itemFlags {
            let parts = flag.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--item must be OWNER|TASK or OWNER|TASK|DUE, not \(flag.debugDescription)")
            }
            out.append(RecapItemDraft(owner: parts[0], task: parts[1], due: parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil))
        }
        return out
    }

    struct ItemsFile: Decodable { var items: [RecapItemDraft] }
}
