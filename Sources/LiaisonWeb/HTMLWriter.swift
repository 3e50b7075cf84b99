/// HTML written straight into bytes, for the parts of a page rendered per row (the case list's
/// table body, `CaseListRows`), where Mustache's per-cell dynamic context lookups cost most of a
/// page's time. Markup is written only from `StaticString` literals (`markup`), every value
/// through `text`, which escapes exactly what the templates' `{{name}}` escapes (& < > " ', as
/// swift-mustache does: `&amp;` `&lt;` `&gt;` `&quot;` `&#39;`), so a value from mail is text on
/// the page wherever it is written, in an element or in a quoted attribute.
///
/// The five characters are ASCII; in UTF-8 no byte of a multi-byte sequence is below 0x80, so
/// escaping byte by byte is escaping character by character.
struct HTMLWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Markup of the program's own (a literal: never a value from a request or from mail).
    mutating func markup(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A value, HTML-escaped.
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { append(escaping: $0) }
    }

    /// A whole number (digits and a sign only: nothing to escape).
    mutating func number(_ n: Int) {
        bytes.append(contentsOf: String(n).utf8)
    }

    /// `n` in at least `width` digits, zero-padded after any sign (dates and times).
    mutating func padded(_ n: Int, width: Int) {
        let digits = String(n.magnitude)
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        for _ in digits.utf8.count..<max(width, digits.utf8.count) { bytes.append(UInt8(ascii: "0")) }
        bytes.append(contentsOf: digits.utf8)
    }

    private mutating func append(escaping utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for (i, b) in utf8.enumerated() {
            let replacement: StaticString
            switch b {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&#39;"
            default: continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
            markup(replacement)
            start = i + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }
}
