/// Shared by the templates (recipients) and the configuration (`managers`).
/// A bare address as stored (lowercased, no display name): one `@`, no white space or controls.
public enum MailAddressCheck {
    public static func isPlain(_ a: String) -> Bool {
        guard let at = a.firstIndex(of: "@"), at != a.startIndex, a.index(after: at) != a.endIndex,
              a.filter({ $0 == "@" }).count == 1 else { return false }
        return a.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && !"<>(),;:\"[]\\".unicodeScalars.contains($0) }
    }
}
