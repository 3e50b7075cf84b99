import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plaintext IMAP or SMTP server on 127.0.0.1 that greets and answers capability requests
/// WITHOUT offering STARTTLS, then closes: what a downgrade attack or a misconfigured server
/// looks like. Serves one connection.
public final class NoTLSServer: @unchecked Sendable {
    public let port: UInt16
    private let listener: LoopbackListener

    public enum Kind: Sendable { case imap, smtp }

    public init(_ kind: Kind) throws {
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

    public func stop() {
        listener.stop()
    }
}
