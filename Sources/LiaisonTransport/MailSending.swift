/// Sending one message over SMTP (RFC 5321). Synchronous and blocking like `MailboxReading`;
/// each instance serialises its calls and reuses its connection for a batch.
public protocol MailSending: Sendable {
    /// Submits `message` (sent as is, byte for byte; libcurl dot-stuffs) from `envelopeFrom` to
    /// `recipients`. Never throws for a server or network failure: every outcome is a `SendResult`.
    func send(envelopeFrom: String, recipients: [String], message: [UInt8]) -> SendResult
}

/// How a send ended (RFC 5321 §4.2.1: 2yz done, 4yz transient, 5yz permanent).
public enum SendResult: Sendable, Equatable {
    /// The server took the message for at least one recipient; the list says, per recipient,
    /// which were accepted and which refused (a 550 here is permanent for that recipient only).
    case accepted([RecipientResult])
    /// Nothing was accepted and trying again later may work (4xx, network failure, timeout).
    case transient(reason: String, recipients: [RecipientResult])
    /// Nothing was accepted and trying again will not help (5xx).
    case permanent(reason: String, recipients: [RecipientResult])

    /// The per-recipient detail, whatever the outcome.
    public var recipients: [RecipientResult] {
        switch self {
        case let .accepted(r), let .transient(_, r), let .permanent(_, r): return r
        }
    }

    public var isAccepted: Bool { if case .accepted = self { return true } else { return false } }
}

/// The server's answer for one recipient (its RCPT TO reply, RFC 5321 §4.1.1.3).
public struct RecipientResult: Sendable, Equatable, CustomStringConvertible {
    public enum Outcome: String, Sendable, Equatable {
        case accepted, transient, permanent
    }
    public var address: String
    public var outcome: Outcome
    /// The reply, e.g. `250 2.1.5 Ok` or `550 5.1.1 <x@y>: Recipient address rejected`.
    public var reply: String

    public init(address: String, outcome: Outcome, reply: String) {
        self.address = address
        self.outcome = outcome
        self.reply = reply
    }

    public var description: String { "\(address): \(outcome.rawValue) (\(reply))" }
}
