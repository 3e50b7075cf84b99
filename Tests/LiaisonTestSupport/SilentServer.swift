import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on 127.0.0.1 that accepts connections and then says nothing: a server that
/// stopped mid-session. Also yields a port that is certainly closed (bound, then released).
///
/// Built on `LoopbackListener`, so the same ownership rule holds: only the accepting thread
/// closes the listener and the connections; `stop()` shuts them down and waits for that thread.
/// The thread holds one connection at a time, reading (and discarding) until the client or
/// `stop()` ends it; further clients wait, connected but unanswered, in the listen backlog.
public final class SilentServer: @unchecked Sendable {
    public let port: UInt16
    private let listener: LoopbackListener

    public init() throws {
        listener = try LoopbackListener(backlog: 16)
        port = listener.port
        listener.start { c in
            var sink = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(c, &sink, sink.count, 0)
                if n > 0 { continue }
                if n < 0 && errno == EINTR { continue }
                return true  // the client left (or stop() shut the connection): accept the next
            }
        }
    }

    /// Stops accepting, ends the connection being held, and waits (up to `timeout` seconds) until
    /// the accepting thread has closed every descriptor. True when it has.
    @discardableResult
    public func stop(timeout: Double = 10) -> Bool {
        listener.stop(timeout: timeout)
    }

    /// A loopback port with nothing listening (bound and closed again just now).
    public static func closedPort() throws -> UInt16 {
        let s = try SilentServer()
        let p = s.port
        guard s.stop() else { throw RigError("silent server did not stop") }
        return p
    }
}
