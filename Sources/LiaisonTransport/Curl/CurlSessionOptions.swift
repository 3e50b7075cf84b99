import CCurl

/// The options every Liaison mail connection shares: TLS mode with verification always on,
/// timeouts so a dead server errors instead of hanging, no signals, credentials as options.
struct CurlSessionOptions {
    var url: String
    var protocols: String
    var security: TransportSecurity
    var username: String?
    var password: String?
    var caFile: String?
    var connectTimeout: Double
    var responseTimeout: Double
    var totalTimeout: Double
    var maxConnectionAge: Double
    var bufferSize: Int?
    /// `CURLOPT_CONNECT_ONLY = 1`: libcurl connects, does TLS (implicit or STARTTLS) and logs in,
    /// then stops; the session is then spoken over `CurlEasy.send`/`receive` (IMAP, not SMTP).
    var connectOnly = false

    func apply(to easy: CurlEasy) throws {
        try easy.setString(CURLOPT_URL, url)
        try easy.setString(CURLOPT_PROTOCOLS_STR, protocols)
        try easy.setLong(CURLOPT_USE_SSL, security == .plaintextLoopback ? CCURL_USESSL_NONE : CCURL_USESSL_ALL)
        try easy.setLong(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.setLong(CURLOPT_SSL_VERIFYHOST, 2)
        try easy.setLong(CURLOPT_SSLVERSION, CCURL_SSLVERSION_TLSv1_2)
        if let caFile { try easy.setString(CURLOPT_CAINFO, caFile) }
        if let username { try easy.setString(CURLOPT_USERNAME, username) }
        if let password { try easy.setString(CURLOPT_PASSWORD, password) }
        try easy.setLong(CURLOPT_NOSIGNAL, 1)
        try easy.setLong(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(connectTimeout * 1000)))
        // Each command's reply (pingpong protocols: greeting, LOGIN, SELECT, FETCH…).
        try easy.setLong(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(responseTimeout.rounded(.up))))
        // A transfer that moves less than 1 byte/s for responseTimeout seconds is dead.
        try easy.setLong(CURLOPT_LOW_SPEED_LIMIT, 1)
        try easy.setLong(CURLOPT_LOW_SPEED_TIME, max(1, Int(responseTimeout.rounded(.up))))
        try easy.setLong(CURLOPT_TIMEOUT_MS, totalTimeout > 0 ? Int(totalTimeout * 1000) : 0)
        try easy.setLong(CURLOPT_MAXAGE_CONN, max(1, Int(maxConnectionAge.rounded(.up))))
        try easy.setLong(CURLOPT_TCP_KEEPALIVE, 1)
        if let bufferSize { try easy.setLong(CURLOPT_BUFFERSIZE, bufferSize) }
        if connectOnly { try easy.setLong(CURLOPT_CONNECT_ONLY, 1) }
    }
}
