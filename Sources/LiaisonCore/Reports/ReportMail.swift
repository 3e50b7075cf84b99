import Foundation

// MARK: - The report as mail-safe HTML

extension Report {
    /// The report as HTML a mail client shows as it is (the weekly check's body): every style
    /// inline on its element (clients drop `<style>` and `<head>`), no script, no SVG (Outlook and
    /// Gmail do not draw it), no external file, no form; the charts are table cells whose widths
    /// are the bars. `intro` is a paragraph of plain text above the figures (escaped here).
    public func mailHTML(organization: String = "", title: String, intro: String, lang: String = "zh-Hans") -> String {
        let font = "font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',Arial,sans-serif;"
        var h = "<!DOCTYPE html>\n<html lang=\"\(Self.esc(lang))\"><head><meta charset=\"utf-8\"><title>\(Self.esc(title))</title></head>\n"
        h += "<body style=\"\(font)margin:0;padding:16px;color:#222;background:#ffffff;font-size:14px;line-height:1.5\">\n"
        h += "<h1 style=\"\(font)font-size:20px;margin:0 0 4px\">\(Self.esc((organization.isEmpty ? "" : organization + " ") + title))</h1>\n"
        h += "<p style=\"color:#666;font-size:13px;margin:0 0 12px\">\(Self.esc("\(from) – \(to)"))</p>\n"
        for paragraph in intro.components(separatedBy: "\n\n") where !paragraph.isEmpty {
            h += "<p style=\"margin:0 0 12px\">" + paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { Self.esc(String($0)) }
                .joined(separator: "<br>") + "</p>\n"
        }
        let rows = [("总体", overall)] + owners.map { ($0.owner, $0.figures) }
        h += "<h2 style=\"\(font)font-size:16px;margin:20px 0 6px\">总体与各负责人</h2>\n"
        h += Self.mailSummaryTable(rows)
        h += "<h2 style=\"\(font)font-size:16px;margin:20px 0 6px\">24小时内首次响应率（及时率）</h2>\n"
        h += Self.mailBars(rows.map { ($0.0, $0.1.firstResponse.rate) })
        h += "<h2 style=\"\(font)font-size:16px;margin:20px 0 6px\">48小时内给出解决方案（投诉）</h2>\n"
        h += Self.mailBars(rows.map { ($0.0, $0.1.complaintSolution.rate) })
        h += "<h2 style=\"\(font)font-size:16px;margin:20px 0 6px\">未结事项账龄</h2>\n"
        h += Self.mailAges(overall.openByAge)
        h += "</body></html>\n"
        return h
    }

    static let cell = "border:1px solid #cccccc;padding:4px 8px;text-align:right;font-size:13px"
    static let cellLeft = "border:1px solid #cccccc;padding:4px 8px;text-align:left;font-size:13px"

    static func mailSummaryTable(_ rows: [(String, ReportFigures)]) -> String {
        let heads = ["新增", "办结", "及时率", "响应中位数", "P90", "投诉48h解决", "纪要 确认/异议/待定", "待办 按时/逾期完成/逾期/进行中", "回访/回复"]
        var t = "<table cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;margin:6px 0\">\n<tr>"
        t += "<th style=\"\(cellLeft);background:#f3f5f8\">负责人</th>"
        for head in heads { t += "<th style=\"\(cell);background:#f3f5f8\">\(esc(head))</th>" }
        t += "</tr>\n"
        for (name, f) in rows {
            t += "<tr><td style=\"\(cellLeft)\">\(esc(name))</td><td style=\"\(cell)\">\(f.casesOpened)</td><td style=\"\(cell)\">\(f.casesResolved)</td>"
            t += "<td style=\"\(cell)\">\(f.firstResponse.within24h)/\(f.firstResponse.total) (\(pct(f.firstResponse.rate)))</td>"
            t += "<td style=\"\(cell)\">\(esc(duration(f.firstResponse.median)))</td><td style=\"\(cell)\">\(esc(duration(f.firstResponse.p90)))</td>"
            t += "<td style=\"\(cell)\">\(f.complaintSolution.within48h)/\(f.complaintSolution.total) (\(pct(f.complaintSolution.rate)))</td>"
            t += "<td style=\"\(cell)\">\(f.recaps.confirmed)/\(f.recaps.disputed)/\(f.recaps.pending)</td>"
            t += "<td style=\"\(cell)\">\(f.items.doneOnTime)/\(f.items.doneLate)/\(f.items.overdue)/\(f.items.open)</td>"
            t += "<td style=\"\(cell)\">\(f.satisfaction.followUps)/\(f.satisfaction.replied)</td></tr>\n"
        }
        return t + "</table>\n"
    }

    /// A rate per row as a bar: a 240-pixel track, its filled part the rate (green ≥ 90 %,
    /// amber ≥ 70 %, red below), then the figure.
    static func mailBars(_ rows: [(String, Double?)]) -> String {
        var t = "<table cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;margin:6px 0\">\n"
        for (label, rate) in rows {
            let w = rate.map { Int((240 * min(max($0, 0), 1)).rounded()) } ?? 0
            let color = (rate ?? 0) >= 0.9 ? "#2e7d32" : (rate ?? 0) >= 0.7 ? "#f9a825" : "#c62828"
            t += "<tr><td style=\"padding:3px 10px 3px 0;font-size:13px;white-space:nowrap\">\(esc(truncated(label)))</td>"
            t += "<td style=\"padding:3px 0\"><table cellpadding=\"0\" cellspacing=\"0\" border=\"0\" width=\"240\" style=\"border-collapse:collapse;width:240px\"><tr>"
            if w > 0 { t += "<td width=\"\(w)\" height=\"14\" bgcolor=\"\(color)\" style=\"width:\(w)px;height:14px;background:\(color);font-size:1px;line-height:1px\">&nbsp;</td>" }
            if w < 240 { t += "<td width=\"\(240 - w)\" height=\"14\" bgcolor=\"#eceff1\" style=\"width:\(240 - w)px;height:14px;background:#eceff1;font-size:1px;line-height:1px\">&nbsp;</td>" }
            t += "</tr></table></td><td style=\"padding:3px 0 3px 8px;font-size:13px\">\(pct(rate))</td></tr>\n"
        }
        return t + "</table>\n"
    }

    /// Open cases by age as bars scaled to the largest bucket.
    static func mailAges(_ buckets: [ReportFigures.AgeBucket]) -> String {
        let most = max(1, buckets.map(\.count).max() ?? 1)
        var t = "<table cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;margin:6px 0\">\n"
        for b in buckets {
            let w = Int((240 * Double(b.count) / Double(most)).rounded())
            t += "<tr><td style=\"padding:3px 10px 3px 0;font-size:13px;white-space:nowrap\">\(esc(b.age))</td><td style=\"padding:3px 0\">"
            if w > 0 {
                t += "<table cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse\"><tr><td width=\"\(w)\" height=\"14\" bgcolor=\"#1565c0\" "
                    + "style=\"width:\(w)px;height:14px;background:#1565c0;font-size:1px;line-height:1px\">&nbsp;</td></tr></table>"
            }
            t += "</td><td style=\"padding:3px 0 3px 8px;font-size:13px\">\(b.count)</td></tr>\n"
        }
        return t + "</table>\n"
    }
}
