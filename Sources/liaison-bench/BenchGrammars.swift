import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonTransport

/// `liaison-bench bench grammars`: reading time against input size for each grammar of the mail path,
/// on generated adversarial inputs (the worst shapes known: unterminated comments and quotes,
/// encoded-word starts, deep nesting, long address lists, long replies), at 1 KB, 100 KB and 10 MB.
/// The per-KB time is printed beside each, and the ratio of the 10 MB per-KB time to the 1 KB one:
/// about 1 for a linear reader, about 10,000 for a quadratic one. Then the two figures of issue 11:
/// the 500 KB encoded-word subject, and the peak memory of a 53 MB message nested 31 deep (read in
/// a child process, VmHWM).
struct BenchGrammars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammars",
        abstract: "Time each grammar on adversarial inputs of 1 KB, 100 KB and 10 MB; print the per-KB times.")

    @Option(help: "Sizes in bytes, comma-separated.")
    var sizes: String = "1024,102400,10485760"
    @Option(help: "Only these grammars (comma-separated names).")
    var only: String?
    @Flag(help: "Skip the 53 MB / 31-deep memory figure (it builds 53 MB in a child process).")
    var noMemory = false
    @Option(help: .hidden)
    var forwardChild: Int?

    func run() async throws {
        if let megabytes = forwardChild {
            Self.forwardChildRun(megabytes: megabytes)
            return
        }
        let sizeList = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizeList.isEmpty, sizeList.allSatisfy({ $0 > 0 }) else { throw ValidationError("--sizes: positive byte counts") }
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        let grammars = Self.grammars.filter { wanted?.contains($0.name) ?? true }
        guard !grammars.isEmpty else { throw ValidationError("no grammar named \(only ?? "")") }

        func label(_ n: Int) -> String {
            n >= 1 << 20 ? "\(n >> 20) MB" : n >= 1 << 10 ? "\(n >> 10) KB" : "\(n) B"
        }
        print("grammar          input shape                                  " + sizeList.map { label($0).padding(12) + " per KB".padding(12) }.joined())
        var worstRatio = 0.0
        for g in grammars {
            var cells: [String] = []
            var perKB: [Double] = []
            for n in sizeList {
                let input = g.make(n)
                // Small inputs are repeated so that a figure is not one clock tick.
                let reps = max(1, min(200, (1 << 20) / max(n, 1)))
                let clock = ContinuousClock()
                var checksum = 0
                checksum &+= g.read(input)   // warm-up (libxml2, regex caches)
                let start = clock.now
                for _ in 0..<reps { checksum &+= g.read(input) }
                let each = (clock.now - start) / reps
                let ms = Double(each.components.seconds) * 1e3 + Double(each.components.attoseconds) / 1e15
                let kb = Double(input.utf8Count) / 1024
                perKB.append(ms / max(kb, 1e-9))
                cells.append(Self.format(ms: ms).padding(12) + (Self.format(ms: ms / max(kb, 1e-9)) + "/KB").padding(12))
                if checksum == 42 { print("") }   // keeps the work observable
            }
            let ratio = perKB.count >= 2 ? perKB.last! / max(perKB.first!, 1e-12) : 1
            worstRatio = max(worstRatio, ratio)
            print(g.name.padding(17) + g.shape.padding(45) + cells.joined() + String(format: "x%.1f", ratio))
        }
        print("(last column: per-KB time at the largest size over that at the smallest; linear ≈ 1)")
        print(String(format: "worst per-KB ratio: %.1f", worstRatio))

        // The two figures of issue 11.
        let subject = Self.encodedWordSubjectMessage()
        let clock = ContinuousClock()
        var best = Duration.seconds(1_000)
        for _ in 0..<5 {
            let start = clock.now
            let m = MessageParser.parse(subject)
            let d = clock.now - start
            if m.subject?.utf8.count ?? 0 < 500_000 { throw BenchError("the subject was not read whole") }
            best = min(best, d)
        }
        print("500 KB subject of 64,000 \"=?cs?b?A\": \(Self.format(duration: best)) (best of 5; bound 100 ms)")

        if !noMemory {
            try Self.forwardMemoryFigure()
        }
    }

    // MARK: - Grammars

    struct Grammar: Sendable {
        var name: String
        var shape: String
        /// An input of about `n` bytes.
        var make: @Sendable (Int) -> Input
        /// Reads it; returns something read from the result.
        var read: @Sendable (Input) -> Int
    }

    enum Input: Sendable {
        case text(String)
        case bytes([UInt8])
        var utf8Count: Int {
            switch self {
            case .text(let s): return s.utf8.count
            case .bytes(let b): return b.count
            }
        }
        var string: String { if case .text(let s) = self { return s }; return "" }
        var array: [UInt8] { if case .bytes(let b) = self { return b }; return Array(string.utf8) }
    }

    /// `unit` repeated to about `n` bytes, then `tail`.
    static func repeated(_ unit: String, _ n: Int, head: String = "", tail: String = "") -> String {
        let count = max(1, (n - head.utf8.count - tail.utf8.count) / max(1, unit.utf8.count))
        return head + String(repeating: unit, count: count) + tail
    }

    static let resolver = DeadlineResolver(timeZone: TimeZone(identifier: "Asia/Shanghai")!, workdayEnd: ClockTime(hour: 18)!)
    static let sentAt = Date(timeIntervalSince1970: 1_794_900_000)
    static let organization = Organization(name: "示例", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                                           authservID: "mx.corp.example", timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    static let grammars: [Grammar] = [
        Grammar(name: "parameters", shape: "RFC 2231 sections, =?-starts, ends in (\\",
                make: { .text(repeated("f*3*=utf-8''%E5%8F; n=\"=?cs?b?A\\\"\"; (c(\\)) ", $0, head: "attachment; ", tail: "(\\")) },
                read: { ContentDisposition(parsing: $0.string).parameters.count }),
        Grammar(name: "addresses", shape: "long list, ends in an open quote",
                make: { .text(repeated("\"W, F\" <w.f@x.example> (c), ", $0, tail: "\"\\")) },
                read: { AddressParser.parse($0.string).count }),
        Grammar(name: "matching", shape: "counterparty of a long To (distinct)",
                make: { n in
                    .text((0..<max(1, n / 24)).map { "u\($0)@client.example" }.joined(separator: ","))
                },
                read: { input in
                    let to = input.string.split(separator: ",").map(String.init)
                    return CaseMatcher(organization: organization)
                        .counterparty(MatchInput(from: "a@client.example", to: to, date: sentAt, subject: "s")).contacts.count
                }),
        Grammar(name: "message-ids", shape: "References of many ids, unclosed <",
                make: { .text(repeated("<id.1234@mail.example> ", $0, tail: "<<")) },
                read: { MessageIDs.parse($0.string).count }),
        Grammar(name: "dates", shape: "a date, then nested unterminated comments",
                make: { .text(repeated("((\\)", $0, head: "Tue, 17 Nov 2026 15:40:00 +0800 ")) },
                read: { DateParser.parse($0.string) == nil ? 0 : 1 }),
        Grammar(name: "encoded-words", shape: "=?cs?b?A repeated (no ?=, no space)",
                make: { .text(repeated("=?cs?b?A", $0)) },
                read: { EncodedWords.decode($0.string).utf8.count }),
        Grammar(name: "encoded-words-sp", shape: "=?cs?b?A with spaces, one word at the end",
                make: { .text(repeated("=?cs?b?A ", $0, tail: "=?utf-8?b?5Lit5paH?=")) },
                read: { EncodedWords.decode($0.string).utf8.count }),
        Grammar(name: "header-unfold", shape: "one header folded into 8-byte lines",
                make: { .bytes(Array(repeated("\r\n x=?a?b?", $0, head: "Subject: s", tail: "\r\n\r\nbody\r\n").utf8)) },
                read: { MessageParser.parse($0.array).subject?.utf8.count ?? 0 }),
        Grammar(name: "mime", shape: "multipart of empty parts, no closing boundary",
                make: { .bytes(Array(repeated("--b\r\nContent-Type: text/plain; a=(\\\r\n\r\nx\r\n", $0,
                                              head: "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n").utf8)) },
                read: { MessageParser.parse($0.array).root.header.fields.count }),
        Grammar(name: "mime-forward", shape: "message/rfc822 nested 31 deep, text inside",
                make: { n in
                    var m = repeated("a line of the innermost text\r\n", n - 31 * 50, head: "Subject: in\r\n\r\n")
                    for level in 0..<31 { m = "Subject: \(level)\r\nContent-Type: message/rfc822\r\n\r\n" + m }
                    return .bytes(Array(m.utf8))
                },
                read: { MessageParser.parse($0.array).text.utf8.count }),
        Grammar(name: "html", shape: "unclosed nested blocks and entities",
                make: { .text(repeated("<div><p>text &amp; &#x4e2d; <b>", $0, head: "<html><body>")) },
                read: { HTMLText.text(fromHTML: $0.string).utf8.count }),
        Grammar(name: "quoted-text", shape: "quote lines and lone header starts",
                make: { .text(repeated("> quoted line\n发件人: x\nplain line\n", $0)) },
                read: { QuotedText.strip($0.string).utf8.count }),
        Grammar(name: "objection", shape: "a long reply of negated objections",
                make: { .text(repeated("no objection, 没有异议 and no objections at all ", $0)) },
                read: { ObjectionReader.read($0.string).objects ? 1 : 0 }),
        Grammar(name: "recap", shape: "recap with many numbered items and deadlines",
                make: { .text(repeated("1. 整改报告 负责人:王芳 截止时间:明天下午5点\n", $0,
                                       head: "会议纪要\n如有异议请于今日内回复。\n")) },
                read: { RecapReader.read(text: $0.string, sentAt: sentAt, resolver: resolver, staff: ["王芳": "w@corp.example"])?
                            .actionItems.count ?? 0 }),
        Grammar(name: "staff-instr", shape: "commands, then done/moved/negated sentences",
                make: { .text(repeated("第1项已完成，第2项延期至12月10日，第3项还没完成吗？item 4 done, not yet sent.\n", $0,
                                       head: "#完成 1,3\n#延期 2 下周三\n#转交 王芳\n")) },
                read: { StaffInstructionReader(resolver: resolver).read($0.string, sentAt: sentAt).instructions.count }),
        Grammar(name: "deadlines", shape: "deadline phrases in a long text",
                make: { .text(repeated("请于明天下午5点前回复，截止11月20日。", $0)) },
                read: { resolver.find(in: $0.string, sentAt: sentAt).count }),
        Grammar(name: "imap-framer", shape: "FETCH responses with literals, in 4 KB pieces",
                make: { .bytes(Array(repeated("* 1 FETCH (UID 7 BODY[] {10}\r\n0123456789)\r\n", $0).utf8)) },
                read: { input in
                    var framer = IMAPResponseFramer()
                    let b = input.array
                    var count = 0
                    var i = 0
                    while i < b.count {
                        count += (try? framer.feed(Array(b[i..<min(b.count, i + 4_096)])))?.count ?? 0
                        i += 4_096
                    }
                    return count
                }),
    ]

    // MARK: - The two named figures

    /// mkhostile.py's rfc2047-quadratic-500K.eml.
    static func encodedWordSubjectMessage() -> [UInt8] {
        let head = "From: Liu Yang <liu.yang@huadong-precision.example>\r\nTo: zhang.wei@corp.example\r\nCc: track@corp.example\r\n"
            + "Date: Tue, 17 Nov 2026 15:40:00 +0800\r\nMessage-ID: <q2047@huadong-precision.example>\r\n"
        return Array((head + "Subject: " + String(repeating: "=?cs?b?A", count: 500 * 1024 / 8)
                      + "\r\nContent-Type: text/plain\r\n\r\nbody\r\n").utf8)
    }

    /// Runs this command again as a child that builds and reads the nested forward, and prints its figures.
    static func forwardMemoryFigure() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0].hasPrefix("/")
            ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0])
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = ["bench", "grammars", "--forward-child", "53"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        print(String(decoding: out, as: UTF8.self), terminator: "")
        guard process.terminationStatus == 0 else { throw BenchError("the memory child exited \(process.terminationStatus)") }
    }

    /// In the child: a message of `megabytes` MB nested 31 deep (message/rfc822, 7bit), its innermost
    /// level a base64 attachment; peak RSS before and after reading it.
    static func forwardChildRun(megabytes: Int) {
        let depth = 31
        var prefix: [UInt8] = []
        let suffix: [UInt8] = []
        // Each level's whole body is the next message (one level of MIME depth each, as a chain of
        // forwards-as-attachment is read); the 31 levels stay within the depth bound of 32.
        for level in 0..<depth {
            prefix += Array(("From: l\(level)@x.example\r\nSubject: forward \(level)\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: message/rfc822\r\n\r\n").utf8)
        }
        let innerHead = Array(("From: inner@x.example\r\nSubject: innermost\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            + "--q\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").utf8)
        let innerTail = Array("\r\n--q--\r\n".utf8)
        let target = megabytes * 1_000_000
        var message: [UInt8] = []
        message.reserveCapacity(target + 4_096)
        message += prefix
        message += innerHead
        // Base64 lines of 76 characters from a cheap generator, written straight into the buffer.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while message.count + 78 + innerTail.count + suffix.count <= target {
            for _ in 0..<76 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                message.append(alphabet[Int(state >> 58)])
            }
            message.append(0x0D); message.append(0x0A)
        }
        message += innerTail
        message += suffix
        let before = BenchParse.peakRSSKiB() ?? 0
        let clock = ContinuousClock()
        let start = clock.now
        let m = MessageParser.parse(message)
        var depthRead = 0
        var level = m
        while case .message(let inner) = level.root.body { depthRead += 1; level = inner }
        let attachment = level.attachments.first?.size ?? 0
        let elapsed = clock.now - start
        let peak = BenchParse.peakRSSKiB() ?? 0
        let size = Double(message.count) / 1_048_576
        let peakMiB = Double(peak) / 1024
        print(String(format: "%.1f MB message nested %d deep (read %d levels, innermost attachment %.1f MB): %@",
                     Double(message.count) / 1e6, depth, depthRead, Double(attachment) / 1e6, format(duration: elapsed)))
        print(String(format: "  peak RSS %.1f MiB = %.2f x the message (%.1f MiB before reading: the input and the runtime); bound 3 x",
                     peakMiB, peakMiB / size, Double(before) / 1024))
    }

    // MARK: - Formatting

    static func format(ms: Double) -> String {
        if ms >= 1_000 { return String(format: "%.2f s", ms / 1_000) }
        if ms >= 1 { return String(format: "%.1f ms", ms) }
        return String(format: "%.1f µs", ms * 1_000)
    }

    static func format(duration d: Duration) -> String {
        format(ms: Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
