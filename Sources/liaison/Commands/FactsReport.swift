import Foundation
import LiaisonCore
import LiaisonMail

/// The human-readable form of `MessageFacts`: aligned labels, then the text.
enum FactsReport {
    static func render(_ f: MessageFacts) -> String {
        func mbox(_ m: MessageFacts.Mailbox) -> String { m.name.map { "\($0) <\(m.address)>" } ?? m.address }
        var rows: [(String, String)] = [
            ("Subject", f.subject ?? "(none)"),
            ("From", f.from.map(mbox) ?? "(none)"),
            ("To", f.to.map(mbox).joined(separator: ", ")),
            ("Cc", f.cc.map(mbox).joined(separator: ", ")),
            ("Date", f.date ?? "(none or unreadable)"),
            ("Message-ID", f.messageID ?? "(none)"),
            ("In-Reply-To", f.inReplyTo ?? ""),
            ("References", f.references.joined(separator: " ")),
            ("Kind", f.kind.rawValue),
            ("Sender trusted", f.senderTrusted ? "yes" : "no"),
            ("Thread subject", f.threadSubject),
            ("Case tag", f.caseTag ?? ""),
            ("Category", f.category),
        ]
        for a in f.attachments {
            rows.append(("Attachment", "\(a.filename ?? "(unnamed)") (\(a.contentType), \(a.size) bytes)"))
        }
        if let fw = f.forwarded {
            rows.append(("Forwarded", "from \(fw.from ?? "?") \(fw.messageID ?? "")"))
        }
        if let b = f.bounce {
            rows.append(("Bounce", "\(b.recipient ?? "?") status \(b.status ?? "?") for \(b.originalMessageID ?? "?")"))
        }
        for issue in f.issues { rows.append(("Note", issue)) }
        let width = rows.map { $0.0.count }.max() ?? 0
        var out = rows.filter { !$0.1.isEmpty }.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
        out.append("")
        out.append(f.text)
        return out.joined(separator: "\n")
    }
}
