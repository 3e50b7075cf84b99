import Foundation

/// How list columns are encoded, whatever the backend: address lists and item numbers as JSON
/// arrays in a text column (SQLite and PostgreSQL store the same text).
public enum StoreColumns {
    /// Address lists are stored as JSON arrays of strings (written here without `JSONEncoder`,
    /// which costs tens of microseconds a row: too slow for 100,000 reminders).
    public static func json(_ strings: [String]) -> String {
        var out = "["
        for (i, s) in strings.enumerated() {
            if i > 0 { out += "," }
            out += "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where u.value < 0x20:
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(u)
                }
            }
            out += "\""
        }
        return out + "]"
    }

    /// Item numbers, as a JSON array.
    public static func json(_ ints: [Int]) -> String { "[" + ints.map(String.init).joined(separator: ",") + "]" }

    public static func strings(_ text: String) -> [String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
    }

    public static func ints(_ text: String) -> [Int] {
        text.split(whereSeparator: { !"-0123456789".contains($0) }).compactMap { Int($0) }
    }
}
