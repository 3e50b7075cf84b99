import Foundation
import Testing
import LiaisonCore
import LiaisonMail
@testable import LiaisonDaemon

/// The mail templates, their rendering, and the recap round trip (issue 6, part 3).
@Suite struct TemplateTests {}

/// Shared samples: the corpus organisation, the repository's Templates/ folder, sample notices.
enum TemplateFixtures {
    static let templatesDirectory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Templates").path
    }()

    static let organization = try! Organization(
        name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
        authservID: "mx.corp.example", timeZone: "Asia/Shanghai",
        staff: ["张伟": "zhang.wei@corp.example", "王芳": "wang.fang@corp.example", "赵强": "zhao.qiang@corp.example",
                "周敏": "zhou.min@corp.example", "孙磊": "sun.lei@corp.example", "钱丽": "qian.li@corp.example"])

    static let from = Address(name: "Liaison 沟通跟踪", address: "track@corp.example")
    static let caseNumber = "EC20261116-001"
    static let parentID = "<5e1a.20261117154000@corp.example>"

    static func date(_ iso: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: iso)!
    }

    static let templates: MailTemplates = try! MailTemplates(directory: templatesDirectory)

    /// The repository's files, to break one at a time.
    static func repositoryFiles() throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: templatesDirectory) where name.hasSuffix(".mustache") {
            out[name] = try String(contentsOfFile: templatesDirectory + "/" + name, encoding: .utf8)
        }
        return out
    }

    static func renderer(_ config: TemplateConfig = TemplateConfig()) -> NoticeRenderer {
        NoticeRenderer(templates: templates, config: config, organization: organization, from: from)
    }

    static let now = date("2026-11-20T09:00:00+08:00")
    static let due = date("2026-11-20T17:00:00+08:00")
    static let windowCloses = date("2026-11-17T23:59:59+08:00")
    static let objectionAt = date("2026-11-17T18:05:00+08:00")

    static let item = ActionItemRecord(number: 2, owner: "王芳", department: "售后部", ownerAddress: "wang.fang@corp.example",
                                       task: "免费更换同型号设备12台", due: due, dueNote: nil)
    static let itemWithoutDue = ActionItemRecord(number: 3, owner: "赵强", department: nil, ownerAddress: "zhao.qiang@corp.example",
                                                 task: "物流单号在发货当天同步给您", due: nil, dueNote: "no due date stated")

    static func recap(_ state: RecapState) -> RecapRecord {
        RecapRecord(id: 812, caseNumber: caseNumber, recap: NewRecap(
            messageID: parentID, author: "zhang.wei@corp.example", counterparty: ["wang.lei@huadong-precision.example"],
            sentAt: date("2026-11-17T15:40:00+08:00"), windowCloses: windowCloses, windowNote: nil,
            nextContact: date("2026-11-23T10:00:00+08:00"), nextContactNote: nil, items: [item, itemWithoutDue]),
                    state: state)
    }

    /// A notice of `kind` as the planner would make it.
    static func notice(_ kind: ReminderKind, recipients: [String] = ["wang.fang@corp.example", "zhang.wei@corp.example"],
                       late: Bool = false) -> Notice {
        switch kind {
        case .digest:
            return Notice(kind: .digest, recipients: recipients, late: late, digest: [
                DigestLine(caseNumber: caseNumber, subject: "关于第二批货物质量问题", status: .open, items: [item, itemWithoutDue]),
                DigestLine(caseNumber: "EC20261118-004", subject: "交期推迟", status: .open, items: [
                    ActionItemRecord(number: 1, owner: "王芳", department: nil, ownerAddress: "wang.fang@corp.example",
                                     task: "确认新交期", due: date("2026-11-19T18:00:00+08:00"), dueNote: nil),
                ]),
            ], reminderID: 7)
        case .recapWindow:
            return base(kind, recipients, late, about: windowCloses, recap: recap(.confirmed(at: windowCloses)))
        case .recapDisputed:
            return base(kind, recipients, late, about: objectionAt, recap: recap(.disputed(at: objectionAt, objectedItems: [2, 3])))
        case .itemDue, .itemOverdue:
            return base(kind, recipients, late, about: due, item: item, recap: recap(.confirmed(at: windowCloses)))
        case .nextContact:
            return base(kind, recipients, late, about: date("2026-11-23T10:00:00+08:00"), recap: recap(.confirmed(at: windowCloses)))
        default:
            return base(kind, recipients, late, about: due)
        }
    }

    static func base(_ kind: ReminderKind, _ recipients: [String], _ late: Bool, about: Date, item: ActionItemRecord? = nil,
                     recap: RecapRecord? = nil) -> Notice {
        Notice(kind: kind, recipients: recipients, caseNumber: caseNumber, caseSubject: "关于第二批货物质量问题",
               counterparty: "huadong-precision.example", caseOwner: "zhang.wei@corp.example", about: about, item: item,
               recap: recap, late: late, detail: kind == .deliveryFailed ? "550 5.1.1 <wang.lei@huadong-precision.example>: mailbox unavailable" : nil,
               reminderID: 42, inReplyTo: parentID)
    }

    /// How an instant is written in a body in `locale` (the organisation's zone).
    static func written(_ instant: Date, _ locale: MailLocale) -> String {
        MailWords(locale: locale, zone: TimeZone(identifier: "Asia/Shanghai")!, now: now).time(instant)
    }

    /// The footer words that show which locale's file was used.
    static func footerWords(_ locale: MailLocale) -> String {
        switch locale {
        case .zhHans: return "沟通跟踪系统自动发送"
        case .zhHant: return "溝通追蹤系統自動發送"
        case .en: return "Sent automatically by"
        }
    }

    /// The decoded text of the first leaf of `subtype` (plain/html).
    static func part(_ m: Message, _ subtype: String) -> String? {
        func find(_ p: MIMEPart) -> String? {
            switch p.body {
            case .leaf(let bytes):
                return p.contentType.type == "text" && p.contentType.subtype == subtype
                    ? String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n") : nil
            case .multipart(let parts, _, _): return parts.lazy.compactMap(find).first
            case .message: return nil
            }
        }
        return find(m.root)
    }

    static let trustedHeader = Array(("Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; "
        + "dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example\r\n").utf8)

    /// The mail as it comes back through the tracking mailbox, through the company's MX.
    static func receivedFacts(_ mail: OutgoingMail) -> MessageFacts {
        MessageFacts(message: MessageParser.parse(trustedHeader + mail.raw), organization: organization)
    }
}

