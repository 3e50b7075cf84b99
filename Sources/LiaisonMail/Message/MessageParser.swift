// STUB: being written.

/// Reads RFC 5322 / MIME messages from raw bytes. Pure: no files, clocks or environment.
public enum MessageParser {
    /// Parse `bytes`. Never throws and never traps: damage and exceeded bounds become `issues`.
    public static func parse(_ bytes: [UInt8], limits: ParseLimits = .default) -> Message {
        let root = MIMEPart(header: HeaderSection(), contentType: ContentType(type: "text", subtype: "plain"),
                            disposition: nil, transferEncoding: "7bit", body: .leaf(bytes), filename: nil, damaged: false)
        return Message(raw: bytes, root: root)
    }
}
