import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore

/// What containment (issue 11) costs per message: N generated mails (~2–3 KB, a third opening
/// cases, the rest replies) filed into two fresh SQLite stores, each message once through
/// `IngestPipeline.ingest` (checkpoint only) and once through `ContainedIngest` (the in-progress
/// mark committed first, reading on a thread of its own under the budget, the mark cleared with
/// the filing), interleaved so that load on the machine falls on both alike. Prints the median,
/// p99 and mean of each and their ratio. Build with `-c release` for meaningful numbers.
struct BenchContain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-contain", abstract: "Benchmark the cost of containment per message (SQLite).")
    @Option(help: "Messages to file through each path.") var messages = 2_000

    func run() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-contain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plainStore = try SQLiteStore(path: dir.appendingPathComponent("plain.db").path)
        let containedStore = try SQLiteStore(path: dir.appendingPathComponent("contained.db").path)
        let org = BenchStore.org
        let plain = IngestPipeline(organization: org, store: plainStore)
        let contained = ContainedIngest(pipeline: IngestPipeline(organization: org, store: containedStore),
                                        worker: ReadingWorker(onStuck: { _ in }))
        let clock = ContinuousClock()
        var a: [Double] = [], b: [Double] = []
        let cases = max(1, messages / 3)
        for i in 0..<messages {
            let k = i % cases
            let raw = BenchStore.raw(i, caseIndex: k, subject: i < cases ? "询价 #\(k)" : "Re: 询价 #\(k)",
                                     from: "buyer\(k)@client\(k).example", inReplyTo: i < cases ? nil : "<bench.\(k)@client.example>")
            let cp = { (key: String) in MailboxCheckpoint(mailbox: key, uidValidity: 1, lastUID: UInt32(i + 1)) }
            let marker = ProcessingMarker.uid(mailbox: "bench", uidValidity: 1, uid: UInt32(i + 1))
            // Alternate which goes first, so neither always meets a warm cache.
            let runs: [() throws -> Void] = [
                { let t = clock.now; _ = try plain.ingest(raw, checkpoint: cp("bench"), now: BenchStore.base)
                  a.append(Self.ms(clock.now - t)) },
                { let t = clock.now; _ = try contained.ingest(raw, marker: marker, checkpoint: cp("bench"), now: BenchStore.base)
                  b.append(Self.ms(clock.now - t)) },
            ]
            for r in (i % 2 == 0 ? runs : runs.reversed()) { try r() }
        }
        func line(_ name: String, _ v: [Double]) -> String {
            let s = v.sorted()
            return String(format: "%-34@ median %.3f ms  p99 %.3f ms  mean %.3f ms", name as NSString,
                          s[s.count / 2], s[min(s.count - 1, s.count * 99 / 100)], v.reduce(0, +) / Double(v.count))
        }
        print("containment cost per message, \(messages) messages each, SQLite in \(dir.path)")
        print(line("IngestPipeline.ingest (plain)", a))
        print(line("ContainedIngest.ingest", b))
        let ma = a.sorted()[a.count / 2], mb = b.sorted()[b.count / 2]
        print(String(format: "ratio contained/plain: median %.2f×, mean %.2f×; +%.3f ms per message (median)",
                     mb / ma, (b.reduce(0, +) / Double(b.count)) / (a.reduce(0, +) / Double(a.count)), mb - ma))
        let counts = (try plainStore.counts(), try containedStore.counts())
        guard counts.0.correspondence == counts.1.correspondence, counts.0.held == counts.1.held else {
            throw ValidationError("the two paths filed differently: \(counts.0) vs \(counts.1)")
        }
    }

    static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
    }
}
