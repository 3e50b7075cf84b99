/// A case's category (shared/docs/semantics.md, "Categories"): the built-in ones below and any
/// the configuration adds under `[categories]`, so an open set of names rather than an enum. The
/// rules that depend on a category (the complaint clocks, the qualification filing check, the
/// report's 48 h solution rate) compare these values, never spelled-out strings. Stored and
/// written in JSON as its name.
public struct CaseCategory: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let complaint: CaseCategory = "complaint"
    public static let delivery: CaseCategory = "delivery"
    public static let qualification: CaseCategory = "qualification"
    public static let media: CaseCategory = "media"
    public static let contract: CaseCategory = "contract"
    public static let request: CaseCategory = "request"
    /// What a message with none of the keywords is.
    public static let general: CaseCategory = "general"

    public var description: String { rawValue }

    public static func < (a: CaseCategory, b: CaseCategory) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
