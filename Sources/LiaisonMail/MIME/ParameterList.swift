/// Parameter lists of Content-Type and Content-Disposition: RFC 2045 §5.1 `;name=value`, with
/// quoted strings and comments, RFC 2231 extended values (`name*=utf-8'zh'%E5%8F%97`),
/// continuations (`name*0*=…; name*1=…`) joined in order, and the common non-standard
/// RFC 2047 words inside quoted values (`name="=?gb2312?B?…?="`).
///
///     application/pdf; name*=UTF-8''%E5%8F%97%E7%90%86%E5%9B%9E%E6%89%A7.pdf
enum ParameterList {
    /// The leading token (e.g. "text/plain", "attachment"), lowercased, and the parameters.
    static func parse(_ value: String) -> (token: String, parameters: [String: String]) {
        let u = Array(value.utf8)
        var i = 0
        skipCFWS(u, &i)
        let tokenStart = i
        while i < u.count, u[i] != 0x3B { i += 1 }   // ';'
        let token = trimmedLower(u[tokenStart..<i])
        // Raw parameters: name -> value, with RFC 2231 sections kept apart for assembly.
        var plain: [String: String] = [:]
        var sections: [String: [(index: Int, extended: Bool, value: [UInt8])]] = [:]
        var order: [String] = []
        while i < u.count {
            guard u[i] == 0x3B else { i += 1; continue }
            i += 1
            skipCFWS(u, &i)
            let nameStart = i
            while i < u.count, u[i] != 0x3D, u[i] != 0x3B { i += 1 }
            guard i < u.count, u[i] == 0x3D else { continue }
            var rawName = trimmedLower(u[nameStart..<i])
            i += 1
            skipCFWS(u, &i)
            var val: ArraySlice<UInt8>
            if i < u.count, u[i] == 0x22 {   // quoted-string
                i += 1
                let start = i
                var escaped = false
                while i < u.count, u[i] != 0x22 {
                    if u[i] == 0x5C, i + 1 < u.count { escaped = true; i += 1 }
                    i += 1
                }
                if escaped {   // quoted pairs undone (a backslash at the very end is kept)
                    var out: [UInt8] = []
                    var k = start
                    while k < i {
                        if u[k] == 0x5C, k + 1 < u.count { k += 1 }
                        out.append(u[k]); k += 1
                    }
                    val = out[...]
                } else {
                    val = u[start..<i]
                }
                if i < u.count { i += 1 }
            } else {
                let start = i
                while i < u.count, u[i] != 0x3B { i += 1 }
                // Trailing white space and comments of an unquoted value.
                var end = u[start..<i].firstIndex(of: 0x28) ?? i
                while end > start, Bytes.isWhitespace(u[end - 1]) { end -= 1 }
                val = u[start..<end]
            }
            guard !rawName.isEmpty else { continue }
            // RFC 2231: name*, name*N, name*N*
            var extended = false
            var index = -1
            if rawName.utf8.allSatisfy({ $0 < 0x80 }) {
                // An ASCII name (the common case): the same reading on its bytes, where every
                // character is one byte and no Character search is needed.
                var u = Substring(rawName).utf8
                if u.last == 0x2A { extended = true; u.removeLast() }
                if let star = u.lastIndex(of: 0x2A), let n = Int(Substring(u[u.index(after: star)...])) {
                    index = n
                    u = u[..<star]
                }
                rawName = String(Substring(u))
            } else {
                if rawName.hasSuffix("*") { extended = true; rawName.removeLast() }
                if let star = rawName.lastIndex(of: "*"), let n = Int(rawName[rawName.index(after: star)...]) {
                    index = n
                    rawName = String(rawName[..<star])
                }
            }
            guard !rawName.isEmpty else { continue }   // `*=x`, `*0=x`: no name left
            if index < 0 && !extended {
                if plain[rawName] == nil { plain[rawName] = String(decoding: val, as: UTF8.self); order.append(rawName) }
            } else {
                if sections[rawName] == nil { order.append(rawName) }
                sections[rawName, default: []].append((index: max(index, 0), extended: extended, value: Array(val)))
            }
        }
        var result: [String: String] = [:]
        for name in order where result[name] == nil {
            if let parts = sections[name] {
                result[name] = assemble(parts.sorted { $0.index < $1.index })
            } else if let v = plain[name] {
                result[name] = Bytes.containsEncodedWordStart(v) ? EncodedWords.decode(v) : v
            }
        }
        return (token, result)
    }

    /// Joins RFC 2231 sections: the first extended one names the charset; percent-decoding
    /// applies to extended sections only.
    static func assemble(_ parts: [(index: Int, extended: Bool, value: [UInt8])]) -> String {
        var charset: String? = nil
        var bytes: [UInt8] = []
        for (n, part) in parts.enumerated() {
            var v = part.value[...]
            if part.extended {
                if n == 0 {
                    // charset'language'value
                    if let q1 = v.firstIndex(of: 0x27), let q2 = v[(q1 + 1)...].firstIndex(of: 0x27) {
                        let cs = String(decoding: v[v.startIndex..<q1], as: UTF8.self)
                        charset = cs.isEmpty ? nil : cs
                        v = v[(q2 + 1)...]
                    }
                }
                bytes.append(contentsOf: percentDecode(v))
            } else {
                bytes.append(contentsOf: v)
            }
        }
        if let charset { return Charset.decode(bytes, label: charset).text }
        return Bytes.headerText(bytes[...])
    }

    static func percentDecode(_ v: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = v.startIndex
        while i < v.endIndex {
            if v[i] == 0x25, i + 2 < v.endIndex, let h = hex(v[i + 1]), let l = hex(v[i + 2]) {
                out.append(h << 4 | l); i += 3
            } else {
                out.append(v[i]); i += 1
            }
        }
        return out
    }

