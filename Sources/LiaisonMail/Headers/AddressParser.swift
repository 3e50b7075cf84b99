// The scanner and reader behind `AddressParser` (RFC 5322 §3.2 lexical tokens, §3.4 address
// lists, §4.4 obsolete forms). Everything here is linear in the input: every loop moves forward,
// nesting is a counter, and nothing recurses.

/// One RFC 5322 §3.2 lexical token of an address list.
struct AddressToken {
    enum Kind: UInt8 { case atom, quoted, comment, literal, lt, gt, colon, semicolon, at, comma }
    var kind: Kind
    /// Content bytes; for quoted strings, comments and domain literals the part inside the
    /// delimiters (to the end of the input when the closing one is missing).
    var start: Int
    var end: Int
    /// Whitespace or a comment comes right before it (CFWS, RFC 5322 §3.2.2).
    var spaceBefore: Bool
}

/// Splits an address-list header value into tokens. Atoms include `.` (so `J.R.`, `john.doe` and
/// obs-phrase dots stay whole) and raw UTF-8; an RFC 2047 encoded word is kept whole even when
/// its Q text holds specials such as `,` (real mailers write `=?utf-8?Q?Wang,_Fang?=`).
enum AddressLexer {
    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    static let lparen = UInt8(ascii: "("), rparen = UInt8(ascii: ")")
    static let lbracket = UInt8(ascii: "["), rbracket = UInt8(ascii: "]")
    static let question = UInt8(ascii: "?"), equals = UInt8(ascii: "=")

    /// Whitespace, and control bytes treated as whitespace.
    static func isSpace(_ c: UInt8) -> Bool { c <= 0x20 || c == 0x7F }

    /// Bytes of an atom: RFC 5322 `atext`, `.`, backslash outside quotes, and 8-bit bytes (RFC 6532).
    static func isAtomByte(_ c: UInt8) -> Bool {
        if isSpace(c) { return false }
        switch c {
        case lparen, rparen, UInt8(ascii: "<"), UInt8(ascii: ">"), lbracket, rbracket,
             UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: ","), quote:
            return false
        default:
            return true
        }
    }

    /// Tokens of `b`, and the offset of the first quote, comment or literal left unclosed.
    static func tokens(_ b: [UInt8]) -> (tokens: [AddressToken], unterminated: Int?) {
        var toks: [AddressToken] = []
        toks.reserveCapacity(16)
        var unterminated: Int?
        var space = false
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if isSpace(c) || c == rparen || c == rbracket {
                space = true
                i += 1
                continue
            }
            switch c {
            case lparen:
                // Nested comments (RFC 5322 §3.2.2) by a depth counter.
                var depth = 1
                var j = i + 1
                while j < n {
                    let d = b[j]
                    if d == backslash { j = min(j + 2, n); continue }
                    if d == lparen { depth += 1 } else if d == rparen { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                let end = min(j, n)
                if end == n, unterminated == nil { unterminated = i }
                toks.append(AddressToken(kind: .comment, start: i + 1, end: end, spaceBefore: space))
                space = true
                i = end + 1
            case quote, lbracket:
                let close = c == quote ? quote : rbracket
                var j = i + 1
                while j < n, b[j] != close {
                    j = min(j + (b[j] == backslash ? 2 : 1), n)
                }
                let end = min(j, n)
                if end == n, unterminated == nil { unterminated = i }
                toks.append(AddressToken(kind: c == quote ? .quoted : .literal, start: i + 1, end: end, spaceBefore: space))
                space = false
                i = end + 1
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"), UInt8(ascii: ";"),
                 UInt8(ascii: "@"), UInt8(ascii: ","):
                let kind: AddressToken.Kind
                switch c {
                case UInt8(ascii: "<"): kind = .lt
                case UInt8(ascii: ">"): kind = .gt
                case UInt8(ascii: ":"): kind = .colon
                case UInt8(ascii: ";"): kind = .semicolon
                case UInt8(ascii: "@"): kind = .at
                default: kind = .comma
                }
                toks.append(AddressToken(kind: kind, start: i, end: i + 1, spaceBefore: space))
                space = false
                i += 1
            default:
                let start = i
                while i < n {
                    if b[i] == equals, i + 1 < n, b[i + 1] == question, let e = encodedWordEnd(b, i) {
                        i = e
                        continue
                    }
                    guard isAtomByte(b[i]) else { break }
                    i += 1
                }
                toks.append(AddressToken(kind: .atom, start: start, end: i, spaceBefore: space))
                space = false
            }
        }
        return (toks, unterminated)
    }

    /// The end of an RFC 2047 §2 encoded word starting at `i` (`=?charset?B|Q?text?=`), or nil.
    /// Each part stops at the next `?` or space, so repeated attempts stay linear.
    static func encodedWordEnd(_ b: [UInt8], _ i: Int) -> Int? {
        let n = b.count
        var j = i + 2
        let cs = j
        while j < n, j - cs < 76, b[j] != question, !isSpace(b[j]) { j += 1 }
        guard j > cs, j < n, b[j] == question else { return nil }
        j += 1
        guard j + 1 < n, b[j + 1] == question else { return nil }
        switch b[j] {
        case UInt8(ascii: "B"), UInt8(ascii: "b"), UInt8(ascii: "Q"), UInt8(ascii: "q"): break
        default: return nil
        }
        j += 2
        while j < n, b[j] != question, b[j] > 0x20, b[j] < 0x7F { j += 1 }
        guard j + 1 < n, b[j] == question, b[j + 1] == equals else { return nil }
        return j + 2
    }
}

