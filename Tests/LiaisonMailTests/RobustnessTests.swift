// Hostile and damaged input: MessageParser must return, keep the bytes, stay within ParseLimits,
// report the bounds it enforced, and give the same answer twice.
//
// (a) every file of Tests/Fixtures/fuzz-regressions (crashes found by scripts/fuzz land there) plus
//     generated hostile messages too large to keep as files (10,000 nested multiparts, a 2 MB
//     header, 10,000 parts, 1,000 nested message/rfc822, a 100 KB encoded word);
// (b) ~2,000 seeded mutations of the shared corpus, checked against invariants.
import Foundation
import Testing
import LiaisonMail

@Suite("Robustness")
struct RobustnessTests {

    // MARK: - (a) Regression folder

    @Test("the regression folder is not empty")
    func regressionFolderHasCases() {
        #expect(Robust.regressionFiles().count >= 1, "no file in \(Robust.regressionFolder.path)")
    }

    @Test("every regression input parses within the contract", arguments: Robust.regressionFiles())
    func regression(file: String) throws {
        let bytes = try Robust.read(Robust.regressionFolder.appendingPathComponent(file))
        Robust.checkContract(bytes, name: file)
    }

    @Test("a multipart that never closes keeps its first part and says so")
    func unclosedBoundary() throws {
        let bytes = try Robust.read(Robust.regressionFolder.appendingPathComponent("hostile-unclosed-boundary.eml"))
        let m = Robust.checkContract(bytes, name: "unclosed").message
        #expect(m.text.contains("First part, still readable."))
        #expect(m.issues.contains { $0.kind == .missingBoundary }, "issues: \(m.issues)")
        #expect(!m.issues.contains { $0.isLimit }, "no bound was crossed: \(m.issues)")
    }

    @Test("a base64 attachment of garbage is still listed")
    func base64Garbage() throws {
        let bytes = try Robust.read(Robust.regressionFolder.appendingPathComponent("hostile-base64-garbage.eml"))
        let m = Robust.checkContract(bytes, name: "base64 garbage").message
        #expect(m.attachments.map(\.filename) == ["junk.bin"])
        #expect(!m.issues.contains { $0.isLimit }, "no bound was crossed: \(m.issues)")
    }

