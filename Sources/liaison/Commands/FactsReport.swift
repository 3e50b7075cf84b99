import Foundation
import LiaisonCore
import LiaisonMail

/// The human-readable form of `MessageFacts`: aligned labels, then the text. Every value comes
/// from the mail, so each is made terminal-safe (`TerminalSafe.escape`; the text keeps its lines).
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
            ("Category", f.category.rawValue),
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
        if let r = f.recap {
            rows.append(("Objection window", r.objectionDeadline.map { "closes \($0)" } ?? (r.objectionDeadlineNote ?? "(none)")))
            rows.append(("Next contact", r.nextContact ?? r.nextContactNote ?? ""))
            for item in r.actionItems {
                var who = item.owner ?? "(no owner)"
                if let d = item.department { who = "\(who) (\(d))" }
                if let a = item.ownerAddress { who += " <\(a)>" }
                let due = item.due.map { "due \($0)" } ?? (item.dueNote ?? "no due date")
                rows.append(("Action item \(item.number)", "\(item.task) — \(who), \(due)"))
            }
        }
        if let o = f.objection {
            rows.append(("Objection", o ? "yes" + (f.objectedItems.isEmpty ? "" : ", items " + f.objectedItems.map(String.init).joined(separator: ", ")) : "no"))
        }
        for issue in f.issues { rows.append(("Note", issue)) }
        let width = rows.map { $0.0.count }.max() ?? 0
        var out = rows.filter { !$0.1.isEmpty }.map {
            $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + TerminalSafe.escape($0.1)
        }
        out.append("")
        out.append(TerminalSafe.escape(f.text, multiline: true))
        return out.joined(separator: "\n")
    }
}
