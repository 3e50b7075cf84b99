/// A libcurl failure, as a Swift error: curl's code and its text, the detail libcurl wrote to
/// `CURLOPT_ERRORBUFFER`, and the server's last response line when one arrived.
/// Never carries credentials or message bodies.
public struct CurlError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `CURLcode` value (e.g. 28 for a timeout, 67 for a refused login).
    public var code: Int
    /// `curl_easy_strerror(code)`.
    public var message: String
    /// The text of `CURLOPT_ERRORBUFFER`, empty when libcurl wrote none.
    public var detail: String
    /// The last line the server sent (trimmed, at most 200 characters), when there was one.
    public var serverResponse: String?
    /// What was being done ("IMAP login", "UID SEARCH", "SMTP send", …), for the message.
    public var operation: String

    public init(code: Int, message: String, detail: String = "", serverResponse: String? = nil, operation: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
        self.serverResponse = serverResponse
        self.operation = operation
    }

    public var description: String {
        var text = operation.isEmpty ? "" : "\(operation): "
        text += "curl error \(code) (\(message))"
        if !detail.isEmpty && detail != message { text += ": \(detail)" }
        if let serverResponse, !serverResponse.isEmpty { text += "; server said: \(serverResponse)" }
        return text
    }

    /// The failure is a timeout (`CURLE_OPERATION_TIMEDOUT`).
    public var isTimeout: Bool { code == 28 }
    /// The connection could not be made or broke (resolve, connect, send, receive, empty reply).
    public var isNetwork: Bool { [5, 6, 7, 52, 55, 56].contains(code) }
    /// The server refused the credentials (`CURLE_LOGIN_DENIED`).
    public var isLoginDenied: Bool { code == 67 }
    /// The peer's certificate or TLS handshake failed verification.
    public var isTLSFailure: Bool { [35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 83, 90, 91].contains(code) }
}
