import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The service manager notification protocol (sd_notify(3), systemd.service `Type=notify`)
/// without libsystemd: one `AF_UNIX` datagram of newline-separated `KEY=VALUE` assignments sent
/// to `$NOTIFY_SOCKET` — a file system path, or `@name` for the abstract namespace.
///
/// Without `$NOTIFY_SOCKET` (not run by systemd) every call does nothing. The watchdog interval
/// comes from `$WATCHDOG_USEC`, honoured only when `$WATCHDOG_PID` is absent or names this
/// process (sd_watchdog_enabled(3)). Example datagram: `READY=1\nSTATUS=polled 12:00:05, 3 filed`.
public struct SystemdNotifier: Sendable {
    /// The socket address as given (`/run/systemd/notify` or `@…`); nil when notifications are off.
    public let socketPath: String?
    /// How often systemd expects `WATCHDOG=1` at the latest (`WATCHDOG_USEC`); nil when no
    /// watchdog is configured for this process. Ping at half of it (sd_watchdog_enabled(3)).
    public let watchdogTimeout: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment` (the process
    /// environment by default; tests pass their own), for the process `pid`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, pid: Int32 = getpid()) {
        let socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        // An address that cannot be a socket address (relative, or too long) disables notifications.
        if let socket, (socket.hasPrefix("/") || socket.hasPrefix("@")), socket.utf8.count < 108 {
            socketPath = socket
        } else {
            socketPath = nil
        }
        var timeout: Duration?
        if let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 {
            let forUs = environment["WATCHDOG_PID"].map { Int32($0) == pid } ?? true
            if forUs { timeout = .microseconds(Int64(clamping: usec)) }
        }
        watchdogTimeout = timeout
    }

    /// A notifier that never sends (for `--once` and tests).
    public static let disabled = SystemdNotifier(environment: [:])

    /// Whether a notification socket is configured.
    public var isEnabled: Bool { socketPath != nil }

    /// Half the watchdog timeout: how often to send `WATCHDOG=1`; nil when there is no watchdog.
    public var watchdogPingInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// `READY=1`: start-up is finished.
    @discardableResult public func ready() -> Bool { send(["READY=1"]) }
    /// `STATUS=…`: one line saying what the service is doing (line breaks become spaces).
    @discardableResult public func status(_ text: String) -> Bool { send(["STATUS=" + Self.oneLine(text)]) }
    /// `WATCHDOG=1`: the service is alive (sd_watchdog_enabled(3)).
    @discardableResult public func watchdog() -> Bool { send(["WATCHDOG=1"]) }
    /// `STOPPING=1`: shutdown has begun.
    @discardableResult public func stopping() -> Bool { send(["STOPPING=1"]) }
    /// `RELOADING=1` with `MONOTONIC_USEC` (what `Type=notify-reload` expects); send `ready()` when done.
    @discardableResult public func reloading() -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
        return send(["RELOADING=1", "MONOTONIC_USEC=\(usec)"])
    }

    /// Sends the assignments as one datagram; false when notifications are off or sending failed
    /// (sd_notify failures are not fatal to a service: the caller carries on).
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        guard let socketPath, !assignments.isEmpty else { return false }
        let payload = Array(assignments.joined(separator: "\n").utf8)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            if !abstract { raw[pathBytes.count] = 0 }
        }
        // Abstract names are exactly their bytes (no terminating NUL counts); paths include the NUL.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1)
        let sent = payload.withUnsafeBytes { body in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    // MSG_DONTWAIT: a full notification queue (a busy or wedged systemd, a test's
                    // reader that is late) costs this one datagram, never a blocked daemon loop.
                    sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), $0, socklen_t(length))
                }
            }
        }
        return sent == payload.count
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
