import CLibXML2

/// Readable text from an HTML body, through libxml2's HTML parser (never regular expressions).
///
/// The body (RFC 2045 §5.1 `text/html`, already decoded to a Swift string) is parsed by
/// `htmlReadMemory` as UTF-8 with recovery on, a `<meta charset>` in the document ignored, no
/// network, no error output, and XML_PARSE_HUGE: without it libxml2 stops at 256 nested elements
/// and drops everything after them (its HTML parse and free are iterative and measured linear:
/// 100 000 levels, 4.9 MB, parse in 0.5 s); the tree is then walked iteratively (no recursion):
/// - text is collapsed as a browser does: runs of whitespace become one space; `<pre>` keeps its own;
///   `&nbsp;` becomes a plain space that is not collapsed;
/// - block elements (`p`, `div`, `tr`, `li`, `h1`…`h6`, `table`, `ul`, `ol`, `blockquote`, `pre`,
///   `hr`, …) start and end a line; `<br>` always ends one (so `<p><br></p>` is a blank line);
/// - `li` is prefixed "- " (or "1. ", "2. " … inside `ol`); table cells on a row are separated by a tab;
///   in a row of two or more cells (a data table: 序号/事项/负责人/截止时间) a cell stays on its row,
///   its paragraphs and `<br>` read as spaces (Outlook wraps every cell in `<p class=MsoNormal>`),
///   and an empty first cell still counts; a one-cell row (a layout table) reads as blocks;
/// - quoted history is marked as a plain-text client quotes it: the lines of a mail quote
///   container (`<blockquote type=cite>`, a `class`/`id` naming a quote — `gmail_quote`,
///   `ntes-pcmail-quote`, `isReplyContent`, `qmQuote` — or a `border-left` quote bar) start with
///   "> ", and from an Outlook reply header (`id=divRplyFwdMsg`, or the `border:none;border-top:solid`
///   div) to the end every line does; a plain indenting `<blockquote>` is not a quote;
/// - `script`, `style`, `head`, `title`, `template`, comments and processing instructions are dropped;
/// - trailing spaces of every line are removed, runs of blank lines collapse to one, the result is trimmed.
///
/// ```swift
/// HTMLText.text(fromHTML: "<p>Hello&nbsp;<b>world</b></p><ul><li>one<li>two</ul>")
/// // "Hello world\n- one\n- two"
/// ```
public enum HTMLText {
    /// Block elements and <br> become line breaks, <script>/<style>/<head> are dropped,
    /// entities are decoded, runs of blank lines are collapsed. Input is already-decoded text.
    public static func text(fromHTML html: String) -> String {
        _ = libraryReady
        var source = html
        let raw: [UInt8] = source.withUTF8 { original in
            if let cleaned = withoutConditionalMarkers(original) {
                return cleaned.withUnsafeBufferPointer { parse($0) }
            }
            return parse(original)
        }
        return String(decoding: tidy(raw), as: UTF8.self)
    }

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return [] }
        let size = Int32(clamping: buffer.count)
        let options = Int32(bitPattern: HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_HUGE.rawValue)
        let cBase = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        guard let doc = htmlReadMemory(cBase, size, nil, "UTF-8", options) else { return [] }
        defer { xmlFreeDoc(doc) }
        var writer = TextWriter()
        walk(doc, into: &writer)
        return writer.output
    }

    /// Outlook's downlevel-revealed conditionals (`<![if !supportLists]>`, `<![endif]>`), which
    /// browsers drop but libxml2 keeps as text, and NUL bytes, at which libxml2 stops, removed by a
    /// byte scan; nil when there is neither (the common case: no copy).
    private static func withoutConditionalMarkers(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let n = input.count
        var i = 0
        var found = false
        while i < n {
            if input[i] == 0 || (input[i] == 0x3C && i + 2 < n && input[i + 1] == 0x21 && input[i + 2] == 0x5B) {
                found = true
                break
            }
            i += 1
        }
        guard found else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(n)
        out.append(contentsOf: input[0..<i])
        while i < n {
            let b = input[i]
            if b == 0 {
                i += 1
                continue
            }
            if b == 0x3C && i + 2 < n && input[i + 1] == 0x21 && input[i + 2] == 0x5B && isConditional(input, at: i + 3) {
                // A marker ends at its first ">", which must follow "]"; "<![endif]-->" closes a
                // comment instead and is left to the parser.
                var j = i + 3
                while j < n && input[j] != 0x3E { j += 1 }
                if j < n && input[j - 1] == 0x5D {
                    i = j + 1
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return out
    }

    /// Whether the bytes at `index` start with "if" or "endif" (any case) then a space, "!" or "]".
    private static func isConditional(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 0x20 : b }
        for word in [Array("if".utf8), Array("endif".utf8)] {
            let end = index + word.count
            guard end < input.count else { continue }
            var matches = true
            for k in 0..<word.count where lower(input[index + k]) != word[k] { matches = false; break }
            let next = input[end]
            if matches && (next == 0x20 || next == 0x21 || next == 0x5D || next == 0x09) { return true }
        }
        return false
    }

    /// libxml2 wants `xmlInitParser` before use from several threads; a static let runs it once.
    private static let libraryReady: Bool = {
        xmlInitParser()
        return true
    }()

    // MARK: - Element classes

    private static let dropped: Set<String> = [
        "script", "style", "head", "title", "template", "xml", "svg", "object", "iframe", "noframes",
    ]
    private static let blocks: Set<String> = [
        "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote",
        "pre", "hr", "dl", "dt", "dd", "address", "article", "aside", "section", "header", "footer", "nav",
        "main", "figure", "figcaption", "form", "fieldset", "legend", "center", "caption", "thead", "tbody",
        "tfoot", "details", "summary", "menu", "dir", "body", "html", "option", "listing", "xmp", "plaintext",
    ]
    private static let preformatted: Set<String> = ["pre", "listing", "xmp", "plaintext", "textarea"]

    // MARK: - Walk

    /// The list an `li` belongs to: nil counter for `ul`, the next number for `ol`.
    private struct ListContext { var counter: Int? }

    /// The row a cell belongs to: a data row (two or more cells) keeps each cell on the line.
    private struct RowContext { var isData: Bool; var cells = 0 }

    /// What the walk keeps between elements.
    private struct WalkState {
        var lists: [ListContext] = []
        var rows: [RowContext] = []
        /// Depth of data-row cells entered (blocks inside them read as spaces).
        var dataCells = 0
    }

    private static func walk(_ doc: htmlDocPtr, into writer: inout TextWriter) {
        let docNode = UnsafeMutableRawPointer(doc)
        var lists = WalkState()
        var current: xmlNodePtr? = doc.pointee.children
        while let node = current {
            let descend = enter(node, writer: &writer, lists: &lists)
            if descend, let child = node.pointee.children {
                current = child
                continue
            }
            if descend { leave(node, writer: &writer, lists: &lists) }
            // Next sibling, or climb, leaving each parent on the way up.
            var up: xmlNodePtr? = node
            current = nil
            while let u = up {
                if let next = u.pointee.next {
                    current = next
                    break
                }
                guard let parent = u.pointee.parent, UnsafeMutableRawPointer(parent) != docNode else { break }
                leave(parent, writer: &writer, lists: &lists)
                up = parent
            }
        }
    }

    private static func name(of node: xmlNodePtr) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self)).lowercased()
    }

    /// The value of attribute `wanted` (lowercase) of an element, lowercased, at most 512 bytes
    /// read (class, id and style names are short; a longer value is cut, never scanned whole).
    private static func attribute(_ node: xmlNodePtr, _ wanted: String) -> String? {
        var attr = node.pointee.properties
        while let a = attr {
            if let n = a.pointee.name,
               String(cString: UnsafeRawPointer(n).assumingMemoryBound(to: CChar.self)).lowercased() == wanted {
                var value: [UInt8] = []
                var child = a.pointee.children
                while let c = child, value.count < 512 {
                    if let content = c.pointee.content {
                        let len = min(Int(xmlStrlen(content)), 512 - value.count)
                        value.append(contentsOf: UnsafeBufferPointer(start: content, count: len))
                    }
                    child = c.pointee.next
                }
                return String(decoding: value, as: UTF8.self).lowercased()
            }
            attr = a.pointee.next
        }
        return nil
    }

    /// Class or id words that name a mail client's quote container.
    private static let quoteNames = ["quote", "isreplycontent"]

    /// A container of quoted history (its lines are marked "> ").
    private static func isQuoteContainer(_ node: xmlNodePtr, _ element: String) -> Bool {
        guard element == "blockquote" || element == "div" else { return false }
        if element == "blockquote", attribute(node, "type") == "cite" { return true }
        for key in ["class", "id"] {
            if let v = attribute(node, key), quoteNames.contains(where: { v.contains($0) }) {
                // Outlook's own reply header is the tail marker, below; moz-cite-prefix is the
                // attribution line ("On … wrote:"), read by the plain-text rules.
                if !v.contains("divrplyfwdmsg"), !v.contains("moz-cite-prefix") { return true }
            }
        }
        if element == "blockquote", let style = attribute(node, "style"),
           style.replacingOccurrences(of: " ", with: "").contains("border-left:"),
           !style.replacingOccurrences(of: " ", with: "").contains("border-left:none") { return true }
        return false
    }

    /// Outlook's reply header: everything from it to the end is quoted history.
    private static func startsQuotedTail(_ node: xmlNodePtr, _ element: String) -> Bool {
        guard element == "div" else { return false }
        if attribute(node, "id")?.contains("divrplyfwdmsg") == true { return true }
        if let style = attribute(node, "style")?.replacingOccurrences(of: " ", with: "") {
            return style.contains("border:none") && style.contains("border-top:solid")
        }
        return false
    }

    /// The number of `td`/`th` children of a row.
    private static func cellCount(_ row: xmlNodePtr) -> Int {
        var n = 0
        var child = row.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE {
                let cell = name(of: c)
                if cell == "td" || cell == "th" { n += 1 }
            }
            child = c.pointee.next
        }
        return n
    }

    /// Handles the start of a node; returns whether its children are to be visited.
    private static func enter(_ node: xmlNodePtr, writer: inout TextWriter, lists state: inout WalkState) -> Bool {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = node.pointee.content {
                let text = UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content)))
                writer.text(text)
            }
            return false
        case XML_ELEMENT_NODE:
            let element = name(of: node)
            if dropped.contains(element) { return false }
            if startsQuotedTail(node, element) { writer.lineBreak(); writer.quotedTail = true }
            if isQuoteContainer(node, element) { writer.lineBreak(); writer.quoteDepth += 1 }
            if state.dataCells > 0 {
                // Inside a data cell everything stays on the row: blocks and <br> are spaces.
                switch element {
                case "td", "th":
                    state.dataCells += 1
                    writer.space()
                case "tr":
                    state.rows.append(RowContext(isData: false))
                    writer.space()
                default:
                    if element == "br" || blocks.contains(element) { writer.space() }
                }
                if preformatted.contains(element) { writer.preDepth += 1 }
                return true
            }
            switch element {
            case "br":
                writer.newline()
            case "tr":
                writer.lineBreak()
                state.rows.append(RowContext(isData: cellCount(node) >= 2))
            case "td", "th":
                if let last = state.rows.indices.last, state.rows[last].isData {
                    if state.rows[last].cells > 0 { writer.cell() }
                    state.rows[last].cells += 1
                    state.dataCells += 1
                } else {
                    writer.cellSeparator()
                }
            case "ul", "menu", "dir":
                writer.lineBreak()
                state.lists.append(ListContext(counter: nil))
            case "ol":
                writer.lineBreak()
                state.lists.append(ListContext(counter: 1))
            case "li":
                writer.lineBreak()
                if let last = state.lists.indices.last, let number = state.lists[last].counter {
                    writer.literal(Array("\(number). ".utf8))
                    state.lists[last].counter = number + 1
                } else {
                    writer.literal(Array("- ".utf8))
                }
            default:
                if blocks.contains(element) { writer.lineBreak() }
            }
            if preformatted.contains(element) { writer.preDepth += 1 }
            return true
        default:
            // Comments, processing instructions, DTD: dropped. Entity references are not produced
            // by the HTML parser (it decodes them), so there is nothing else to visit.
            return false
        }
    }

    /// Handles the end of an element whose children were visited.
    private static func leave(_ node: xmlNodePtr, writer: inout TextWriter, lists state: inout WalkState) {
        guard node.pointee.type == XML_ELEMENT_NODE else { return }
        let element = name(of: node)
        if preformatted.contains(element) { writer.preDepth = max(0, writer.preDepth - 1) }
        defer {
            if isQuoteContainer(node, element) { writer.lineBreak(); writer.quoteDepth = max(0, writer.quoteDepth - 1) }
        }
        if element == "td" || element == "th", state.dataCells > 0 {
            state.dataCells -= 1
            return
        }
        if state.dataCells > 0 {
            if element == "tr", !state.rows.isEmpty { state.rows.removeLast() }
            if blocks.contains(element) { writer.space() }
            return
        }
        switch element {
        case "ul", "ol", "menu", "dir":
            if !state.lists.isEmpty { state.lists.removeLast() }
            writer.lineBreak()
        case "tr":
            if !state.rows.isEmpty { state.rows.removeLast() }
            writer.lineBreak()
        default:
            if blocks.contains(element) { writer.lineBreak() }
        }
    }

    // MARK: - Output

    /// Accumulates UTF-8 output with browser-like whitespace handling.
    private struct TextWriter {
        var output: [UInt8] = []
        /// Whether the current line has anything but spaces.
        var lineHasContent = false
        /// Collapsed whitespace waiting for the next visible character on the same line.
        var pendingSpace = false
        var preDepth = 0
        /// Just after a cell separator: leading whitespace of the cell is not a space.
        var atCellStart = false
        /// Inside a quote container: lines start with "> ".
        var quoteDepth = 0
        /// From an Outlook reply header on: every line starts with "> ".
        var quotedTail = false
        /// Whether the current line already has its quote mark.
        var linePrefixed = false

        /// Writes the quote mark before the first output of a quoted line.
        mutating func prefix() {
            guard !linePrefixed, quoteDepth > 0 || quotedTail else { return }
            output.append(0x3E); output.append(0x20)
            linePrefixed = true
        }

        /// A space in the text (a block or <br> inside a data cell), collapsed like white space.
        mutating func space() {
            if lineHasContent && !atCellStart { pendingSpace = true }
        }

        /// Starts the next cell of a data row: a tab, even after an empty cell.
        mutating func cell() {
            pendingSpace = false
            prefix()
            output.append(0x09)
            lineHasContent = true
            atCellStart = true
        }

        mutating func text(_ bytes: UnsafeBufferPointer<UInt8>) {
            if preDepth > 0 {
                var i = 0
                while i < bytes.count {
                    let b = bytes[i]
                    if b == 0x0D {  // CRLF or CR inside <pre>: one line feed
                        if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                        newline()
                    } else if b == 0x0A {
                        newline()
                    } else {
                        if b != 0x20 && b != 0x09 { prefix() }
                        if pendingSpace { output.append(0x20); pendingSpace = false }
                        output.append(b)
                        if b != 0x20 && b != 0x09 { lineHasContent = true }
                    }
                    i += 1
                }
                return
            }
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C {
                    if lineHasContent && !atCellStart { pendingSpace = true }
                    i += 1
                    continue
                }
                if b == 0xC2 && i + 1 < bytes.count && bytes[i + 1] == 0xA0 {  // U+00A0: a kept space
                    prefix()
                    if pendingSpace { output.append(0x20); pendingSpace = false }
                    output.append(0x20)
                    lineHasContent = true  // a paragraph holding only &nbsp; is a visible blank line
                    atCellStart = false
                    i += 2
                    continue
                }
                prefix()
                if pendingSpace { output.append(0x20); pendingSpace = false }
                output.append(b)
                lineHasContent = true
                atCellStart = false
                i += 1
            }
        }

        /// Text generated by the walk (list markers), not collapsed.
        mutating func literal(_ bytes: [UInt8]) {
            prefix()
            if pendingSpace { output.append(0x20); pendingSpace = false }
            output.append(contentsOf: bytes)
            lineHasContent = true
            atCellStart = false
        }

        /// Ends the current line if it has content (blocks).
        mutating func lineBreak() {
            pendingSpace = false
            if lineHasContent { newline() }
        }

        /// Always ends the current line (`<br>`): on an empty line this makes a blank line.
        mutating func newline() {
            pendingSpace = false
            output.append(0x0A)
            lineHasContent = false
            linePrefixed = false
        }

        mutating func cellSeparator() {
            pendingSpace = false
            if lineHasContent {
                output.append(0x09)
                atCellStart = true
            }
        }
    }

    /// Removes trailing spaces/tabs of every line, collapses runs of blank lines to one, trims.
    private static func tidy(_ raw: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(raw.count)
        var blankRun = 0
        var start = 0
        let count = raw.count
        while start <= count {
            var end = start
            while end < count && raw[end] != 0x0A { end += 1 }
            var lineEnd = end
            while lineEnd > start && (raw[lineEnd - 1] == 0x20 || raw[lineEnd - 1] == 0x09) { lineEnd -= 1 }
            if lineEnd == start {
                blankRun += 1
            } else {
                if !result.isEmpty {
                    result.append(0x0A)
                    if blankRun > 0 { result.append(0x0A) }
                }
                var lineStart = start
                if result.isEmpty {  // the result is trimmed at its start too
                    while lineStart < lineEnd && (raw[lineStart] == 0x20 || raw[lineStart] == 0x09) { lineStart += 1 }
                }
                result.append(contentsOf: raw[lineStart..<lineEnd])
                blankRun = 0
            }
            start = end + 1
        }
        return result
    }
}
