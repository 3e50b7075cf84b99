import Foundation
import Mustache
import Synchronization

/// A mail rendered from its template: the subject (one line), the text/plain body, and the
/// text/html alternative made from the same template (Templates/README.md).
public struct RenderedMail: Sendable, Equatable {
    public var kind: MailTemplateKind
    /// The locale of the file used (the asked-for one, or zh-Hans when it has no file).
    public var locale: MailLocale
    /// One line, values flattened; RFC 2047 encoding is the builder's.
    public var subject: String
    /// The text/plain body, LF line ends.
    public var text: String
    /// A whole HTML document (the text/html alternative, RFC 2046 §5.1.4).
    public var html: String
}

/// The mail templates of one folder, loaded and checked at once: one file per kind and locale
/// (`item-due.zh-Hans.mustache`), partials beside them (`_footer.zh-Hans.mustache`). Loading
/// fails, naming the file and line, when a file does not parse, has no subject, uses an unknown
/// name or an unescaped tag, or when a kind has no zh-Hans file; a kind missing in another locale
/// falls back to its zh-Hans file. Immutable: to reload (SIGHUP), construct a new one.
public struct MailTemplates: Sendable {
    /// Where the files were read from (nil when built from strings).
    public let directory: String?
    /// The (kind, locale) pairs that have no file of their own and use the zh-Hans one.
    public let fallbacks: [(kind: MailTemplateKind, locale: MailLocale)]

    struct Key: Hashable { var kind: MailTemplateKind; var locale: MailLocale }
    struct Compiled: Sendable {
        var subject: MustacheTemplate
        var text: MustacheTemplate
        var html: MustacheTemplate
    }
    private let compiled: [Key: Compiled]
    private let textLibrary: MustacheLibrary
    private let htmlLibrary: MustacheLibrary

