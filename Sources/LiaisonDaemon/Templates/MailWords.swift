import Foundation
import LiaisonCore

/// The words and times code hands to templates, per locale, in the organisation's time zone:
/// `11月19日 17:00` (zh, with the year when it is not `now`'s), `2026-11-19 17:00` (en).
struct MailWords: Sendable {
    let locale: MailLocale
    let clock: WallClock
    let now: Date

    init(locale: MailLocale, zone: TimeZone, now: Date) {
        self.locale = locale
        self.clock = WallClock(timeZone: zone)
        self.now = now
    }

    /// An instant as local time in the organisation's zone.
    func time(_ instant: Date) -> String {
        let (day, seconds) = clock.local(instant)
        let hm = String(format: "%02d:%02d", seconds / 3600, seconds % 3600 / 60)
        switch locale {
        case .en:
            return String(format: "%04d-%02d-%02d ", day.year, day.month, day.day) + hm
        case .zhHans, .zhHant:
            let year = clock.local(now).day.year == day.year ? "" : "\(day.year)年"
            return "\(year)\(day.month)月\(day.day)日 \(hm)"
        }
    }

    func time(_ instant: Date?) -> TemplateValue { .text(instant.map(time) ?? "") }

    /// The day of `now`: `11月19日` / `2026-11-19`.
    var today: String {
        let day = clock.local(now).day
        switch locale {
        case .en: return String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
        case .zhHans, .zhHant: return "\(day.month)月\(day.day)日"
        }
    }

    /// `UTC+08:00`, the zone's offset at `now`.
    var zone: String {
        let o = clock.timeZone.secondsFromGMT(for: now)
        return String(format: "UTC%@%02d:%02d", o < 0 ? "-" : "+", abs(o) / 3600, abs(o) % 3600 / 60)
    }

    var lateNote: String {
        switch locale {
        case .zhHans: return "（延迟发送）"
        case .zhHant: return "（延遲發送）"
        case .en: return "(sent late)"
        }
    }

    /// 待确认 / 已确认 / 有异议 (semantics.md "Replies to a recap").
    func recapState(_ state: RecapState) -> String {
        switch (state, locale) {
        case (.pending, .zhHans): return "待确认"
        case (.pending, .zhHant): return "待確認"
        case (.pending, .en): return "pending"
        case (.confirmed, .zhHans): return "已确认"
        case (.confirmed, .zhHant): return "已確認"
        case (.confirmed, .en): return "confirmed"
        case (.disputed, .zhHans): return "有异议"
        case (.disputed, .zhHant): return "有異議"
        case (.disputed, .en): return "disputed"
        }
    }

    func caseStatus(_ status: CaseStatus) -> String {
        switch (status, locale) {
        case (.open, .zhHans): return "处理中"
        case (.open, .zhHant): return "處理中"
        case (.open, .en): return "open"
        case (.resolved, .zhHans): return "已解决"
        case (.resolved, .zhHant): return "已解決"
        case (.resolved, .en): return "resolved"
        case (.closed, .zhHans): return "已关闭"
        case (.closed, .zhHant): return "已關閉"
        case (.closed, .en): return "closed"
        }
    }

    /// Item numbers as a list: `2、3` / `2, 3`.
    func numbers(_ list: [Int]) -> String {
        list.map(String.init).joined(separator: locale == .en ? ", " : "、")
    }

    /// The default objection window of a recap: 今日内 / 今日內 / by end of today.
    var defaultWindow: String {
        switch locale {
        case .zhHans: return "今日内"
        case .zhHant: return "今日內"
        case .en: return "by end of today"
        }
    }
}
