/// Writes mailboxes for From, To and Cc (RFC 5322 §3.4) with display names as atoms, a quoted
/// string (§3.2.4) or RFC 2047 encoded words (§5(3)), and checks the address part.
///
///     "Zhang San" <zs@example.com>      →  Zhang San <zs@example.com>
///     "Doe, John" <jd@example.com>      →  "Doe, John" <jd@example.com>
///     张三 <zs@example.cn>               →  =?UTF-8?B?5byg5LiJ?= <zs@example.cn>
public enum AddressWriter {
    /// RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, so an address at most 254.
    public static let maxAddressLength = 254

    /// Why an address cannot be written, if it cannot.
    public enum Problem: Sendable, Equatable {
        case lineBreak
        case invalid
    }

    /// Checks `address.address` (and the name for line breaks): ASCII `local@domain`, exactly one
    /// `@`, a non-empty dot-atom local part (RFC 5322 §3.4.1; quoted local parts are not written),
    /// a dot-atom domain or a `[…]` literal; no white space, controls, `<`, `>`, `,`, `;` or quotes.
    public static func check(_ address: Address) -> Problem? {
        if HeaderFolder.containsLineBreak(address.address) { return .lineBreak }
        if let name = address.name, HeaderFolder.containsLineBreak(name) { return .lineBreak }
        let bytes = Array(address.address.utf8)
        guard bytes.count <= maxAddressLength, bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1,
              let at = bytes.firstIndex(of: UInt8(ascii: "@"))
        else { return .invalid }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard isDotAtom(local) else { return .invalid }
        if domain.first == UInt8(ascii: "[") {
            guard domain.count >= 3, domain.last == UInt8(ascii: "]"),
                  domain.dropFirst().dropLast().allSatisfy({ $0 >= 33 && $0 <= 126
                      && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") && $0 != UInt8(ascii: "\\") })
            else { return .invalid }
        } else {
            guard isDotAtom(domain) else { return .invalid }
        }
        return nil
    }

    /// RFC 5322 §3.2.3 dot-atom-text: atext runs separated by single dots.
    static func isDotAtom(_ bytes: some Collection<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.reversed().first,
              first != UInt8(ascii: "."), last != UInt8(ascii: ".")
        else { return false }
        var previousDot = false
        for b in bytes {
            if b == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
            } else {
                guard isAtext(b) else { return false }
                previousDot = false
            }
        }
        return true
    }

    /// RFC 5322 §3.2.3 atext.
    static func isAtext(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(b)
        }
    }

    /// Append the mailboxes, comma-separated, to `folder`. The addresses must have passed `check`.
    public static func append(_ addresses: [Address], to folder: inout HeaderFolder) {
        for (i, address) in addresses.enumerated() {
            if i > 0 { folder.append(",", separator: "") }
            if let name = address.name, !name.isEmpty {
                appendPhrase(name, to: &folder)
                folder.append("<" + address.address + ">", separator: " ")
            } else {
                folder.append(address.address, separator: " ")
            }
        }
    }

    /// A display name (RFC 5322 §3.2.5 phrase): atoms when it is plain words with single spaces,
    /// else a quoted string when it is short printable ASCII, else RFC 2047 encoded words.
    static func appendPhrase(_ name: String, to folder: inout HeaderFolder) {
        let bytes = Array(name.utf8)
        let printable = bytes.allSatisfy { $0 >= 32 && $0 <= 126 }
        if !printable || EncodedWordWriter.looksEncoded(name) {
            folder.appendEncoded(name)
            return
        }
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        if words.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 76 && $0.utf8.allSatisfy(isAtext) }) {
            for word in words { folder.append(String(word)) }
            return
        }
        var quoted = "\""
        for scalar in name.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted += "\\" }
            quoted.unicodeScalars.append(scalar)
        }
        quoted += "\""
        if quoted.utf8.count <= 76 {
            folder.append(quoted)
        } else {
            folder.appendEncoded(name)
        }
    }
}