/// Every kind × locale renders, builds and parses back with its threading and headers.
extension TemplateTests {
    @Suite struct NoticeRendering {
        typealias F = TemplateFixtures

        @Test(arguments: ReminderKind.allCases, MailLocale.allCases)
        func rendersAndParsesBack(kind: ReminderKind, locale: MailLocale) throws {
            let renderer = F.renderer(TemplateConfig(defaultLocale: locale))
            let notice = F.notice(kind)
            let mail = try renderer.render(notice, now: F.now)
            let m = MessageParser.parse(mail.raw)

            #expect(mail.purpose == .notice(kind))
            #expect(mail.reminderID == notice.reminderID)
            #expect(mail.envelopeFrom == "track@corp.example")
            #expect(mail.recipients == notice.recipients)
            #expect(m.from == [F.from])
            #expect(m.to.map(\.address) == notice.recipients)
            #expect(m.to.first?.name == "王芳")
            // A confirmation answers a staff member's mail (RFC 3834: auto-replied); the rest are generated.
            #expect(m.header["Auto-Submitted"] == (kind == .confirmation ? "auto-replied" : "auto-generated"))
            #expect(KindClassifier.isAutoReply(m))
            #expect(m.messageID == mail.messageID)
            #expect(m.date?.date == F.now)
            #expect(m.date?.offsetSeconds == 8 * 3600)
            let subject = try #require(m.subject)
            #expect(!subject.contains("{{") && !subject.isEmpty)

            let text = try #require(F.part(m, "plain"))
            let html = try #require(F.part(m, "html"))
            #expect(m.text.hasPrefix(text.prefix(40)))
            #expect(!text.contains("{{") && !text.contains("}}"))
            #expect(text.contains(F.footerWords(locale)), "the \(locale.rawValue) file is used")
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("lang=\"\(locale.rawValue)\""))

            if kind == .digest {
                #expect(CaseTag.find(in: subject) == nil)
                #expect(mail.caseNumber == nil)
                #expect(mail.messageID.hasPrefix("<liaison.digest."))
                #expect(CaseMatcher.caseNumber(inLiaisonMessageID: mail.messageID) == nil)
                #expect(m.inReplyTo.isEmpty)
                #expect(text.contains("EC20261116-001") && text.contains("EC20261118-004"))
                #expect(text.contains(F.written(F.due, locale)))
                #expect(text.contains(F.written(F.date("2026-11-19T18:00:00+08:00"), locale)))
                #expect(text.contains("免费更换同型号设备12台") && text.contains("确认新交期"))
            } else {
                #expect(subject.hasPrefix("[EC20261116-001] "))
                #expect(CaseTag.find(in: subject) == F.caseNumber)
                #expect(CaseMatcher.caseNumber(inLiaisonMessageID: mail.messageID) == F.caseNumber)
                #expect(mail.messageID.hasPrefix("<liaison.EC20261116-001.\(kind.rawValue)."), "names the notice's kind")
                #expect(mail.messageID.contains(".r42."))
                #expect(m.inReplyTo == [F.parentID])
                #expect(m.references == [F.parentID])
                #expect(text.contains(F.caseNumber))
                let shown: Date? = switch kind {
                case .deliveryFailed, .confirmation: nil
                case .recapWindow: F.windowCloses
                case .recapDisputed: F.objectionAt
                default: notice.about
                }
                if let shown { #expect(text.contains(F.written(shown, locale)), "\(F.written(shown, locale)) in \(text)") }
            }
        }

        @Test func timesAreInTheOrganisationsZone() throws {
            // 09:00 UTC is 17:00 in Shanghai: the body says 17:00, never 09:00.
            let notice = F.notice(.itemDue)
            for (locale, words) in [(MailLocale.zhHans, "11月20日 17:00"), (.zhHant, "11月20日 17:00"), (.en, "2026-11-20 17:00")] {
                let mail = try F.renderer(TemplateConfig(defaultLocale: locale)).render(notice, now: F.now)
                let m = MessageParser.parse(mail.raw)
                #expect(m.text.contains(words))
                #expect(!m.text.contains("09:00"))
                #expect(m.subject?.contains(words) == true)
            }
            // Another year than now's is written with its year.
            var next = notice
            next.about = F.date("2027-01-05T10:30:00+08:00")
            let m = MessageParser.parse(try F.renderer().render(next, now: F.now).raw)
            #expect(m.text.contains("2027年1月5日 10:30"))
        }

        @Test func recapWindowSaysConfirmedOrDisputed() throws {
            let confirmed = MessageParser.parse(try F.renderer().render(F.notice(.recapWindow), now: F.now).raw)
            #expect(confirmed.subject == "[EC20261116-001] 沟通纪要已确认：关于第二批货物质量问题")
            #expect(confirmed.text.contains("纪要视为已确认"))
            #expect(!confirmed.text.contains("有异议"))

            var notice = F.notice(.recapWindow)
            notice.recap = F.recap(.disputed(at: F.objectionAt, objectedItems: [2, 3]))
            let disputed = MessageParser.parse(try F.renderer().render(notice, now: F.now).raw)
            #expect(disputed.subject == "[EC20261116-001] 沟通纪要有异议：关于第二批货物质量问题")
            #expect(disputed.text.contains("涉及第2、3项"))
            #expect(!disputed.text.contains("已确认"))

            let en = MessageParser.parse(try F.renderer(TemplateConfig(defaultLocale: .en)).render(notice, now: F.now).raw)
            #expect(en.subject == "[EC20261116-001] Call summary disputed: 关于第二批货物质量问题")
            #expect(en.text.contains("(items 2, 3)"))
            let hant = MessageParser.parse(try F.renderer(TemplateConfig(defaultLocale: .zhHant)).render(F.notice(.recapWindow), now: F.now).raw)
            #expect(hant.subject?.contains("溝通紀要已確認") == true)
            // An item without a due date is listed as such, not with the notice's own time.
            #expect(confirmed.text.contains("2. 免费更换同型号设备12台（负责人：王芳），截止：11月20日 17:00"))
            #expect(confirmed.text.contains("3. 物流单号在发货当天同步给您（负责人：赵强），截止：未注明"))
        }

