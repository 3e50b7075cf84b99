/// What one libcurl transfer produced, collected by the callbacks of `CurlEasy`.
struct CurlTransfer: Sendable {
    /// Bytes given to the write callback.
    var body: [UInt8] = []
    /// Bytes given to the header callback: for IMAP and SMTP every server line, CRLF included.
    var headers: [UInt8] = []
    /// The SMTP conversation as seen by the debug callback (only when a transcript was asked for).
    /// Commands carrying credentials are reduced to their verb before they are stored.
    var transcript: [SMTPTranscriptEvent] = []
}

/// The result of `curl_easy_perform`: its code and what arrived meanwhile.
struct CurlOutcome: Sendable {
    var code: Int
    var transfer: CurlTransfer
    var succeeded: Bool { code == 0 }
}
