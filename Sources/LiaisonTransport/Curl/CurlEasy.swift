import CCurl

/// One libcurl easy handle and the state its callbacks fill.
///
/// Threading rule: a `CurlEasy` is not thread-safe. Its owner (`IMAPMailbox`, `SMTPSender`)
/// serialises every use behind its own lock; the handle is reused across calls so libcurl keeps
/// the connection (and the IMAP login and selected mailbox) alive between them.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let context: Context
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The string list currently set for each list option, freed when replaced or at deinit.
    private var lists: [UInt32: UnsafeMutablePointer<curl_slist>] = [:]

    /// Callback state; reached from C through `Unmanaged` (the handle owns it, so unretained is safe).
    final class Context {
        var transfer = CurlTransfer()
        var upload: [UInt8] = []
        var uploadOffset = 0
        var recordTranscript = false
        var pendingIn: [UInt8] = []
    }

    init() throws {
        try CurlGlobal.ensureInitialised()
        guard let h = curl_easy_init() else {
            throw CurlError(code: 2, message: "Failed initialization", operation: "curl_easy_init")
        }
        handle = h
        context = Context()
        errorBuffer = .allocate(capacity: Int(CCURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CCURL_ERROR_SIZE) + 1)
        let me = Unmanaged.passUnretained(context).toOpaque()
        try check(ccurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try check(ccurl_setopt_write_function(h, curlWriteCallback), "CURLOPT_WRITEFUNCTION")
        try check(ccurl_setopt_pointer(h, CURLOPT_WRITEDATA, me), "CURLOPT_WRITEDATA")
        try check(ccurl_setopt_header_function(h, curlHeaderCallback), "CURLOPT_HEADERFUNCTION")
        try check(ccurl_setopt_pointer(h, CURLOPT_HEADERDATA, me), "CURLOPT_HEADERDATA")
        try check(ccurl_setopt_read_function(h, curlReadCallback), "CURLOPT_READFUNCTION")
        try check(ccurl_setopt_pointer(h, CURLOPT_READDATA, me), "CURLOPT_READDATA")
        try check(ccurl_setopt_debug_function(h, curlDebugCallback), "CURLOPT_DEBUGFUNCTION")
        try check(ccurl_setopt_pointer(h, CURLOPT_DEBUGDATA, me), "CURLOPT_DEBUGDATA")
        try setLong(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists.values { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        if code != CURLE_OK {
            throw CurlError(
                code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)),
                operation: "setting \(what)")
        }
    }

    func setLong(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    func setOffset(_ option: CURLoption, _ value: Int64) throws {
        try check(ccurl_setopt_off(handle, option, curl_off_t(value)), "option \(option.rawValue)")
    }

    /// libcurl copies string options, so the Swift string need not outlive the call. `nil` resets.
    func setString(_ option: CURLoption, _ value: String?) throws {
        if let value {
            try value.withCString { try check(ccurl_setopt_string(handle, option, $0), "option \(option.rawValue)") }
        } else {
            try check(ccurl_setopt_string(handle, option, nil), "option \(option.rawValue)")
        }
    }

    /// Sets a string-list option; the list is kept alive until the handle is freed or the list
    /// replaced (libcurl does not copy lists), so a long batch of sends does not accumulate them.
    func setList(_ option: CURLoption, _ values: [String]) throws {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for value in values { list = curl_slist_append(list, value) }
        let code = ccurl_setopt_slist(handle, option, list)
        guard code == CURLE_OK else {
            if let list { curl_slist_free_all(list) }
            try check(code, "option \(option.rawValue)")
            return
        }
        if let old = lists.removeValue(forKey: option.rawValue) { curl_slist_free_all(old) }
        if let list { lists[option.rawValue] = list }
    }

    /// Whether the debug callback records an SMTP transcript (it needs CURLOPT_VERBOSE).
    func recordTranscript(_ on: Bool) throws {
        context.recordTranscript = on
        try setLong(CURLOPT_VERBOSE, on ? 1 : 0)
    }

    /// Runs one transfer. `upload` is given to the read callback byte for byte.
    func perform(upload: [UInt8]? = nil) -> CurlOutcome {
        context.transfer = CurlTransfer()
        context.pendingIn = []
        context.upload = upload ?? []
        context.uploadOffset = 0
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        flushPendingIn()
        let transfer = context.transfer
        context.transfer = CurlTransfer()
        context.upload = []
        return CurlOutcome(code: Int(code.rawValue), transfer: transfer)
    }

    private func flushPendingIn() {
        if context.recordTranscript && !context.pendingIn.isEmpty {
            context.transfer.transcript.append(.received(String(decoding: context.pendingIn, as: UTF8.self)))
        }
        context.pendingIn = []
    }

    /// `CURLINFO_RESPONSE_CODE` of the last transfer (the last IMAP/SMTP reply code libcurl kept).
    func responseCode() -> Int {
        var value = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &value)
        return value
    }

    /// `CURLINFO_NUM_CONNECTS`: how many new connections the last transfer made (0 = reused).
    func newConnections() -> Int {
        var value = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &value)
        return value
    }

    // MARK: connect-only sessions (CURLOPT_CONNECT_ONLY = 1)

    /// `CURLINFO_ACTIVESOCKET`: the socket of a connect-only session, to poll; nil when none.
    func activeSocket() -> Int32? {
        var socket: curl_socket_t = -1
        guard ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 else { return nil }
        return Int32(socket)
    }

    /// `curl_easy_send` on a connect-only session: how many bytes went out (through TLS when on),
    /// or `CURLE_AGAIN` when the socket cannot take more now.
    func send(_ bytes: UnsafeRawBufferPointer) -> (code: CURLcode, sent: Int) {
        var sent = 0
        let code = curl_easy_send(handle, bytes.baseAddress, bytes.count, &sent)
        return (code, sent)
    }

    /// `curl_easy_recv` on a connect-only session: bytes read (0 with `CURLE_OK` is the end of
    /// the stream), or `CURLE_AGAIN` when nothing is buffered: poll the socket, then call again.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> (code: CURLcode, received: Int) {
        var received = 0
        let code = curl_easy_recv(handle, buffer.baseAddress, buffer.count, &received)
        return (code, received)
    }

    /// The error buffer's text now (after a failed send or receive).
    func errorText() -> String { String(cString: errorBuffer) }

    /// Builds the Swift error for a failed transfer: code, strerror, error buffer, server line.
    func error(for outcome: CurlOutcome, operation: String, serverLine: String?) -> CurlError {
        let code = CURLcode(rawValue: UInt32(outcome.code))
        return CurlError(
            code: outcome.code, message: String(cString: curl_easy_strerror(code)),
            detail: String(cString: errorBuffer), serverResponse: serverLine, operation: operation)
    }

    // MARK: callbacks (invoked by libcurl on the performing thread)

    fileprivate static func context(_ pointer: UnsafeMutableRawPointer?) -> Context? {
        guard let pointer else { return nil }
        return Unmanaged<Context>.fromOpaque(pointer).takeUnretainedValue()
    }
}