/// Reads tokens into list entries: commas and semicolons end mailboxes, a colon before any
/// address opens a group, angle brackets hold the address.
struct AddressListParser {
    let bytes: [UInt8]
    private var entries: [AddressListEntry] = []
    private var inGroup = false
    private var groupName = ""
    private var members: [Address] = []
    /// A segment of phrase words only (`Wang` in `Wang, Fang <a@b>`), held to see what follows.
    private var pending: Phrase?

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// A segment without any address: its name, and the local name it stands for if it is one word.
    struct Phrase {
        var name: String?
        var root: Address?
    }

    enum SegmentResult {
        case nothing
        case phrase(Phrase)
        case mailboxes([Address], firstNamedByPhrase: Bool)
    }

    /// Where an open angle bracket stands: just opened, inside an obsolete route, or past it.
    private enum Route { case start, inRoute, past }

    mutating func run() -> [AddressListEntry] {
        let (tokens, unterminated) = AddressLexer.tokens(bytes)
        var seg: [AddressToken] = []
        seg.reserveCapacity(tokens.count)
        var angleOpen = false
        var route = Route.past
        var segHasAt = false
        var closedAngle: Int?  // index in seg of the `>` of a complete angle address

        var segHasAngle = false
        func reset() {
            seg.removeAll(keepingCapacity: true)
            angleOpen = false; route = .past; segHasAt = false; segHasAngle = false; closedAngle = nil
        }

        for t in tokens {
            switch t.kind {
            case .comma:
                if angleOpen, route == .inRoute { seg.append(t); continue }  // `<@a,@b:x@y>`
                finish(seg)
                reset()
            case .semicolon:
                finish(seg)
                reset()
                if inGroup { closeGroup() }
            case .colon:
                if angleOpen {
                    if route == .inRoute { route = .past }
                    seg.append(t)
                    continue
                }
                guard !segHasAt, !segHasAngle else { seg.append(t); continue }
                let words = seg.filter { $0.kind != .comment }
                if words.count == 1, words[0].kind == .atom, text(words[0]).lowercased() == "mailto" {
                    reset()  // `mailto:a@b`
                    continue
                }
                guard !words.isEmpty else { reset(); continue }  // `: a@b`: no group without a name
                flushPending()
                if !inGroup {
                    inGroup = true
                    groupName = phraseName(seg[...]) ?? ""
                }  // a group inside a group (not allowed) loses its label and keeps its members
                reset()
            case .lt:
                if angleOpen {
                    if route == .start { continue }  // `<<a@b>>`
                    finish(seg)  // `<a@b <c@d>`: the first closes where the second opens
                    reset()
                } else if let gt = closedAngle {
                    // `A <a@b> B <c@d>`: a missing comma; comments right after `>` stay with the first.
                    var cut = gt + 1
                    while cut < seg.count, seg[cut].kind == .comment { cut += 1 }
                    let rest = Array(seg[cut...])
                    finish(Array(seg[..<cut]))
                    reset()
                    seg = rest
                    segHasAt = rest.contains { $0.kind == .at }
                }
                angleOpen = true
                segHasAngle = true
                route = .start
                seg.append(t)
            case .gt:
                guard angleOpen else { continue }  // a stray `>`
                angleOpen = false
                route = .past
                closedAngle = seg.count
                seg.append(t)
            case .comment:
                seg.append(t)
            default:
                if angleOpen, route == .start { route = t.kind == .at ? .inRoute : .past }
                if t.kind == .at, !angleOpen { segHasAt = true }
                seg.append(t)
            }
        }
        finish(seg)
        flushPending()
        if inGroup { closeGroup() }
        if entries.isEmpty {
            salvage(from: 0)
        } else if let u = unterminated {
            salvage(from: u)
        }
        return entries
    }

