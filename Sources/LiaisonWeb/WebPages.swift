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
        guard let css = fm.contents(atPath: (directory as NSString).appendingPathComponent("console.css")) else {
            throw WebPagesError("\(directory) lacks console.css")
        }
        self.library = library
        self.css = [UInt8](css)
    }

    func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }
}

struct WebPagesError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
