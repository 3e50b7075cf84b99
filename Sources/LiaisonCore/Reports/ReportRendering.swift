import Foundation

// MARK: - JSON

extension Report: Encodable {
    /// `{"from", "to", "overall": {…}, "owners": [{"owner": ADDRESS, …}]}` (issue 15).
    struct OwnerEntry: Encodable {
        var owner: String
        var figures: ReportFigures
        func encode(to encoder: Encoder) throws {
            try figures.encode(to: encoder)
            var k = encoder.container(keyedBy: Key.self)
            try k.encode(owner, forKey: Key("owner"))
        }
    }
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    public func encode(to encoder: Encoder) throws {
        var k = encoder.container(keyedBy: Key.self)
        try k.encode(from, forKey: Key("from"))
        try k.encode(to, forKey: Key("to"))
        try k.encode(overall, forKey: Key("overall"))
        try k.encode(owners.map { OwnerEntry(owner: $0.owner, figures: $0.figures) }, forKey: Key("owners"))
    }

    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}

// MARK: - Text

extension Report {
    /// Plain text for a terminal: one block per owner after the overall figures.
    public func text() -> String {
        var out = "Report \(from) – \(to)\n"
        out += Self.block("overall", overall)
        for o in owners { out += "\n" + Self.block(o.owner, o.figures) }
        return out
    }

