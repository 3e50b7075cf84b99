import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
