/// The time stamp of one `Received` field (RFC 5321 §4.4 `Time-stamp-line`, RFC 5322 §3.6.7):
///
///     from client.example (client.example [192.0.2.7]) by mx.corp.example (Postfix)
///         with ESMTPS id 4Q2x; Tue, 17 Nov 2026 18:03:01 +0800 (CST)
///
/// `received = "Received:" *received-token ";" date-time`: the date-time follows the last `;`
/// outside comments, and the host after the `by` keyword is the server that wrote the stamp.
/// Comments (parenthesised, nestable, with `\` quoting) are skipped wherever they stand: they
/// often carry `;` themselves (`(using TLSv1.3 with cipher …;)`).
///
/// Pure and bounded: a value longer than `maxLength` bytes or with comments nested deeper than
/// `maxCommentDepth` is refused with a typed error before any other work; one pass over the
/// bytes, then `DateParser` over the tail. Never invents a date.
public enum ReceivedParser {
    /// What a Received field says about itself.
    public struct Stamp: Sendable, Equatable {
        /// The host after `by`, lowercased (nil when the field names none).
        public var by: String?
        public var date: MailDate
    }

    /// Why a Received field gave no stamp.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case tooLong(Int)
        case commentTooDeep
        case unbalancedComment
        /// No `;` outside comments: no date-time part.
        case noDate
        /// The part after the last `;` is not a date.
        case unreadableDate(String)

        public var description: String {
            switch self {
            case .tooLong(let n): return "Received field of \(n) bytes (more than \(ReceivedParser.maxLength))"
            case .commentTooDeep: return "Received field with comments nested deeper than \(ReceivedParser.maxCommentDepth)"
            case .unbalancedComment: return "Received field with an unclosed comment"
            case .noDate: return "Received field without a date after ';'"
            case .unreadableDate(let s): return "Received field with an unreadable date \"\(s)\""
            }
        }
    }

    /// Real stamps are a few hundred bytes; Postfix folds at 998.
    public static let maxLength = 4_096
    public static let maxCommentDepth = 8

    /// The stamp of one unfolded Received value.
    public static func parse(_ value: String) -> Result<Stamp, Failure> {
        var v = value
        return v.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Result<Stamp, Failure> {
        guard b.count <= maxLength else { return .failure(.tooLong(b.count)) }
        // One pass: the bytes outside comments (comments become one space), and where the last
        // top-level ';' is.
        var outside: [UInt8] = []
        outside.reserveCapacity(b.count)
        var depth = 0
        var i = 0
        var lastSemicolon: Int? = nil
        while i < b.count {
            let c = b[i]
            if depth > 0 {
                switch c {
                case 0x5C: i += 1                       // \x: quoted, skipped with its successor
                case 0x28:
                    depth += 1
                    if depth > maxCommentDepth { return .failure(.commentTooDeep) }
                case 0x29:
                    depth -= 1
                    if depth == 0 { outside.append(0x20) }
                default: break
                }
            } else {
                switch c {
                case 0x28: depth = 1
                case 0x3B:
                    lastSemicolon = outside.count
                    outside.append(c)
                case 0x09, 0x0D, 0x0A: outside.append(0x20)
                default: outside.append(c)
                }
            }
            i += 1
        }
        guard depth == 0 else { return .failure(.unbalancedComment) }
        guard let semi = lastSemicolon else { return .failure(.noDate) }
        let tail = String(decoding: outside[(semi + 1)...], as: UTF8.self)
        guard let date = DateParser.parse(tail) else {
            let shown = tail.trimmingSpaces
            return .failure(.unreadableDate(shown.count > 64 ? String(shown.prefix(64)) + "…" : shown))
        }
        return .success(Stamp(by: byHost(outside[..<semi]), date: date))
    }

    /// The token after a `by` keyword (a whole word, any case) among the tokens before the date.
    static func byHost(_ tokens: ArraySlice<UInt8>) -> String? {
        var words: [ArraySlice<UInt8>] = []
        var start: Int? = nil
        for j in tokens.indices {
            if tokens[j] == 0x20 {
                if let s = start { words.append(tokens[s..<j]); start = nil }
            } else if start == nil {
                start = j
            }
        }
        if let s = start { words.append(tokens[s..<tokens.endIndex]) }
        for (k, w) in words.enumerated() where w.count == 2 && k + 1 < words.count {
            let lower = w.map { $0 | 0x20 }
            if lower == [0x62, 0x79] {   // "by"
                let host = String(decoding: words[k + 1], as: UTF8.self).lowercased()
                return host.isEmpty ? nil : host
            }
        }
        return nil
    }
}
