import Foundation
import LiaisonMail

/// The 外部沟通跟进表 (external communication follow-up table) of the source documents, one row
/// per case, in their column order (issue 15), and its second sheet: the action items one per row.
/// Pure: built from `ReportCase` values; the XLSX and CSV writers only lay it out.
public struct FollowUpTable: Sendable, Equatable {
    public static let columns = ["沟通编号", "沟通日期", "对方单位/联系人", "我方对接人", "沟通类型", "核心需求/反馈",
                                 "解决方案/进展", "下次沟通时间", "负责人", "状态"]
    public static let itemColumns = ["沟通编号", "序号", "负责人", "事项", "截止时间", "状态", "完成时间"]

    public struct Row: Sendable, Equatable {
        public var number: String
        public var date: Date?
        public var counterparty: String
        public var ourContact: String
        public var type: String
        public var need: String
        public var progress: String
        public var nextContact: Date?
        public var owner: String
        /// 跟进中 or 已办结.
        public var status: String
    }

    public struct ItemRow: Sendable, Equatable {
        public var caseNumber: String
        public var number: Int
        public var owner: String
        public var task: String
        public var due: Date?
        /// 跟进中, 已逾期, 已办结, 逾期办结 or 已取消.
        public var status: String
        public var doneAt: Date?
    }

    public var rows: [Row]
    public var items: [ItemRow]

    /// 沟通类型 for a category.
    public static func typeName(_ category: CaseCategory) -> String {
        switch category.rawValue {
        case "complaint": return "客户投诉"
        case "delivery": return "交期协调"
        case "qualification": return "资质申报"
        case "media": return "媒体沟通"
        case "contract": return "合同沟通"
        case "request": return "客户需求对接"
        case "general": return "一般沟通"
        default: return category.rawValue
        }
    }

    public static func statusName(_ p: ItemProgress) -> String {
        switch p {
        case .open: return "跟进中"
        case .overdue: return "已逾期"
        case .doneOnTime: return "已办结"
        case .doneLate: return "逾期办结"
        case .cancelled: return "已取消"
        }
    }

    /// Circled numbers ①…⑳, then `(21)`.
    public static func circled(_ n: Int) -> String {
        (1...20).contains(n) ? String(UnicodeScalar(0x2460 + UInt32(n - 1))!) : "(\(n))"
    }

    /// The table of `cases` (in the given order). `names` maps a staff address to the name people
    /// know (the `[staff]` directory inverted); `timeZone` writes the month/day of a due date in
    /// 解决方案/进展 (`11月19日17:00`; the time left out when it is 23:59:59, "by the end of the day").
    public static func make(_ cases: [ReportCase], names: [String: String], timeZone: TimeZone, asOf: Date) -> FollowUpTable {
        var rows: [Row] = []
        var items: [ItemRow] = []
        let maker = RowMaker(names: names, timeZone: timeZone, asOf: asOf)
        for c in cases {
            let (row, caseItems) = maker.row(c)
            rows.append(row)
            items += caseItems
        }
        return FollowUpTable(rows: rows, items: items)
    }

    /// One case's row and its items, as `make` lays them out: for writers that write each row as
    /// the store reads the next case (`FollowUpXLSX.render(timeZone:produce:)`).
    public struct RowMaker: Sendable {
        public var names: [String: String]
        public var timeZone: TimeZone
        public var asOf: Date

        public init(names: [String: String], timeZone: TimeZone, asOf: Date) {
            self.names = names
            self.timeZone = timeZone
            self.asOf = asOf
        }

        func person(_ address: String?) -> String {
            guard let a = address?.lowercased(), !a.isEmpty else { return "" }
            return names[a] ?? a
        }

        // Local wall time by arithmetic (proleptic Gregorian, through CivilCalendar), not a
        // Calendar per item: the same fields, a fraction of the cost at 100,000 cases.
        func monthDay(_ d: Date) -> String {
            let t = Int((d.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: d))).rounded(.down))
            let days = CivilCalendar.floorDiv(t, 86_400)
            let secs = t - days * 86_400
            let (_, month, day) = CivilCalendar.civilFromDays(days)
            let hour = secs / 3600, minute = secs % 3600 / 60
            let md = "\(month)月\(day)日"
            if hour == 23 && minute == 59 { return md }
            return md + (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }

        /// The row of `c` and the rows of its latest recap's items.
        public func row(_ c: ReportCase) -> (Row, [ItemRow]) {
            let recap = c.latestRecap
            var progress: [String] = []
            var items: [ItemRow] = []
            for item in recap?.items ?? [] {
                let (p, doneAt) = ItemProgress.of(item, in: c, asOf: asOf)
                let parts = [item.owner ?? "", item.due.map(monthDay) ?? "", statusName(p)].filter { !$0.isEmpty }
                progress.append(circled(item.number) + item.task + "（" + parts.joined(separator: "，") + "）")
                items.append(ItemRow(caseNumber: c.number, number: item.number, owner: item.owner ?? "", task: item.task,
                                     due: item.due, status: statusName(p), doneAt: doneAt))
            }
            let party = [c.organization ?? "", c.contacts.joined(separator: ", ")].filter { !$0.isEmpty }.joined(separator: " / ")
            let row = Row(number: c.number, date: c.firstMessageAt ?? c.openedAt, counterparty: party,
                          ourContact: person(recap?.author ?? c.firstOutboundSender ?? c.owner),
                          type: typeName(c.category), need: c.firstSubject ?? "", progress: progress.joined(separator: "\n"),
                          nextContact: recap?.nextContact, owner: person(c.owner), status: c.isSettled ? "已办结" : "跟进中")
            return (row, items)
        }
    }
}