    @inline(__always)
    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// Skips white space and (nested) comments.
    static func skipCFWS(_ u: [UInt8], _ i: inout Int) {
        while i < u.count {
            let b = u[i]
            if Bytes.isWhitespace(b) { i += 1; continue }
            if b == 0x28 {
                var depth = 0
                while i < u.count {
                    // A quoted pair; a backslash at the very end quotes nothing (`(\` must not
                    // step past the end: `i` never exceeds `u.count`).
                    if u[i] == 0x5C { i = min(i + 2, u.count); continue }
                    if u[i] == 0x28 { depth += 1 }
                    if u[i] == 0x29 { depth -= 1; if depth == 0 { i += 1; break } }
                    i += 1
                }
                continue
            }
            break
        }
    }

    static func trimmedLower(_ s: ArraySlice<UInt8>) -> String {
        var lo = s.startIndex, hi = s.endIndex
        while lo < hi, Bytes.isWhitespace(s[lo]) { lo += 1 }
        while hi > lo, Bytes.isWhitespace(s[hi - 1]) { hi -= 1 }
        var out = [UInt8](s[lo..<hi])
        for k in out.indices where out[k] >= 0x41 && out[k] <= 0x5A { out[k] |= 0x20 }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ContentType {
    /// Parses a Content-Type value; nil or unreadable gives `fallback` (RFC 2045 §5.2).
    static func parse(_ value: String?, fallback: ContentType) -> ContentType {
        guard let value else { return fallback }
        let (token, params) = ParameterList.parse(value)
        if let (type, subtype) = asciiTypes(token) {
            guard let type, let subtype else { return ContentType(type: fallback.type, subtype: fallback.subtype, parameters: params) }
            return ContentType(type: type, subtype: subtype, parameters: params)
        }
        // Strip a comment inside the token, e.g. "text/plain (plain text)".
        let clean = token.split(separator: "(").first.map(String.init)?.trimmingSpaces ?? ""
        let pieces = clean.split(separator: "/", maxSplits: 1)
        guard pieces.count == 2 else {
            // "text" alone is seen in the wild.
            if clean == "text" { return ContentType(type: "text", subtype: "plain", parameters: params) }
            return ContentType(type: fallback.type, subtype: fallback.subtype, parameters: params)
        }
        let type = String(pieces[0]).trimmingSpaces
        let subtype = String(pieces[1]).trimmingSpaces
        // An empty type or subtype (`/plain`, `text/`) is unreadable: the fallback's type, but the
        // parameters still count (a charset is a charset; found by the fuzzer).
        guard !type.isEmpty, !subtype.isEmpty else {
            return ContentType(type: fallback.type, subtype: fallback.subtype, parameters: params)
        }
        return ContentType(type: type, subtype: subtype, parameters: params)
    }

    /// `parse`'s reading of an ASCII token on its bytes (the common case: no `Character` work),
    /// with the same results: `(type, subtype)`, `(nil, nil)` for the fallback's type; nil when
    /// the token is not ASCII (then `parse` reads it by characters).
    private static func asciiTypes(_ token: String) -> (String?, String?)? {
        var token = token
        return token.withUTF8 { u -> (String?, String?)? in
            for b in u where b >= 0x80 { return nil }
            func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
            func trimmed(_ r: Range<Int>) -> Range<Int> {
                var lo = r.lowerBound, hi = r.upperBound
                while lo < hi, isBlank(u[lo]) { lo += 1 }
                while hi > lo, isBlank(u[hi - 1]) { hi -= 1 }
                return lo..<hi
            }
            func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: u[r]), as: UTF8.self) }
            let n = u.count
            // The text before the first "(" (a comment), as `split(separator: "(").first`: the
            // first non-empty piece, so "(c)text/plain" reads "text/plain".
            var i = 0
            while i < n, u[i] == 0x28 { i += 1 }
            var end = i
            while end < n, u[end] != 0x28 { end += 1 }
            let clean = trimmed(i..<end)
            // As `split(separator: "/", maxSplits: 1)`: leading slashes make no piece.
            var start = clean.lowerBound
            while start < clean.upperBound, u[start] == 0x2F { start += 1 }
            var slash = start
            while slash < clean.upperBound, u[slash] != 0x2F { slash += 1 }
            guard slash < clean.upperBound else {
                return text(clean) == "text" ? ("text", "plain") : (nil, nil)
            }
            let type = trimmed(start..<slash), subtype = trimmed((slash + 1)..<clean.upperBound)
            guard !type.isEmpty, !subtype.isEmpty else { return (nil, nil) }
            return (text(type), text(subtype))
        }
    }

    static let textPlain = ContentType(type: "text", subtype: "plain", parameters: [:])
    static let messageRFC822 = ContentType(type: "message", subtype: "rfc822", parameters: [:])
}

extension ContentDisposition {
    static func parse(_ value: String?) -> ContentDisposition? {
        guard let value else { return nil }
        let (token, params) = ParameterList.parse(value)
        return ContentDisposition(kind: token, parameters: params)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension ContentType {
    /// Reads a Content-Type field value (RFC 2045 §5.1, RFC 2231); text/plain when unreadable.
    /// The parameter grammar's entry for tools and the fuzzer.
    public init(parsing value: String) {
        self = ContentType.parse(value, fallback: .textPlain)
    }
}

extension ContentDisposition {
    /// Reads a Content-Disposition field value (RFC 2183, RFC 2231).
    public init(parsing value: String) {
        let (token, params) = ParameterList.parse(value)
        self.init(kind: token, parameters: params)
    }
}
