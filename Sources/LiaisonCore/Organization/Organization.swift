import Foundation

/// The organisation Liaison works for: the `[organization]` section of the configuration
/// (shared/docs/configuration.md) as typed values, resolved once when the configuration is read
/// (`LiaisonConfig.organization()`, which names the key at fault). Pure data.
public struct Organization: Sendable, Equatable {
    public var name: String
    /// Domains of staff addresses, lowercased.
    public var internalDomains: [String]
    /// The address staff CC, lowercased.
    public var trackingAddress: String
    /// Whose Authentication-Results headers to trust (the company's own MX), lowercased.
    public var authservID: String
    /// The organisation's zone (`time_zone`, an IANA identifier such as "Asia/Shanghai"), resolved.
    public var timeZone: TimeZone
    /// `workday_start`: when reminders without a time of day fire.
    public var workdayStart: ClockTime
    /// `workday_end`: what 下班前, close of business, COB mean.
    public var workdayEnd: ClockTime
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

    /// `time_zone` when the configuration names none.
    public static let defaultTimeZone = TimeZone(identifier: "Asia/Shanghai")!
    /// `workday_start` / `workday_end` when the configuration names none.
    public static let defaultWorkdayStart = ClockTime(hour: 9)!
    public static let defaultWorkdayEnd = ClockTime(hour: 18)!

    public init(name: String, internalDomains: [String], trackingAddress: String, authservID: String,
                timeZone: TimeZone = Organization.defaultTimeZone,
                workdayStart: ClockTime = Organization.defaultWorkdayStart,
                workdayEnd: ClockTime = Organization.defaultWorkdayEnd,
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

    /// The same from the configuration's strings (for tests and tools): `timeZone` an IANA
    /// identifier, the workday times 24-hour `HH:MM` (00:00–23:59), the end after the start.
    /// Throws `Organization.SettingError` naming the setting at fault; never falls back.
    public init(name: String, internalDomains: [String], trackingAddress: String, authservID: String,
                timeZone: String, workdayStart: String = "09:00", workdayEnd: String = "18:00",
                categoryKeywords: [String: [String]] = [:], staff: [String: String] = [:],
                calendar: WorkCalendar = .mainlandChina, mxHosts: [String] = [],
                sharedDomains: Set<String> = Organization.defaultSharedDomains) throws {
        guard let zone = TimeZone(identifier: timeZone) else { throw SettingError.unknownTimeZone(timeZone) }
        guard let start = ClockTime(timeOfDay: workdayStart) else { throw SettingError.badTimeOfDay("workday_start", workdayStart) }
        guard let end = ClockTime(timeOfDay: workdayEnd) else { throw SettingError.badTimeOfDay("workday_end", workdayEnd) }
        guard start < end else { throw SettingError.workdayEndsBeforeStart(start: start, end: end) }
        self.init(name: name, internalDomains: internalDomains, trackingAddress: trackingAddress, authservID: authservID,
                  timeZone: zone, workdayStart: start, workdayEnd: end, categoryKeywords: categoryKeywords, staff: staff,
                  calendar: calendar, mxHosts: mxHosts, sharedDomains: sharedDomains)
    }

    /// Why the string form of a setting cannot be used.
    public enum SettingError: Error, Equatable, CustomStringConvertible {
        case unknownTimeZone(String)
        /// The setting's name and the text.
        case badTimeOfDay(String, String)
        case workdayEndsBeforeStart(start: ClockTime, end: ClockTime)

        public var description: String {
            switch self {
            case .unknownTimeZone(let z): return "time_zone: `\(z)` is not a known time zone"
            case let .badTimeOfDay(key, text): return "\(key): `\(text)` is not a 24-hour HH:MM time of day"
            case let .workdayEndsBeforeStart(start, end): return "workday_end: \(end) is not after workday_start \(start)"
            }
        }
    }

    /// Wall-time arithmetic in the organisation's zone.
    public var wallClock: WallClock { WallClock(timeZone: timeZone) }

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
