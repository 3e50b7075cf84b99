// libFuzzer entry point over MessageParser.
//
// Fuzz build (libFuzzer's driver runs the inputs; see scripts/fuzz). One -sanitize= flag: given
// twice, swiftc keeps only the last and the coverage instrumentation is lost.
//   swift build -c release --product LiaisonFuzz --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIAISON_FUZZ
// Normal build (`swift build --product LiaisonFuzz`): the same entry point, driven by a replay
// `main` that feeds it every file given (folders are walked): that is how regressions re-run.
//
// Besides "no trap", every input is held to the parser's contract (MessageParser.swift,
// Message.swift): `raw` is the input, the bounds of `ParseLimits` hold, and parsing is deterministic.
// A broken invariant traps, which libFuzzer reports as a crash.
import Foundation
import LiaisonMail

/// Tight bounds for a second parse, so that every limit path (depth, parts, header size, line
/// length, text size) is reached by small inputs too.
let tightLimits: ParseLimits = {
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
nonisolated(unsafe) var sink: UInt64 = 0

@inline(__always) func mix(_ x: Int) { sink = sink &* 31 &+ UInt64(truncatingIfNeeded: x) }
@inline(__always) func mix(_ s: String?) { mix(s?.utf8.count ?? -1); mix(s?.hashValue ?? 0) }
@inline(__always) func mix(_ bytes: [UInt8]) {
    mix(bytes.count)
    var acc: UInt64 = 0
    for b in bytes { acc = acc &* 131 &+ UInt64(b) }
    sink ^= acc
}

func touch(_ a: Address) { mix(a.name); mix(a.address) }

func touch(_ header: HeaderSection) {
    for f in header.fields { mix(f.name); mix(f.rawValue); mix(f.value) }
    // The Received stamps' grammar (`ReceivedParser`): bounded, a value or a typed failure.
    for f in header.all("Received") {
        switch ReceivedParser.parse(f.value) {
        case .success(let s): mix(s.by); mix(Int(s.date.date.timeIntervalSince1970))
        case .failure(let e): mix(e.description)
        }
    }
}

/// Reads every derived value of `message` and of every message nested in it. Iterative, so that a
/// parser bug producing an over-deep tree is reported as a broken bound rather than a stack overflow
/// in the harness.
func touchAll(_ message: Message) -> Int {
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
        for f in m.forwarded { mix(f.subject); mix(f.text); mix(f.attachments.count); mix(f.raw.count) }
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
func treeDepth(_ root: MIMEPart) -> Int {
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
func check(_ m: Message, input: [UInt8], limits: ParseLimits, label: String) {
    precondition(m.raw == input, "\(label): message.raw differs from the input")
    precondition(m.text.count <= limits.maxTextCharacters,
                 "\(label): text has \(m.text.count) characters, bound \(limits.maxTextCharacters)")
    precondition(m.attachments.count <= limits.maxParts,
                 "\(label): \(m.attachments.count) attachments, bound \(limits.maxParts)")
    // Loose structural guards against unbounded growth: whether multipart containers and the
    // root count as parts, and whether an enclosed message adds one level or two, is the parser's
    // choice, so allow for both.
    let parts = touchAll(m)
    precondition(parts <= 2 * limits.maxParts + 2, "\(label): \(parts) parts in the tree, bound \(limits.maxParts)")
    let depth = treeDepth(m.root)
    precondition(depth <= 2 * limits.maxDepth + 2, "\(label): tree depth \(depth), bound \(limits.maxDepth)")
}

/// One input: parse with the default bounds (twice: the results must agree) and with tight bounds.
func runOne(_ input: [UInt8]) {
    let first = MessageParser.parse(input, limits: .default)
    check(first, input: input, limits: .default, label: "default limits")
    let again = MessageParser.parse(input, limits: .default)
    precondition(again.text == first.text && again.attachments == first.attachments
                 && again.issues == first.issues && again.subject == first.subject,
                 "parsing the same bytes twice gave different results")
    let tight = MessageParser.parse(input, limits: tightLimits)
    check(tight, input: input, limits: tightLimits, label: "tight limits")
}

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if LIAISON_FUZZ
// SwiftPM links an executable target with `--defsym main=LiaisonFuzz_main`, which overrides
// libFuzzer's own `main`; so this top-level code hands control to libFuzzer's documented entry for
// programs with their own main (LLVMFuzzerRunDriver, in libclang_rt.fuzzer, linked by
// -sanitize=fuzzer). Declared by symbol name: every argument is a pointer and the result a C int,
// which the Swift and C calling conventions pass alike.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var fuzzArgc = CommandLine.argc
var fuzzArgv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzArgc, &fuzzArgv) { data, size in
    fuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
})
#else
/// Replay: every file named, folders walked (hidden files skipped), in sorted order.
func replayFiles(_ arguments: [String]) -> [String] {
    var files: [String] = []
    let fm = FileManager.default
    for arg in arguments {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: arg, isDirectory: &isDir) else {
            FileHandle.standardError.write(Data("LiaisonFuzz: no such file: \(arg)\n".utf8))
            exit(2)
        }
        if !isDir.boolValue { files.append(arg); continue }
        let walker = fm.enumerator(atPath: arg)
        var found: [String] = []
        while let rel = walker?.nextObject() as? String {
            let path = (arg as NSString).appendingPathComponent(rel)
            var sub: ObjCBool = false
            if !(rel as NSString).lastPathComponent.hasPrefix("."),
               fm.fileExists(atPath: path, isDirectory: &sub), !sub.boolValue {
                found.append(path)
            }
        }
        files.append(contentsOf: found.sorted())
    }
    return files
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty || arguments.contains("-h") || arguments.contains("--help") {
    print("usage: LiaisonFuzz FILE|DIR...  (replays inputs through the fuzz entry point)")
    exit(arguments.isEmpty ? 2 : 0)
}
let files = replayFiles(arguments)
for path in files {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("LiaisonFuzz: cannot read \(path)\n".utf8))
        exit(2)
    }
    // Print the name first so that a trap is attributed to its input.
    FileHandle.standardError.write(Data("replay \(path) (\(data.count) bytes)\n".utf8))
    _ = data.withUnsafeBytes { raw in
        fuzz(raw.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!, raw.count)
    }
}
print("LiaisonFuzz: \(files.count) input(s) replayed, no failure")
#endif
