import Foundation

/// Removes the quoted parts of a reply, so that an earlier message's words (a recap's 如有异议…,
/// a customer's 有异议) are not read as the new message's own: lines starting with `>`, and
/// everything from the first quote header down — `-----原始邮件-----`, `-----Original Message-----`,
/// `On … wrote:`, `…写道：`, or an Outlook/Foxmail header block (`发件人:`/`From:` followed within a
/// few lines by `发送时间:`/`Sent:`/`收件人:`/`To:`/`主题:`/`Subject:`). Pure.
public enum QuotedText {
    /// The message's own text, without quoted lines and quoted tails; trailing blank and rule
    /// lines (`____`, `----`) are dropped too.
    public static func strip(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var kept: [String] = []
        var i = 0
        while i < lines.count {
            let t = TextFold.fold(lines[i]).trimmingCharacters(in: .whitespaces)
            if t.hasPrefix(">") { i += 1; continue }
            if startsQuote(lines, at: i) { break }
            kept.append(lines[i])
            i += 1
        }
        while let last = kept.last {
            let t = last.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t.allSatisfy({ "_-—=*".contains($0) }) { kept.removeLast() } else { break }
        }
        return kept.joined(separator: "\n")
    }

    static let separatorPattern =
        #"^[-_=*\s]{2,}\s*(原始邮件|原始郵件|原邮件|原郵件|original message|forwarded message|转发邮件|轉寄郵件|转发的邮件)\s*[-_=*\s]{2,}$"#
    static let headerStarts = ["发件人:", "發件人:", "寄件者:", "寄件人:", "from:"]
    static let headerFollowers = ["发送时间:", "發送時間:", "时间:", "時間:", "日期:", "sent:", "date:", "收件人:",
                                  "收件者:", "to:", "主题:", "主旨:", "主題:", "subject:", "抄送:", "cc:"]

    static func startsQuote(_ lines: [String], at i: Int) -> Bool {
        let t = TextFold.fold(lines[i]).trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if TextFold.firstMatch(separatorPattern, in: t) != nil { return true }
        if lower.hasSuffix("wrote:") || t.hasSuffix("写道:") || t.hasSuffix("寫道:") {
            return lower.hasPrefix("on ") || t.hasPrefix("在") || t.contains("于") || t.contains("於") || t.contains("@")
        }
        // "On Tue, 17 Nov 2026, 张伟 <…>" with "wrote:" on the next line.
        if lower.hasPrefix("on "), i + 1 < lines.count,
           TextFold.fold(lines[i + 1]).trimmingCharacters(in: .whitespaces).lowercased().hasSuffix("wrote:") {
            return true
        }
        let compact = lower.replacingOccurrences(of: " ", with: "")
        if headerStarts.contains(where: { compact.hasPrefix($0) }) {
            for j in (i + 1)..<min(lines.count, i + 6) {
                let next = TextFold.fold(lines[j]).lowercased().replacingOccurrences(of: " ", with: "")
                if headerFollowers.contains(where: { next.hasPrefix($0) }) { return true }
            }
        }
        return false
    }
}
