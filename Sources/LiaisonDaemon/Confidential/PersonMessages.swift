import Foundation
import LiaisonMail
import LiaisonStore

/// Which stored messages are a person's (issue 18), read from each message's own headers:
/// theirs when they sent it (`From`, `Sender`, `Reply-To`, or the recorded sender) or received
/// it (`To`, `Cc`, or the outbox's envelope recipients, so a `Bcc` counts); mentioning them when
/// its readable text or subject holds their address or one of their names. Names are the
/// display names their address carries in those headers.
public struct PersonMessages: Sendable {
    public let address: String
    public private(set) var theirs: [StoredMessage] = []
    public private(set) var mentioning: [StoredMessage] = []
    public private(set) var names: Set<String> = []

    public init(address: String) { self.address = address.lowercased() }

    /// Reads every message of `store` once.
    public static func find(_ address: String, extraNames: [String] = [], in store: any PersonDataStore) throws -> PersonMessages {
        var found = PersonMessages(address: address)
        found.names.formUnion(extraNames.filter { !$0.isEmpty })
        var later: [(StoredMessage, Message?)] = []
        try store.eachStoredMessage { m in
            let parsed = m.raw.isEmpty ? nil : MessageParser.parse(m.raw)
            if found.isTheirs(m, parsed) { found.theirs.append(m) } else { later.append((m, parsed)) }
        }
        // Mentions are judged once every name is known.
        for (m, parsed) in later where found.mentions(m, parsed) { found.mentioning.append(m) }
        return found
    }

    mutating func isTheirs(_ m: StoredMessage, _ parsed: Message?) -> Bool {
        var mine = m.sender == address || m.recipients.contains(address)
        if let parsed {
            let all = parsed.from + parsed.replyTo + parsed.to + parsed.cc + (parsed.sender.map { [$0] } ?? [])
            for a in all where a.normalized == address {
                mine = true
                if let n = a.name?.trimmingCharacters(in: .whitespaces), n.count >= 2, n.lowercased() != address { names.insert(n) }
            }
        }
        return mine
    }

    func mentions(_ m: StoredMessage, _ parsed: Message?) -> Bool {
        let needles = [address] + names.sorted()
        var texts = [m.subject ?? ""]
        if let parsed { texts += [parsed.text, parsed.subject ?? ""] + parsed.forwarded.map(\.text) }
        texts.append(String(decoding: m.raw, as: UTF8.self))
        return texts.contains { t in needles.contains { t.range(of: $0, options: .caseInsensitive) != nil } }
    }
}