        @Test func lateNoticesSaySo() throws {
            let late = MessageParser.parse(try F.renderer().render(F.notice(.itemDue, late: true), now: F.now).raw)
            #expect(late.subject?.hasSuffix("（延迟发送）") == true)
            #expect(late.text.contains("现补发"))
            let onTime = MessageParser.parse(try F.renderer().render(F.notice(.itemDue), now: F.now).raw)
            #expect(onTime.subject?.contains("延迟") == false)
            #expect(!onTime.text.contains("现补发"))
            let en = MessageParser.parse(try F.renderer(TemplateConfig(defaultLocale: .en)).render(F.notice(.digest, late: true), now: F.now).raw)
            #expect(en.subject?.hasSuffix("(sent late)") == true)
        }

        @Test func digestListsEachCaseAndItem() throws {
            let m = MessageParser.parse(try F.renderer().render(F.notice(.digest), now: F.now).raw)
            #expect(m.subject == "每日进展同步（11月20日）：2件沟通事项，3项待办")
            let lines = m.text.split(separator: "\n").map(String.init)
            #expect(lines.contains("【EC20261116-001】关于第二批货物质量问题（处理中）"))
            #expect(lines.contains("  · 第2项：免费更换同型号设备12台，截止：11月20日 17:00"))
            #expect(lines.contains("  · 第3项：物流单号在发货当天同步给您，截止：未注明"))
            #expect(lines.contains("  · 第1项：确认新交期，截止：11月19日 18:00（已逾期）"))
        }

        @Test func theTemplatesOwnTextIsEscapedInTheHTMLPart() throws {
            var files = try F.repositoryFiles()
            files["filing-check.en.mustache"] = "Subject: [{{caseNumber}}] Q&A <check>\n\nUse <b>the portal</b> & call {{counterparty}}.\nSecond line\n\nNew paragraph\n"
            let t = try MailTemplates(files: files)
            let r = t.render(.filingCheck, locale: .en, values: ["caseNumber": "EC1", "counterparty": "A&B <Ltd>"])
            #expect(r.subject == "[EC1] Q&A <check>")
            #expect(r.text == "Use <b>the portal</b> & call A&B <Ltd>.\nSecond line\n\nNew paragraph")
            #expect(r.html.contains("<title>[EC1] Q&amp;A &lt;check&gt;</title>"))
            #expect(r.html.contains("<p>Use &lt;b&gt;the portal&lt;/b&gt; &amp; call A&amp;B &lt;Ltd&gt;.<br>\nSecond line</p>\n<p>New paragraph</p>"))
        }

        @Test func caseTagIsAddedWhenATemplateLeavesItOut() throws {
            var files = try F.repositoryFiles()
            files["item-due.zh-Hans.mustache"] = "Subject: 待办提醒\n\n请处理 {{item.task}}。\n"
            let templates = try MailTemplates(files: files)
            let renderer = NoticeRenderer(templates: templates, config: TemplateConfig(), organization: F.organization, from: F.from)
            let m = MessageParser.parse(try renderer.render(F.notice(.itemDue), now: F.now).raw)
            #expect(m.subject == "[EC20261116-001] 待办提醒")
        }

        @Test func noRecipientsOrABadAddressIsRefused() {
            #expect(throws: MailRenderError.noRecipients) { try F.renderer().render(F.notice(.itemDue, recipients: []), now: F.now) }
            #expect(throws: MailRenderError.invalidAddress("x@evil.example\r\nbcc: y@evil.example")) {
                try F.renderer().render(F.notice(.itemDue, recipients: ["x@evil.example\r\nBcc: y@evil.example"]), now: F.now)
            }
        }
    }
}

/// Which language a recipient gets.
extension TemplateTests {
    @Suite struct Locales {
        typealias F = TemplateFixtures

        static let toml = """
            [organization]
            name = "示例科技有限公司"
            internal_domains = ["corp.example"]
            tracking_address = "track@corp.example"
            authserv_id = "mx.corp.example"

            [templates]
            directory = "mail-templates"
            default_locale = "zh-Hans"

            [templates.locales]
            "partner.example.tw" = "zh-Hant"
            "example.hk" = "zh-HK"
            "buyer.example" = "en"
            "li.ming@buyer.example" = "zh-Hans"
            """

        @Test func configReadsAddressAndDomainMaps() throws {
            let config = try LiaisonConfig(toml: Self.toml, path: "/etc/liaison/liaison.toml").templateConfig()
            #expect(config.directory == "/etc/liaison/mail-templates")
            #expect(config.defaultLocale == .zhHans)
            #expect(config.locale(for: "chen@partner.example.tw") == .zhHant)
            #expect(config.locale(for: "Chen@Partner.Example.TW") == .zhHant)
            #expect(config.locale(for: "ops@mail.example.hk") == .zhHant, "a parent domain covers its subdomains")
            #expect(config.locale(for: "ceo@buyer.example") == .en)
            #expect(config.locale(for: "li.ming@buyer.example") == .zhHans, "the address beats its domain")
            #expect(config.locale(for: "someone@other.example") == .zhHans)
            #expect(config.locale(for: "x@notpartner.example.tw") == .zhHans, "only whole labels match")
            #expect(config.locale(forRecipients: ["ceo@buyer.example", "chen@partner.example.tw"]) == .en)
            #expect(config.locale(forRecipients: []) == .zhHans)
        }

        @Test func absentSectionGivesDefaults() throws {
            let config = try LiaisonConfig(toml: "[organization]\nname = \"x\"\n").templateConfig()
            #expect(config == TemplateConfig())
            #expect(config.directory == "Templates")
        }

