/// Delivery status notifications: multipart/report; report-type=delivery-status (RFC 3462)
/// with a message/delivery-status part (RFC 3464 §2) and the returned message or its headers.
///
///     Final-Recipient: rfc822; wang.lie@huadong-precision.example
///     Action: failed
///     Status: 5.1.1
enum DeliveryReports {
    static func read(_ root: MIMEPart, limits: ParseLimits) -> DeliveryReport? {
        guard root.contentType.mimeType == "multipart/report",
              let rt = root.contentType.parameters["report-type"]?.lowercased(),
              rt == "delivery-status" || rt == "global-delivery-status",
              case .multipart(let parts, _, _) = root.body else { return nil }
        var report = DeliveryReport(reportingMTA: nil, recipients: [], originalMessageID: nil)
        for part in parts {
            let ct = part.contentType
            switch (ct.type, ct.subtype, part.body) {
            case ("message", "delivery-status", .leaf(let data)), ("message", "global-delivery-status", .leaf(let data)):
                let blocks = headerBlocks(data, limits: limits)
                if let first = blocks.first {
                    report.reportingMTA = first["Reporting-MTA"].map(stripType)
                }
                for block in blocks.dropFirst() {
                    guard let rcpt = block["Final-Recipient"] ?? block["Original-Recipient"] else { continue }
                    report.recipients.append(DeliveryStatus(
                        recipient: stripType(rcpt), action: block["Action"]?.lowercased(),
                        status: block["Status"].map { String($0.prefix { !$0.isWhitespace && $0 != "(" }) },
                        diagnostic: block["Diagnostic-Code"].map(stripType)))
                }
            case (_, _, .message(let m)):
                report.originalMessageID = report.originalMessageID ?? m.messageID
            case ("text", "rfc822-headers", .leaf(let data)):
                let h = HeaderParser.parse(data, range: 0..<data.count, limits: limits).section
                report.originalMessageID = report.originalMessageID ?? h["Message-ID"].flatMap { MessageIDs.parse($0).first }
            default:
                break
            }
        }
        return report
    }

    /// The header-like blocks of a delivery-status body, separated by empty lines.
    static func headerBlocks(_ data: [UInt8], limits: ParseLimits) -> [HeaderSection] {
        var blocks: [HeaderSection] = []
        var pos = 0
        while pos < data.count, blocks.count < limits.maxParts {
            // Skip empty lines between blocks.
            while pos < data.count, data[pos] == Bytes.cr || data[pos] == Bytes.lf { pos += 1 }
            guard pos < data.count else { break }
            let r = HeaderParser.parse(data, range: pos..<data.count, limits: limits)
            if !r.section.fields.isEmpty { blocks.append(r.section) }
            guard r.bodyStart > pos else { break }
            pos = r.bodyStart
        }
        return blocks
    }

    /// "rfc822; a@b" → "a@b"; "dns; mx.example" → "mx.example".
    static func stripType(_ v: String) -> String {
        guard let semi = v.firstIndex(of: ";") else { return v.trimmingSpaces }
        return String(v[v.index(after: semi)...]).trimmingSpaces
    }
}
