import Foundation
import TOMLKit

/// The `[templates]` section: where the mail templates are and which language each recipient
/// gets.
///
///     [templates]
///     directory = "/usr/share/liaison/templates"   # default: ./Templates
///     default_locale = "zh-Hans"
///     [templates.locales]                          # address or domain → locale
///     "partner.example.tw" = "zh-Hant"
///     "ceo@buyer.example" = "en"
///
/// A key with `@` is an address; any other key is a domain and also covers its subdomains
/// (`example.tw` covers `partner.example.tw`); the address beats the longest matching domain.
/// A notice follows its first recipient's entry, else its case's counterparty's, else
/// `default_locale`; a recap follows its counterparty's.
public struct TemplateConfig: Sendable, Equatable {
    /// The folder of `*.mustache` files.
    public var directory: String
    public var defaultLocale: MailLocale
    /// Lowercased address → locale.
    public var addressLocales: [String: MailLocale]
    /// Lowercased domain → locale.
    public var domainLocales: [String: MailLocale]

    /// The folder used when the key is absent: `Templates` in the current directory (the repository's).
    public static let defaultDirectory = "Templates"

    public init(directory: String = TemplateConfig.defaultDirectory, defaultLocale: MailLocale = .zhHans,
                addressLocales: [String: MailLocale] = [:], domainLocales: [String: MailLocale] = [:]) {
        self.directory = directory
        self.defaultLocale = defaultLocale
        self.addressLocales = Dictionary(addressLocales.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.domainLocales = Dictionary(domainLocales.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// The locale configured for an address (its own entry, else its domain's or a parent
    /// domain's, longest first) or for a bare domain; nil when none is.
    public func explicitLocale(for addressOrDomain: String) -> MailLocale? {
        let a = addressOrDomain.trimmingCharacters(in: .whitespaces).lowercased()
        if let l = addressLocales[a] { return l }
        var domain = Substring(a)
        if let at = a.lastIndex(of: "@") { domain = a[a.index(after: at)...] }
        while !domain.isEmpty {
            if let l = domainLocales[String(domain)] { return l }
            guard let dot = domain.firstIndex(of: ".") else { break }
            domain = domain[domain.index(after: dot)...]
        }
        return nil
    }

    /// The locale for one address: `explicitLocale(for:)`, else `defaultLocale`.
    public func locale(for address: String) -> MailLocale {
        explicitLocale(for: address) ?? defaultLocale
    }

    /// The locale for a notice: the first recipient's configured locale, else the case's
    /// (its counterparty's: an outside domain or address), else `defaultLocale`.
    public func locale(forRecipients recipients: [String], counterparty: String? = nil) -> MailLocale {
        recipients.first.flatMap(explicitLocale(for:)) ?? counterparty.flatMap(explicitLocale(for:)) ?? defaultLocale
    }
}

extension LiaisonConfig {
    /// The `[templates]` section (absent: the defaults). A relative `directory` is taken from
    /// the configuration file's folder, as `organization.calendar` is.
    public func templateConfig() throws -> TemplateConfig {
        guard let node = document["templates"] else { return TemplateConfig() }
        guard let table = node.table else {
            throw ConfigError(key: "templates", problem: "must be a table", fix: "write it as a [templates] section")
        }
        let r = TableReader(table: table, prefix: "templates")
        var directory = TemplateConfig.defaultDirectory
        if let dir = try r.optionalString("directory") {
            directory = dir
            if !dir.hasPrefix("/"), let base = path {
                directory = URL(fileURLWithPath: base).deletingLastPathComponent().appendingPathComponent(dir).path
            }
        }
        let tag = try r.string("default_locale", default: MailLocale.zhHans.rawValue)
        guard let defaultLocale = MailLocale(tag: tag) else {
            throw ConfigError(key: "templates.default_locale", problem: "`\(tag)` is not a supported locale",
                              fix: "use one of \(MailLocale.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var addresses: [String: MailLocale] = [:], domains: [String: MailLocale] = [:]
        if let localesNode = table["locales"] {
            guard let locales = localesNode.table else {
                throw ConfigError(key: "templates.locales", problem: "must be a table",
                                  fix: "write a [templates.locales] section of `\"domain.example\" = \"zh-Hant\"` lines")
            }
            for key in locales.keys {
                let full = "templates.locales.\(key)"
                guard let value = locales[key]?.string else {
                    throw ConfigError(key: full, problem: "must be a locale in quotes", fix: "write `\"\(key)\" = \"zh-Hant\"`")
                }
                guard let locale = MailLocale(tag: value) else {
                    throw ConfigError(key: full, problem: "`\(value)` is not a supported locale",
                                      fix: "use one of \(MailLocale.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let k = key.trimmingCharacters(in: .whitespaces).lowercased()
                guard !k.isEmpty, !k.contains(" "), !k.hasPrefix("@"), !k.hasSuffix("@"), !k.hasPrefix("."),
                      k.filter({ $0 == "@" }).count <= 1 else {
                    throw ConfigError(key: full, problem: "`\(key)` is neither an address nor a domain",
                                      fix: "write an address (\"name@partner.example\") or a bare domain (\"partner.example\")")
                }
                if k.contains("@") { addresses[k] = locale } else { domains[k] = locale }
            }
        }
        for other in table.keys where !["directory", "default_locale", "locales"].contains(other) {
            throw ConfigError(key: "templates.\(other)", problem: "is not a known key",
                              fix: "use directory, default_locale and [templates.locales]")
        }
        return TemplateConfig(directory: directory, defaultLocale: defaultLocale, addressLocales: addresses,
                              domainLocales: domains)
    }
}
