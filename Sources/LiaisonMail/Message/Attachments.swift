/// Which leaves are body text and which are attachments, and the forwarded messages of a tree.
enum Attachments {
    enum Role { case text, attachment, report }

    static func role(of part: MIMEPart) -> Role {
        let ct = part.contentType
        if ct.type == "message" && (ct.subtype == "delivery-status" || ct.subtype == "global-delivery-status"
            || ct.subtype == "disposition-notification") { return .report }
        if ct.type == "text" && ct.subtype == "rfc822-headers" { return .report }
        if part.disposition?.kind == "attachment" { return .attachment }
        if ct.type == "text" {
            // A text part with a file name but no `attachment` disposition is shown inline by
            // mail clients (Outlook and Foxmail name their body parts): it is text to read.
            if ct.subtype == "plain" || ct.subtype == "html" || ct.subtype == "enriched" { return .text }
            return .attachment
        }
        return .attachment
    }

    /// Attachments of the tree in order; those inside forwarded messages are the forwarded
    /// message's own and are not repeated here.
    static func list(_ root: MIMEPart) -> [Attachment] {
        var out: [Attachment] = []
        func walk(_ p: MIMEPart) {
            switch p.body {
            case .leaf(let data):
                if role(of: p) == .attachment {
                    out.append(Attachment(filename: p.filename, contentType: p.contentType.mimeType, size: data.count))
                }
            case .multipart(let parts, _, _):
                parts.forEach(walk)
            case .message:
                break
            }
        }
        walk(root)
        return out
    }

    /// Enclosed message/rfc822 parts, outermost first (each one's own forwards are in it).
    static func forwarded(_ root: MIMEPart) -> [Message] {
        var out: [Message] = []
        func walk(_ p: MIMEPart) {
            switch p.body {
            case .leaf: break
            case .multipart(let parts, _, _): parts.forEach(walk)
            case .message(let m): out.append(m)
            }
        }
        // The root of a message is its own entity, never "forwarded".
        if case .multipart(let parts, _, _) = root.body { parts.forEach(walk) }
        return out
    }
}

extension Message {
    /// The attachments of `attachments`, in the same order, each with its decoded bytes (the web
    /// console's downloads). Those inside forwarded messages are not among them.
    public func attachmentContents() -> [(attachment: Attachment, bytes: [UInt8])] {
        var out: [(attachment: Attachment, bytes: [UInt8])] = []
        func walk(_ p: MIMEPart) {
            switch p.body {
            case .leaf(let data):
                if Attachments.role(of: p) == .attachment {
                    out.append((Attachment(filename: p.filename, contentType: p.contentType.mimeType, size: data.count), data))
                }
            case .multipart(let parts, _, _):
                parts.forEach(walk)
            case .message:
                break
            }
        }
        walk(root)
        return out
    }
}
