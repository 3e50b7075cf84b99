import Foundation
import LiaisonMail

/// What a message is, for filing (shared/docs/semantics.md, "Kinds of message").
public enum MessageKind: String, Sendable, Codable, CaseIterable {
    case recap
    case autoReply = "auto-reply"
    case bounce
    case correspondence
}

/// Tells bounces and auto-replies from correspondence by their headers and structure.
/// (Recap detection is layered on top by the recap extractor.)
public enum KindClassifier {
    /// Subject prefixes that auto-responders write, compared case-insensitively after trimming.
    static let autoReplyPrefixes = ["自动回复", "自動回覆", "自动答复", "automatic reply", "auto:", "auto reply",
                                    "autoreply", "out of office", "out of the office", "abwesenheitsnotiz"]

    public static func kind(of message: Message) -> MessageKind {
        if message.deliveryReport != nil { return .bounce }
        if isAutoReply(message) { return .autoReply }
        return .correspondence
    }

    /// RFC 3834 Auto-Submitted, the Precedence convention, X-Autoreply/X-Autorespond, and the
    /// subject prefixes of common auto-responders.
    public static func isAutoReply(_ message: Message) -> Bool {
        let h = message.header
        if let v = h["Auto-Submitted"] {
            let token = v.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if !token.isEmpty && token != "no" { return true }
        }
        if let p = h["Precedence"]?.trimmingCharacters(in: .whitespaces).lowercased(),
           ["bulk", "junk", "list", "auto_reply"].contains(p) { return true }
        if h.first("X-Autoreply") != nil || h.first("X-Autorespond") != nil { return true }
        if let subject = message.subject?.trimmingCharacters(in: .whitespaces).lowercased() {
            for prefix in autoReplyPrefixes where subject.hasPrefix(prefix) { return true }
        }
        return false
    }
}
