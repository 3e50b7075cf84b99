import Foundation
import LiaisonCore
import LiaisonMail

/// What the weekly check reads from the store, once, in read transactions and never inside a
/// write: the cases alive in the reported week (figures and the follow-up table) and the cases
/// open now with their latest outbound mail (the owners' lists).
public struct WeeklyCheckSnapshot: Sendable {
    public var weekCases: [ReportCase]
    public var openCases: [ReportCase]
    public init(weekCases: [ReportCase], openCases: [ReportCase]) {
        self.weekCases = weekCases
        self.openCases = openCases
    }
}

/// Builds the weekly check's mails from a snapshot (issue 15 part 3):
///
/// - to each manager (`[organization] managers`) one mail: the week's figures as mail-safe HTML
///   (`Report.mailHTML`: inline styles, no script, no SVG) with a text/plain alternative, and the
///   week's follow-up table attached as `外部沟通跟进表-YYYY-MM-DD.xlsx` (the day of the check;
///   RFC 2231 file name, the XLSX media type);
/// - to each case owner with something on their list (`WeeklyCheck.ownerLists`) one mail from the
///   `weekly-check` template; an owner with nothing gets none.
///
/// Every mail: `Auto-Submitted: auto-generated`, in the recipient's locale (`[templates]`,
/// default the organisation's), and a Message-ID that depends only on the week, the recipient and
/// its role (`liaison.weekly.2026-11-30.m.<hash>@domain`), so composing the same week twice (a
/// restart, a crash before the firing committed, `liaison weekly-check` by hand) queues each mail
/// once (the outbox's Message-ID is unique). Each week's mail to a recipient refers to the
/// previous week's, so a client threads them.
public struct WeeklyCheckComposer: Sendable {
    public static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    public var organization: Organization
    public var templates: MailTemplates
    public var templateConfig: TemplateConfig
    public var from: Address
    public var managers: [String]
    public var rule: WeeklyCheck.Rule
    /// The follow-up table as XLSX bytes (`FollowUpXLSX.render`, injected: the daemon target does
    /// not link libxlsxwriter).
    public var renderXLSX: @Sendable (FollowUpTable, TimeZone) throws -> [UInt8]

    public init(organization: Organization, templates: MailTemplates, templateConfig: TemplateConfig, from: Address,
                managers: [String], rule: WeeklyCheck.Rule, renderXLSX: @escaping @Sendable (FollowUpTable, TimeZone) throws -> [UInt8]) {
        self.organization = organization
        self.templates = templates
        self.templateConfig = templateConfig
        self.from = from
        self.managers = managers
        self.rule = rule
        self.renderXLSX = renderXLSX
    }

    /// The attachment's file name for the check of `nominal`.
    public static func attachmentName(_ nominal: LocalDate) -> String { "外部沟通跟进表-\(nominal).xlsx" }

    /// The mails of the check of nominal day `nominal`, composed at `now`: managers first (in
    /// configuration order), then owners (in address order).
    public func compose(nominal: LocalDate, snapshot: WeeklyCheckSnapshot, now: Date, late: Bool, reminderID: Int64?) throws -> [OutgoingMail] {
        let zone = organization.timeZone
        let week = WeeklyCheck.week(nominal: nominal, organization: organization)
        let asOf = min(week.end, now)
        var mails: [OutgoingMail] = []
        if !managers.isEmpty {
            let report = Report.make(snapshot.weekCases, fromLabel: "\(week.firstDay)", toLabel: "\(week.lastDay)",
                                     from: week.start, to: week.end, asOf: asOf)
            let table = FollowUpTable.make(snapshot.weekCases, names: Dictionary(organization.staff.map { ($0.value.lowercased(), $0.key) },
                                                                                 uniquingKeysWith: { a, b in min(a, b) }),
                                           timeZone: zone, asOf: asOf)
            // Built once, outside any transaction, and attached to every manager's mail.
            let xlsx = try renderXLSX(table, zone)
            for manager in managers {
                mails.append(try managerMail(manager, nominal: nominal, week: (week.firstDay, week.lastDay), report: report, table: table,
                                             xlsx: xlsx, now: now, late: late, reminderID: reminderID))
            }
        }
        for list in WeeklyCheck.ownerLists(snapshot.openCases, asOf: now, rule: rule, organization: organization) {
            mails.append(try ownerMail(list, nominal: nominal, now: now, late: late, reminderID: reminderID))
        }
        return mails
    }

    // MARK: - Managers

