// The whole-message target: MessageParser, held to its contract (MessageParser.swift, Message.swift):
// `raw` is the input, the bounds of `ParseLimits` hold, and parsing is deterministic.
import LiaisonMail

enum MIMETarget {
    /// Tight bounds for a second parse, so that every limit path (depth, parts, header size, line
    /// length, text size) is reached by small inputs too.
    static let tightLimits: ParseLimits = {
        var l = ParseLimits()
        l.maxDepth = 4
        l.maxParts = 16
        l.maxHeaderBytes = 2_048
        l.maxHeaderFields = 32
        l.maxLineLength = 1_024
        l.maxTextCharacters = 4_096
        return l
    }()

    /// Where touched values go, so that the optimiser cannot drop the work.
    /// Single-threaded (no @unchecked needed, but `unsafe` all the same): libFuzzer and the replay driver run one input at a time.
    nonisolated(unsafe) static var sink: UInt64 = 0

    @inline(__always) static func mix(_ x: Int) { sink = sink &* 31 &+ UInt64(truncatingIfNeeded: x) }
    @inline(__always) static func mix(_ s: String?) { mix(s?.utf8.count ?? -1); mix(s?.hashValue ?? 0) }
    @inline(__always) static func mix(_ bytes: [UInt8]) {
        mix(bytes.count)
        var acc: UInt64 = 0
        for b in bytes { acc = acc &* 131 &+ UInt64(b) }
        sink ^= acc
    }

    static func touch(_ a: Address) { mix(a.name); mix(a.address) }

    static func touch(_ header: HeaderSection) {
        for f in header.fields { mix(f.name); mix(f.rawValue); mix(f.value) }
    }

    /// Reads every derived value of `message` and of every message nested in it. Iterative, so that a
    /// parser bug producing an over-deep tree is reported as a broken bound rather than a stack overflow
    /// in the harness.
    static func touchAll(_ message: Message) -> Int {
        var messages: [Message] = [message]
        var partCount = 0
        while let m = messages.popLast() {
            touch(m.header)
            mix(m.subject); m.from.forEach(touch); m.to.forEach(touch); m.cc.forEach(touch)
            m.replyTo.forEach(touch); if let s = m.sender { touch(s) }
            if let d = m.date { mix(Int(d.date.timeIntervalSince1970)); mix(d.offsetSeconds); mix(d.iso8601) }
            mix(m.messageID); m.inReplyTo.forEach { mix($0) }; m.references.forEach { mix($0) }
            mix(m.text)
            for a in m.attachments { mix(a.filename); mix(a.contentType); mix(a.size) }
            // Forwarded messages are also `.message` parts of the tree, walked below; here only their
            // summary, so that a message is not walked once per path to it.
            for f in m.forwarded { mix(f.subject); mix(f.text); mix(f.attachments.count); mix(f.rawCount) }
            if let r = m.deliveryReport {
                mix(r.reportingMTA); mix(r.originalMessageID)
                for s in r.recipients { mix(s.recipient); mix(s.action); mix(s.status); mix(s.diagnostic) }
            }
            for i in m.issues { mix(i.description); mix(i.isLimit ? 1 : 0) }

            var parts: [MIMEPart] = [m.root]
            while let p = parts.popLast() {
                partCount += 1
                touch(p.header)
                mix(p.contentType.mimeType); mix(p.contentType.parameters.count)
                for (k, v) in p.contentType.parameters { mix(k); mix(v) }
                if let d = p.disposition { mix(d.kind); for (k, v) in d.parameters { mix(k); mix(v) } }
                mix(p.transferEncoding); mix(p.filename); mix(p.damaged ? 1 : 0)
                switch p.body {
                case .leaf(let bytes): mix(bytes)
                case .multipart(let children, let preamble, let epilogue):
                    mix(preamble); mix(epilogue); parts.append(contentsOf: children)
                case .message(let inner): messages.append(inner)
                }
            }
        }
        return partCount
    }

    /// Nesting depth of the MIME tree (multiparts and enclosed messages), computed iteratively.
    static func treeDepth(_ root: MIMEPart) -> Int {
        var stack: [(MIMEPart, Int)] = [(root, 0)]
        var deepest = 0
        while let (p, d) = stack.popLast() {
            deepest = max(deepest, d)
            switch p.body {
            case .leaf: break
            case .multipart(let children, _, _): stack.append(contentsOf: children.map { ($0, d + 1) })
            case .message(let inner): stack.append((inner.root, d + 1))
            }
        }
        return deepest
    }

    /// Checks the contract of one parse; traps with a description of the broken invariant.
    static func check(_ m: Message, input: [UInt8], limits: ParseLimits, label: String) {
        require(m.raw == input, "\(label): message.raw differs from the input")
        require(m.text.count <= limits.maxTextCharacters,
                     "\(label): text has \(m.text.count) characters, bound \(limits.maxTextCharacters)")
        require(m.attachments.count <= limits.maxParts,
                     "\(label): \(m.attachments.count) attachments, bound \(limits.maxParts)")
        // Loose structural guards against unbounded growth: whether multipart containers and the
        // root count as parts, and whether an enclosed message adds one level or two, is the parser's
        // choice, so allow for both.
        let parts = touchAll(m)
        require(parts <= 2 * limits.maxParts + 2, "\(label): \(parts) parts in the tree, bound \(limits.maxParts)")
        let depth = treeDepth(m.root)
        require(depth <= 2 * limits.maxDepth + 2, "\(label): tree depth \(depth), bound \(limits.maxDepth)")
    }

    /// One input: parse with the default bounds (twice: the results must agree) and with tight bounds.
    static func runOne(_ input: [UInt8]) {
        let first = MessageParser.parse(input, limits: .default)
        check(first, input: input, limits: .default, label: "default limits")
        let again = MessageParser.parse(input, limits: .default)
        require(again.text == first.text && again.attachments == first.attachments
                     && again.issues == first.issues && again.subject == first.subject,
                     "parsing the same bytes twice gave different results")
        let tight = MessageParser.parse(input, limits: tightLimits)
        check(tight, input: input, limits: tightLimits, label: "tight limits")
    }

    static func run(_ input: [UInt8]) { runOne(input) }
}
