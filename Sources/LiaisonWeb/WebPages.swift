import Foundation
import Mustache

/// The console's pages: the Mustache files of `Templates/web/` (`[templates] directory` + `/web`)
/// and its stylesheet, read at start and on SIGHUP. `{{name}}` escapes HTML (& < > " '), so every
/// value from mail is text on the page; no template may use `{{{…}}}` or `{{&…}}` (refused at load).
struct WebPages: Sendable {
    static let required = ["_head", "_foot", "signin", "message", "cases", "case"]

    let library: MustacheLibrary
    let css: [UInt8]

    init(directory: String) throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            throw WebPagesError("cannot read the console's templates folder \(directory)")
        }
        var library = MustacheLibrary()
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw WebPagesError("\(path) cannot be read as UTF-8")
            }
            if text.contains("{{{") || text.contains("{{&") {
                throw WebPagesError("\(path) uses an unescaped value ({{{…}}} or {{&…}}): every value must be escaped")
            }
            do { library.register(try MustacheTemplate(string: text), named: String(name.dropLast(".mustache".count))) } catch {
                throw WebPagesError("\(path): \(error)")
            }
        }
        for r in Self.required where library.getTemplate(named: r) == nil {
            throw WebPagesError("\(directory) lacks \(r).mustache")
        }
        // The case list's rows are written by `CaseListRows` where the template marks them.
        let cases = fm.contents(atPath: (directory as NSString).appendingPathComponent("cases.mustache")).flatMap { String(data: $0, encoding: .utf8) } ?? ""
        guard cases.components(separatedBy: Self.rowsMarker).count == 2 else {
            throw WebPagesError("\(directory)/cases.mustache must mark where the rows go with \(Self.rowsMarker), once")
        }
        guard let css = fm.contents(atPath: (directory as NSString).appendingPathComponent("console.css")) else {
            throw WebPagesError("\(directory) lacks console.css")
        }
        self.library = library
        self.css = [UInt8](css)
    }

    func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    /// Where `cases.mustache` puts the table body that `CaseListRows` writes. A value from mail
    /// cannot forge it: every value on the page is escaped, and `<` never survives escaping.
    static let rowsMarker = "<!-- liaison:rows -->"

    /// A page with `inserted` (already HTML, written by `HTMLWriter`) at the first
    /// `rowsMarker` of the rendered template (none: the page as rendered).
    func render(_ name: String, _ context: [String: Any], inserting inserted: [UInt8]) -> [UInt8] {
        var page = render(name, context)
        return page.withUTF8 { html -> [UInt8] in
            let marker = Array(Self.rowsMarker.utf8)
            guard let at = Self.find(marker, in: html) else { return Array(html) }
            var out: [UInt8] = []
            out.reserveCapacity(html.count + inserted.count)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: html[..<at]))
            out.append(contentsOf: inserted)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: html[(at + marker.count)...]))
            return out
        }
    }

    static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = needle.first, hay.count >= needle.count else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

struct WebPagesError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
