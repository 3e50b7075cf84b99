import CCurl

/// `curl_global_init` runs exactly once per process: a Swift global is initialised lazily and
/// thread-safely (swift_once), so the first handle made from any thread triggers it.
enum CurlGlobal {
    private static let initResult: CURLcode = ccurl_global_init_default()

    /// Ensures libcurl is initialised; throws if initialisation failed.
    static func ensureInitialised() throws {
        let code = initResult
        if code != CURLE_OK {
            throw CurlError(
                code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)),
                operation: "curl_global_init")
        }
    }
}