        @Test func badLocalesAreConfigErrors() throws {
            let bad = try LiaisonConfig(toml: "[templates.locales]\n\"partner.example\" = \"fr\"\n")
            #expect(throws: ConfigError.self) { try bad.templateConfig() }
            do { _ = try bad.templateConfig() } catch let e as ConfigError { #expect(e.key == "templates.locales.partner.example") }
            let badDefault = try LiaisonConfig(toml: "[templates]\ndefault_locale = \"de\"\n")
            do { _ = try badDefault.templateConfig(); Issue.record("accepted de") } catch let e as ConfigError {
                #expect(e.key == "templates.default_locale")
            }
            let alias = try LiaisonConfig(toml: "[templates]\ndefault_locale = \"zh-TW\"\n").templateConfig()
            #expect(alias.defaultLocale == .zhHant)
            let typo = try LiaisonConfig(toml: "[templates]\ndefault_locle = \"en\"\n")
            do { _ = try typo.templateConfig(); Issue.record("accepted a typo") } catch let e as ConfigError {
                #expect(e.key == "templates.default_locle")
            }
        }

        @Test func theFirstRecipientDecidesANoticesLanguage() throws {
            let config = try LiaisonConfig(toml: Self.toml).templateConfig()
            let renderer = F.renderer(config)
            let hant = MessageParser.parse(try renderer.render(
                F.notice(.itemDue, recipients: ["chen@partner.example.tw", "wang.fang@corp.example"]), now: F.now).raw)
            #expect(hant.subject?.contains("待辦事項提醒") == true)
            let en = MessageParser.parse(try renderer.render(
                F.notice(.itemDue, recipients: ["ceo@buyer.example", "chen@partner.example.tw"]), now: F.now).raw)
            #expect(en.subject?.hasPrefix("[EC20261116-001] Reminder: ") == true)
            let hans = MessageParser.parse(try renderer.render(F.notice(.itemDue), now: F.now).raw)
            #expect(hans.subject?.contains("待办事项提醒") == true)
        }

        @Test func aCaseWithAConfiguredCounterpartyDecidesForUnlistedRecipients() throws {
            var notice = F.notice(.itemDue)
            notice.counterparty = "partner.example.tw"
            let config = try LiaisonConfig(toml: Self.toml).templateConfig()
            #expect(config.locale(forRecipients: notice.recipients, counterparty: notice.counterparty) == .zhHant)
            let m = MessageParser.parse(try F.renderer(config).render(notice, now: F.now).raw)
            #expect(m.subject?.contains("待辦事項提醒") == true)
            // A listed recipient keeps their own language.
            var pinned = config
            pinned.domainLocales["corp.example"] = .zhHans
            #expect(pinned.locale(forRecipients: notice.recipients, counterparty: notice.counterparty) == .zhHans)
            #expect(config.locale(forRecipients: notice.recipients, counterparty: "chen@partner.example.tw") == .zhHant)
            #expect(config.locale(forRecipients: notice.recipients, counterparty: "other.example") == .zhHans)
            #expect(config.locale(forRecipients: notice.recipients, counterparty: nil) == .zhHans)
        }

        @Test func aMissingLocaleFallsBackToSimplifiedChinese() throws {
            var files = try F.repositoryFiles()
            files["satisfaction.en.mustache"] = nil
            let templates = try MailTemplates(files: files)
            #expect(templates.fallbacks.count == 1)
            #expect(templates.fallbacks.first?.kind == .satisfaction && templates.fallbacks.first?.locale == .en)
            let rendered = templates.render(.satisfaction, locale: .en, values: ["caseNumber": "EC20261116-001"])
            #expect(rendered.locale == .zhHans)
            #expect(rendered.subject.hasPrefix("[EC20261116-001] 回访提醒"))
            #expect(templates.render(.satisfaction, locale: .zhHant, values: [:]).locale == .zhHant)
            #expect(F.templates.fallbacks.isEmpty, "the repository has every kind in every locale")
        }
    }
}

/// Loading fails early and says where.
extension TemplateTests {
    @Suite struct Loading {
        typealias F = TemplateFixtures

        func loadError(_ change: (inout [String: String]) -> Void) throws -> TemplateLoadError? {
            var files = try F.repositoryFiles()
            change(&files)
            do {
                _ = try MailTemplates(files: files)
                return nil
            } catch let e as TemplateLoadError {
                return e
            }
        }

        @Test func theRepositoryFolderLoads() throws {
            let t = try MailTemplates(directory: F.templatesDirectory)
            for kind in MailTemplateKind.allCases {
                for locale in MailLocale.allCases { #expect(t.effectiveLocale(kind, locale) == locale) }
            }
            for kind in ReminderKind.allCases { #expect(MailTemplateKind(kind).rawValue == kind.rawValue) }
            #expect(MailTemplateKind.allCases.count == ReminderKind.allCases.count + 2)  // call-recap, sign-in
        }

        @Test func aBrokenTemplateNamesItsFileAndLine() throws {
            let e = try #require(try loadError {
                $0["item-due.en.mustache"] = "{{! a comment }}\nSubject: [{{caseNumber}}] x\n\nline 4\n{{#late}}\nline 6\n"
            })
            #expect(e.file == "item-due.en.mustache")
            #expect(e.problem.contains("Mustache syntax"))
            #expect(e.description.hasPrefix("item-due.en.mustache:"))
            let line = try #require(e.line)
            #expect((5...7).contains(line), "line \(line)")
        }

        @Test func anUnknownNameIsCaughtWithItsLine() throws {
            let e = try #require(try loadError {
                $0["digest.zh-Hant.mustache"] = "Subject: 每日\n\n第一行\n第二行 {{caseNumbr}}\n"
            })
            #expect(e.file == "digest.zh-Hant.mustache")
            #expect(e.line == 4)
            #expect(e.problem.contains("caseNumbr") && e.problem.contains("caseNumber"))
            let inSubject = try #require(try loadError { $0["digest.en.mustache"] = "\nSubject: {{todya}}\n\nx\n" })
            #expect(inSubject.line == 2)
        }