    @Test("NUL bytes and lone CRs cross no bound; NULs do not hide the Subject")
    func controlBytes() throws {
        for name in ["hostile-nul-bytes.eml", "hostile-lone-cr.eml"] {
            let bytes = try Robust.read(Robust.regressionFolder.appendingPathComponent(name))
            let m = Robust.checkContract(bytes, name: name).message
            #expect(!m.issues.contains { $0.isLimit }, "\(name): \(m.issues)")
            // Whether a lone CR ends a line is the parser's choice; a NUL inside a value must not
            // lose the field.
            if name == "hostile-nul-bytes.eml" { #expect(m.subject != nil, "the Subject field was lost") }
        }
    }

    // MARK: - (a) Generated hostile messages

    @Test("10,000 nested multiparts: depth bound reported")
    func deepMultipart() {
        let m = Robust.checkContract(Hostile.nestedMultiparts(10_000), name: "nested multiparts").message
        #expect(m.issues.contains { $0.kind == .depthLimit }, "issues: \(m.issues)")
        #expect(Robust.treeDepth(m.root) <= ParseLimits.default.maxDepth + 2)
    }

    @Test("a 2 MB header field: header bound reported")
    func hugeHeader() {
        let m = Robust.checkContract(Hostile.hugeHeader(bytes: 2 * 1024 * 1024), name: "2 MB header").message
        #expect(m.issues.contains { $0.kind == .headerLimit }, "issues: \(m.issues)")
    }

    @Test("10,000 header fields: header bound reported")
    func manyHeaderFields() {
        let m = Robust.checkContract(Hostile.repeatedField(10_000), name: "10,000 fields").message
        #expect(m.issues.contains { $0.kind == .headerLimit }, "issues: \(m.issues)")
        #expect(m.header.fields.count <= ParseLimits.default.maxHeaderFields)
    }

    @Test("10,000 parts: part bound reported, attachments bounded")
    func manyParts() {
        let m = Robust.checkContract(Hostile.manyParts(10_000), name: "10,000 parts").message
        #expect(m.issues.contains { $0.kind == .partLimit }, "issues: \(m.issues)")
        #expect(m.attachments.count <= ParseLimits.default.maxParts)
        #expect(m.attachments.count >= 100, "the parts before the bound were dropped: \(m.attachments.count)")
        #expect(m.text.contains("part 0 text"))
    }

    @Test("1,000 nested message/rfc822: depth bound reported")
    func deepRFC822() {
        let m = Robust.checkContract(Hostile.nestedMessages(1_000), name: "nested rfc822").message
        #expect(m.issues.contains { $0.kind == .depthLimit }, "issues: \(m.issues)")
        #expect(m.subject == "level 0")
    }

    @Test("an encoded word of 100 KB crosses no bound and keeps the subject")
    func hugeEncodedWord() {
        let m = Robust.checkContract(Hostile.hugeEncodedWord(bytes: 100 * 1024), name: "100 KB encoded word").message
        #expect(!m.issues.contains { $0.isLimit }, "issues: \(m.issues)")
        // Decoded (中文 × n) or left encoded: either way the subject is there and long.
        #expect((m.subject?.count ?? 0) > 10_000)
    }

    @Test("a text longer than the bound is cut and reported")
    func textBound() {
        var limits = ParseLimits()
        limits.maxTextCharacters = 1_000
        let body = String(repeating: "这是一段很长的正文。", count: 500)   // 5,000 characters
        let bytes = Array("Subject: long\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n".utf8)
        let m = Robust.checkContract(bytes, name: "long text", limits: limits).message
        #expect(m.text.count <= 1_000)
        #expect(m.text.count >= 500, "the text before the bound was dropped")
        #expect(m.issues.contains { $0.isLimit }, "issues: \(m.issues)")
    }

    // MARK: - (b) Seeded mutations of the corpus

    @Test("the shared corpus is present")
    func corpusPresent() {
        #expect(Robust.corpusFiles().count >= 1, "no .eml in \(Robust.corpusFolder.path)")
    }

    @Test("mutated corpus messages keep the invariants", arguments: Robust.corpusFiles())
    func mutations(file: String) throws {
        let original = try Robust.read(Robust.corpusFolder.appendingPathComponent(file))
        let perFile = (2_000 + max(1, Robust.corpusFiles().count) - 1) / max(1, Robust.corpusFiles().count)
        // Seeded from the file name: the same inputs on every run and machine.
        var rng = SplitMix64(seed: file.utf8.reduce(0x9E37_79B9_7F4A_7C15) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 })
        var failures = 0
        for i in 0..<perFile {
            var input = original
            let applied = (0..<Int.random(in: 1...3, using: &rng)).map { _ in Mutator.mutate(&input, using: &rng) }
            let name = "\(file) #\(i) [\(applied.joined(separator: ","))]"
            let (full, ok) = Robust.checkContract(input, name: name)
            if !(Robust.checkAgainstTightLimits(input, full: full, name: name) && ok) { failures += 1 }
            if failures >= 5 { Issue.record("\(file): stopped after 5 failing inputs"); break }
        }
    }
}

// MARK: - Checks

