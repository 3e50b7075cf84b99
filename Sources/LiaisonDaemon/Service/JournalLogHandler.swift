import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes one line per event to standard error, in the form journald
/// reads from a service's stderr (sd-daemon(3)): with `$JOURNAL_STREAM` set, each line starts with
/// the syslog priority (RFC 5424 §6.2.1 severities) in angle brackets, and journald adds the time:
///
///     <6>liaison.poller: filed uid=42 case=EC20261116-001
///
/// Otherwise (a terminal, a test) the line starts with an ISO 8601 UTC time (milliseconds) and the level:
///
///     2026-11-23T12:00:05.250Z info liaison.poller: filed uid=42 case=EC20261116-001
///
/// Metadata is written `key=value`, sorted by key, values quoted when they hold spaces or quotes.
/// Secrets are kept out by construction: a value under a key that names a secret (`password`,
/// `secret`, `token`, `credential`, `authorization`…) is written as `<redacted>`; line breaks are
/// escaped so an event can never forge a second line; values longer than 300 characters are cut,
/// so a message body passed by mistake cannot flood the journal. Callers log IDs, UIDs, case
/// numbers and counts, never bodies.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    /// Prefix `<N>` priorities (journald) instead of a timestamp and level name.
    public let journal: Bool
    private let output: @Sendable (String) -> Void

    /// Values are cut to this many characters.
    public static let maxValueLength = 300

    /// A handler for `label`; `journal` selects the `<N>` form; `output` receives each finished
    /// line without its newline (standard error by default).
    public init(label: String, journal: Bool, logLevel: Logger.Level = .info,
                output: @escaping @Sendable (String) -> Void = JournalLogHandler.writeToStandardError) {
        self.label = label
        self.journal = journal
        self.logLevel = logLevel
        self.output = output
    }

    /// Installs the handler for the whole process: journald form when `JOURNAL_STREAM` is set;
    /// level from `LIAISON_LOG_LEVEL` (trace…critical), else `level`. Call once, at start.
    public static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 level: Logger.Level = .info) {
        let journal = !(environment["JOURNAL_STREAM"] ?? "").isEmpty
        let chosen = environment["LIAISON_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? level
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, journal: journal, logLevel: chosen) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        output(Self.format(level: event.level, label: label, message: "\(event.message)", metadata: merged,
                           journal: journal, date: Date()))
    }

    /// The line for one event (without the newline): pure, for tests.
    public static func format(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata,
                              journal: Bool, date: Date) -> String {
        var line = journal ? "<\(priority(level))>" : "\(timestamp(date)) \(level.rawValue) "
        line += "\(label): \(escape(message))"
        for key in metadata.keys.sorted() {
            let value = isSecretKey(key) ? "<redacted>" : render(metadata[key]!)
            line += " \(sanitizeKey(key))=\(quote(value))"
        }
        return line
    }

    /// syslog severities: 7 debug, 6 info, 5 notice, 4 warning, 3 error, 2 critical.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Metadata keys whose values are never written.
    public static func isSecretKey(_ key: String) -> Bool {
        // An ASCII key (all of ours) on its bytes: every line asks this of every key.
        if key.utf8.allSatisfy({ $0 < 0x80 }) {
            let k = key.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            return secretWordBytes.contains { word in
                k.count >= word.count && (0...(k.count - word.count)).contains { at in k[at..<(at + word.count)].elementsEqual(word) }
            }
        }
        let k = key.lowercased()
        return secretWords.contains { k.contains($0) }
    }

    static let secretWords = ["password", "passwd", "secret", "token", "credential", "authorization", "auth_data", "cookie", "apikey", "api_key"]
    static let secretWordBytes = secretWords.map { Array($0.utf8) }

    static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .dictionary(let d):
            return "{" + d.keys.sorted().map { isSecretKey($0) ? "\($0):<redacted>" : "\($0):\(render(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ raw: String) -> String {
        var value = escape(raw)
        // Characters are never more than UTF-8 bytes: most values are counted without breaking
        // them into characters (one line per message filed, in a backlog a thousand a second).
        if value.utf8.count > maxValueLength, value.count > maxValueLength { value = String(value.prefix(maxValueLength)) + "…" }
        // A space, quote or equals sign anywhere, even as the start of a character with a
        // combining mark, is quoted.
        if value.isEmpty || value.utf8.contains(where: { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return value
    }

    /// Control characters (line breaks above all) as visible escapes: one event, one line.
    static func escape(_ text: String) -> String {
        // No control character (every byte of a scalar above U+007F is 0x80 or more): as it is.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func sanitizeKey(_ key: String) -> String {
        func plain(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F || b == 0x2D || b == 0x2E
        }
        if key.utf8.allSatisfy(plain) { return key }
        return String(key.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// ISO 8601 UTC with milliseconds (`2026-11-23T12:00:05.250Z`): scripts/bench-serve measures
    /// delivery-to-filed latency from these times, and whole seconds are too coarse for it.
    static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let fraction = Int(millis - Int64(t) * 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        // Digits by hand rather than String(format:), which goes through CoreFoundation's
        // formatter on every line (pages the idle daemon need not hold).
        func pad(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(fraction, 3))Z"
    }

    /// One `write(2)` per line, so concurrent events never interleave within a line.
    public static let writeToStandardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}