        @Test func aTemplateWithoutSubjectOrBodyIsRefused() throws {
            let noSubject = try #require(try loadError { $0["satisfaction.zh-Hans.mustache"] = "您好\n\n正文\n" })
            #expect(noSubject.file == "satisfaction.zh-Hans.mustache" && noSubject.line == 1)
            let missingName = try #require(try loadError { $0["satisfaction.zh-Hant.mustache"] = "Subjct: x\n\n正文\n" })
            #expect(missingName.problem.contains("Subjct"))
            let empty = try #require(try loadError { $0["satisfaction.en.mustache"] = "Subject: [{{caseNumber}}] x\n" })
            #expect(empty.file == "satisfaction.en.mustache")
            let blankSubject = try #require(try loadError { $0["satisfaction.en.mustache"] = "Subject:   \n\nbody\n" })
            #expect(blankSubject.problem.contains("subject is empty"))
        }

        @Test func unescapedAndDelimiterTagsAreRefused() throws {
            for (body, word) in [("{{{task}}}", "unescaped"), ("{{&task}}", "unescaped"), ("{{=<% %>=}}", "delimiters"),
                                 ("{{%CONTENT_TYPE: TEXT}}", "pragmas"), ("{{> _nosuch}}", "no partial")] {
                let e = try #require(try loadError { $0["filing-check.en.mustache"] = "Subject: x\n\nfirst\n\(body)\n" }, "\(body)")
                #expect(e.file == "filing-check.en.mustache")
                #expect(e.line == 4, "\(body)")
                #expect(e.problem.contains(word), "\(body): \(e.problem)")
            }
        }

        @Test func aMissingKindFailsAtLoad() throws {
            let e = try #require(try loadError { $0["recap-disputed.zh-Hans.mustache"] = nil })
            #expect(e.problem.contains("recap-disputed.zh-Hans.mustache"))
            let both = try #require(try loadError {
                $0["call-recap.zh-Hans.mustache"] = nil
                $0["digest.zh-Hans.mustache"] = nil
            })
            #expect(both.problem.contains("call-recap.zh-Hans.mustache") && both.problem.contains("digest.zh-Hans.mustache"))
        }

        @Test func strayFileNamesAreRefused() throws {
            let typo = try #require(try loadError { $0["item-overdu.en.mustache"] = "Subject: x\n\ny\n" })
            #expect(typo.file == "item-overdu.en.mustache" && typo.problem.contains("item-overdue"))
            let locale = try #require(try loadError { $0["item-due.fr.mustache"] = "Subject: x\n\ny\n" })
            #expect(locale.file == "item-due.fr.mustache")
            let alias = try #require(try loadError { $0["item-due.zh-TW.mustache"] = "Subject: x\n\ny\n" })
            #expect(alias.problem.contains("not a locale"))
        }

        @Test func aFolderOnDiskReloads() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-templates-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            for (name, text) in try F.repositoryFiles() { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
            let first = try MailTemplates(directory: dir)
            #expect(first.render(.itemDue, locale: .en, values: ["caseNumber": "EC1"]).subject.hasPrefix("[EC1] Reminder"))
            try "Subject: [{{caseNumber}}] Changed\n\nNew body.\n".write(toFile: dir + "/item-due.en.mustache", atomically: true, encoding: .utf8)
            let second = try MailTemplates(directory: dir)
            #expect(second.render(.itemDue, locale: .en, values: ["caseNumber": "EC1"]).subject == "[EC1] Changed")
            #expect(first.render(.itemDue, locale: .en, values: ["caseNumber": "EC1"]).subject.hasPrefix("[EC1] Reminder"),
                    "a loaded set does not change under the daemon")
            try "Subject: x\n\n{{#late}}\n".write(toFile: dir + "/item-due.en.mustache", atomically: true, encoding: .utf8)
            #expect(throws: TemplateLoadError.self) { try MailTemplates(directory: dir) }
            #expect(throws: TemplateLoadError.self) { try MailTemplates(directory: dir + "/nonexistent") }
            // The same files again (start-up loads the folder three times; a SIGHUP with
            // nothing changed): the same templates, and a failure in between left nothing behind.
            try "Subject: [{{caseNumber}}] Changed\n\nNew body.\n".write(toFile: dir + "/item-due.en.mustache", atomically: true, encoding: .utf8)
            #expect(try MailTemplates(directory: dir).render(.itemDue, locale: .en, values: ["caseNumber": "EC2"]).subject == "[EC2] Changed")
            try "Subject: [{{caseNumber}}] Changed again\n\nNew body.\n".write(toFile: dir + "/item-due.en.mustache", atomically: true, encoding: .utf8)
            #expect(try MailTemplates(directory: dir).render(.itemDue, locale: .en, values: ["caseNumber": "EC2"]).subject == "[EC2] Changed again")
        }
    }
}

/// Hostile values change only the text: in the subject, the text part and the HTML part.
extension TemplateTests {
    @Suite struct Injection {
        typealias F = TemplateFixtures
        static let headerAttack = "订单\r\nBcc: x@evil.example"
        static let scriptAttack = "<script>alert(1)</script>\nBcc: y@evil.example"

        static let noticeHeaders: Set<String> = ["date", "from", "to", "subject", "message-id", "in-reply-to", "references",
                                                 "mime-version", "content-type", "content-transfer-encoding", "auto-submitted",
                                                 "x-auto-response-suppress"]

        func headerNames(_ m: Message) -> Set<String> { Set(m.header.fields.map { $0.name.lowercased() }) }

        /// No line of the raw header section, and no line of the decoded bodies, starts with Bcc.
        func checkNoInjectedLines(_ m: Message, _ mail: OutgoingMail) throws {
            let raw = String(decoding: mail.raw, as: UTF8.self)
            let head = raw.components(separatedBy: "\r\n\r\n").first ?? ""
            #expect(!head.split(separator: "\r\n").contains { $0.lowercased().hasPrefix("bcc") })
            #expect(m.header.all("Bcc").isEmpty)
            for body in [try #require(F.part(m, "plain")), try #require(F.part(m, "html"))] {
                #expect(!body.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("bcc") })
            }
        }