fileprivate enum Robust {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let regressionFolder = packageRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions")
    /// LIAISON_CORPUS, else $LIAISON_SHARED/corpus, else ../shared/corpus beside the package.
    static let corpusFolder: URL = {
        let env = ProcessInfo.processInfo.environment
        if let c = env["LIAISON_CORPUS"], !c.isEmpty { return URL(fileURLWithPath: c) }
        if let s = env["LIAISON_SHARED"], !s.isEmpty { return URL(fileURLWithPath: s).appendingPathComponent("corpus") }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()
    /// Loose guard against hangs (debug build, shared machine): not a benchmark.
    static let timeBudget: Duration = .seconds(5)
    static let tightLimits: ParseLimits = {
        var l = ParseLimits()
        l.maxDepth = 3; l.maxParts = 8; l.maxHeaderBytes = 8_192; l.maxHeaderFields = 64
        l.maxLineLength = 2_048; l.maxTextCharacters = 300
        return l
    }()

    /// The whole-message regressions at the top of the folder; the per-grammar ones in its
    /// sub-folders (`<target>/`) are replayed by LiaisonFuzzTests.
    static func regressionFiles() -> [String] {
        list(regressionFolder) { name in
            var isDir: ObjCBool = false
            let path = regressionFolder.appendingPathComponent(name).path
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
        }
    }
    static func corpusFiles() -> [String] { list(corpusFolder) { $0.hasSuffix(".eml") } }

    static func list(_ folder: URL, _ keep: (String) -> Bool) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter(keep).sorted()
    }

    static func read(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    /// Parses `bytes` under `limits` and checks what holds for any input; with `twice`, parses again
    /// and compares (determinism). Returns the message, and whether every check passed.
    @discardableResult
    static func checkContract(_ bytes: [UInt8], name: String, limits: ParseLimits = .default,
                              twice: Bool = true) -> (message: Message, ok: Bool) {
        let clock = ContinuousClock()
        var parsed: Message?
        let elapsed = clock.measure { parsed = MessageParser.parse(bytes, limits: limits) }
        let m = parsed!
        var ok = true
        func expect(_ condition: Bool, _ what: @autoclosure () -> String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
            if !condition {
                ok = false
                Issue.record("\(name): \(what())", sourceLocation: sourceLocation)
            }
        }
        expect(elapsed < timeBudget, "one parse took \(elapsed)")
        expect(m.raw == bytes, "message.raw is not the input")
        expect(m.text.count <= limits.maxTextCharacters,
               "text of \(m.text.count) characters, bound \(limits.maxTextCharacters)")
        expect(m.attachments.count <= limits.maxParts, "\(m.attachments.count) attachments, bound \(limits.maxParts)")
        expect(m.header.fields.count <= limits.maxHeaderFields,
               "\(m.header.fields.count) header fields, bound \(limits.maxHeaderFields)")
        expect(treeDepth(m.root) <= 2 * limits.maxDepth + 2, "tree depth \(treeDepth(m.root))")
        expect(partCount(m.root) <= 2 * limits.maxParts + 2, "\(partCount(m.root)) parts in the tree")
        if twice {
            let again = MessageParser.parse(bytes, limits: limits)
            expect(fingerprint(again) == fingerprint(m), "parsing twice gave different results")
        }
        return (m, ok)
    }

    /// Bounds only cut: a parse under tight bounds that reports no limit must equal the default parse,
    /// and what the default parse shows beyond a tight bound must be reported by the tight parse.
    static func checkAgainstTightLimits(_ bytes: [UInt8], full: Message, name: String) -> Bool {
        let (tight, ok) = checkContract(bytes, name: "\(name) (tight limits)", limits: tightLimits, twice: false)
        let tightLimited = tight.issues.contains { $0.isLimit }
        if full.text.count > tightLimits.maxTextCharacters || full.attachments.count > tightLimits.maxParts {
            guard tightLimited else {
                Issue.record("\(name): a tight bound was crossed without a limit issue: \(tight.issues)")
                return false
            }
        }
        if !tightLimited && !full.issues.contains(where: { $0.isLimit }),
           tight.text != full.text || tight.attachments != full.attachments {
            Issue.record("\(name): no bound reported, yet tight limits changed the result")
            return false
        }
        return ok
    }

    /// Nesting depth of multiparts and enclosed messages, computed without recursion.
    static func treeDepth(_ root: MIMEPart) -> Int {
        var stack = [(root, 0)]
        var deepest = 0
        while let (p, d) = stack.popLast() {
            deepest = max(deepest, d)
            switch p.body {
            case .leaf: break
            case .multipart(let parts, _, _): stack += parts.map { ($0, d + 1) }
            case .message(let inner): stack.append((inner.root, d + 1))
            }
        }
        return deepest
    }

    static func partCount(_ root: MIMEPart) -> Int {
        var stack = [root]
        var n = 0
        while let p = stack.popLast() {
            n += 1
            switch p.body {
            case .leaf: break
            case .multipart(let parts, _, _): stack += parts
            case .message(let inner): stack.append(inner.root)
            }
        }
        return n
    }

    /// Everything the parse yields, as one comparable value (tree shape, headers, leaf bytes, facts).
    static func fingerprint(_ m: Message) -> [String] {
        var out: [String] = []
        var messages = [m]
        while let m = messages.popLast() {
            out.append("msg \(m.raw.count) \(m.subject ?? "-") \(m.messageID ?? "-") \(m.from) \(m.to) \(m.cc)")
            out.append("refs \(m.inReplyTo) \(m.references) date \(m.date.map { "\($0.date) \($0.offsetSeconds)" } ?? "-")")
            out.append("text \(m.text.hashValue) \(m.text.count) att \(m.attachments) fwd \(m.forwarded.count)")
            out.append("dsn \(String(describing: m.deliveryReport)) issues \(m.issues)")
            var parts = [m.root]
            while let p = parts.popLast() {
                out.append("part \(p.contentType.mimeType) \(p.contentType.parameters.sorted { $0.key < $1.key })"
                           + " \(p.transferEncoding) \(p.filename ?? "-") \(p.damaged) \(p.header.fields.count)")
                switch p.body {
                case .leaf(let b): out.append("leaf \(b.count) \(b.hashValue)")
                case .multipart(let children, let pre, let epi):
                    out.append("multi \(children.count) \(pre.count) \(epi.count)"); parts += children
                case .message(let inner): out.append("message"); messages.append(inner)
                }
            }
        }
        return out
    }
}

// MARK: - Hostile messages

fileprivate enum Hostile {
    static let head = "From: Hostile <h@bad.example>\r\nTo: track@corp.example\r\nDate: Mon, 16 Nov 2026 09:12:33 +0800\r\nMIME-Version: 1.0\r\n"

    /// `depth` multiparts, each the only part of the one above it, a text part at the bottom.
    static func nestedMultiparts(_ depth: Int) -> [UInt8] {
        var s = head + "Subject: nested\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"
        for i in 0..<depth {
            s += "--b\(i)\r\nContent-Type: multipart/mixed; boundary=\"b\(i + 1)\"\r\n\r\n"
        }
        s += "--b\(depth)\r\nContent-Type: text/plain\r\n\r\nbottom\r\n--b\(depth)--\r\n"
        for i in stride(from: depth - 1, through: 0, by: -1) { s += "--b\(i)--\r\n" }
        return Array(s.utf8)
    }

    /// One Subject field folded over `bytes` bytes.
    static func hugeHeader(bytes: Int) -> [UInt8] {
        var s = head + "Subject: start"
        let line = "\r\n " + String(repeating: "x", count: 72)
        s.reserveCapacity(bytes + 200)
        while s.utf8.count < bytes { s += line }
        s += "\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        return Array(s.utf8)
    }

    static func repeatedField(_ n: Int) -> [UInt8] {
        Array((head + "Subject: many fields\r\n" + String(repeating: "X-Repeat: 1\r\n", count: n)
               + "\r\nbody\r\n").utf8)
    }

    static func manyParts(_ n: Int) -> [UInt8] {
        var s = head + "Subject: many parts\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n"
        s += "--p\r\nContent-Type: text/plain\r\n\r\npart 0 text\r\n"
        for i in 1..<n {
            s += "--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"f\(i).bin\"\r\n\r\n\(i)\r\n"
        }
        return Array((s + "--p--\r\n").utf8)
    }

    /// `depth` message/rfc822 parts, each enclosing the next; "level 0" outermost.
    static func nestedMessages(_ depth: Int) -> [UInt8] {
        var s = "Subject: level \(depth)\r\nContent-Type: text/plain\r\n\r\nbottom\r\n"
        for level in stride(from: depth - 1, through: 0, by: -1) {
            s = "Subject: level \(level)\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + s
        }
        return Array((head + s).utf8)
    }

    static func hugeEncodedWord(bytes: Int) -> [UInt8] {
        let text = String(repeating: "中文", count: bytes * 3 / 4 / 6)
        let word = "=?utf-8?B?" + Data(text.utf8).base64EncodedString() + "?="
        return Array((head + "Subject: \(word)\r\nContent-Type: text/plain\r\n\r\nbody\r\n").utf8)
    }
}

// MARK: - Mutations


fileprivate enum Mutator {
    /// Applies one damage to `bytes`; returns its name (for failure messages).
    static func mutate<R: RandomNumberGenerator>(_ bytes: inout [UInt8], using rng: inout R) -> String {
        // The 1,000-fold header is 1 mutation in 40: in a debug build one such input costs as much
        // as dozens of the others, and ~100 of them are enough to show a quadratic header path.
        let roll = Int.random(in: 0..<40, using: &rng)
        if roll == 0 { return repeatHeader(&bytes, using: &rng) }
        switch roll % 6 {
        case 0:
            bytes.removeSubrange(Int.random(in: 0...bytes.count, using: &rng)...)
            return "truncate"
        case 1:
            guard !bytes.isEmpty else { return "flip(empty)" }
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            return "flip"
        case 2:
            let lines = lineRanges(bytes)
            guard let r = lines.randomElement(using: &rng) else { return "delete(empty)" }
            bytes.removeSubrange(r)
            return "delete-line"
        case 3:
            let lines = lineRanges(bytes)
            guard let r = lines.randomElement(using: &rng) else { return "dup(empty)" }
            bytes.insert(contentsOf: Array(bytes[r]), at: r.lowerBound)
            return "dup-line"
        case 4:
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let b: UInt8 = [0x0D, 0x0A, 0x00].randomElement(using: &rng)!
                bytes.insert(b, at: Int.random(in: 0...bytes.count, using: &rng))
            }
            return "insert-crlfnul"
        default:
            return changeBoundary(&bytes, using: &rng)
        }
    }

    /// The ranges of the lines of `bytes`, each with its LF.
    static func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A { lines.append(start..<(i + 1)); start = i + 1 }
            i += 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        return lines
    }

    /// Alters the value of a `boundary=` parameter (or, without one, a `--` delimiter line).
    static func changeBoundary<R: RandomNumberGenerator>(_ bytes: inout [UInt8], using rng: inout R) -> String {
        let needle = Array("boundary=".utf8)
        var hits: [Int] = []
        if bytes.count >= needle.count {
            var i = 0
            while i <= bytes.count - needle.count {
                var k = 0
                while k < needle.count, bytes[i + k] | 0x20 == needle[k] { k += 1 }
                if k == needle.count { hits.append(i + needle.count) }
                i += 1
            }
        }
        if hits.isEmpty {
            for i in 0..<max(0, bytes.count - 2) where bytes[i] == 0x2D && bytes[i + 1] == 0x2D
                && (i == 0 || bytes[i - 1] == 0x0A) { hits.append(i + 2) }
        }
        guard let at = hits.randomElement(using: &rng) else { return "boundary(none)" }
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: if at < bytes.count { bytes[at] = UInt8.random(in: 0x21...0x7E, using: &rng) }
        case 1: bytes.insert(contentsOf: Array("x".utf8), at: at)
        default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...4, using: &rng)))
        }
        return "boundary"
    }

    /// Repeats one line of the header section 1,000 times.
    static func repeatHeader<R: RandomNumberGenerator>(_ bytes: inout [UInt8], using rng: inout R) -> String {
        let lines = lineRanges(bytes)
        let headerEnd = lines.firstIndex { r in bytes[r].allSatisfy { $0 == 0x0D || $0 == 0x0A } } ?? lines.count
        guard headerEnd > 0 else { return "repeat(none)" }
        let r = lines[Int.random(in: 0..<headerEnd, using: &rng)]
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1_000 * r.count)
        out.append(contentsOf: bytes[..<r.lowerBound])
        for _ in 0..<1_000 { out.append(contentsOf: bytes[r]) }
        out.append(contentsOf: bytes[r.lowerBound...])
        bytes = out
        return "repeat-header"
    }
}
