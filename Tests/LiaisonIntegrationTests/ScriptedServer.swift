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
final class LoopbackListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private var listenerOpen = true
    private var connection: Int32 = -1
    private var finished = false
    private let done = DispatchSemaphore(value: 0)

    init(backlog: Int32) throws {
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
    func start(_ serve: @escaping @Sendable (Int32) -> Bool) {
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
    func stop(timeout: Double = 10) -> Bool {
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

/// A plaintext IMAP or SMTP server on 127.0.0.1 that greets and answers capability requests
/// WITHOUT offering STARTTLS, then closes: what a downgrade attack or a misconfigured server
/// looks like. Serves one connection.
final class NoTLSServer: @unchecked Sendable {
    let port: UInt16
    private let listener: LoopbackListener

    enum Kind { case imap, smtp }

    init(_ kind: Kind) throws {
        listener = try LoopbackListener(backlog: 4)
        port = listener.port
        listener.start { c in
            func say(_ s: String) { _ = s.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
            func readLine() -> String? {
                var line: [UInt8] = []
                var byte: UInt8 = 0
                while recv(c, &byte, 1, 0) == 1 {
                    line.append(byte)
                    if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
                }
                return nil
            }
            switch kind {
            case .imap:
                say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain only\r\n")
                while let line = readLine() {
                    let tag = line.split(separator: " ").first.map(String.init) ?? "*"
                    if line.uppercased().contains("CAPABILITY") {
                        say("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n\(tag) OK done\r\n")
                    } else {
                        say("\(tag) BAD no\r\n")
                    }
                }
            case .smtp:
                say("220 plain.example ESMTP\r\n")
                while let line = readLine() {
                    if line.uppercased().hasPrefix("EHLO") { say("250-plain.example\r\n250 AUTH PLAIN\r\n") }
                    else if line.uppercased().hasPrefix("QUIT") { say("221 bye\r\n"); break }
                    else { say("502 5.5.2 no\r\n") }
                }
            }
            return false
        }
    }

    func stop() {
        listener.stop()
    }
}

/// A plaintext IMAP server on 127.0.0.1 driven by a closure: it greets, then answers each
/// command line with whatever `respond(tag, command)` returns, and records every command.
/// For paths the rig cannot show (a server without MOVE, tricky literals through libcurl).
final class ScriptedIMAPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: LoopbackListener
    private let lock = NSLock()
    private var received: [String] = []

    var commands: [String] { lock.lock(); defer { lock.unlock() }; return received }

    init(respond: @escaping @Sendable (_ tag: String, _ command: String) -> String) throws {
        listener = try LoopbackListener(backlog: 4)
        port = listener.port
        listener.start { [self] c in
            serve(c, respond)
            return true
        }
    }

    private func serve(_ c: Int32, _ respond: (String, String) -> String) {
        func say(_ s: String) {
            let bytes = Array(s.utf8)
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                off += n
            }
        }
        say("* OK scripted IMAP ready\r\n")
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while recv(c, &byte, 1, 0) == 1 {
            line.append(byte)
            guard byte == 0x0A else { continue }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .newlines)
            line = []
            let parts = text.split(separator: " ", maxSplits: 1)
            let tag = parts.first.map(String.init) ?? "*"
            let command = parts.count > 1 ? String(parts[1]) : ""
            lock.lock(); received.append(command); lock.unlock()
            say(respond(tag, command))
            if command.uppercased() == "LOGOUT" { return }
        }
    }

    /// Stops accepting and ends the session being served; returns once the server's thread has
    /// closed its sockets (true), or after `timeout` seconds (false).
    @discardableResult
    func stop(timeout: Double = 10) -> Bool {
        listener.stop(timeout: timeout)
    }
}
