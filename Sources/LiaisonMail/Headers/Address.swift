/// One mailbox: RFC 5322 §3.4 `name-addr` or `addr-spec` (RFC 6532 UTF-8 addresses kept as is).
///
/// ```
/// =?UTF-8?B?5byg5Lyf?= <zhang.wei@corp.example>   → name "张伟", address "zhang.wei@corp.example"
/// MAILER-DAEMON@mx.corp.example (Mail Delivery System) → name "Mail Delivery System"
/// ```
public struct Address: Sendable, Equatable, Hashable, Codable {
    /// The display name, RFC 2047-decoded, unquoted; nil when absent or empty.
    public var name: String?
    /// `local@domain` as written (comments and spaces removed).
    public var address: String
    public init(name: String?, address: String) { self.name = name; self.address = address }

    /// The address lowercased, for comparisons (semantics: addresses compare case-insensitively).
    public var normalized: String { address.lowercased() }

    /// The domain after the last `@` (RFC 5322 §3.4.1 `domain`), lowercased; nil when there is
    /// no `@` (a local name such as `root`) or nothing after it.
    public var domain: String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let d = address[address.index(after: at)...]
        return d.isEmpty ? nil : d.lowercased()
    }

    /// The local part before the last `@` (RFC 5322 §3.4.1 `local-part`); the whole address when
    /// there is no `@`.
    public var localPart: String {
        guard let at = address.lastIndex(of: "@") else { return address }
        return String(address[..<at])
    }

    /// `Name <address>` for display and logs, or the bare address when there is no name. The name
    /// is quoted (RFC 5322 §3.2.4) when it holds specials; it is not RFC 2047-encoded, so this is
    /// not for writing header fields on the wire.
    public var formatted: String {
        guard let name, !name.isEmpty else { return address }
        return "\(Address.quotedIfNeeded(name)) <\(address)>"
    }

    /// `phrase` as RFC 5322 §3.2.5 allows it: atoms kept, anything with specials quoted.
    static func quotedIfNeeded(_ phrase: String) -> String {
        var needs = false
        for u in phrase.utf8 {
            switch u {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                 UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ":"), UInt8(ascii: ";"),
                 UInt8(ascii: "@"), UInt8(ascii: "\\"), UInt8(ascii: ","), UInt8(ascii: "."),
                 UInt8(ascii: "\""):
                needs = true
            default: break
            }
            if needs { break }
        }
        guard needs else { return phrase }
        var out = "\""
        for ch in phrase {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        out.append("\"")
        return out
    }
}

/// An entry of an address list: a mailbox or a named group (RFC 5322 §3.4 `group`).
///
/// `Team: a@corp.example, b@corp.example;` is one group of two; `undisclosed-recipients:;` is a
/// group with no members.
public enum AddressListEntry: Sendable, Equatable {
    case mailbox(Address)
    case group(name: String, members: [Address])
}

/// RFC 5322 §3.4 address lists, with the obsolete forms of §4.4 and what real mailers send.
///
/// Handles `addr-spec`, `name-addr`, quoted names with escapes, nested comments anywhere (a
/// comment after an address is its name when there is no other), groups (also empty and
/// unterminated), obsolete routes (dropped), obsolete local parts with spaces around dots,
/// unclosed angle brackets, stray and doubled separators (`;` outside a group separates like
/// `,`), missing commas between addresses, unquoted `Last, First <addr>` names (a phrase with no
/// address directly before a named `<addr>` joins its name), raw UTF-8, local names without a
/// domain (a lone word such as `root` is kept as an address), and RFC 2047 encoded words in names,
/// also inside quotes. The scan is
/// linear in the input and has no recursion; what cannot be read is skipped, and a `<a@b>`
/// left inside an unterminated quote or comment is still found.
public enum AddressParser {
    /// Parse an unfolded header value (encoded words still encoded) into entries. Never throws:
    /// what cannot be read is skipped.
    public static func parseList(_ value: String) -> [AddressListEntry] {
        var parser = AddressListParser(bytes: Array(value.utf8))
        return parser.run()
    }

    /// Mailboxes of the list with groups flattened, in order.
    public static func parse(_ value: String) -> [Address] {
        parseList(value).flatMap { entry -> [Address] in
            switch entry {
            case .mailbox(let a): return [a]
            case .group(_, let members): return members
            }
        }
    }
}