    func managerMail(_ to: String, nominal: LocalDate, week: (LocalDate, LocalDate), report: Report, table: FollowUpTable,
                     xlsx: [UInt8], now: Date, late: Bool, reminderID: Int64?) throws -> OutgoingMail {
        let locale = templateConfig.locale(for: to)
        let words = MailWords(locale: locale, zone: organization.timeZone, now: now)
        let name = organization.staffNames[to]
        let open = table.rows.filter { $0.status != "已办结" }.count
        let subject: String, greeting: String, intro: String, title: String
        switch locale {
        case .zhHans:
            title = "沟通工作周报"
            subject = "每周检查：\(week.0)至\(week.1)沟通工作周报" + (late ? words.lateNote : "")
            greeting = name.map { "\($0)，您好：" } ?? "您好："
            intro = "以下是上周（\(week.0)至\(week.1)）的沟通工作指标。附件“\(Self.attachmentName(nominal))”为该周的外部沟通跟进表，"
                + "共\(table.rows.count)件沟通事项（其中\(open)件跟进中）、\(table.items.count)项待办。需要跟进的事项已分别通知各负责人。"
                + (late ? "\n\n说明：系统暂停期间本邮件未能按时发出，现补发。" : "")
        case .zhHant:
            title = "溝通工作週報"
            subject = "每週檢查：\(week.0)至\(week.1)溝通工作週報" + (late ? words.lateNote : "")
            greeting = name.map { "\($0)，您好：" } ?? "您好："
            intro = "以下是上週（\(week.0)至\(week.1)）的溝通工作指標。附件「\(Self.attachmentName(nominal))」為該週的外部溝通跟進表，"
                + "共\(table.rows.count)件溝通事項（其中\(open)件跟進中）、\(table.items.count)項待辦。需要跟進的事項已分別通知各負責人。"
                + (late ? "\n\n說明：系統暫停期間本郵件未能按時發出，現補發。" : "")
        case .en:
            title = "Weekly correspondence report"
            subject = "Weekly check: correspondence report \(week.0) – \(week.1)" + (late ? " " + words.lateNote : "")
            greeting = name.map { "Dear \($0)," } ?? "Hello,"
            intro = "Here are last week's figures (\(week.0) – \(week.1)). The attached \(Self.attachmentName(nominal)) is the week's "
                + "follow-up table: \(table.rows.count) cases (\(open) still open) and \(table.items.count) action items. "
                + "Owners have been sent the cases that need their attention."
                + (late ? "\n\nNote: this message is late because the service was stopped when it fell due." : "")
        }
        let footer = footerText(locale, words)
        let html = report.mailHTML(organization: organization.name, title: title, intro: greeting + "\n\n" + intro + "\n\n" + footer,
                                   lang: locale.rawValue)
        let text = greeting + "\n\n" + intro + "\n\n" + report.text() + "\n" + footer
        return try build(to: to, role: "m", subject: subject, text: text, html: html,
                         attachments: [OutgoingAttachment(filename: Self.attachmentName(nominal), contentType: Self.xlsxType, data: xlsx)],
                         nominal: nominal, now: now, reminderID: reminderID)
    }

    func footerText(_ locale: MailLocale, _ words: MailWords) -> String {
        switch locale {
        case .zhHans: return "--\n本邮件由\(organization.name)沟通跟踪系统自动发送，文中时间均为\(words.zone)。"
        case .zhHant: return "--\n本郵件由\(organization.name)溝通跟蹤系統自動發送，文中時間均為\(words.zone)。"
        case .en: return "--\nSent automatically by the \(organization.name) correspondence tracker. All times are \(words.zone)."
        }
    }

    // MARK: - Owners

