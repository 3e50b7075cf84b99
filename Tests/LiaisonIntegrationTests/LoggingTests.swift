import Foundation
import LiaisonTransport
import Logging
import Testing
import LiaisonTestSupport

/// Collects log lines (message and metadata) in memory.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        sink.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)")
    }
}

extension RigTests {
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct LoggingRigTests {
        /// A whole session at trace level, failures included: one line per event, and no line
        /// carries the password or any byte of a message body.
        @Test func logsNeverCarryPasswordsOrBodies() throws {
            try Rig.resetAll()
            let marker = "BODY-MARKER-\(UUID().uuidString)"
            let message = Array("From: a@client.example\r\nTo: track@corp.example\r\nSubject: log test\r\n\r\n\(marker)\r\n".utf8)
            let sink = CapturedLog()
            let logger = Logger(label: "test") { _ in CapturingHandler(sink: sink) }
            let smtp = try SMTPSender(settings: SMTPSettings(
                url: Rig.submissionURL, username: "track@corp.example", password: Rig.password, caFile: Rig.ca), logger: logger)
            #expect(smtp.send(envelopeFrom: "track@corp.example", recipients: ["track@corp.example"], message: message).isAccepted)
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings(), logger: logger)
            let uid = try #require(try Rig.eventually { try mailbox.uids(above: 0).first })
            #expect(String(decoding: try mailbox.fetch(uid: uid), as: UTF8.self).contains(marker))
            try mailbox.move(uid: uid, to: "Logged")
            var wrong = Rig.imapSettings()
            wrong.password = "wrong-\(Rig.password)"
            _ = try? IMAPMailbox(settings: wrong, logger: logger).status()
            let lines = sink.all
            #expect(lines.count >= 4)
            #expect(lines.contains { $0.contains("imap fetched") })
            for line in lines {
                #expect(!line.contains(Rig.password), "password in log: \(line)")
                #expect(!line.contains(marker), "body in log: \(line)")
            }
        }
    }
}
