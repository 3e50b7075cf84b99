import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on 127.0.0.1 and the one thread that accepts on it.
///
/// The descriptors belong to that thread: it alone closes the listener (after its last `accept`)
/// and each connection it served; `stop()` only shuts them down, under the lock, while they are
/// certainly still open. Closing the listener from `stop()` instead, while the thread could still
/// reach `accept` (still serving its last client, or not yet started), let a stopped server accept
/// on a descriptor number the kernel had meanwhile given to another test's listener, and answer
/// that test's client from the wrong script (a "silent" server whose FETCH succeeded).
public final class LoopbackListener: @unchecked Sendable {
    public let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private var listenerOpen = true
    private var connection: Int32 = -1
    private var finished = false
    private let done = DispatchSemaphore(value: 0)

    public init(backlog: Int32) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RigError("socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard ok == 0, listen(fd, backlog) == 0, withUnsafeMutablePointer(to: &addr, {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }) == 0 else {
            close(fd)
            throw RigError("bind/listen failed")
        }
        self.fd = fd
        self.port = UInt16(bigEndian: addr.sin_port)
    }

    /// Starts the accepting thread. `serve` handles one connection (it must not close it) and
    /// returns whether to accept another.
    public func start(_ serve: @escaping @Sendable (Int32) -> Bool) {
        Thread.detachNewThread { [self] in
            defer {
                lock.withLock {
                    close(fd)
                    listenerOpen = false
                    finished = true
                }
                done.signal()
            }
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 {
                    if errno == EINTR { continue }
                    return
                }
                let go = lock.withLock {
                    if stopped { close(c); return false }
                    connection = c
                    return true
                }
                guard go else { return }
                let more = serve(c)
                lock.withLock {
                    connection = -1
                    close(c)
                }
                if !more { return }
            }
        }
    }

    /// Stops accepting, ends the connection being served, and waits (up to `timeout` seconds)
    /// until the thread has closed every descriptor. True when it has.
    @discardableResult
    public func stop(timeout: Double = 10) -> Bool {
        let alreadyFinished = lock.withLock {
            stopped = true
            if listenerOpen { shutdown(fd, Int32(SHUT_RDWR)) }
            if connection >= 0 { shutdown(connection, Int32(SHUT_RDWR)) }
            return finished
        }
        if alreadyFinished { return true }
        guard done.wait(timeout: .now() + timeout) == .success else { return false }
        done.signal()  // a later stop() returns at once
        return true
    }
}