    func ownerMail(_ list: WeeklyCheck.OwnerList, nominal: LocalDate, now: Date, late: Bool, reminderID: Int64?) throws -> OutgoingMail {
        let locale = templateConfig.locale(for: list.owner)
        let words = MailWords(locale: locale, zone: organization.timeZone, now: now)
        let names = organization.staffNames
        let lines: [[String: TemplateValue]] = list.entries.map { e in
            [
                "caseNumber": .text(e.caseNumber),
                "subject": .text(e.subject),
                "reason": .text(e.reasons.map { reasonText($0, e, words) }.joined(separator: locale == .en ? "; " : "；")),
                "items": .list(e.overdueItems.map { item in
                    ["number": .text(String(item.number)), "task": .text(item.task),
                     "due": item.due.map { .text(words.time($0)) } ?? .flag(false), "overdue": .flag(true)]
                }),
            ]
        }
        let values: [String: TemplateValue] = [
            "kind": .text(ReminderKind.weeklyCheck.rawValue),
            "locale": .text(locale.rawValue),
            "organization": .text(organization.name),
            "now": .text(words.time(now)),
            "today": .text(words.today),
            "zone": .text(words.zone),
            "due": .text(words.time(now)),
            "recipient": .text(list.owner),
            "recipientName": names[list.owner].templateValue,
            "late": .flag(late),
            "lateNote": .text(late ? words.lateNote : ""),
            "lines": .list(lines),
            "caseCount": .text(String(list.entries.count)),
        ]
        let rendered = templates.render(.weeklyCheck, locale: locale, values: values)
        return try build(to: list.owner, role: "o", subject: rendered.subject, text: rendered.text, html: rendered.html,
                         attachments: [], nominal: nominal, now: now, reminderID: reminderID)
    }

    func reasonText(_ r: WeeklyCheck.Reason, _ e: WeeklyCheck.Entry, _ words: MailWords) -> String {
        let zh = words.locale != .en, hant = words.locale == .zhHant
        switch r {
        case .noRecapAfterCall:
            let call = e.missedCall.map(words.time) ?? ""
            if !zh { return "no recap since the call agreed for \(call)" }
            return hant ? "下次溝通時間\(call)已過，尚無新的會議紀要" : "下次沟通时间\(call)已过，尚无新的会议纪要"
        case .overdueItem:
            let n = e.overdueItems.count
            if !zh { return n == 1 ? "1 overdue action item" : "\(n) overdue action items" }
            return hant ? "\(n)項待辦已逾期" : "\(n)项待办已逾期"
        case .quiet:
            let d = e.quietWorkingDays ?? 0
            if let last = e.lastOutbound {
                if !zh { return "no mail sent for \(d) working days (last \(words.time(last)))" }
                return hant ? "\(d)個工作日未發出郵件（最近一封：\(words.time(last))）" : "\(d)个工作日未发出邮件（最近一封：\(words.time(last))）"
            }
            if !zh { return "no mail sent since the case opened (\(d) working days)" }
            return hant ? "立案以來未發出郵件（\(d)個工作日）" : "立案以来未发出邮件（\(d)个工作日）"
        }
    }

    // MARK: - Building

    /// `liaison.weekly.<nominal day>.<role><16 hex of the recipient>@domain`, no angle brackets.
    public static func messageID(nominal: LocalDate, role: String, recipient: String, domain: String) -> String {
        // FNV-1a, 64 bits: stable across runs and builds (Swift's Hasher is seeded per process).
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in recipient.lowercased().utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "liaison.weekly.\(nominal).\(role)\(String(format: "%016llx", h))@\(domain)"
    }

    func build(to: String, role: String, subject: String, text: String, html: String, attachments: [OutgoingAttachment],
               nominal: LocalDate, now: Date, reminderID: Int64?) throws -> OutgoingMail {
        guard MailAddressCheck.isPlain(to) else { throw MailRenderError.invalidAddress(to) }
        let zone = organization.timeZone
        var builder = MessageBuilder(from: from, to: [Address(name: organization.staffNames[to], address: to)], subject: subject)
        builder.date = now
        builder.utcOffsetSeconds = zone.secondsFromGMT(for: now)
        let domain = from.domain ?? "localhost"
        let id = Self.messageID(nominal: nominal, role: role, recipient: to, domain: domain)
        builder.messageID = id
        let previous = Self.messageID(nominal: nominal.adding(days: -7), role: role, recipient: to, domain: domain)
        builder.inReplyTo = previous
        builder.references = [previous]
        builder.extraHeaders = [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]
        builder.textBody = text
        builder.htmlBody = html
        builder.attachments = attachments
        // Boundaries from a generator seeded by the Message-ID: the same week composes the same mail.
        var rng = SeededGenerator(seed: id)
        let built: BuiltMessage
        do { built = try builder.buildMessage(using: &rng) } catch let e as MessageBuildError { throw MailRenderError.build(e) }
        return OutgoingMail(caseNumber: nil, messageID: "<\(built.messageID)>", envelopeFrom: from.address, recipients: [to],
                            raw: built.bytes, purpose: .notice(.weeklyCheck), reminderID: reminderID)
    }
}

/// SplitMix64 seeded from a string: MIME boundaries that do not change between two compositions
/// of the same mail (the builder still checks them against the content).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in seed.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = h
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