        @Test(arguments: MailLocale.allCases)
        func noticeValuesStayText(locale: MailLocale) throws {
            var notice = F.notice(.itemDue)
            notice.caseSubject = Self.headerAttack
            notice.item?.task = Self.scriptAttack
            notice.counterparty = "<b>华东</b>\r\n\r\n--boundary"
            let mail = try F.renderer(TemplateConfig(defaultLocale: locale)).render(notice, now: F.now)
            let m = MessageParser.parse(mail.raw)
            #expect(mail.recipients == notice.recipients)
            #expect(headerNames(m).isSubset(of: Self.noticeHeaders), "\(headerNames(m))")
            try checkNoInjectedLines(m, mail)

            let subject = try #require(m.subject)
            #expect(subject.contains("<script>alert(1)</script> Bcc: y@evil.example"), "the subject keeps the words on one line")
            let text = try #require(F.part(m, "plain"))
            #expect(text.contains("订单 Bcc: x@evil.example"))
            #expect(text.contains("<script>alert(1)</script> Bcc: y@evil.example"))
            let html = try #require(F.part(m, "html"))
            #expect(!html.contains("<script>"))
            #expect(!html.contains("<b>华东"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Bcc: y@evil.example"))
            #expect(html.contains("&lt;b&gt;华东&lt;/b&gt; --boundary"))
            #expect(html.contains("<title>[EC20261116-001] "))
            // The HTML part has exactly the markup of the template: one body, one title.
            #expect(html.components(separatedBy: "<body").count == 2 && html.components(separatedBy: "<title>").count == 2)
        }

        @Test func digestLinesStayText() throws {
            var notice = F.notice(.digest)
            notice.digest[0].subject = Self.headerAttack
            notice.digest[0].items[0].task = Self.scriptAttack
            let mail = try F.renderer().render(notice, now: F.now)
            let m = MessageParser.parse(mail.raw)
            try checkNoInjectedLines(m, mail)
            #expect(m.text.contains("【EC20261116-001】订单 Bcc: x@evil.example（处理中）"))
            #expect(try #require(F.part(m, "html")).contains("&lt;script&gt;"))
        }

        @Test func bidiAndControlCharactersAreFlattened() {
            #expect(TemplateValue.flatten("a\u{202E}gpj.exe\u{0}b\u{2028}c\u{85}d\te") == "agpj.exe b c d e")
            #expect(TemplateValue.flatten(String(repeating: "长", count: 3000)).count == TemplateValue.maxLength)
        }

        @Test func recapValuesStayText() throws {
            let draft = RecapDraft(
                caseNumber: F.caseNumber, caseSubject: Self.headerAttack,
                author: Address(name: "张伟", address: "zhang.wei@corp.example"),
                to: [Address(name: "王磊", address: "wang.lei@huadong-precision.example")],
                items: [RecapItemDraft(owner: "王芳", department: "售后部", task: "<script>alert(1)</script>安装调试\r\nBcc: x@evil.example",
                                       due: "11月20日17:00")],
                salutation: "王总\r\nBcc: z@evil.example")
            let mail = try RecapComposer(templates: F.templates, config: TemplateConfig(), organization: F.organization)
                .compose(draft, now: F.date("2026-11-17T15:40:00+08:00"))
            let m = MessageParser.parse(mail.raw)
            try checkNoInjectedLines(m, mail)
            #expect(m.subject == "[EC20261116-001] 沟通纪要：订单 Bcc: x@evil.example")
            #expect(try #require(F.part(m, "html")).contains("①&lt;script&gt;alert(1)&lt;/script&gt;安装调试 Bcc: x@evil.example"))
            #expect(!(try #require(F.part(m, "html"))).contains("<script>"))
            let facts = F.receivedFacts(mail)
            #expect(facts.kind == .recap)
            #expect(facts.recap?.actionItems.first?.task == "<script>alert(1)</script>安装调试 Bcc: x@evil.example")
            #expect(mail.recipients == ["wang.lei@huadong-precision.example", "track@corp.example"])
        }
    }
}

/// The recap `liaison recap` sends is filed as a recap with the same items when it comes back.
extension TemplateTests {
    @Suite struct RecapRoundTrip {
        typealias F = TemplateFixtures

        struct Expected { var owner: String; var department: String?; var task: String; var due: String? }

        func composer(_ config: TemplateConfig = TemplateConfig()) -> RecapComposer {
            RecapComposer(templates: F.templates, config: config, organization: F.organization)
        }

        func check(_ mail: OutgoingMail, items expected: [Expected], window: String, nextContact: String?,
                   file: String = #filePath, line: Int = #line) throws -> MessageFacts {
            let facts = F.receivedFacts(mail)
            #expect(facts.senderTrusted)
            #expect(facts.kind == .recap, "\(facts.text)")
            let recap = try #require(facts.recap)
            #expect(recap.objectionDeadline == window)
            #expect(recap.nextContact == nextContact)
            #expect(recap.actionItems.count == expected.count)
            for (k, (read, want)) in zip(recap.actionItems, expected).enumerated() {
                #expect(read.number == k + 1)
                #expect(read.owner == want.owner)
                #expect(read.department == want.department)
                #expect(read.task == want.task)
                #expect(read.due == want.due, "item \(k + 1): \(read.dueNote ?? "")")
            }
            return facts
        }