    // MARK: - Entries

    private mutating func emit(_ a: Address) {
        if inGroup { members.append(a) } else { entries.append(.mailbox(a)) }
    }

    private mutating func closeGroup() {
        flushPending()
        entries.append(.group(name: groupName, members: members))
        inGroup = false
        groupName = ""
        members = []
    }

    private mutating func flushPending() {
        if let root = pending?.root { emit(root) }
        pending = nil
    }

    private mutating func finish(_ seg: [AddressToken]) {
        switch read(seg) {
        case .nothing:
            break
        case .phrase(let p):
            flushPending()
            pending = p
        case .mailboxes(var list, let namedByPhrase):
            if let p = pending {
                pending = nil
                if namedByPhrase, let before = p.name, let after = list[0].name {
                    list[0].name = before + ", " + after  // `Wang, Fang <a@b>` written unquoted
                } else if let root = p.root {
                    emit(root)
                }
            }
            for a in list { emit(a) }
        }
    }

    // MARK: - Segments

    /// One mailbox's worth of tokens (more when commas are missing).
    func read(_ seg: [AddressToken]) -> SegmentResult {
        guard let lt = seg.firstIndex(where: { $0.kind == .lt }) else { return readBare(seg[...]) }
        let gt = seg[lt...].firstIndex(where: { $0.kind == .gt }) ?? seg.endIndex
        let after = gt < seg.endIndex ? seg[(gt + 1)...] : seg[seg.endIndex...]
        var extra: [Address] = []
        var trailing = after
        if after.contains(where: { $0.kind == .at }) {  // `<a@b> c@d`
            if case .mailboxes(let more, _) = readBare(after) { extra = more }
            let firstWord = after.firstIndex { $0.kind != .comment } ?? after.endIndex
            trailing = after[..<firstWord]
        }
        guard let address = angleAddress(seg[(lt + 1)..<gt]) else {
            return extra.isEmpty ? .nothing : .mailboxes(extra, firstNamedByPhrase: false)
        }
        let phrase = seg[..<lt]
        if let name = phraseName(phrase) {
            return .mailboxes([Address(name: name, address: address)] + extra, firstNamedByPhrase: true)
        }
        let name = commentName(trailing) ?? commentName(phrase)
        return .mailboxes([Address(name: name, address: address)] + extra, firstNamedByPhrase: false)
    }

    /// The address inside angle brackets: an obsolete route (RFC 5322 §4.4 `obs-route`) and a
    /// `mailto:` dropped, comments and spaces removed.
    func angleAddress(_ inner: ArraySlice<AddressToken>) -> String? {
        // The common `<local@domain>`: three tokens, no comment, route or quoted part.
        if inner.count == 3 {
            let a = inner[inner.startIndex], at = inner[inner.startIndex + 1], d = inner[inner.startIndex + 2]
            if a.kind == .atom, at.kind == .at, d.kind == .atom {
                return String(decoding: bytes[a.start..<a.end], as: UTF8.self) + "@" + String(decoding: bytes[d.start..<d.end], as: UTF8.self)
            }
        }
        let ws = inner.filter { $0.kind != .comment }
        var i = 0
        if ws.first?.kind == .at, let colon = ws.firstIndex(where: { $0.kind == .colon }) { i = colon + 1 }
        if i + 1 < ws.count, ws[i].kind == .atom, ws[i + 1].kind == .colon, text(ws[i]).lowercased() == "mailto" {
            i += 2
        }
        var out = ""
        for t in ws[i...] { out += addressText(t) }
        return out.isEmpty ? nil : out
    }

