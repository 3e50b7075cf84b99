import Foundation

/// The languages Liaison writes mail in: one template file per kind and locale
/// (`Templates/item-due.zh-Hans.mustache`). Tags follow BCP 47 (RFC 5646 §2.2.3 script subtags).
public enum MailLocale: String, Sendable, Codable, CaseIterable, Comparable {
    /// Simplified Chinese: the default and the fallback of every other locale.
    case zhHans = "zh-Hans"
    /// Traditional Chinese (Taiwan, Hong Kong, Macao).
    case zhHant = "zh-Hant"
    case en

    /// The locale whose file stands in when a kind has no file of its own in another locale.
    public static let fallback = MailLocale.zhHans

    /// A tag as written in the configuration, case-insensitively, with the usual regional
    /// aliases: `zh-CN`/`zh-SG`/`zh` → zh-Hans, `zh-TW`/`zh-HK`/`zh-MO` → zh-Hant, `en-*` → en.
    /// nil for any other language.
    public init?(tag: String) {
        let t = tag.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "-").lowercased()
        switch t {
        case "zh-hans", "zh", "zh-cn", "zh-sg", "zh-hans-cn", "zh-hans-sg", "zh-my": self = .zhHans
        case "zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-hant-tw", "zh-hant-hk", "zh-hant-mo": self = .zhHant
        default:
            if t == "en" || t.hasPrefix("en-") { self = .en } else { return nil }
        }
    }

    public static func < (a: MailLocale, b: MailLocale) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