        @Test func corpusRecapInSimplifiedChinese() throws {
            let draft = RecapDraft(
                caseNumber: F.caseNumber, caseSubject: "关于第二批货物质量问题的电话沟通",
                author: Address(name: "张伟", address: "zhang.wei@corp.example"),
                to: [Address(name: "王磊", address: "wang.lei@huadong-precision.example")],
                cc: [Address(name: "刘洋", address: "liu.yang@huadong-precision.example")],
                items: [
                    RecapItemDraft(owner: "王芳", department: "售后部", task: "我方免费更换同型号设备12台", due: "11月19日17:00"),
                    RecapItemDraft(owner: "赵强", department: "物流部", task: "物流单号在发货当天同步给您", due: "11月19日18:00"),
                    RecapItemDraft(owner: "张伟", task: "后续提供3个月质保服务", due: "11月20日"),
                ],
                nextContact: "11月23日上午10:00", salutation: "王总", inReplyTo: "<20261116091233.4f2a@huadong-precision.example>")
            let mail = try composer().compose(draft, now: F.date("2026-11-17T15:40:00+08:00"))
            let facts = try check(mail, items: [
                Expected(owner: "王芳", department: "售后部", task: "我方免费更换同型号设备12台", due: "2026-11-19T17:00:00+08:00"),
                Expected(owner: "赵强", department: "物流部", task: "物流单号在发货当天同步给您", due: "2026-11-19T18:00:00+08:00"),
                Expected(owner: "张伟", department: nil, task: "后续提供3个月质保服务", due: "2026-11-20T23:59:59+08:00"),
            ], window: "2026-11-17T23:59:59+08:00", nextContact: "2026-11-23T10:00:00+08:00")

            #expect(facts.text.hasPrefix("王总您好，根据今天电话沟通内容，现将结论整理如下，如有异议请于今日内回复：\n①我方免费更换同型号设备12台，负责人：售后部王芳，截止时间：11月19日17:00；"))
            #expect(facts.recap?.actionItems.map(\.ownerAddress) == ["wang.fang@corp.example", "zhao.qiang@corp.example", "zhang.wei@corp.example"])
            #expect(facts.subject == "[EC20261116-001] 沟通纪要：关于第二批货物质量问题的电话沟通")
            #expect(facts.caseTag == F.caseNumber)
            #expect(facts.from?.address == "zhang.wei@corp.example")
            #expect(facts.to.map(\.address) == ["wang.lei@huadong-precision.example"])
            #expect(facts.cc.map(\.address) == ["liu.yang@huadong-precision.example", "track@corp.example"])
            #expect(facts.inReplyTo == "<20261116091233.4f2a@huadong-precision.example>")
            #expect(facts.references == ["<20261116091233.4f2a@huadong-precision.example>"])
            #expect(facts.date == "2026-11-17T15:40:00+08:00")
            #expect(CaseMatcher.caseNumber(inLiaisonMessageID: try #require(facts.messageID)) == F.caseNumber)
            #expect(MessageParser.parse(mail.raw).header["Auto-Submitted"] == nil, "the author's own mail")
            #expect(mail.envelopeFrom == "zhang.wei@corp.example")
            #expect(mail.purpose == .recap && mail.caseNumber == F.caseNumber)
            #expect(mail.recipients == ["wang.lei@huadong-precision.example", "liu.yang@huadong-precision.example", "track@corp.example"])
        }

        @Test func weekdaysAndAWorkingDayWindow() throws {
            // Monday 23 November 2026; 周三 is the 25th.
            let draft = RecapDraft(
                caseNumber: "NC20261123-002", caseSubject: "三季度营销活动资源协调",
                author: Address(name: nil, address: "zhang.wei@corp.example"),
                to: [Address(name: "周敏", address: "zhou.min@corp.example")],
                cc: [Address(name: nil, address: "TRACK@corp.example")],
                items: [
                    RecapItemDraft(owner: "周敏", department: "市场部", task: "提交活动方案初稿", due: "周三17:00"),
                    RecapItemDraft(owner: "孙磊", task: "同步客户反馈需求", due: "周二12:00"),
                    RecapItemDraft(owner: "钱丽", department: "财务部", task: "审核活动预算", due: "周三下午"),
                    RecapItemDraft(owner: "张伟", task: "周五前确认场地"),
                ],
                window: "2个工作日内")
            let mail = try composer().compose(draft, now: F.date("2026-11-23T10:15:00+08:00"))
            let facts = try check(mail, items: [
                Expected(owner: "周敏", department: "市场部", task: "提交活动方案初稿", due: "2026-11-25T17:00:00+08:00"),
                Expected(owner: "孙磊", department: nil, task: "同步客户反馈需求", due: "2026-11-24T12:00:00+08:00"),
                Expected(owner: "钱丽", department: "财务部", task: "审核活动预算", due: "2026-11-25T18:00:00+08:00"),
                Expected(owner: "张伟", department: nil, task: "周五前确认场地", due: "2026-11-27T23:59:59+08:00"),
            ], window: "2026-11-25T23:59:59+08:00", nextContact: nil)
            #expect(facts.text.hasPrefix("您好，"))
            #expect(facts.cc.map(\.address) == ["TRACK@corp.example"], "the tracking address is not added twice")
            #expect(mail.recipients == ["zhou.min@corp.example", "track@corp.example"])
        }

        @Test func traditionalChineseForATaiwanPartner() throws {
            let config = TemplateConfig(domainLocales: ["partner.example.tw": .zhHant])
            let draft = RecapDraft(
                caseNumber: "EC20261118-003", caseSubject: "合約條款確認",
                author: Address(name: "王芳", address: "wang.fang@corp.example"),
                to: [Address(name: "陳經理", address: "chen@partner.example.tw")],
                items: [
                    RecapItemDraft(owner: "王芳", task: "提供修訂後的合約草稿", due: "11月20日17:00"),
                    RecapItemDraft(owner: "陳經理", department: "法務部", task: "回覆第5條的修改意見", due: "下週一"),
                ],
                nextContact: "11月25日下午3點", salutation: "陳經理")
            let mail = try composer(config).compose(draft, now: F.date("2026-11-18T16:20:00+08:00"))
            let facts = try check(mail, items: [
                Expected(owner: "王芳", department: nil, task: "提供修訂後的合約草稿", due: "2026-11-20T17:00:00+08:00"),
                Expected(owner: "陳經理", department: "法務部", task: "回覆第5條的修改意見", due: "2026-11-23T23:59:59+08:00"),
            ], window: "2026-11-18T23:59:59+08:00", nextContact: "2026-11-25T15:00:00+08:00")
            #expect(facts.text.contains("如有異議請於今日內回覆"))
            #expect(facts.text.contains("下次溝通時間：11月25日下午3點。"))
            #expect(facts.subject == "[EC20261118-003] 溝通紀要：合約條款確認")
        }

