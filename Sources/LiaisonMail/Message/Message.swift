import Foundation

/// One header field as it stood in the message (RFC 5322 §2.2).
public struct HeaderField: Sendable, Equatable {
    /// The field name as written (compare case-insensitively).
    public var name: String
    /// The raw bytes after the colon up to (not including) the final CRLF, folding kept.
    public var rawValue: [UInt8]
    /// The value unfolded (RFC 5322 §2.2.3), leading/trailing white space trimmed, raw 8-bit
    /// bytes decoded as UTF-8 or, failing that, by best-effort charset guessing. Encoded words stay encoded.
    public var value: String
    public init(name: String, rawValue: [UInt8], value: String) {
        self.name = name; self.rawValue = rawValue; self.value = value
    }
}

/// The header section of a message or body part: every field, duplicates kept, in order.
public struct HeaderSection: Sendable, Equatable {
    public var fields: [HeaderField]
    public init(fields: [HeaderField] = []) { self.fields = fields }

    /// The first field with this name (case-insensitive).
    public func first(_ name: String) -> HeaderField? {
        fields.first { $0.name.caseInsensitiveEquals(name) }
    }
    /// Every field with this name, in order.
    public func all(_ name: String) -> [HeaderField] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }
    }
    /// The unfolded value of the first field with this name.
    public subscript(_ name: String) -> String? { first(name)?.value }
}

extension String {
    /// ASCII case-insensitive equality without allocating (header names are ASCII).
    @inlinable
    func caseInsensitiveEquals(_ other: String) -> Bool {
        // ASCII case folding keeps the length: most names differ in it, and are told apart here.
        guard self.utf8.count == other.utf8.count else { return false }
        @inline(__always) func fold(_ x: UInt8) -> UInt8 { (x >= 0x41 && x <= 0x5A) ? x | 0x20 : x }
        // Native and small strings are contiguous: compare the bytes themselves.
        if let equal = self.utf8.withContiguousStorageIfAvailable({ a in
            other.utf8.withContiguousStorageIfAvailable { b -> Bool in
                for i in 0..<a.count where a[i] != b[i] && fold(a[i]) != fold(b[i]) { return false }
                return true
            }
        }), let equal {
            return equal
        }
        var a = self.utf8.makeIterator(), b = other.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x == y { continue }
                if fold(x) != fold(y) { return false }
            default: return false
            }
        }
    }
}
