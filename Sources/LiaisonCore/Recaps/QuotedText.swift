import Foundation

/// Removes the quoted parts of a reply, so that an earlier message's words (a recap's 如有异议…,
/// a customer's 有异议) are not read as the new message's own: lines starting with `>`, and
/// everything from the first quote header down — `-----原始邮件-----`, `-----Original Message-----`,
/// `On … wrote:`, `…写道：`, or an Outlook/Foxmail header block (`发件人:`/`From:` followed within a
/// few lines by `发送时间:`/`Sent:`/`收件人:`/`To:`/`主题:`/`Subject:`). The shapes of real clients:
/// Outlook (`-----Original Message-----`, `-----邮件原件-----`, an unquoted header block, also after
/// `________________________________`), Foxmail/QQ Mail/WeCom (`------------------ 原始邮件
/// ------------------`, `------------------&nbsp;Original&nbsp;------------------`, the entity left
/// as written in their plain parts), NetEase and Gmail (`在 2026-11-18 15:02:33，"张伟" <…> 写道：`,
/// `张伟 <…> 于2026年11月18日周三 15:02写道：`, `On Wed, Nov 18, 2026 at 3:02 PM … wrote:`), Apple
/// Mail (`> ` and `2026年11月18日 下午3:02，张伟 写道：`, `Begin forwarded message:`), DingTalk/Alimail
/// (a dash rule, then `发件人：`/`发送时间：`/`主　题：`). Pure.
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
        #"^[-_=*\s]{2,}\s*(原始邮件|原始郵件|原邮件|原郵件|邮件原件|郵件原件|original message|original|forwarded message|转发邮件|轉寄郵件|转发的邮件|轉寄的郵件|转发邮件信息)\s*[-_=*\s]{2,}$"#
    /// Lines that open a forwarded message (Apple Mail), alone on their line.
    static let forwardOpeners = ["begin forwarded message:", "以下为转发的邮件:", "以下是转发的邮件:", "转发的邮件:",
                                 "開始轉寄的郵件:", "以下為轉寄的郵件:"]
    static let headerStarts = ["发件人:", "發件人:", "寄件者:", "寄件人:", "from:"]
    static let headerFollowers = ["发送时间:", "發送時間:", "时间:", "時間:", "日期:", "sent:", "date:", "收件人:",
                                  "收件者:", "to:", "主题:", "主旨:", "主題:", "subject:", "抄送:", "cc:"]

    static func startsQuote(_ lines: [String], at i: Int) -> Bool {
        var t = TextFold.fold(lines[i]).trimmingCharacters(in: .whitespaces)
        // QQ Mail and WeCom write the entity itself into their plain parts.
        if t.contains("&nbsp;") { t = t.replacingOccurrences(of: "&nbsp;", with: " ") }
        let lower = t.lowercased()
        if t.count <= 200, TextFold.firstMatch(separatorPattern, in: t) != nil { return true }
        if forwardOpeners.contains(lower) { return true }
        if lower.hasSuffix("wrote:") || t.hasSuffix("写道:") || t.hasSuffix("寫道:") {
            // An attribution names a time or an address: 在…/…于…/On …/<a@b>, or a date's digits
            // (Apple Mail: "2026年11月18日 下午3:02，张伟 写道：").
            return lower.hasPrefix("on ") || t.hasPrefix("在") || t.contains("于") || t.contains("於") || t.contains("@")
                || t.contains(where: { $0.isASCII && $0.isNumber })
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