        @Test func englishForABuyer() throws {
            let config = TemplateConfig(domainLocales: ["buyer.example": .en])
            let draft = RecapDraft(
                caseNumber: "EC20261119-007", caseSubject: "Delivery delay of order 4471",
                author: Address(name: "Wang Fang", address: "wang.fang@corp.example"),
                to: [Address(name: "Anna Smith", address: "anna@buyer.example")],
                items: [
                    RecapItemDraft(owner: "Wang Fang", task: "Replace the 12 faulty units", due: "Friday 17:00"),
                    RecapItemDraft(owner: "Zhao Qiang", department: "Logistics Dept", task: "Send the tracking numbers", due: "Nov 24"),
                    RecapItemDraft(owner: "Anna Smith", task: "Confirm the delivery address"),
                ],
                nextContact: "Monday 10:00", salutation: "Ms Smith")
            let mail = try composer(config).compose(draft, now: F.date("2026-11-19T11:00:00+08:00"))
            let facts = try check(mail, items: [
                Expected(owner: "Wang Fang", department: nil, task: "Replace the 12 faulty units", due: "2026-11-20T17:00:00+08:00"),
                Expected(owner: "Zhao Qiang", department: "Logistics Dept", task: "Send the tracking numbers", due: "2026-11-24T23:59:59+08:00"),
                Expected(owner: "Anna Smith", department: nil, task: "Confirm the delivery address", due: nil),
            ], window: "2026-11-19T23:59:59+08:00", nextContact: "2026-11-23T10:00:00+08:00")
            #expect(facts.text.hasPrefix("Dear Ms Smith,"))
            #expect(facts.text.contains("If you disagree with any point, please reply by end of today."))
            #expect(facts.text.contains("1. Replace the 12 faulty units (owner: Wang Fang; due: Friday 17:00)"))
                #expect(facts.subject == "[EC20261119-007] Call summary: Delivery delay of order 4471")
        }

        @Test func aRecapWithoutItemsIsStillARecap() throws {
            let draft = RecapDraft(caseNumber: F.caseNumber, caseSubject: "情况说明",
                                   author: Address(name: "张伟", address: "zhang.wei@corp.example"),
                                   to: [Address(name: nil, address: "wang.lei@huadong-precision.example")], items: [],
                                   window: "今天下班前")
            let mail = try composer().compose(draft, now: F.date("2026-11-17T15:40:00+08:00"))
            _ = try check(mail, items: [], window: "2026-11-17T18:00:00+08:00", nextContact: nil)
        }

        @Test func whatCannotBeReadBackIsRefused() throws {
            let author = Address(name: "张伟", address: "zhang.wei@corp.example")
            let to = [Address(name: nil, address: "wang.lei@huadong-precision.example")]
            let now = F.date("2026-11-17T15:40:00+08:00")
            func compose(_ items: [RecapItemDraft], window: String? = nil, next: String? = nil) throws -> OutgoingMail {
                try composer().compose(RecapDraft(caseNumber: F.caseNumber, caseSubject: "x", author: author, to: to, items: items,
                                                  window: window, nextContact: next), now: now)
            }
            #expect(throws: RecapComposeError.self) { try compose([RecapItemDraft(owner: "王芳", task: "更换", due: "月中")]) }
            do { _ = try compose([RecapItemDraft(owner: "王芳", task: "更换", due: "月中")]) } catch let e as RecapComposeError {
                guard case .unreadableDue(item: 1, words: "月中", _) = e else { Issue.record("\(e)"); return }
            }
            #expect(throws: RecapComposeError.self) { try compose([], window: "尽快") }
            #expect(throws: RecapComposeError.self) { try compose([], next: "另行通知") }
            // A task that holds another item's owner label would be read as a different owner.
            do {
                _ = try compose([RecapItemDraft(owner: "王芳", task: "更换设备\r\n负责人：赵强", due: "11月20日")])
                Issue.record("an item that reads back with another owner was sent")
            } catch let e as RecapComposeError {
                guard case .readBack = e else { Issue.record("\(e)"); return }
            }
            // A department the reader cannot tell from the name ("Logistics Zhao Qiang") would change the owner.
        do {
            _ = try composer(TemplateConfig(defaultLocale: .en)).compose(RecapDraft(
                caseNumber: F.caseNumber, caseSubject: "x", author: author, to: to,
                items: [RecapItemDraft(owner: "Zhao Qiang", department: "Logistics", task: "Send the numbers", due: "Nov 24")],
                locale: .en), now: now)
            Issue.record("an owner that reads back differently was sent")
        } catch let e as RecapComposeError {
            #expect(e == .readBack("item 1's owner is read as “Logistics Zhao Qiang”"))
        }
        #expect(throws: RecapComposeError.duplicateItemNumber(2)) {
                try compose([RecapItemDraft(number: 2, owner: "王芳", task: "a"), RecapItemDraft(number: 2, owner: "赵强", task: "b")])
            }
            #expect(throws: RecapComposeError.emptyTask(item: 1)) { try compose([RecapItemDraft(owner: "王芳", task: " \n ")]) }
            #expect(throws: RecapComposeError.authorNotStaff("someone@outside.example")) {
                try composer().compose(RecapDraft(caseNumber: F.caseNumber, caseSubject: "x",
                                                  author: Address(name: nil, address: "someone@outside.example"), to: to, items: []), now: now)
            }
            #expect(throws: RecapComposeError.noRecipients) {
                try composer().compose(RecapDraft(caseNumber: F.caseNumber, caseSubject: "x", author: author, to: [], items: []), now: now)
            }
        }

        @Test func circledNumbersGiveWayToDigitsWhenATaskHoldsOne() throws {
            let draft = RecapDraft(caseNumber: F.caseNumber, caseSubject: "x",
                                   author: Address(name: "张伟", address: "zhang.wei@corp.example"),
                                   to: [Address(name: nil, address: "wang.lei@huadong-precision.example")],
                                   items: [RecapItemDraft(owner: "王芳", task: "按附件②号清单补发", due: "11月20日"),
                                           RecapItemDraft(owner: "赵强", task: "安排物流", due: "11月21日")])
            let mail = try composer().compose(draft, now: F.date("2026-11-17T15:40:00+08:00"))
            let facts = try check(mail, items: [
                Expected(owner: "王芳", department: nil, task: "按附件②号清单补发", due: "2026-11-20T23:59:59+08:00"),
                Expected(owner: "赵强", department: nil, task: "安排物流", due: "2026-11-21T23:59:59+08:00"),
            ], window: "2026-11-17T23:59:59+08:00", nextContact: nil)
            #expect(facts.text.contains("\n1、按附件②号清单补发"))
        }
    }
}
