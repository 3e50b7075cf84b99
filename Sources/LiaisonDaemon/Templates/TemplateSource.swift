import Foundation
import Mustache

/// Why the templates cannot be used: the file, and the line (1-based) when one is at fault.
public struct TemplateLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file name inside the templates folder (or the folder itself).
    public var file: String
    public var line: Int?
    public var problem: String
    public init(file: String, line: Int?, problem: String) { self.file = file; self.line = line; self.problem = problem }
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)" }
}

/// One template file split into its parts (Templates/README.md "Layout"):
///
///     {{! comment lines may come first }}
///     Subject: [{{caseNumber}}] 待办事项今日到期：{{item.task}}
///
///     body …
///
/// Header lines run to the first blank line; `Subject:` is the only header and is required. A
/// partial (`_NAME.mustache`) is all body. Pure: it reads no file.
struct TemplateSource: Sendable {
    let file: String
    /// The subject's Mustache source and its line in the file.
    let subject: String?
    let subjectLine: Int
    /// The body's Mustache source and the line it starts on.
    let body: String
    let bodyLine: Int

    /// Splits and checks `text`; `isPartial` files have no header.
    init(file: String, text: String, isPartial: Bool) throws {
        self.file = file
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        if isPartial {
            subject = nil; subjectLine = 0; body = lines.joined(separator: "\n"); bodyLine = 1
            return
        }
        var subject: String?
        var subjectLine = 0
        var i = 0
        var sawBlank = false
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                if subject != nil { sawBlank = true; i += 1; break }
                i += 1
                continue
            }
            if line.hasPrefix("{{!") {
                // A comment, on this line or running to the line that ends it.
                let start = i
                while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).hasSuffix("}}") { i += 1 }
                guard i < lines.count else {
                    throw TemplateLoadError(file: file, line: start + 1, problem: "a comment {{! is not closed with }}")
                }
                i += 1
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw TemplateLoadError(file: file, line: i + 1,
                                        problem: "expected `Subject: …` (the header lines end at the first blank line)")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard name.lowercased() == "subject" else {
                throw TemplateLoadError(file: file, line: i + 1, problem: "unknown header `\(name)`: the only header is `Subject:`")
            }
            guard subject == nil else {
                throw TemplateLoadError(file: file, line: i + 1, problem: "a second `Subject:` line")
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw TemplateLoadError(file: file, line: i + 1, problem: "the subject is empty") }
            subject = value
            subjectLine = i + 1
            i += 1
        }
        guard let subject else { throw TemplateLoadError(file: file, line: nil, problem: "no `Subject:` line") }
        guard sawBlank else {
            throw TemplateLoadError(file: file, line: subjectLine, problem: "no blank line between the `Subject:` line and the body")
        }
        let body = lines[i...].joined(separator: "\n")
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw TemplateLoadError(file: file, line: i + 1, problem: "the body is empty")
        }
        self.subject = subject
        self.subjectLine = subjectLine
        self.body = body
        self.bodyLine = i + 1
    }

    // MARK: - Checks

    /// Parses every part with Mustache and checks its tags: known names only, partials that
    /// exist, no unescaped or delimiter-changing tags (they would defeat HTML escaping).
    func validate(partials: Set<String>) throws {
        if let subject {
            try Self.check(subject, file: file, firstLine: subjectLine, partials: partials)
            if subject.contains("{{>") {
                throw TemplateLoadError(file: file, line: subjectLine, problem: "a partial in the subject: write the subject on its line")
            }
        }
        try Self.check(body, file: file, firstLine: bodyLine, partials: partials)
    }

    static func check(_ source: String, file: String, firstLine: Int, partials: Set<String>) throws {
        do {
            _ = try MustacheTemplate(string: source)
        } catch let e as MustacheTemplate.ParserError {
            throw TemplateLoadError(file: file, line: firstLine + e.context.lineNumber - 1,
                                    problem: "Mustache syntax: \(e.error) at column \(e.context.columnNumber): \(e.context.line)")
        }
        for segment in try scan(source, file: file, firstLine: firstLine) {
            guard case .tag(let inner, let line) = segment else { continue }
            let fail = { (p: String) in TemplateLoadError(file: file, line: line, problem: p) }
            guard let sigil = inner.first else { throw fail("an empty tag {{}}") }
            let rest = inner.dropFirst().trimmingCharacters(in: .whitespaces)
            switch sigil {
            case "!": continue
            case "{", "&": throw fail("`{{\(inner)}}` is unescaped: write {{name}} (Liaison escapes each value for its place)")
            case "=": throw fail("changing the delimiters is not supported")
            case "%": throw fail("pragmas are set by Liaison, not by templates")
            case "<", "$": throw fail("template inheritance is not supported: use a partial {{> _name}}")
            case ">":
                guard partials.contains(rest) else {
                    throw fail("no partial `\(rest)`: partials are files named `\(rest).mustache` beginning with `_`")
                }
            case "#", "^", "/": try checkName(rest, fail: fail)
            default: try checkName(inner.trimmingCharacters(in: .whitespaces), fail: fail)
            }
        }
    }

    /// `a.b` or `transform(a.b)`: the first component of the innermost name must be known;
    /// `.` and a bare sequence transform (`last()`) are fine.
    static func checkName(_ raw: String, fail: (String) -> TemplateLoadError) throws {
        var name = Substring(raw)
        while let open = name.firstIndex(of: "(") { name = name[name.index(after: open)...] }
        name = name.prefix(while: { $0 != ")" })
        if name.isEmpty || name == "." { return }
        let head = String(name.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
        guard MailTemplateKind.knownNames.contains(head) else {
            let near = MailTemplateKind.knownNames.filter { $0.lowercased().hasPrefix(head.lowercased().prefix(3)) }.sorted()
            throw fail("unknown name `\(head)`" + (near.isEmpty ? "" : " (did you mean \(near.joined(separator: ", "))?)")
                       + "; Templates/README.md lists the names")
        }
    }

    // MARK: - Tags and literal text

    enum Segment { case literal(String), tag(inner: String, line: Int) }

    /// Splits a Mustache source (default delimiters) into literal text and tags.
    static func scan(_ source: String, file: String, firstLine: Int) throws -> [Segment] {
        var out: [Segment] = []
        var rest = Substring(source)
        var line = firstLine
        while let open = rest.range(of: "{{") {
            let literal = rest[..<open.lowerBound]
            line += literal.filter { $0 == "\n" }.count
            if !literal.isEmpty { out.append(.literal(String(literal))) }
            let afterOpen = rest[open.upperBound...]
            let closer = afterOpen.first == "{" ? "}}}" : "}}"
            guard let close = afterOpen.range(of: closer) else {
                throw TemplateLoadError(file: file, line: line, problem: "a tag opened with {{ is not closed")
            }
            let inner = String(afterOpen[..<close.lowerBound])
            out.append(.tag(inner: closer == "}}}" ? "{" + inner : inner.trimmingCharacters(in: .whitespaces), line: line))
            line += inner.filter { $0 == "\n" }.count
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { out.append(.literal(String(rest))) }
        return out
    }

    /// The source with its literal text HTML-escaped (tags untouched), for the HTML part: what
    /// the template writes and what the values hold are then both text, never markup.
    static func htmlSource(_ source: String) -> String {
        guard let segments = try? scan(source, file: "", firstLine: 1) else { return source }
        return segments.map {
            switch $0 {
            case .literal(let s): return HTMLEscape.text(s)
            case .tag(let inner, _): return "{{" + inner + "}}"
            }
        }.joined()
    }
}

/// HTML text escaping (HTML 5 §13.1.2.6 "character references"): `& < > " '`.
enum HTMLEscape {
    static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
