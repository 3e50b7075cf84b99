import Foundation

/// What "byte for byte" means here: the servers prepend trace fields (RFC 5321 §4.4 Received and
/// Return-Path; Dovecot's Delivered-To) and change nothing else. So the fetched bytes must END
/// with the original bytes exactly, and what precedes them must be whole trace header fields only.
/// One honest exception: SMTP and LMTP mail data always ends with CRLF (RFC 5321 §4.1.1.4), so a
/// file whose last line has no line break arrives with CRLF appended (corpus 05 is such a file).
/// `mailrig deliver` (IMAP APPEND) stores the file's exact bytes: no prefix, no CRLF added.
func isOriginalWithTracePrefix(_ fetched: [UInt8], original: [UInt8]) -> Bool {
    if fetched == original { return true }
    if !original.suffix(2).elementsEqual([0x0D, 0x0A]) && endsWithOriginal(fetched, original + [0x0D, 0x0A]) { return true }
    return endsWithOriginal(fetched, original)
}

private func endsWithOriginal(_ fetched: [UInt8], _ original: [UInt8]) -> Bool {
    guard fetched.count >= original.count, Array(fetched.suffix(original.count)) == original else { return false }
    let prefix = fetched.prefix(fetched.count - original.count)
    if prefix.isEmpty { return true }
    guard prefix.suffix(2).elementsEqual([0x0D, 0x0A]) else { return false }
    let text = String(decoding: prefix, as: UTF8.self)
    let lines = text.components(separatedBy: "\r\n").dropLast()
    let traceNames: Set<String> = ["received", "return-path", "delivered-to", "x-original-to"]
    return lines.allSatisfy { line in
        if line.hasPrefix(" ") || line.hasPrefix("\t") { return true }
        guard let colon = line.firstIndex(of: ":") else { return false }
        return traceNames.contains(line[..<colon].lowercased())
    }
}