    /// Loads every `*.mustache` file of `directory` (not its subfolders).
    public init(directory: String) throws {
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: directory)
        } catch {
            throw TemplateLoadError(file: directory, line: nil, problem: "cannot read the templates folder: \(error.localizedDescription)")
        }
        var files: [String: String] = [:]
        for name in names where name.hasSuffix(".mustache") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: path) else {
                throw TemplateLoadError(file: name, line: nil, problem: "cannot be read")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TemplateLoadError(file: name, line: nil, problem: "is not UTF-8")
            }
            files[name] = text
        }
        // The same folder with the same files again (start-up loads it for the configuration
        // check, the reminders and the weekly check; a SIGHUP with nothing changed): the
        // templates parsed the last time, which are what parsing them again would give.
        // Parsing is the cost (a tenth of a second of start-up each time); reading is not.
        if let same = Self.lastLoaded.withLock({ last in last.flatMap { $0.directory == directory && $0.files == files ? $0.templates : nil } }) {
            self = same
            return
        }
        try self.init(files: files, directory: directory)
        let loaded = self
        Self.lastLoaded.withLock { $0 = (directory, files, loaded) }
    }

    /// The folder loaded last, its files, and what they gave (`init(directory:)`).
    private static let lastLoaded = Mutex<(directory: String, files: [String: String], templates: MailTemplates)?>(nil)

    /// Templates from file names and contents (names as in the folder, e.g. `digest.en.mustache`).
    public init(files: [String: String], directory: String? = nil) throws {
        self.directory = directory
        var partials: [String: String] = [:]
        var sources: [Key: TemplateSource] = [:]
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            guard name.hasSuffix(".mustache") else { continue }
            let stem = String(name.dropLast(".mustache".count))
            if stem.hasPrefix("_") {
                partials[stem] = try TemplateSource(file: name, text: text, isPartial: true).body
                continue
            }
            let parts = stem.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TemplateLoadError(file: name, line: nil, problem: "name it KIND.LOCALE.mustache, e.g. item-due.zh-Hans.mustache")
            }
            guard let kind = MailTemplateKind(rawValue: String(parts[0])) else {
                throw TemplateLoadError(file: name, line: nil, problem: "`\(parts[0])` is not a mail kind (kinds: "
                                        + MailTemplateKind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let locale = MailLocale(rawValue: String(parts[1])) else {
                throw TemplateLoadError(file: name, line: nil, problem: "`\(parts[1])` is not a locale (locales: "
                                        + MailLocale.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            sources[Key(kind: kind, locale: locale)] = try TemplateSource(file: name, text: text, isPartial: false)
        }
        let missing = MailTemplateKind.allCases.filter { sources[Key(kind: $0, locale: .fallback)] == nil }
        if !missing.isEmpty {
            throw TemplateLoadError(
                file: directory ?? "templates", line: nil,
                problem: "missing " + missing.map { $0.fileName(.fallback) }.joined(separator: ", ")
                    + " (every kind needs its zh-Hans file; other locales fall back to it)")
        }
        let partialNames = Set(partials.keys)
        for (name, body) in partials.sorted(by: { $0.key < $1.key }) {
            try TemplateSource.check(body, file: name + ".mustache", firstLine: 1, partials: partialNames)
        }
        for (_, source) in sources.sorted(by: { $0.value.file < $1.value.file }) {
            try source.validate(partials: partialNames)
        }

        var textLibrary = MustacheLibrary()
        var htmlLibrary = MustacheLibrary()
        for (name, body) in partials {
            textLibrary.register(try MustacheTemplate(string: Self.textPragma + body), named: name)
            htmlLibrary.register(try MustacheTemplate(string: TemplateSource.htmlSource(body)), named: name)
        }
        var compiled: [Key: Compiled] = [:]
        for (key, source) in sources {
            compiled[key] = Compiled(
                subject: try MustacheTemplate(string: Self.textPragma + (source.subject ?? "")),
                text: try MustacheTemplate(string: Self.textPragma + source.body),
                html: try MustacheTemplate(string: TemplateSource.htmlSource(source.body)))
        }
        var fallbacks: [(kind: MailTemplateKind, locale: MailLocale)] = []
        for kind in MailTemplateKind.allCases {
            for locale in MailLocale.allCases where compiled[Key(kind: kind, locale: locale)] == nil {
                fallbacks.append((kind, locale))
            }
        }
        self.compiled = compiled
        self.textLibrary = textLibrary
        self.htmlLibrary = htmlLibrary
        self.fallbacks = fallbacks
    }

    /// A standalone pragma line: values are not escaped in the subject and the text body.
    static let textPragma = "{{%CONTENT_TYPE: TEXT}}\n"

    /// The locale whose file renders `kind` for `locale`.
    public func effectiveLocale(_ kind: MailTemplateKind, _ locale: MailLocale) -> MailLocale {
        compiled[Key(kind: kind, locale: locale)] == nil ? .fallback : locale
    }

    /// Renders `kind` in `locale` (or its zh-Hans fallback) with `values`.
    public func render(_ kind: MailTemplateKind, locale: MailLocale, values: [String: TemplateValue]) -> RenderedMail {
        let used = effectiveLocale(kind, locale)
        // Present for every kind in zh-Hans: checked at load.
        let t = compiled[Key(kind: kind, locale: used)]!
        let object = TemplateValue.object(values)
        let subject = TemplateValue.flatten(t.subject.render(object, library: textLibrary))
            .split(whereSeparator: { $0 == " " }).joined(separator: " ")
        let text = Self.tidy(t.text.render(object, library: textLibrary))
        let htmlText = Self.tidy(t.html.render(object, library: htmlLibrary))
        return RenderedMail(kind: kind, locale: used, subject: subject, text: text,
                            html: Self.htmlDocument(htmlText, title: HTMLEscape.text(subject), lang: used.rawValue))
    }

    /// Right-trimmed lines, at most one blank line in a row, no blank lines at the ends.
    static func tidy(_ rendered: String) -> String {
        var out: [Substring] = []
        for raw in rendered.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            var line = raw
            while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
            if line.isEmpty, out.last?.isEmpty ?? true { continue }
            out.append(line)
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out.joined(separator: "\n")
    }

    /// The HTML part: each paragraph (blank-line separated) a `<p>`, its lines joined by `<br>`.
    /// `escaped` is already HTML text (literals and values escaped).
    static func htmlDocument(_ escaped: String, title: String, lang: String) -> String {
        let paragraphs = escaped.components(separatedBy: "\n\n").map { p in
            "<p>" + p.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "<br>\n") + "</p>"
        }
        return """
            <!DOCTYPE html>
            <html lang="\(lang)">
            <head><meta charset="utf-8"><title>\(title)</title></head>
            <body style="font-family: sans-serif; font-size: 14px; line-height: 1.6;">
            \(paragraphs.joined(separator: "\n"))
            </body>
            </html>
            """
    }
}
