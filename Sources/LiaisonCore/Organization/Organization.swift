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
    /// The staff directory (`[staff]`): a person's name as written in recaps → their address, so
    /// an action item's owner can be reminded. Names also help split `售后部王芳` into department
    /// and person.
    public var staff: [String: String]
    /// `organization.default_owner`: owns a case an outsider opens by writing to an internal
    /// address that is not in `staff` (a list, an alias). Lowercased; nil: such a message is held.
    public var defaultOwner: String?
    /// Working days for N个工作日内 (`organization.calendar`; default the built-in mainland-China one).
    public var calendar: WorkCalendar
    /// `organization.mx_hosts`: the host names the organisation's own MX writes after `by` in its
    /// `Received` stamp, lowercased. Empty: the topmost `Received` is taken as the MX's (it is
    /// the last hop's, which is ours); set, a topmost stamp by any other host is not believed
    /// and the fetch time stands in (see `Arrival`).
    public var mxHosts: [String]
    /// `organization.shared_domains`: free-mail and other domains whose users have nothing in
    /// common, lowercased. A counterparty there is a person, never the domain (`isShared`).
    public var sharedDomains: Set<String>

    /// The default `shared_domains`: the free-mail providers Chinese and international
    /// customers write from.
    public static let defaultSharedDomains: Set<String> = [
        "qq.com", "vip.qq.com", "foxmail.com", "163.com", "vip.163.com", "126.com", "yeah.net", "188.com",
        "sina.com", "sina.cn", "vip.sina.com", "sohu.com", "139.com", "189.cn", "wo.cn", "aliyun.com", "tom.com",
        "21cn.com", "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "yahoo.com.cn", "yahoo.com.hk", "yahoo.com.tw", "icloud.com", "me.com", "mac.com",
        "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net", "mail.com", "yandex.com", "zoho.com",
        "hotmail.com.hk", "outlook.com.hk", "hinet.net", "netvigator.com",
    ]

    public init(name: String, internalDomains: [String], trackingAddress: String, authservID: String,
                timeZone: String = "Asia/Shanghai", workdayStart: String = "09:00", workdayEnd: String = "18:00",
                categoryKeywords: [String: [String]] = [:], staff: [String: String] = [:],
                calendar: WorkCalendar = .mainlandChina, mxHosts: [String] = [],
                sharedDomains: Set<String> = Organization.defaultSharedDomains) {
        self.name = name
        self.internalDomains = internalDomains.map { $0.lowercased() }
        self.trackingAddress = trackingAddress.lowercased()
        self.authservID = authservID.lowercased()
        self.timeZone = timeZone
        self.workdayStart = workdayStart
        self.workdayEnd = workdayEnd
        self.categoryKeywords = categoryKeywords
        self.staff = staff
        self.calendar = calendar
        self.mxHosts = mxHosts.map { $0.lowercased() }
        self.sharedDomains = Set(sharedDomains.map { $0.lowercased() })
    }

    /// True when the address is at a shared (free-mail) domain.
    public func isShared(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        return sharedDomains.contains(address[address.index(after: at)...].lowercased())
    }

    /// The addresses of `staff`, lowercased: who may own a case an outsider opens.
    public var staffAddresses: Set<String> { Set(staff.values.map { $0.lowercased() }) }

    /// True when the address belongs to one of the internal domains (subdomains excluded).
    public func isInternal(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        let domain = address[address.index(after: at)...].lowercased()
        return internalDomains.contains(domain)
    }
}
