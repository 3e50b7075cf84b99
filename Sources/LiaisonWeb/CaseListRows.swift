import Foundation
import LiaisonCore
import LiaisonStore

/// The case list's table body (`/cases`): one `<tr>` per case, written by `HTMLWriter` from typed
/// rows rather than by Mustache from `[String: Any]` contexts (whose per-cell dynamic lookups and
/// escaping were ~43 % of the page's time in a release build: docs/benchmarks.md "The web console
/// (issue 19)"). The page around it is still `Templates/web/cases.mustache`, which marks where the
/// rows go with `WebPages.rowsMarker`. The markup is the template's former `{{#rows}}` section, cell
/// for cell (the browser test and ConsoleTests read it); every value is escaped.
struct CaseListRows {
    let lang: PageLanguage
    let clock: WallClock
    let staff: [String: String]

    init(lang: PageLanguage, clock: WallClock, staff: [String: String]) {
        self.lang = lang
        self.clock = clock
        self.staff = staff
    }

    func render(_ rows: [WebCaseRow]) -> [UInt8] {
        let t = WebWords.table(lang)
        func word(_ k: String) -> String { t[k] ?? k }
        let number = word("number"), subject = word("subject"), counterparty = word("counterparty"), owner = word("owner")
        let category = word("category"), status = word("status"), opened = word("opened"), overdueItems = word("overdueItems")
        let disputed = word("disputed")
        var names: [String: String] = [:]  // owner address → as shown, once per page
        var w = HTMLWriter(capacity: rows.count * 900)
        for r in rows {
            w.markup("<tr class=\"")
            if r.overdueItems > 0 { w.markup("overdue") }
            if r.disputedRecaps > 0 { w.markup(" disputed") }
            w.markup("\">\n<td data-label=\"")
            w.text(number)
            w.markup("\"><a href=\"/cases/")
            w.text(r.number)
            w.markup("\">")
            w.text(r.number)
            w.markup("</a></td>\n<td data-label=\"")
            w.text(subject)
            w.markup("\">")
            w.text(r.subject ?? "")
            if r.overdueItems > 0 {
                w.markup(" <span class=\"flag overdue\">")
                w.number(r.overdueItems)
                w.markup(" ")
                w.text(overdueItems)
                w.markup("</span>")
            }
            if r.disputedRecaps > 0 {
                w.markup(" <span class=\"flag disputed\">")
                w.text(disputed)
                w.markup("</span>")
            }
            w.markup("</td>\n<td data-label=\"")
            w.text(counterparty)
            w.markup("\">")
            w.text(ConsoleResponder.counterparty(r.organization, r.contacts))
            w.markup("</td>\n<td data-label=\"")
            w.text(owner)
            w.markup("\">")
            if let o = r.owner {
                if names[o] == nil { names[o] = Self.person(o, staff) }
                w.text(names[o]!)
            } else {
                w.text(Self.person(nil, staff))
            }
            w.markup("</td>\n<td data-label=\"")
            w.text(category)
            w.markup("\">")
            w.text(ConsoleResponder.category(r.category, lang))
            w.markup("</td>\n<td data-label=\"")
            w.text(status)
            w.markup("\">")
            w.text(t[r.status.rawValue] ?? r.status.rawValue)
            w.markup("</td>\n<td data-label=\"")
            w.text(opened)
            w.markup("\">")
            time(r.openedAt, &w)
            w.markup("</td>\n</tr>\n")
        }
        return w.bytes
    }

    /// `YYYY-MM-DD HH:MM` in the organisation's zone, as `ConsoleResponder.time` writes it.
    func time(_ d: Date, _ w: inout HTMLWriter) {
        let (day, s) = clock.local(d)
        w.padded(day.year, width: 4)
        w.markup("-")
        w.padded(day.month, width: 2)
        w.markup("-")
        w.padded(day.day, width: 2)
        w.markup(" ")
        w.padded(s / 3600, width: 2)
        w.markup(":")
        w.padded(s % 3600 / 60, width: 2)
    }

    /// A staff member's name and address (`[staff]`), else the address; "-" for none.
    static func person(_ address: String?, _ staff: [String: String]) -> String {
        guard let address else { return "-" }
        let a = address.lowercased()
        if let name = staff.first(where: { $0.value.lowercased() == a })?.key { return "\(name) <\(address)>" }
        return address
    }
}
