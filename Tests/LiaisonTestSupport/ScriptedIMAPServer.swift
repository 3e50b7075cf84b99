import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plaintext IMAP server on 127.0.0.1 driven by a closure: it greets, then answers each
/// command line with what `respond` returns, and records every command. For paths the rig cannot
/// show (a server without MOVE, tricky literals through libcurl) and for hostile servers: an
/// answer can stream what no string could hold — a gigabyte of literal, a flood of lines, a byte
/// every second — and the server counts what it managed to write (how far the client read
/// before it gave up). One server for the scripted and the hostile tests.
public final class ScriptedIMAPServer: @unchecked Sendable {
    /// A piece of an answer.
    public enum Reply: Sendable {
        case text(String)
        /// `count` bytes of mail-like filler (`x`s in CRLF-ended lines of 78).
        case filler(Int)
        /// `text` written `times` times.
        case repeated(String, times: Int)
        /// `text` one byte at a time, `every` seconds apart.
        case drip(String, every: Double)
    }

    public let port: UInt16
    private let listener: LoopbackListener
    // The counters are written by the server's thread and read by the test: under `lock`.
    private let lock = NSLock()
    private var received: [String] = []
    private var written = 0
    private var sessions = 0

    /// The command lines received (without their tags), in order.
    public var commands: [String] { lock.withLock { received } }
    /// Bytes written to clients so far (greetings included).
    public var bytesWritten: Int { lock.withLock { written } }
    /// Connections accepted so far.
    public var connections: Int { lock.withLock { sessions } }

    /// `respond(session, tag, command)`: `session` counts connections from 1. `greeting` is the
    /// server's first line.
    public init(greeting: String = "* OK scripted IMAP ready\r\n",
                respond: @escaping @Sendable (_ session: Int, _ tag: String, _ command: String) -> [Reply]) throws {
        listener = try LoopbackListener(backlog: 4)
        port = listener.port
        listener.start { [self] c in
            let session = lock.withLock { sessions += 1; return sessions }
            serve(c, session, greeting, respond)
            return true
        }
    }

    /// A server whose every answer is text: `respond(tag, command)`.
    public convenience init(greeting: String = "* OK scripted IMAP ready\r\n",
                            respond: @escaping @Sendable (_ tag: String, _ command: String) -> String) throws {
        try self.init(greeting: greeting) { _, tag, command in [.text(respond(tag, command))] }
    }

    private func serve(_ c: Int32, _ session: Int, _ greeting: String, _ respond: (Int, String, String) -> [Reply]) {
        /// False once the client is gone.
        func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
            var off = 0
            while off < bytes.count {
                let n = send(c, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                off += n
                lock.withLock { written += n }
            }
            return true
        }
        func write(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { write($0) } }
        /// `unit` repeated to `count` bytes, from a buffer of whole units near 64 KiB.
        func stream(_ unit: [UInt8], count: Int) -> Bool {
            guard !unit.isEmpty else { return true }
            let block = [UInt8]((0..<max(1, 65_536 / unit.count)).flatMap { _ in unit })
            var left = count
            while left > 0 {
                let take = min(left, block.count)
                guard block.withUnsafeBytes({ write(UnsafeRawBufferPointer(rebasing: $0[0..<take])) }) else { return false }
                left -= take
            }
            return true
        }
        func say(_ replies: [Reply]) -> Bool {
            for reply in replies {
                switch reply {
                case .text(let s): guard write(Array(s.utf8)) else { return false }
                case .filler(let n): guard stream(Array((String(repeating: "x", count: 76) + "\r\n").utf8), count: n) else { return false }
                case let .repeated(s, times): guard stream(Array(s.utf8), count: s.utf8.count * times) else { return false }
                case let .drip(s, every):
                    for byte in s.utf8 {
                        guard write([byte]) else { return false }
                        // Sleep in slices, leaving as soon as the client hangs up (so the
                        // listener can accept its next connection at once).
                        let until = Date().addingTimeInterval(every)
                        while Date() < until {
                            var fd = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
                            if poll(&fd, 1, 50) > 0 {
                                var peek: UInt8 = 0
                                if recv(c, &peek, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) <= 0 { return false }
                                usleep(50_000)  // the client said something: it is read after the drip
                            }
                        }
                    }
                }
            }
            return true
        }
        guard say([.text(greeting)]) else { return }
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
            lock.withLock { received.append(command) }
            guard say(respond(session, tag, command)) else { return }
            if command.uppercased() == "LOGOUT" { return }
        }
    }

    /// Stops accepting and ends the session being served (see `LoopbackListener.stop`).
    @discardableResult
    public func stop(timeout: Double = 10) -> Bool {
        listener.stop(timeout: timeout)
    }
}
