import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket.
public final class NotifySocket: @unchecked Sendable {
    public let fd: Int32
    /// What to put in NOTIFY_SOCKET: a path, or `@name` for the abstract namespace.
    public let address: String
    private let path: String?

    public init(abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let name = "liaison-notify-\(getpid())-\(UUID().uuidString.prefix(8))"
        var bytes: [UInt8]
        if abstract {
            address = "@" + name
            path = nil
            bytes = [0] + Array(name.utf8)
        } else {
            let p = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
            address = p
            path = p
            bytes = Array(p.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard r == 0 else { throw TestFailure("bind \(address): \(errno)") }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Datagrams received within `seconds` (stops early once `until` holds for what arrived).
    /// Waits on a thread of its own (a private Dispatch queue, not a global one: on Linux those
    /// are as narrow as the cooperative pool): blocking either would starve the daemon under test.
    public func receive(for seconds: Double, until: @escaping @Sendable ([String]) -> Bool = { _ in false }) async -> [String] {
        await withCheckedContinuation { c in
            DispatchQueue(label: "liaison.test.notify").async { c.resume(returning: self.receiveBlocking(for: seconds, until: until)) }
        }
    }

    /// The same on the calling thread (for tests that drive a child process synchronously).
    public func receiveBlocking(for seconds: Double, until: ([String]) -> Bool = { _ in false }) -> [String] {
        var got: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                got.append(String(decoding: buffer[0..<n], as: UTF8.self))
                if until(got) { break }
            }
        }
        return got
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
