import LiaisonMail

/// The kind of matter a message is about, chosen from the subject first, then the body, by
/// keyword lists that the configuration can extend (shared/docs/semantics.md, "Categories").
public enum Category {
    /// The built-in lists, in order of precedence.
    public static let defaults: [(name: CaseCategory, keywords: [String])] = [
        ("complaint", ["投诉", "投訴", "质量问题", "質量問題", "品質問題", "无法开机", "無法開機", "退款", "换货", "換貨", "complaint"]),
        ("delivery", ["交期", "交付", "推迟", "推遲", "延迟", "延遲", "发货", "發貨", "delivery delay"]),
        ("qualification", ["资质", "資質", "申报", "申報", "认定", "認定", "受理"]),
        ("media", ["采访", "採訪", "媒体", "媒體", "新闻稿", "新聞稿", "记者", "記者", "interview", "press release"]),
        ("contract", ["合同", "合约", "合約", "條款", "条款", "contract"]),
        ("request", ["需求", "功能", "feature request"]),
    ]
    public static let fallback: CaseCategory = .general

    /// The lists in force: the defaults with the configuration's extra words added (a category
    /// the configuration names that is not built in comes after the built-in ones).
    public static func lists(for org: Organization) -> [(name: CaseCategory, keywords: [String])] {
        var lists = defaults
        for (i, entry) in lists.enumerated() {
            if let extra = org.categoryKeywords[entry.name.rawValue] { lists[i].keywords += extra }
        }
        for name in org.categoryKeywords.keys.sorted() where !defaults.contains(where: { $0.name.rawValue == name }) {
            lists.append((CaseCategory(rawValue: name), org.categoryKeywords[name] ?? []))
        }
        return lists
    }

    public static func of(subject: String?, text: String, organization: Organization) -> CaseCategory {
        // Keywords lowercased and prepared once per message, not once per keyword and haystack.
        let lists = lists(for: organization).map { list in
            (name: list.name, keywords: list.keywords.map { LiteralSearch.Needle($0.lowercased()) })
        }
        if let s = subject?.lowercased(), let hit = firstMatch(LiteralSearch.Haystack(s), lists) { return hit }
        if let hit = firstMatch(LiteralSearch.Haystack(text.lowercased()), lists) { return hit }
        return fallback
    }

    /// The first list one of whose keywords the haystack contains, as Foundation's `contains`
    /// answers it (`LiteralSearch`: bytes when that is exact, Foundation otherwise).
    static func firstMatch(_ haystack: LiteralSearch.Haystack,
                           _ lists: [(name: CaseCategory, keywords: [LiteralSearch.Needle])]) -> CaseCategory? {
        for list in lists where list.keywords.contains(where: { LiteralSearch.contains(haystack, $0) }) {
            return list.name
        }
        return nil
    }
}