    /// Addresses written without angle brackets: `a@b`, `a@b (Name)`, `john . doe @ example`,
    /// `Name a@b` (brackets missing), `a@b c@d` (comma missing), or a lone local name (`root`).
    func readBare(_ seg: ArraySlice<AddressToken>) -> SegmentResult {
        var words: [(tok: AddressToken, at: Int)] = []
        for i in seg.indices where seg[i].kind != .comment { words.append((seg[i], i)) }
        guard words.contains(where: { $0.tok.kind == .at }) else {
            if words.isEmpty { return .nothing }
            var root: Address?
            if words.count == 1, words[0].tok.kind == .atom {
                root = Address(name: commentName(seg), address: text(words[0].tok))
            }
            return .phrase(Phrase(name: phraseName(seg), root: root))
        }

        func joined(_ x: AddressToken, _ y: AddressToken) -> Bool {
            !y.spaceBefore
                || (x.kind == .atom && bytes[x.end - 1] == UInt8(ascii: "."))
                || (y.kind == .atom && bytes[y.start] == UInt8(ascii: "."))
        }

        var result: [Address] = []
        var firstNamedByPhrase = false
        var cursor = 0
        while let a = words[cursor...].firstIndex(where: { $0.tok.kind == .at }) {
            var l = a
            if l > cursor, words[l - 1].tok.kind == .atom || words[l - 1].tok.kind == .quoted {
                l -= 1
                while l > cursor, words[l - 1].tok.kind == .atom || words[l - 1].tok.kind == .quoted,
                      joined(words[l - 1].tok, words[l].tok) {
                    l -= 1
                }
            }
            var d = a + 1
            if d < words.count, words[d].tok.kind == .atom || words[d].tok.kind == .literal {
                d += 1
                while d < words.count, words[d].tok.kind == .atom || words[d].tok.kind == .literal,
                      joined(words[d - 1].tok, words[d].tok) {
                    d += 1
                }
            }
            defer { cursor = d }
            guard l < a else { continue }  // no local part: not an address
            var address = ""
            for w in words[l..<d] { address += addressText(w.tok) }

            let segStart = cursor == 0 ? seg.startIndex : words[cursor - 1].at + 1
            let phrase = seg[segStart..<words[l].at].filter { $0.kind != .comment }
            let trailingEnd = d < words.count ? words[d].at : seg.endIndex
            let trailing = seg[(words[d - 1].at + 1)..<trailingEnd]
            var name = phraseName(phrase[...])
            if result.isEmpty { firstNamedByPhrase = name != nil }
            if name == nil { name = commentName(trailing) ?? commentName(seg[segStart..<words[l].at]) }
            result.append(Address(name: name, address: address))
        }
        return result.isEmpty ? .nothing : .mailboxes(result, firstNamedByPhrase: firstNamedByPhrase)
    }

    // MARK: - Text

