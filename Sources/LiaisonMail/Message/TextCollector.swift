/// Gathers the readable text of a MIME tree: text/plain preferred within multipart/alternative,
/// else the HTML turned into text by libxml2; mixed parts joined in order; forwarded messages
/// included under a separator line. Attachments contribute no text.
struct TextCollector {
    let limit: Int
    private(set) var pieces: [String] = []
    private(set) var count = 0
    private(set) var truncated = false

    init(limit: Int) { self.limit = limit }

    var result: String { pieces.joined(separator: Self.separator) }

    mutating func collect(_ part: MIMEPart) {
        guard !truncated else { return }
        switch part.body {
        case .leaf(let data):
            guard Attachments.role(of: part) == .text else { return }
            add(Self.readable(part, data))
        case .multipart(let parts, _, _):
            if part.contentType.subtype == "alternative", let best = Self.bestAlternative(parts) {
                collect(best)
            } else {
                for p in parts { collect(p) }
            }
        case .message(let inner):
            var lines = ["---------- Forwarded message ----------"]
            if let f = inner.from.first { lines.append("From: \(f.name.map { "\($0) " } ?? "")<\(f.address)>") }
            if let d = inner.header["Date"] { lines.append("Date: \(d)") }
            if let s = inner.subject { lines.append("Subject: \(s)") }
            add(lines.joined(separator: "\n") + (inner.text.isEmpty ? "" : "\n\n" + inner.text))
        }
    }

    /// The separator between pieces in `result`; it counts towards the limit.
    static let separator = "\n\n"

    private mutating func add(_ text: String) {
        guard !text.isEmpty else { return }
        let joint = pieces.isEmpty ? 0 : Self.separator.count
        let room = limit - count - joint
        guard room > 0 else {
            truncated = true
            return
        }
        if text.count > room {
            pieces.append(String(text.prefix(room)))
            truncated = true
            count = limit
            return
        }
        pieces.append(text)
        count += joint + text.count
    }

    /// The alternative to read: one holding text/plain, else one holding HTML, else the last.
    static func bestAlternative(_ parts: [MIMEPart]) -> MIMEPart? {
        if let plain = parts.first(where: { holds($0, "plain") }) { return plain }
        if let html = parts.first(where: { holds($0, "html") }) { return html }
        return parts.last
    }

    static func holds(_ part: MIMEPart, _ subtype: String) -> Bool {
        switch part.body {
        case .leaf:
            return part.contentType.type == "text" && part.contentType.subtype == subtype
                && Attachments.role(of: part) == .text
        case .multipart(let parts, _, _):
            return parts.contains { holds($0, subtype) }
        case .message:
            return false
        }
    }

    /// The text of one text leaf, charset-decoded, HTML turned into text, line ends normalised.
    static func readable(_ part: MIMEPart, _ data: [UInt8]) -> String {
        if part.contentType.subtype == "html" {
            let label = part.contentType.charset ?? HTMLCharsetSniffer.sniff(data)
            let html = Charset.decode(data, label: label).text
            return HTMLText.text(fromHTML: html)
        }
        let decoded = Charset.decode(data, label: part.contentType.charset).text
        return normalise(decoded)
    }

    /// LF line ends, no trailing white space on lines, no leading/trailing blank lines.
    static func normalise(_ s: String) -> String {
        var lines: [Substring] = []
        for line in s.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            var l = line
            while let last = l.last, last == " " || last == "\t" { l.removeLast() }
            lines.append(l)
        }
        while let f = lines.first, f.isEmpty { lines.removeFirst() }
        while let l = lines.last, l.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// Finds `<meta charset=…>` or `<meta http-equiv content="…; charset=…">` in the first bytes of
/// an HTML part that has no charset parameter.
enum HTMLCharsetSniffer {
    static func sniff(_ data: [UInt8]) -> String? {
        let head = String(decoding: data.prefix(2048), as: UTF8.self).lowercased()
        guard let r = head.range(of: "charset=") else { return nil }
        var label = ""
        for ch in head[r.upperBound...] {
            if ch == "\"" || ch == "'" { if label.isEmpty { continue } else { break } }
            if ch == ";" || ch == ">" || ch == " " || ch == "/" { break }
            label.append(ch)
            if label.count > 40 { return nil }
        }
        return label.isEmpty ? nil : label
    }
}
