import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plaintext IMAP or SMTP server on 127.0.0.1 that greets and answers capability requests
/// WITHOUT offering STARTTLS, then closes: what a downgrade attack or a misconfigured server
/// looks like. Serves one connection.
final class NoTLSServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32

    enum Kind { case imap, smtp }

    init(_ kind: Kind) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(listener, 4) == 0 else { throw RigError("bind/listen failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        self.port = UInt16(bigEndian: addr.sin_port)
        Thread.detachNewThread {
            let c = accept(listener, nil, nil)
            guard c >= 0 else { return }
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
            close(c)
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A plaintext IMAP server on 127.0.0.1 driven by a closure: it greets, then answers each
/// command line with whatever `respond(tag, command)` returns, and records every command.
/// For paths the rig cannot show (a server without MOVE, tricky literals through libcurl).
final class ScriptedIMAPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var received: [String] = []

    var commands: [String] { lock.lock(); defer { lock.unlock() }; return received }

    init(respond: @escaping @Sendable (_ tag: String, _ command: String) -> String) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(listener, 4) == 0 else { throw RigError("bind/listen failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        self.port = UInt16(bigEndian: addr.sin_port)
        Thread.detachNewThread { [self] in
            while true {
                let c = accept(listener, nil, nil)
                guard c >= 0 else { return }
                serve(c, respond)
            }
        }
    }

    private func serve(_ c: Int32, _ respond: (String, String) -> String) {
        defer { close(c) }
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

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
