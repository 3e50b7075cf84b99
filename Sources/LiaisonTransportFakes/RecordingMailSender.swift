import Foundation
import LiaisonTransport

/// A `MailSending` for tests: records every send and answers from a script (e.g. transient
/// twice, then accepted). When the script is empty every recipient is accepted.
public final class RecordingMailSender: MailSending, @unchecked Sendable {
    /// One recorded send.
    public struct Sent: Sendable, Equatable {
        public var envelopeFrom: String
        public var recipients: [String]
        public var message: [UInt8]
    }

    /// A scripted answer; `.acceptAll` builds per-recipient results from the actual recipients.
    public enum Scripted: Sendable {
        case acceptAll
        case transient(String)
        case permanent(String)
        case result(SendResult)
    }

    private let lock = NSLock()
    private var script: [Scripted]
    private var sentLog: [Sent] = []

    public init(script: [Scripted] = []) { self.script = script }

    /// Fails transiently `times` times, then accepts.
    public static func failingTransiently(times: Int, reason: String = "451 4.3.0 try again later") -> RecordingMailSender {
        RecordingMailSender(script: Array(repeating: .transient(reason), count: times))
    }

    /// Appends answers to the script.
    public func enqueue(_ answers: [Scripted]) { lock.lock(); script += answers; lock.unlock() }

    /// Every send so far, in order (including failed ones).
    public var sent: [Sent] { lock.lock(); defer { lock.unlock() }; return sentLog }

    public func send(envelopeFrom: String, recipients: [String], message: [UInt8]) -> SendResult {
        lock.lock()
        defer { lock.unlock() }
        sentLog.append(Sent(envelopeFrom: envelopeFrom, recipients: recipients, message: message))
        let answer = script.isEmpty ? .acceptAll : script.removeFirst()
        switch answer {
        case .acceptAll:
            return .accepted(recipients.map { RecipientResult(address: $0, outcome: .accepted, reply: "250 2.1.5 Ok") })
        case .transient(let reason):
            return .transient(reason: reason, recipients: recipients.map { RecipientResult(address: $0, outcome: .transient, reply: reason) })
        case .permanent(let reason):
            return .permanent(reason: reason, recipients: recipients.map { RecipientResult(address: $0, outcome: .permanent, reply: reason) })
        case .result(let result):
            return result
        }
    }
}