private func appendBytes(_ buffer: UnsafeMutablePointer<CChar>?, _ count: Int, to array: inout [UInt8]) {
    guard let buffer, count > 0 else { return }
    buffer.withMemoryRebound(to: UInt8.self, capacity: count) {
        array.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
    }
}

private let curlWriteCallback: ccurl_data_callback = { buffer, size, count, user in
    guard let context = CurlEasy.context(user) else { return 0 }
    let total = size * count
    appendBytes(buffer, total, to: &context.transfer.body)
    return total
}

private let curlHeaderCallback: ccurl_data_callback = { buffer, size, count, user in
    guard let context = CurlEasy.context(user) else { return 0 }
    let total = size * count
    appendBytes(buffer, total, to: &context.transfer.headers)
    return total
}

private let curlReadCallback: ccurl_data_callback = { buffer, size, count, user in
    guard let context = CurlEasy.context(user), let buffer else { return Int(CCURL_READFUNC_ABORT) }
    let room = size * count
    let left = context.upload.count - context.uploadOffset
    let n = min(room, left)
    if n > 0 {
        context.upload.withUnsafeBytes { bytes in
            let source = bytes.baseAddress!.advanced(by: context.uploadOffset)
            UnsafeMutableRawPointer(buffer).copyMemory(from: source, byteCount: n)
        }
        context.uploadOffset += n
    }
    return n
}

/// Records server lines (CURLINFO_HEADER_IN) and client commands (CURLINFO_HEADER_OUT) in order.
/// Outgoing lines are reduced by `SMTPTranscriptEvent.sanitizedCommand`, so AUTH data never stays.
private let curlDebugCallback: ccurl_debug_callback = { _, type, data, size, user in
    guard let context = CurlEasy.context(user), context.recordTranscript, let data, size > 0 else { return 0 }
    var bytes: [UInt8] = []
    appendBytes(data, size, to: &bytes)
    switch type {
    case CURLINFO_HEADER_IN:
        context.pendingIn.append(contentsOf: bytes)
        // Emit complete lines; a reply line may in principle arrive in pieces.
        while let lf = context.pendingIn.firstIndex(of: 0x0A) {
            let line = Array(context.pendingIn[...lf])
            context.pendingIn.removeSubrange(...lf)
            context.transfer.transcript.append(.received(String(decoding: line, as: UTF8.self)))
        }
    case CURLINFO_HEADER_OUT:
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            context.transfer.transcript.append(.sent(SMTPTranscriptEvent.sanitizedCommand(String(line))))
        }
    default:
        break
    }
    return 0
}