    /// The raw text of a token: an atom as written, a quoted string or comment with its quoted
    /// pairs undone (RFC 5322 §3.2.1), a domain literal with its brackets.
    func text(_ t: AddressToken) -> String {
        switch t.kind {
        case .atom:
            return String(decoding: bytes[t.start..<t.end], as: UTF8.self)
        case .quoted, .comment:
            var out: [UInt8] = []
            out.reserveCapacity(t.end - t.start)
            var i = t.start
            while i < t.end {
                if bytes[i] == AddressLexer.backslash, i + 1 < t.end { i += 1 }
                out.append(bytes[i])
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        case .literal:
            return "[" + String(decoding: bytes[t.start..<t.end], as: UTF8.self) + "]"
        default:
            return String(decoding: bytes[t.start..<t.end], as: UTF8.self)
        }
    }

    /// A token as part of an address: a quoted local part stays quoted unless it is a plain
    /// dot-atom (`"john"@x` is `john@x`, RFC 5321 §4.1.2). Control characters (CR, LF, TAB…) never
    /// reach an address, which may end up in an SMTP envelope or a header we write; a domain
    /// literal loses its spaces too.
    func addressText(_ t: AddressToken) -> String {
        if t.kind == .literal {
            return String(String.UnicodeScalarView(text(t).unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }))
        }
        guard t.kind == .quoted else { return text(t) }
        let content = String(String.UnicodeScalarView(text(t).unicodeScalars.filter {
            $0.value >= 0x20 && $0.value != 0x7F && !($0.value >= 0x80 && $0.value < 0xA0)
        }))
        let u = Array(content.utf8)
        let plain = !u.isEmpty && u.first != UInt8(ascii: ".") && u.last != UInt8(ascii: ".")
            && u.allSatisfy { AddressLexer.isAtomByte($0) && $0 != AddressLexer.backslash }
            && !content.contains("..")
        if plain { return content }
        var out = "\""
        for ch in content {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out + "\""
    }

    /// The display name of a phrase (RFC 5322 §3.2.5, with §4.1 `obs-phrase`): words joined by
    /// single spaces where spaces were, comments dropped; nil when there is none.
    func phraseName(_ tokens: ArraySlice<AddressToken>) -> String? {
        var raw = ""
        var first = true
        for t in tokens where t.kind != .comment {
            if !first, t.spaceBefore { raw += " " }
            raw += text(t)
            first = false
        }
        return first ? nil : AddressListParser.cleanName(raw)
    }

    /// The first non-empty comment of `tokens`, as a display name (the old `a@b (Name)` style).
    func commentName(_ tokens: ArraySlice<AddressToken>) -> String? {
        for t in tokens where t.kind == .comment {
            if let name = AddressListParser.cleanName(text(t)) { return name }
        }
        return nil
    }

    /// Decode encoded words (RFC 2047 §6.2; also where they were wrongly quoted), collapse runs of
    /// whitespace and control characters to one space, trim; nil when nothing is left.
    static func cleanName(_ raw: String) -> String? {
        let decoded = EncodedWords.decode(raw)
        // On the UTF-8 bytes: an ASCII byte is a scalar of its own (white space among them is
        // space and 0x09–0x0D, all dropped here anyway); a longer sequence is one scalar, copied
        // whole unless it is a C1 control or Unicode white space.
        var d = decoded
        return d.withUTF8 { u -> String? in
            var out: [UInt8] = []
            out.reserveCapacity(u.count)
            var pendingSpace = false
            var i = 0
            let n = u.count
            while i < n {
                let b = u[i]
                if b < 0x80 {
                    i += 1
                    if b <= 0x20 || b == 0x7F {
                        pendingSpace = !out.isEmpty
                        continue
                    }
                    if pendingSpace { out.append(0x20); pendingSpace = false }
                    out.append(b)
                    continue
                }
                // A valid scalar (a String's bytes are valid UTF-8): its length from the lead byte.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                let end = min(i + length, n)
                if length == 2, b == 0xC2, i + 1 < n, u[i + 1] < 0xA0 {   // U+0080–U+009F
                    pendingSpace = !out.isEmpty
                    i = end
                    continue
                }
                if Self.isWhitespaceScalar(u, i, length) {
                    pendingSpace = !out.isEmpty
                    i = end
                    continue
                }
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[i..<end]))
                i = end
            }
            return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
        }
    }

    /// Unicode white space (`Unicode.Scalar.Properties.isWhitespace`) of the scalar of `length`
    /// bytes at `i`.
    private static func isWhitespaceScalar(_ u: UnsafeBufferPointer<UInt8>, _ i: Int, _ length: Int) -> Bool {
        var value: UInt32
        switch length {
        case 2: value = UInt32(u[i] & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F)
        case 3: value = UInt32(u[i] & 0x0F) << 12 | UInt32(u[i + 1] & 0x3F) << 6 | UInt32(u[i + 2] & 0x3F)
        default: value = UInt32(u[i] & 0x07) << 18 | UInt32(u[i + 1] & 0x3F) << 12 | UInt32(u[i + 2] & 0x3F) << 6 | UInt32(u[i + 3] & 0x3F)
        }
        return Unicode.Scalar(value)?.properties.isWhitespace ?? false
    }

    // MARK: - Salvage

    /// Finds `<local@domain>` in the raw bytes from `start`: what is left of a list whose quote or
    /// comment never closed. Addresses already read are not repeated.
    private mutating func salvage(from start: Int) {
        var known = Set<String>()
        for e in entries {
            switch e {
            case .mailbox(let a): known.insert(a.address)
            case .group(_, let ms): for a in ms { known.insert(a.address) }
            }
        }
        let n = bytes.count
        var i = start
        while i < n {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            var j = i + 1
            var at = -1
            while j < n {
                let c = bytes[j]
                if AddressLexer.isSpace(c) || c == UInt8(ascii: "<") || c == UInt8(ascii: ">")
                    || c == AddressLexer.quote || c == UInt8(ascii: ",") || c == AddressLexer.lparen {
                    break
                }
                if c == UInt8(ascii: "@") { at = j }
                j += 1
            }
            if j < n, bytes[j] == UInt8(ascii: ">"), at > i + 1, at < j - 1 {
                let address = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                if known.insert(address).inserted { entries.append(.mailbox(Address(name: nil, address: address))) }
                i = j + 1
            } else {
                i = j  // stops at the next `<` or past the run: linear
            }
        }
    }
}
