import Foundation
import LiaisonCore
import LiaisonStore
import Testing

@testable import LiaisonWeb

/// The case list's table body written as bytes (`CaseListRows`, `HTMLWriter`) against what the
/// template wrote before (`{{#rows}}` in cases.mustache, rendered by Mustache here): the same
/// markup and the same escaping, byte for byte, hostile values included.
@Suite("console: the case list's rows written by HTMLWriter")
struct ConsoleRowsTests {
    /// The row section as cases.mustache had it until the rows were written in Swift.
    static let formerRowTemplate = """
        {{#rows}}
        <tr class="{{#overdue}}overdue{{/overdue}}{{#disputed}} disputed{{/disputed}}">
        <td data-label="{{t.number}}"><a href="/cases/{{number}}">{{number}}</a></td>
        <td data-label="{{t.subject}}">{{subject}}{{#overdue}} <span class="flag overdue">{{overdue}} {{t.overdueItems}}</span>{{/overdue}}{{#disputed}} <span class="flag disputed">{{t.disputed}}</span>{{/disputed}}</td>
        <td data-label="{{t.counterparty}}">{{counterparty}}</td>
        <td data-label="{{t.owner}}">{{owner}}</td>
        <td data-label="{{t.category}}">{{category}}</td>
        <td data-label="{{t.status}}">{{status}}</td>
        <td data-label="{{t.opened}}">{{opened}}</td>
        </tr>
        {{/rows}}

        """

    static let hostile = "<script>alert(1)</script> \"onmouseover=alert(2) 'x' & 质量问题"

    static let rows: [WebCaseRow] = [
        WebCaseRow(number: "EC20261116-001", subject: hostile, status: .open, owner: "zhang.wei@corp.example", category: .complaint,
                   organization: "\"onmouseover=alert(3)<b>", contacts: ["li<script>@evil.example", "a'b@x.example", "third@x.example"],
                   openedAt: Date(timeIntervalSince1970: 1_763_280_000), overdueItems: 2, disputedRecaps: 1),
        WebCaseRow(number: "EC20261116-002", subject: nil, status: .resolved, owner: nil, category: CaseCategory(rawValue: "<i>odd</i>"),
                   organization: nil, contacts: [], openedAt: Date(timeIntervalSince1970: 0), overdueItems: 0, disputedRecaps: 0),
        WebCaseRow(number: "EC20261116-003", subject: "普通 & plain", status: .open, owner: "outsider&<x>@corp.example", category: .complaint,
                   organization: "华东精密", contacts: ["buyer@huadong.example"], openedAt: Date(timeIntervalSince1970: 1_800_000_000.5),
                   overdueItems: 0, disputedRecaps: 3),
    ]

    @Test(arguments: [PageLanguage.zhHans, .zhHant, .en])
    func rowsAreTheFormerTemplatesRowsByteForByte(lang: PageLanguage) throws {
        let clock = WallClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let staff = ["张伟": "Zhang.Wei@corp.example", "<王芳>": "outsider&<x>@corp.example"]
        let written = String(decoding: CaseListRows(lang: lang, clock: clock, staff: staff).render(Self.rows), as: UTF8.self)

        let dir = try Self.templates(extra: ["formerrows": Self.formerRowTemplate])
        defer { try? FileManager.default.removeItem(at: dir) }
        let pages = try WebPages(directory: dir.path)
        let words = WebWords.table(lang)
        let context: [String: Any] = ["rows": Self.rows.map { r -> [String: Any] in
            [
                "t": words, "number": r.number, "subject": r.subject ?? "", "counterparty": ConsoleResponder.counterparty(r.organization, r.contacts),
                "owner": CaseListRows.person(r.owner, staff), "category": ConsoleResponder.category(r.category, lang),
                "status": WebWords.word(r.status.rawValue, lang), "opened": ConsoleResponder.time(r.openedAt, clock),
                "overdue": r.overdueItems > 0 ? r.overdueItems as Any : false, "disputed": r.disputedRecaps > 0,
            ]
        }]
        let expected = pages.render("formerrows", context)
        #expect(expected.contains("<tr class="))
        #expect(written == expected)
        #expect(!written.contains("<script"), "no script element")
        #expect(!written.contains("\"onmouseover"), "no attribute escapes its quotes")
        #expect(written.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;onmouseover=alert(2) &#39;x&#39; &amp; 质量问题"))
        #expect(written.contains("&lt;王芳&gt; &lt;outsider&amp;&lt;x&gt;@corp.example&gt;"))
    }

    @Test func theWriterEscapesWhatMustacheEscapesAndNothingElse() {
        for s in ["", "plain", "&", "<>\"'&", "a<b>c", "中文<混合>'text'\"", "\u{0}\u{7f}é€😀", String(repeating: "<&", count: 1_000)] {
            var w = HTMLWriter()
            w.text(s)
            var expected = ""
            for c in s {
                switch c {
                case "&": expected += "&amp;"
                case "<": expected += "&lt;"
                case ">": expected += "&gt;"
                case "\"": expected += "&quot;"
                case "'": expected += "&#39;"
                default: expected.append(c)
                }
            }
            #expect(String(decoding: w.bytes, as: UTF8.self) == expected)
        }
        var w = HTMLWriter()
        w.number(0); w.markup(" "); w.number(-42); w.markup(" "); w.padded(7, width: 2); w.markup(" "); w.padded(2026, width: 4); w.markup(" ")
        w.padded(5, width: 4); w.markup(" "); w.padded(123, width: 2); w.markup(" "); w.padded(-5, width: 3); w.markup(" ")
        w.number(Int.min); w.markup(" "); w.padded(Int.min, width: 2)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "0 -42 07 2026 0005 123 -005 \(Int.min) \(Int.min)")
    }

    @Test func aPageIsTheTemplateWithTheRowsWhereItMarksThem() throws {
        let dir = try Self.templates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pages = try WebPages(directory: dir.path)
        let page = String(decoding: pages.render("cases", ["hasRows": true, "filter": ["q": WebPages.rowsMarker]], inserting: Array("<tr>R</tr>".utf8)),
                          as: UTF8.self)
        #expect(page.contains("<tbody>\n<tr>R</tr>\n</tbody>"))
        #expect(!page.contains(WebPages.rowsMarker), "the marker is replaced; a value that spells it is escaped")
        #expect(page.contains("&lt;!-- liaison:rows --&gt;"))

        // A template without the marker (or with two) is refused at load, like an unescaped value.
        let cases = dir.appendingPathComponent("cases.mustache")
        let text = try String(contentsOf: cases, encoding: .utf8)
        try text.replacingOccurrences(of: WebPages.rowsMarker, with: "").write(to: cases, atomically: true, encoding: .utf8)
        #expect(throws: WebPagesError.self) { try WebPages(directory: dir.path) }
        try (text + WebPages.rowsMarker).write(to: cases, atomically: true, encoding: .utf8)
        #expect(throws: WebPagesError.self) { try WebPages(directory: dir.path) }
    }

    /// A copy of the repository's `Templates/web/`, with `extra` templates (name → text).
    static func templates(extra: [String: String] = [:]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates/web")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        for (name, text) in extra { try text.write(to: dir.appendingPathComponent(name + ".mustache"), atomically: true, encoding: .utf8) }
        return dir
    }
}
