// STUB (replaced by the address work): see the doc comments for the contract.

/// One mailbox: RFC 5322 §3.4 `name-addr` or `addr-spec`.
public struct Address: Sendable, Equatable, Hashable, Codable {
    /// The display name, RFC 2047-decoded, unquoted; nil when absent or empty.
    public var name: String?
    /// `local@domain` as written (comments and spaces removed).
    public var address: String
    public init(name: String?, address: String) { self.name = name; self.address = address }
}

/// An entry of an address list: a mailbox or a named group (RFC 5322 §3.4 `group`).
public enum AddressListEntry: Sendable, Equatable {
    case mailbox(Address)
    case group(name: String, members: [Address])
}

/// RFC 5322 §3.4 address lists, with the obsolete forms of §4.4 and what real mailers send.
public enum AddressParser {
    /// Parse an unfolded header value (encoded words still encoded) into entries. Never throws:
    /// what cannot be read is skipped.
    public static func parseList(_ value: String) -> [AddressListEntry] { [] }

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