    static func block(_ title: String, _ f: ReportFigures) -> String {
        func pct(_ r: Double?) -> String { r.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        var s = "== \(title)\n"
        s += "cases opened \(f.casesOpened), resolved \(f.casesResolved)\n"
        s += "first response (及时率): \(f.firstResponse.within24h)/\(f.firstResponse.total) within 24 h (\(pct(f.firstResponse.rate))), "
            + "median \(duration(f.firstResponse.median)), p90 \(duration(f.firstResponse.p90))\n"
        s += "complaint solution within 48 h (解决率): \(f.complaintSolution.within48h)/\(f.complaintSolution.total) (\(pct(f.complaintSolution.rate)))\n"
        s += "recaps (准确率): \(f.recaps.confirmed) confirmed, \(f.recaps.disputed) disputed, \(f.recaps.pending) pending\n"
        s += "items: \(f.items.doneOnTime) done on time, \(f.items.doneLate) done late, \(f.items.overdue) overdue, \(f.items.open) open\n"
        s += "satisfaction (满意度): \(f.satisfaction.followUps) follow-ups, \(f.satisfaction.replied) answered\n"
        s += "open cases by age: " + f.openByAge.map { "\($0.age) \($0.count)" }.joined(separator: ", ") + "\n"
        return s
    }

    /// `3h 05m`, `2d 4h`, `-` for none.
    static func duration(_ seconds: Int?) -> String {
        guard let s = seconds else { return "-" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return String(format: "%dh %02dm", s / 3600, s % 3600 / 60) }
        return "\(s / 86_400)d \(s % 86_400 / 3600)h"
    }
}

// MARK: - HTML

extension Report {
    /// One self-contained page: no script, no external file, inline SVG charts, every value
    /// escaped (HTML text and attribute context; control characters and bidi overrides dropped).
    public func html(organization: String = "") -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="zh-Hans"><head><meta charset="utf-8">
        <title>\(Self.esc("沟通工作报告 \(from) – \(to)"))</title>
        <style>
        body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;margin:24px;color:#222;background:#fff}
        h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
        table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;font-size:14px}
        th{background:#f3f5f8} td.l,th.l{text-align:left} .muted{color:#777;font-size:13px}
        .charts{display:flex;flex-wrap:wrap;gap:16px} .chart{border:1px solid #e3e3e3;padding:8px}
        </style></head><body>
        <h1>\(Self.esc((organization.isEmpty ? "" : organization + " ") + "沟通工作报告"))</h1>
        <p class="muted">\(Self.esc("\(from) – \(to)"))</p>

        """
        h += "<h2>总体 Overall</h2>\n" + Self.summaryTable([("总体", overall)] + owners.map { ($0.owner, $0.figures) })
        h += "<div class=\"charts\">\n"
        h += Self.chart(title: "24小时内首次响应率 (及时率)", rows: [("总体", overall.firstResponse.rate)] + owners.map { ($0.owner, $0.figures.firstResponse.rate) })
        h += Self.chart(title: "48小时内给出解决方案 (投诉)", rows: [("总体", overall.complaintSolution.rate)] + owners.map { ($0.owner, $0.figures.complaintSolution.rate) })
        h += Self.stacked(title: "沟通纪要 (准确率)", legend: [("已确认", "#2e7d32"), ("有异议", "#c62828"), ("待确认", "#9e9e9e")],
                          rows: [("总体", overall)] + owners.map { ($0.owner, $0.figures) }) { [$0.recaps.confirmed, $0.recaps.disputed, $0.recaps.pending] }
        h += Self.stacked(title: "待办事项", legend: [("按时完成", "#2e7d32"), ("逾期完成", "#f9a825"), ("已逾期", "#c62828"), ("进行中", "#1565c0")],
                          rows: [("总体", overall)] + owners.map { ($0.owner, $0.figures) }) {
            [$0.items.doneOnTime, $0.items.doneLate, $0.items.overdue, $0.items.open]
        }
        h += Self.columns(title: "未结事项账龄", buckets: overall.openByAge)
        h += "</div>\n</body></html>\n"
        return h
    }

    static func esc(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default:
                // Control characters and bidi overrides never reach the page.
                if ch.value < 0x20 || (0x202A...0x202E).contains(ch.value) || (0x2066...0x2069).contains(ch.value) { o += " " } else { o.unicodeScalars.append(ch) }
            }
        }
        return o
    }

    static func pct(_ r: Double?) -> String { r.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }

    static func summaryTable(_ rows: [(String, ReportFigures)]) -> String {
        var t = "<table><tr><th class=\"l\">负责人</th><th>新增</th><th>办结</th><th>及时率</th><th>响应中位数</th><th>P90</th>"
            + "<th>投诉48h解决</th><th>纪要 确认/异议/待定</th><th>待办 按时/逾期完成/逾期/进行中</th><th>回访/回复</th></tr>\n"
        for (name, f) in rows {
            t += "<tr><td class=\"l\">\(esc(name))</td><td>\(f.casesOpened)</td><td>\(f.casesResolved)</td>"
            t += "<td>\(f.firstResponse.within24h)/\(f.firstResponse.total) (\(pct(f.firstResponse.rate)))</td>"
            t += "<td>\(esc(duration(f.firstResponse.median)))</td><td>\(esc(duration(f.firstResponse.p90)))</td>"
            t += "<td>\(f.complaintSolution.within48h)/\(f.complaintSolution.total) (\(pct(f.complaintSolution.rate)))</td>"
            t += "<td>\(f.recaps.confirmed)/\(f.recaps.disputed)/\(f.recaps.pending)</td>"
            t += "<td>\(f.items.doneOnTime)/\(f.items.doneLate)/\(f.items.overdue)/\(f.items.open)</td>"
            t += "<td>\(f.satisfaction.followUps)/\(f.satisfaction.replied)</td></tr>\n"
        }
        return t + "</table>\n"
    }

    /// Horizontal bars of a rate (0–100 %), one per row.
    static func chart(title: String, rows: [(String, Double?)]) -> String {
        let rowH = 26, labelW = 200, barW = 260, h = 30 + rows.count * rowH
        var s = "<div class=\"chart\"><svg width=\"\(labelW + barW + 70)\" height=\"\(h)\" role=\"img\">"
        s += "<title>\(esc(title))</title><text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(esc(title))</text>"
        for (i, (label, rate)) in rows.enumerated() {
            let y = 26 + i * rowH
            s += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\">\(esc(truncated(label)))</text>"
            s += "<rect x=\"\(labelW)\" y=\"\(y + 3)\" width=\"\(barW)\" height=\"16\" fill=\"#eceff1\"/>"
            if let rate {
                let w = Int((Double(barW) * min(max(rate, 0), 1)).rounded())
                let color = rate >= 0.9 ? "#2e7d32" : rate >= 0.7 ? "#f9a825" : "#c62828"
                s += "<rect x=\"\(labelW)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"16\" fill=\"\(color)\"/>"
            }
            s += "<text x=\"\(labelW + barW + 6)\" y=\"\(y + 15)\" font-size=\"12\">\(pct(rate))</text>"
        }
        return s + "</svg></div>\n"
    }

    /// Horizontal stacked bars of counts, one per row, scaled to the largest row.
    static func stacked(title: String, legend: [(String, String)], rows: [(String, ReportFigures)], values: (ReportFigures) -> [Int]) -> String {
        let rowH = 26, labelW = 200, barW = 260, h = 48 + rows.count * rowH
        let maxTotal = max(1, rows.map { values($0.1).reduce(0, +) }.max() ?? 1)
        var s = "<div class=\"chart\"><svg width=\"\(labelW + barW + 70)\" height=\"\(h)\" role=\"img\">"
        s += "<title>\(esc(title))</title><text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(esc(title))</text>"
        var lx = 0
        for (name, color) in legend {
            s += "<rect x=\"\(lx)\" y=\"24\" width=\"10\" height=\"10\" fill=\"\(color)\"/><text x=\"\(lx + 14)\" y=\"33\" font-size=\"11\">\(esc(name))</text>"
            lx += 20 + name.count * 12
        }
        for (i, (label, f)) in rows.enumerated() {
            let y = 44 + i * rowH
            let v = values(f)
            s += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\">\(esc(truncated(label)))</text>"
            var x = Double(labelW)
            for (j, n) in v.enumerated() where n > 0 {
                let w = Double(barW) * Double(n) / Double(maxTotal)
                s += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(y + 3)\" width=\"\(String(format: "%.1f", w))\" height=\"16\" fill=\"\(legend[j].1)\"/>"
                x += w
            }
            s += "<text x=\"\(labelW + barW + 6)\" y=\"\(y + 15)\" font-size=\"12\">\(v.reduce(0, +))</text>"
        }
        return s + "</svg></div>\n"
    }

    /// Vertical columns: open cases by age.
    static func columns(title: String, buckets: [ReportFigures.AgeBucket]) -> String {
        let colW = 60, chartH = 140, w = 20 + buckets.count * (colW + 16)
        let maxN = max(1, buckets.map(\.count).max() ?? 1)
        var s = "<div class=\"chart\"><svg width=\"\(max(w, 300))\" height=\"\(chartH + 70)\" role=\"img\">"
        s += "<title>\(esc(title))</title><text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(esc(title))</text>"
        for (i, b) in buckets.enumerated() {
            let x = 10 + i * (colW + 16)
            let hgt = Int((Double(chartH) * Double(b.count) / Double(maxN)).rounded())
            let top = 30 + chartH - hgt
            s += "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(colW)\" height=\"\(hgt)\" fill=\"#1565c0\"/>"
            s += "<text x=\"\(x + colW / 2)\" y=\"\(top - 4)\" font-size=\"12\" text-anchor=\"middle\">\(b.count)</text>"
            s += "<text x=\"\(x + colW / 2)\" y=\"\(30 + chartH + 16)\" font-size=\"12\" text-anchor=\"middle\">\(esc(b.age))</text>"
        }
        return s + "</svg></div>\n"
    }

    static func truncated(_ s: String) -> String { s.count > 28 ? String(s.prefix(27)) + "…" : s }
}
