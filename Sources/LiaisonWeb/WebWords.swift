/// The console's own words per page language; templates read them as `{{t.name}}`.
enum WebWords {
    /// The words of one language, built once (every page and most cells ask for them).
    static func table(_ lang: PageLanguage) -> [String: String] {
        switch lang {
        case .zhHans: return hansTable
        case .zhHant: return hantTable
        case .en: return enTable
        }
    }

    private static let hansTable = build(.zhHans), hantTable = build(.zhHant), enTable = build(.en)

    private static func build(_ lang: PageLanguage) -> [String: String] {
        var t: [String: String] = [:]
        for (key, hans, hant, en) in entries {
            switch lang {
            case .zhHans: t[key] = hans
            case .zhHant: t[key] = hant
            case .en: t[key] = en
            }
        }
        return t
    }

    static func word(_ key: String, _ lang: PageLanguage) -> String { table(lang)[key] ?? key }

    static let entries: [(String, String, String, String)] = [
        ("console", "沟通跟踪控制台", "溝通跟蹤控制台", "Correspondence console"),
        ("signIn", "登录", "登入", "Sign in"),
        ("signOut", "退出", "登出", "Sign out"),
        ("signedInAs", "当前用户", "目前使用者", "Signed in as"),
        ("address", "工作邮箱", "工作郵箱", "Work mail address"),
        ("sendLink", "发送登录链接", "發送登入連結", "Mail me a sign-in link"),
        ("signInHelp", "输入您的工作邮箱，系统会发送一个一次性登录链接，15分钟内有效，须在本浏览器中打开。",
         "輸入您的工作郵箱，系統會發送一個一次性登入連結，15分鐘內有效，須在本瀏覽器中開啟。",
         "Enter your work address: we mail you a one-time link, valid for 15 minutes, to open in this browser."),
        ("checkMail", "如果该地址可以登录，登录链接已发送，请查收邮件并在本浏览器中打开链接。",
         "如果該地址可以登入，登入連結已發送，請查收郵件並在本瀏覽器中開啟連結。",
         "If this address may sign in, a link is on its way: open it in this browser."),
        ("tooMany", "请求过于频繁，请15分钟后再试。", "請求過於頻繁，請15分鐘後再試。", "Too many requests: try again in 15 minutes."),
        ("badAddress", "请输入一个邮箱地址。", "請輸入一個郵箱地址。", "Enter a mail address."),
        ("linkInvalid", "该登录链接无效、已使用或已过期，或不是在本浏览器中申请的。请重新申请。",
         "該登入連結無效、已使用或已過期，或不是在本瀏覽器中申請的。請重新申請。",
         "This sign-in link is invalid, used, expired, or was asked for in another browser. Ask for a new one."),
        ("cases", "沟通事项", "溝通事項", "Cases"),
        ("followUp", "跟进表", "跟進表", "Follow-up table"),
        ("filter", "筛选", "篩選", "Filter"),
        ("search", "搜索主题或对方", "搜尋主題或對方", "Search subject or counterparty"),
        ("status", "状态", "狀態", "Status"),
        ("any", "全部", "全部", "Any"),
        ("open", "跟进中", "跟進中", "Open"),
        ("resolved", "已办结", "已辦結", "Resolved"),
        ("closed", "已关闭", "已關閉", "Closed"),
        ("owner", "负责人", "負責人", "Owner"),
        ("category", "类型", "類型", "Category"),
        ("counterparty", "对方", "對方", "Counterparty"),
        ("subject", "主题", "主題", "Subject"),
        ("number", "编号", "編號", "Number"),
        ("opened", "立案时间", "立案時間", "Opened"),
        ("overdue", "逾期", "逾期", "Overdue"),
        ("overdueItems", "项逾期", "項逾期", "overdue"),
        ("disputed", "纪要有异议", "紀要有異議", "Recap disputed"),
        ("noCases", "没有符合条件的沟通事项。", "沒有符合條件的溝通事項。", "No cases match."),
        ("newer", "← 较新", "← 較新", "← Newer"),
        ("older", "较早 →", "較早 →", "Older →"),
        ("newest", "最新", "最新", "Newest"),
        ("timeline", "往来邮件", "往來郵件", "Correspondence"),
        ("inbound", "来信", "來信", "In"),
        ("outbound", "去信", "去信", "Out"),
        ("from", "发件人", "寄件人", "From"),
        ("attachments", "附件", "附件", "Attachments"),
        ("download", "下载", "下載", "Download"),
        ("bytes", "字节", "位元組", "bytes"),
        ("bodyRemoved", "正文已按保存期限删除。", "正文已按保存期限刪除。", "The body was removed under the retention policy."),
        ("recaps", "会议纪要", "會議紀要", "Recaps"),
        ("recapState", "纪要状态", "紀要狀態", "State"),
        ("pending", "待确认", "待確認", "Pending"),
        ("confirmed", "已确认", "已確認", "Confirmed"),
        ("items", "待办事项", "待辦事項", "Action items"),
        ("task", "事项", "事項", "Task"),
        ("due", "截止时间", "截止時間", "Due"),
        ("itemStatus", "进度", "進度", "Progress"),
        ("events", "事件", "事件", "Events"),
        ("reminders", "提醒", "提醒", "Reminders"),
        ("fires", "时间", "時間", "When"),
        ("kind", "类型", "類型", "Kind"),
        ("actions", "操作", "操作", "Actions"),
        ("done", "标记完成", "標記完成", "Mark done"),
        ("cancelItem", "取消该项", "取消該項", "Cancel item"),
        ("reschedule", "改期", "改期", "Reschedule"),
        ("newDue", "新截止日期", "新截止日期", "New due"),
        ("resolve", "办结", "辦結", "Resolve"),
        ("reopen", "重新打开", "重新開啟", "Reopen"),
        ("assign", "移交给", "移交給", "Hand over to"),
        ("applied", "已完成操作：", "已完成操作：", "Done: "),
        ("refused", "未执行：", "未執行：", "Not done: "),
        ("notFound", "找不到该页面。", "找不到該頁面。", "Not found."),
        ("badRequest", "请求无效。", "請求無效。", "Bad request."),
        ("forbiddenCSRF", "表单已失效，请返回页面刷新后重试。", "表單已失效，請返回頁面重新整理後重試。",
         "This form has expired: go back, reload the page and try again."),
        ("back", "返回", "返回", "Back"),
        ("none", "无", "無", "None"),
        ("notStated", "未注明", "未註明", "not stated"),
        ("report", "统计报告", "統計報告", "Report"),
        ("xlsx", "下载跟进表（XLSX）", "下載跟進表（XLSX）", "Download the follow-up table (XLSX)"),
        ("unavailable", "暂时无法访问数据，请稍后再试。", "暫時無法存取資料，請稍後再試。", "The store is unavailable just now: try again shortly."),
    ]
}
