import Foundation

/// Reads the facts Liaison needs out of scanned IMAP responses. Pure.
public enum IMAPResponseParser {
    /// The message bytes of `UID FETCH uid BODY.PEEK[]` (RFC 3501 §7.4.2, `BODY[]` item), exactly
    /// the literal's announced size. Nil when the server sent no FETCH for that UID (expunged or
    /// never existed). Throws when the response is damaged.
    public static func fetchedBody(in stream: [UInt8], uid: UInt32) throws(IMAPParseError) -> [UInt8]? {
        try fetchedBody(in: try IMAPResponseScanner.responses(in: stream), uid: uid)
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func fetchedBody(in responses: [IMAPResponse], uid: UInt32) throws(IMAPParseError) -> [UInt8]? {
        for response in responses {
            guard response.isUntagged, let items = fetchItems(response.text) else { continue }
            if let fetchedUID = number(after: "UID", in: items), fetchedUID != uid { continue }
            guard let literal = response.literals.first(where: { $0.item == "BODY[]" }) else {
                if items.uppercased().contains("BODY[] NIL") { return nil }
                if items.uppercased().contains("BODY[]") { throw .malformedFetch("BODY[] without a literal") }
                continue
            }
            if literal.discarded { continue }  // not asked for (IMAPLiteralPolicy)
            guard response.text.hasSuffix(")") else {
                throw .malformedFetch("response does not close after the \(literal.bytes.count)-byte literal")
            }
            return literal.bytes
        }
        return nil
    }

    /// Every message body of a batched `UID FETCH set (UID BODY.PEEK[])` (RFC 3501 §6.4.8,
    /// §7.4.2), in the order the responses came, each paired with the UID named by the UID item
    /// of its own response — never by position: responses may come in any order. FETCH responses
    /// without a `BODY[]` item (an unsolicited `FLAGS` update) are skipped, as is `BODY[] NIL`.
    /// Each body is exactly its literal's announced size. Throws when the stream is truncated,
    /// when a body's response does not close after its literal, or when a body comes without a
    /// UID item (it could not be matched).
    public static func fetchedBodies(in stream: [UInt8]) throws(IMAPParseError) -> [(uid: UInt32, bytes: [UInt8])] {
        try fetchedBodies(in: try IMAPResponseScanner.responses(in: stream))
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func fetchedBodies(in responses: [IMAPResponse]) throws(IMAPParseError) -> [(uid: UInt32, bytes: [UInt8])] {
        var result: [(uid: UInt32, bytes: [UInt8])] = []
        for response in responses {
            guard response.isUntagged, let items = fetchItems(response.text) else { continue }
            let bodies = response.literals.filter { $0.item == "BODY[]" }
            guard let literal = bodies.first else {
                let upper = items.uppercased()
                if upper.contains("BODY[] NIL") { continue }
                if upper.contains("BODY[]") { throw .malformedFetch("BODY[] without a literal") }
                continue
            }
            guard bodies.count == 1 else { throw .malformedFetch("two BODY[] literals in one response") }
            if literal.discarded { continue }  // not asked for (IMAPLiteralPolicy)
            guard response.text.hasSuffix(")") else {
                throw .malformedFetch("response does not close after the \(literal.bytes.count)-byte literal")
            }
            guard let uid = itemNumber("UID", in: items) else {
                throw .malformedFetch("BODY[] without a UID item")
            }
            result.append((uid, literal.bytes))
        }
        return result
    }

    /// The `RFC822.SIZE` of each UID in the responses to `UID FETCH set (RFC822.SIZE)` (RFC 3501
    /// §7.4.2), in the order they came; responses lacking either item are skipped.
    public static func messageSizes(in stream: [UInt8]) throws(IMAPParseError) -> [(uid: UInt32, size: UInt32)] {
        messageSizes(in: try IMAPResponseScanner.responses(in: stream))
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func messageSizes(in responses: [IMAPResponse]) -> [(uid: UInt32, size: UInt32)] {
        var result: [(uid: UInt32, size: UInt32)] = []
        for response in responses where response.isUntagged {
            guard let items = fetchItems(response.text), let uid = itemNumber("UID", in: items),
                let size = itemNumber("RFC822.SIZE", in: items)
            else { continue }
            result.append((uid, size))
        }
        return result
    }

    /// The flags of the FETCH response for `uid` (`FLAGS (\Seen \Answered)`), upper-cased; nil if none came.
    public static func flags(in stream: [UInt8], uid: UInt32) throws(IMAPParseError) -> [String]? {
        flags(in: try IMAPResponseScanner.responses(in: stream), uid: uid)
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func flags(in responses: [IMAPResponse], uid: UInt32) -> [String]? {
        for response in responses {
            guard response.isUntagged, let items = fetchItems(response.text) else { continue }
            if let fetchedUID = number(after: "UID", in: items), fetchedUID != uid { continue }
            let upper = items.uppercased()
            guard let range = upper.range(of: "FLAGS (") else { continue }
            let rest = upper[range.upperBound...]
            guard let close = rest.firstIndex(of: ")") else { continue }
            return rest[..<close].split(separator: " ").map(String.init)
        }
        return nil
    }

    /// UIDs of every `* SEARCH` line (RFC 3501 §7.2.5), sorted and unique.
    public static func searchUIDs(in stream: [UInt8]) throws(IMAPParseError) -> [UInt32] {
        searchUIDs(in: try IMAPResponseScanner.responses(in: stream))
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func searchUIDs(in responses: [IMAPResponse]) -> [UInt32] {
        var uids = Set<UInt32>()
        for response in responses where response.isUntagged {
            let words = response.text.split(separator: " ")
            guard words.count >= 2, words[1].uppercased() == "SEARCH" else { continue }
            for word in words.dropFirst(2) {
                if let uid = UInt32(word) { uids.insert(uid) }
            }
        }
        return uids.sorted()
    }

    /// UIDVALIDITY, UIDNEXT and MESSAGES from `* STATUS` (§7.2.4) or from the `* OK [UIDVALIDITY n]`
    /// and `* OK [UIDNEXT n]` / `* n EXISTS` of SELECT/EXAMINE (§7.1, §7.3.1); the last seen wins.
    public static func status(in stream: [UInt8]) throws(IMAPParseError) -> (uidValidity: UInt32?, uidNext: UInt32?, messages: UInt32?) {
        status(in: try IMAPResponseScanner.responses(in: stream))
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func status(in responses: [IMAPResponse]) -> (uidValidity: UInt32?, uidNext: UInt32?, messages: UInt32?) {
        var validity: UInt32? = nil
        var next: UInt32? = nil
        var messages: UInt32? = nil
        for response in responses where response.isUntagged {
            let upper = response.text.uppercased()
            if upper.hasPrefix("* STATUS ") {
                guard let open = upper.lastIndex(of: "(") else { continue }
                let list = upper[upper.index(after: open)...].prefix { $0 != ")" }
                let words = list.split(separator: " ")
                var k = 0
                while k + 1 < words.count {
                    let value = UInt32(words[k + 1])
                    switch words[k] {
                    case "UIDVALIDITY": validity = value ?? validity
                    case "UIDNEXT": next = value ?? next
                    case "MESSAGES": messages = value ?? messages
                    default: break
                    }
                    k += 2
                }
            } else if upper.hasPrefix("* OK [UIDVALIDITY ") {
                validity = number(after: "[UIDVALIDITY", in: upper) ?? validity
            } else if upper.hasPrefix("* OK [UIDNEXT ") {
                next = number(after: "[UIDNEXT", in: upper) ?? next
            } else if upper.hasSuffix(" EXISTS") {
                let words = upper.split(separator: " ")
                if words.count == 3, let count = UInt32(words[1]) { messages = count }
            }
        }
        return (validity, next, messages)
    }

    /// Capabilities from `* CAPABILITY …` or a `[CAPABILITY …]` response code (RFC 3501 §7.2.1), upper-cased.
    public static func capabilities(in stream: [UInt8]) throws(IMAPParseError) -> Set<String> {
        capabilities(in: try IMAPResponseScanner.responses(in: stream))
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func capabilities(in responses: [IMAPResponse]) -> Set<String> {
        var caps = Set<String>()
        for response in responses {
            let upper = response.text.uppercased()
            var list: Substring? = nil
            if upper.hasPrefix("* CAPABILITY ") {
                list = upper.dropFirst("* CAPABILITY ".count)
            } else if let r = upper.range(of: "[CAPABILITY ") {
                list = upper[r.upperBound...].prefix { $0 != "]" }
            }
            if let list { caps = Set(list.split(separator: " ").map(String.init)) }
        }
        return caps
    }

    /// True when a response carries the `[TRYCREATE]` code (RFC 3501 §6.4.7): the target mailbox is missing.
    public static func asksToCreate(in stream: [UInt8]) -> Bool {
        guard let responses = try? IMAPResponseScanner.responses(in: stream) else { return false }
        return asksToCreate(in: responses)
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func asksToCreate(in responses: [IMAPResponse]) -> Bool {
        responses.contains { $0.text.uppercased().contains("[TRYCREATE]") }
    }

    /// The line that explains a failure, for error messages: the last tagged NO or BAD (libcurl
    /// logs out after a failed command, so the very last line is often a harmless LOGOUT OK),
    /// else the last status line. Never literal content; at most 200 characters.
    public static func lastStatusLine(in stream: [UInt8]) -> String? {
        lastStatusLine(in: (try? IMAPResponseScanner.responses(in: stream)) ?? [])
    }

    /// The same, from responses already framed (`IMAPResponseFramer`).
    public static func lastStatusLine(in responses: [IMAPResponse]) -> String? {
        func status(_ r: IMAPResponse) -> String? {
            let words = r.text.split(separator: " ", maxSplits: 2)
            guard words.count >= 2 else { return nil }
            let s = words[1].uppercased()
            return ["OK", "NO", "BAD", "BYE", "PREAUTH"].contains(s) ? s : nil
        }
        let refusal = responses.last { !$0.isUntagged && ["NO", "BAD"].contains(status($0) ?? "") }
        guard let line = refusal ?? responses.last(where: { status($0) != nil }) else { return nil }
        return String(line.text.prefix(200))
    }

    // `* 12 FETCH (…)` → the text inside the outer parentheses (with literal markers).
    static func fetchItems(_ text: String) -> String? {
        // Byte-wise (this runs once per message of a batch): `*`, spaces, digits, spaces,
        // FETCH in any case, spaces, then `(`.
        text.utf8.withContiguousStorageIfAvailable { b -> String? in
            let n = b.count
            var i = 0
            func spaces() -> Bool {
                let start = i
                while i < n && b[i] == 0x20 { i += 1 }
                return i > start
            }
            guard n > 0, b[0] == UInt8(ascii: "*") else { return nil }
            i = 1
            guard spaces() else { return nil }
            let digits = i
            while i < n && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > digits, i - digits <= 10, UInt32(String(decoding: UnsafeBufferPointer(rebasing: b[digits..<i]), as: UTF8.self)) != nil,
                spaces(), i + 5 <= n, asciiEqualFolded(b[i..<(i + 5)], "FETCH")
            else { return nil }
            i += 5
            guard spaces(), i < n, b[i] == UInt8(ascii: "(") else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)...]), as: UTF8.self)
        } ?? fetchItemsSlow(text)
    }

    static func fetchItemsSlow(_ text: String) -> String? {
        let words = text.split(separator: " ", maxSplits: 3)
        guard words.count >= 4, words[0] == "*", UInt32(words[1]) != nil, words[2].uppercased() == "FETCH",
            words[3].hasPrefix("(")
        else { return nil }
        return String(words[3].dropFirst())
    }

    /// True when `bytes` spell `word` (upper-case ASCII) in any case.
    private static func asciiEqualFolded(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        var k = 0
        for b in bytes {
            let upper = (b >= 0x61 && b <= 0x7A) ? b - 0x20 : b
            if upper != w[k] { return false }
            k += 1
        }
        return true
    }

    /// The number after the data item `name` in a FETCH item list (`UID 9`, `RFC822.SIZE 120`):
    /// `name` must be a whole word (leading `(` aside), so `UID` never matches inside another
    /// item's name; nil when the word after it does not start with a digit. Byte-wise: this runs
    /// for every message of a batch.
    static func itemNumber(_ name: String, in items: String) -> UInt32? {
        let wanted = Array(name.uppercased().utf8)
        return items.utf8.withContiguousStorageIfAvailable { b -> UInt32? in
            let n = b.count
            var i = 0
            while i < n {
                while i < n && b[i] == 0x20 { i += 1 }
                var start = i
                while i < n && b[i] != 0x20 { i += 1 }
                while start < i && b[start] == UInt8(ascii: "(") { start += 1 }
                guard i - start == wanted.count else { continue }
                var same = true
                for k in 0..<wanted.count {
                    let c = b[start + k]
                    if ((c >= 0x61 && c <= 0x7A) ? c - 0x20 : c) != wanted[k] { same = false; break }
                }
                guard same else { continue }
                var j = i
                while j < n && b[j] == 0x20 { j += 1 }
                guard j < n else { return nil }
                var value: UInt64 = 0
                let first = j
                while j < n && b[j] >= 0x30 && b[j] <= 0x39 {
                    value = value * 10 + UInt64(b[j] - 0x30)
                    if value > UInt64(UInt32.max) { return nil }
                    j += 1
                }
                return j > first ? UInt32(value) : nil
            }
            return nil
        } ?? itemNumberSlow(name, in: items)
    }

    static func itemNumberSlow(_ name: String, in items: String) -> UInt32? {
        let words = items.split(separator: " ")
        let wanted = name.uppercased()
        for (k, word) in words.enumerated() where k + 1 < words.count {
            let bare = word.drop { $0 == "(" }
            guard bare.uppercased() == wanted else { continue }
            let digits = words[k + 1].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = UInt32(digits) else { return nil }
            return value
        }
        return nil
    }

    static func number(after keyword: String, in text: String) -> UInt32? {
        let upper = text.uppercased()
        guard let r = upper.range(of: keyword.uppercased() + " ") else { return nil }
        return UInt32(upper[r.upperBound...].prefix { $0.isNumber })
    }
}
