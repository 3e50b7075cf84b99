/// Gathers the readable text of a MIME tree: text/plain preferred within multipart/alternative,
/// else the HTML turned into text by libxml2; mixed parts joined in order; forwarded messages
/// included under a separator line. Attachments contribute no text.
struct TextCollector {
    let limit: Int
    private(set) var pieces: [String] = []
    /// Characters gathered (separators included) once `counted`; before, their UTF-8 bytes (an upper bound).
    private(set) var count = 0
    private var counted = false
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
        // A string has at most as many characters as UTF-8 bytes: while the bytes fit, the
        // characters do, and no character (grapheme) needs counting — the common case.
        if !counted {
            let bytes = text.utf8.count
            if count + joint + bytes <= limit {
                pieces.append(text)
                count += joint + bytes
                return
            }
            // Near the limit: count characters exactly from here on.
            count = pieces.reduce(0) { $0 + $1.count } + max(0, pieces.count - 1) * Self.separator.count
            counted = true
        }
        let room = limit - count - joint
        guard room > 0 else {
            truncated = true
            return
        }
        let length = text.count
        if length > room {
            pieces.append(String(text.prefix(room)))
            truncated = true
            count = limit
            return
        }
        pieces.append(text)
        count += joint + length
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
    /// On the UTF-8 bytes: CR LF, CR and LF end a line; spaces and tabs before a line end go.
    /// (The same as on characters: a line break is always a character of its own, and a space or
    /// tab a combining mark follows is not at a line's end.)
    static func normalise(_ s: String) -> String {
        var s = s
        return s.withUTF8 { u -> String in
            let n = u.count
            // Written straight into the new string's storage: the output is never longer than
            // the input, and is whole lines of valid UTF-8 (breaks are single bytes).
            return String(unsafeUninitializedCapacity: n) { out in
            var o = 0
            var pendingBreaks = 0        // line breaks not yet written (dropped if nothing follows)
            var wroteLine = false        // a non-empty line was written: leading blank lines are over
            var i = 0
            while i < n {
                // One line: [i, end), then its break.
                var end = i
                while end < n, u[end] != 0x0A, u[end] != 0x0D { end += 1 }
                var last = end
                while last > i, u[last - 1] == 0x20 || u[last - 1] == 0x09 { last -= 1 }
                if last > i {
                    if wroteLine { for _ in 0..<pendingBreaks { out[o] = 0x0A; o += 1 } }
                    let line = UnsafeBufferPointer(rebasing: u[i..<last])
                    _ = UnsafeMutableBufferPointer(rebasing: out[o..<(o + line.count)]).initialize(from: line)
                    o += line.count
                    wroteLine = true
                    pendingBreaks = 0
                }
                guard end < n else { break }
                pendingBreaks += 1
                i = u[end] == 0x0D && end + 1 < n && u[end + 1] == 0x0A ? end + 2 : end + 1
            }
            return o
            }
        }
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
