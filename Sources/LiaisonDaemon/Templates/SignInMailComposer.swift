import Foundation
import LiaisonCore
import LiaisonMail

/// The web console's sign-in mail (issue 19): the `sign-in` template in the recipient's locale
/// (`[templates]`), with the one-time link, From the notice author. Built here, HTTP-free, and
/// queued by the console through the outbox like every mail Liaison sends.
public struct SignInMailComposer: Sendable {
    public var organization: Organization
    public var templates: MailTemplates
    public var templateConfig: TemplateConfig
    public var from: Address

    public init(organization: Organization, templates: MailTemplates, templateConfig: TemplateConfig, from: Address) {
        self.organization = organization
        self.templates = templates
        self.templateConfig = templateConfig
        self.from = from
    }

    /// From a configuration, as the notices are (`[templates]`, `smtp.from`).
    public static func make(config: LiaisonConfig, organization: Organization) throws -> SignInMailComposer {
        let templateConfig = try config.templateConfig()
        let templates = try MailTemplates(directory: ReminderAssembly.resolved(templateConfig.directory, config: config))
        return SignInMailComposer(organization: organization, templates: templates, templateConfig: templateConfig,
                                  from: try ReminderAssembly.noticeAuthor(config: config, organization: organization))
    }

    /// The mail to `to` carrying `link`, valid until `expiresAt`. Its Message-ID is random
    /// (`liaison.signin.<hex>@domain`); `Auto-Submitted: auto-generated`.
    public func compose(to: String, link: String, validMinutes: Int, expiresAt: Date, now: Date) throws -> OutgoingMail {
        guard MailAddressCheck.isPlain(to) else { throw MailRenderError.invalidAddress(to) }
        let locale = templateConfig.locale(for: to)
        let words = MailWords(locale: locale, zone: organization.timeZone, now: now)
        let name = organization.staff.first { $0.value.lowercased() == to.lowercased() }?.key
        let values: [String: TemplateValue] = [
            "kind": .text(MailTemplateKind.signIn.rawValue),
            "locale": .text(locale.rawValue),
            "organization": .text(organization.name),
            "now": .text(words.time(now)),
            "zone": .text(words.zone),
            "recipient": .text(to),
            "recipientName": name.map { TemplateValue.text($0) } ?? TemplateValue.flag(false),
            "link": .text(link),
            "validMinutes": .text(String(validMinutes)),
            "expiresAt": .text(words.time(expiresAt)),
        ]
        let rendered = templates.render(.signIn, locale: locale, values: values)
        var builder = MessageBuilder(from: from, to: [Address(name: name, address: to)], subject: rendered.subject)
        builder.date = now
        builder.utcOffsetSeconds = organization.timeZone.secondsFromGMT(for: now)
        var rng = SystemRandomNumberGenerator()
        let id = "liaison.signin.\(String(format: "%016llx", rng.next() as UInt64))@\(from.domain ?? "localhost")"
        builder.messageID = id
        builder.extraHeaders = [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]
        builder.textBody = rendered.text
        builder.htmlBody = rendered.html
        let built: BuiltMessage
        do { built = try builder.buildMessage() } catch let e as MessageBuildError { throw MailRenderError.build(e) }
        return OutgoingMail(caseNumber: nil, messageID: "<\(built.messageID)>", envelopeFrom: from.address, recipients: [to],
                            raw: built.bytes, purpose: .other(MailTemplateKind.signIn.rawValue))
    }
}
