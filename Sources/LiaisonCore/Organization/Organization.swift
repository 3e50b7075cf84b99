/// The organisation Liaison works for: the `[organization]` section of the configuration
/// (shared/docs/configuration.md) as plain values. Pure data; the daemon reads the file.
public struct Organization: Sendable, Equatable {
    public var name: String
    /// Domains of staff addresses, lowercased.
    public var internalDomains: [String]
    /// The address staff CC, lowercased.
    public var trackingAddress: String
    /// Whose Authentication-Results headers to trust (the company's own MX), lowercased.
    public var authservID: String
    /// IANA time zone identifier, e.g. "Asia/Shanghai".
    public var timeZone: String
    /// "HH:MM".
    public var workdayStart: String
    public var workdayEnd: String
    /// Extra category keywords from the configuration: category → words, added to the defaults.
    public var categoryKeywords: [String: [String]]

    public init(name: String, internalDomains: [String], trackingAddress: String, authservID: String,
                timeZone: String = "Asia/Shanghai", workdayStart: String = "09:00", workdayEnd: String = "18:00",
                categoryKeywords: [String: [String]] = [:]) {
        self.name = name
        self.internalDomains = internalDomains.map { $0.lowercased() }
        self.trackingAddress = trackingAddress.lowercased()
        self.authservID = authservID.lowercased()
        self.timeZone = timeZone
        self.workdayStart = workdayStart
        self.workdayEnd = workdayEnd
        self.categoryKeywords = categoryKeywords
    }

    /// True when the address belongs to one of the internal domains (subdomains excluded).
    public func isInternal(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        let domain = address[address.index(after: at)...].lowercased()
        return internalDomains.contains(domain)
    }
}
