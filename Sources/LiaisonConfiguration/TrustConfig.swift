import Foundation
import LiaisonCore

extension LiaisonConfig {
    /// Domains of public mail providers whose own servers write Authentication-Results: an
    /// `authserv_id` at one of them is not the organisation's own MX, and a header with it is
    /// one any sender can get written (or write) for their mail.
    static let publicProviderDomains: Set<String> = [
        "google.com", "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "office365.com", "live.com",
        "yahoo.com", "yahoodns.net", "aol.com", "icloud.com", "me.com", "qq.com", "163.com", "126.com",
        "sina.com", "sohu.com", "aliyun.com", "zoho.com", "amazonses.com", "protonmail.ch", "proton.me",
    ]

    /// What `check-config` can tell about `authserv_id` without seeing the MX (README "Trust and
    /// the MX"): warnings only, since the file may still be right.
    func trustWarnings() -> [ConfigIssue] {
        guard let org = try? organization() else { return [] }
        let id = org.authservID
        let key = "organization.authserv_id"
        var out: [ConfigIssue] = []
        let strip = "and make the MX strip or rename incoming Authentication-Results headers that claim it (README \"Trust and the MX\")"
        guard Self.isHostName(id) else {
            out.append(ConfigIssue(.warning, key: key, problem: "`\(id)` is not a host name: an MX names itself by its host name in Authentication-Results",
                                   fix: "set it to the authserv-id your MX writes (OpenDMARC AuthservID, OpenDKIM AuthservID, rspamd's authserv_id), usually its host name, \(strip)"))
            return out
        }
        let provider = Self.publicProviderDomains.union(org.sharedDomains).first { id == $0 || id.hasSuffix("." + $0) }
        if let provider {
            out.append(ConfigIssue(.warning, key: key, problem: "`\(id)` is a public mail provider's (\(provider)): its headers come with anyone's mail, so staff cannot be told from outsiders",
                                   fix: "set it to the authserv-id of the MX that receives the organisation's mail, \(strip)"))
        } else if org.internalDomains.contains(id) {
            out.append(ConfigIssue(.warning, key: key, problem: "`\(id)` is a bare mail domain, not an MX's host name",
                                   fix: "check what your MX writes first in Authentication-Results (e.g. mx.\(id)); \(strip)"))
        }
        return out
    }
}
