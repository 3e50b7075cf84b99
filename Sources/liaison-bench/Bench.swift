import ArgumentParser
import Foundation
import LiaisonMail

/// `liaison-bench bench …`: measurements of Liaison's own code on local files.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Liaison's own code on local files.",
        subcommands: [BenchParse.self, BenchParseDump.self, BenchGrammars.self])
}

/// `liaison-bench bench parse DIR [--repeat N] [--json]`: MessageParser throughput on a folder of messages.
///
/// Files are streamed: one is read, parsed and dropped before the next, so peak memory does not
/// grow with the number of messages. Only the parse is timed (the sum of per-message durations,
/// ContinuousClock); the wall time of the whole run, reading included, is printed beside it.
/// "Parsed fully" means MessageParser.parse plus reading the text, the attachments, From/To/Cc and
/// the date of the result.
struct BenchParse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse every file of a folder and print messages/s, MB/s, issues and peak memory.")

    @Argument(help: "A folder of messages (one per file; hidden files and sub-folders skipped).")
    var dir: String
    @Option(help: "Passes over the folder (each file is read again on each pass).")
    var `repeat`: Int = 1
    @Flag(help: "One JSON object on stdout instead of the text report.")
    var json = false

    func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() async throws {
        let files = try Self.listFiles(dir)
        guard !files.isEmpty else { throw BenchError("no file in \(dir)") }

        let clock = ContinuousClock()
        let wallStart = clock.now
        var parseTime = Duration.zero
        var messages = 0, bytes = 0, withIssues = 0, withLimitIssues = 0, unreadable = 0
        var checksum = 0   // what was read from each result, printed so that no work can be skipped
        for pass in 0..<`repeat` {
            for path in files {
                guard let data = FileManager.default.contents(atPath: path) else {
                    if pass == 0 { unreadable += 1 }
                    continue
                }
                let raw = [UInt8](data)
                let start = clock.now
                let message = MessageParser.parse(raw)
                checksum &+= Self.touch(message)
                parseTime += clock.now - start
                messages += 1
                bytes += raw.count
                if pass == 0 {
                    if !message.issues.isEmpty { withIssues += 1 }
                    if message.issues.contains(where: \.isLimit) { withLimitIssues += 1 }
                }
            }
        }
        let wall = clock.now - wallStart
        let report = Report(
            files: files.count, passes: `repeat`, messages: messages, bytes: bytes,
            parseSeconds: parseTime.seconds, wallSeconds: wall.seconds,
            messagesPerSecond: Double(messages) / max(parseTime.seconds, 1e-9),
            megabytesPerSecond: Double(bytes) / 1e6 / max(parseTime.seconds, 1e-9),
            messagesWithIssues: withIssues, messagesWithLimitIssues: withLimitIssues,
            unreadableFiles: unreadable, peakRSSKiB: Self.peakRSSKiB(), checksum: checksum)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }

    struct Report: Codable {
        var files, passes, messages, bytes: Int
        var parseSeconds, wallSeconds, messagesPerSecond, megabytesPerSecond: Double
        var messagesWithIssues, messagesWithLimitIssues, unreadableFiles: Int
        var peakRSSKiB: Int?
        var checksum: Int

        var text: String {
            func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
            return """
                files            \(files) (\(passes) pass\(passes == 1 ? "" : "es"), \(messages) parses, \(f(Double(bytes) / 1e6, 2)) MB)
                parse time       \(f(parseSeconds, 3)) s (sum of per-message parses)
                wall time        \(f(wallSeconds, 3)) s (reading files included)
                messages/s       \(f(messagesPerSecond))
                MB/s             \(f(megabytesPerSecond, 2)) (1 MB = 10^6 bytes)
                with issues      \(messagesWithIssues) of \(files) (limit issues: \(messagesWithLimitIssues))\
                \(unreadableFiles > 0 ? "\nunreadable       \(unreadableFiles)" : "")
                peak RSS         \(peakRSSKiB.map { "\(f(Double($0) / 1024)) MiB (VmHWM)" } ?? "unknown")
                """
        }
    }

    /// Regular, non-hidden files directly in `dir`, sorted.
    static func listFiles(_ dir: String) throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw BenchError("not a folder: \(dir)")
        }
        return try fm.contentsOfDirectory(atPath: dir).sorted().compactMap { name in
            guard !name.hasPrefix(".") else { return nil }
            let path = (dir as NSString).appendingPathComponent(name)
            var sub: ObjCBool = false
            return fm.fileExists(atPath: path, isDirectory: &sub) && !sub.boolValue ? path : nil
        }
    }

    /// Reads what a consumer of the parse reads: text, attachments, addresses, date.
    static func touch(_ m: Message) -> Int {
        var n = m.text.utf8.count
        for a in m.attachments { n &+= a.size &+ (a.filename?.utf8.count ?? 0) }
        for a in m.from + m.to + m.cc { n &+= a.address.utf8.count &+ (a.name?.utf8.count ?? 0) }
        if let d = m.date { n &+= Int(d.date.timeIntervalSince1970) &+ d.offsetSeconds }
        return n
    }

    /// Peak resident set size of this process (Linux: VmHWM in /proc/self/status), in KiB.
    static func peakRSSKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // "VmHWM:\t   51234 kB"
            return line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
                .flatMap { Int($0) }
        }
        return nil
    }
}

struct BenchError: Error, LocalizedError, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
