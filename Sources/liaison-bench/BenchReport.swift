import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonXLSX

/// The scale benchmark of issue 15: with N filed messages on N/10 cases in SQLite (default
/// 1,000,000 / 100,000: per case a customer's message, then staff replies and customer replies
/// alternating an hour or so apart; a recap with three items on every tenth case; three cases in
/// ten resolved), times `report` (the store query and the figures, as JSON) and `export` (the
/// query with the table's details, then XLSX and CSV) over the whole month. Goal: under 2 s each.
/// Build with `swift build -c release --product liaison-bench` for meaningful numbers.
struct BenchReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-report", abstract: "Benchmark report and export at scale (SQLite).")
    @Option(help: "Messages on file (cases = messages / 10).") var messages = 1_000_000
    @Option(help: "The database file (default: a new temporary file); an existing one is reused as it is.") var db: String?
    @Option(help: "Timed runs of each.") var runs = 3
    @Flag(help: "Leave out the backup of the store (issue 18) after the runs.") var skipBackup = false

    static let base = Date(timeIntervalSince1970: 1_793_462_400)  // 2026-11-01T00:00:00+08:00

    func run() async throws {
        let caseCount = max(1, messages / 10)
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-report-\(UUID().uuidString).db").path
        let store = try SQLiteStore(path: path)
        let clock = ContinuousClock()
        let month = 30 * 86_400.0
        func opened(_ k: Int) -> Date { Self.base.addingTimeInterval(month * Double(k) / Double(caseCount)) }
        if try store.counts().correspondence == 0 {
            let start = clock.now
            var j = 0
            while j < messages {
                let end = min(messages, j + 20_000)
                var filings: [Filing] = []
                for i in j..<end {
                    let k = i % caseCount, n = i / caseCount
                    let party = "buyer\(k % 5_000)@client\(k).example"
                    let subject = k % 4 == 0 ? "投诉:第\(k)批设备无法开机" : "询价 #\(k)"
                    let outbound = n % 2 == 1
                    let sender = outbound ? "sales\(k % 20)@corp.example" : party
                    let raw = BenchStore.raw(i, caseIndex: k, subject: n == 0 ? subject : "Re: " + subject, from: sender,
                                             inReplyTo: n == 0 ? nil : "<bench.\(k)@client.example>")
                    let at = opened(k).addingTimeInterval(Double(n) * 3_600 * Double(1 + k % 40))
                    let decision: FilingDecision = n == 0
                        ? .open(NewCase(numberTemplate: "EC202611-{seq:6}", isInternal: false,
                                        counterparty: Counterparty(organization: "client\(k).example", contacts: [party]),
                                        owner: "sales\(k % 20)@corp.example", category: k % 4 == 0 ? "complaint" : "request",
                                        openedAt: opened(k)))
                        : .existing(caseNumber: CaseNumbering.render(template: "EC202611-{seq:6}", seq: k + 1), rule: .reference)
                    filings.append(Filing(message: IncomingMessage(
                        messageID: "<bench.\(i)@client.example>", date: at, subject: subject, threadSubject: subject,
                        sender: sender, kind: .correspondence, direction: outbound ? .outbound : .inbound,
                        references: n == 0 ? [] : ["<bench.\(k)@client.example>"], addresses: [party],
                        contacts: outbound ? [] : [party], raw: raw), decision: decision))
                }
                _ = try store.file(batch: filings, now: filings.last?.message.date ?? Date())
                j = end
                if j % 200_000 == 0 { print("bench: \(j) messages filed, \(clock.now - start)") }
            }
            // A recap on every tenth case, three cases in ten resolved.
            for k in stride(from: 0, to: caseCount, by: 10) {
                let number = CaseNumbering.render(template: "EC202611-{seq:6}", seq: k + 1)
                let sent = opened(k).addingTimeInterval(7_200)
                let raw = Array("From: sales@corp.example\r\nSubject: [\(number)] 沟通纪要\r\nMessage-ID: <recap.\(k)@corp.example>\r\n\r\n纪要\r\n".utf8)
                let items = (1...3).map {
                    ActionItemRecord(number: $0, owner: "王芳", department: nil, ownerAddress: nil, task: "第\($0)项：更换设备并回访",
                                     due: sent.addingTimeInterval(Double($0) * 86_400), dueNote: nil)
                }
                _ = try store.file(DecidedFiling(Filing(message: IncomingMessage(
                    messageID: "<recap.\(k)@corp.example>", date: sent, subject: "[\(number)] 沟通纪要", threadSubject: "沟通纪要",
                    sender: "sales\(k % 20)@corp.example", kind: .recap, direction: .outbound, raw: raw),
                    decision: .existing(caseNumber: number, rule: .caseTag))) { _ in
                    FollowUp(recap: NewRecap(messageID: "<recap.\(k)@corp.example>", author: "sales\(k % 20)@corp.example",
                                             counterparty: [], sentAt: sent, windowCloses: sent.addingTimeInterval(36_000), windowNote: nil,
                                             nextContact: sent.addingTimeInterval(3 * 86_400), nextContactNote: nil, items: items))
                }, now: sent)
            }
            // Resolved in batches of 1,000 (one transaction each), a day or so after the batch's last case opened.
            let resolved = (0..<caseCount).filter { $0 % 10 < 3 }
            for chunk in stride(from: 0, to: resolved.count, by: 1_000) {
                let ks = resolved[chunk..<min(resolved.count, chunk + 1_000)]
                try store.update(now: opened(ks.last!).addingTimeInterval(Double(1 + chunk / 1_000 % 5) * 86_400)) { _ in
                    FollowUp(statusChanges: ks.map { (caseNumber: CaseNumbering.render(template: "EC202611-{seq:6}", seq: $0 + 1), status: .resolved) })
                }
            }
            print("bench: populated \(messages) messages / \(caseCount) cases in \(clock.now - start)")
        }
        let tz = TimeZone(identifier: "Asia/Shanghai")!
        let from = Self.base, to = Self.base.addingTimeInterval(month)
        let fmt = { (d: Duration) in String(format: "%.3f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
        let names = ["sales0@corp.example": "张伟"]
        let maker = FollowUpTable.RowMaker(names: names, timeZone: tz, asOf: to)
        func read(_ how: Read, details: Bool, _ each: (ReportCase) throws -> Void) throws {
            try Self.read(store, how, from: from, to: to, details: details, each)
        }
        var times: [String: [Duration]] = [:]
        var summary = "", sizes = "", sizes3 = "", sizes6 = ""
        print("bench: load average before the runs: \(Self.loadAverage())")
        for run in 0..<max(1, runs) {
            // Interleaved: the peer first in even runs, second in odd ones.
            for how in run % 2 == 0 ? Read.allCases : Read.allCases.reversed() {
                // `report`: the store's read, the figures, the JSON.
                let t0 = clock.now
                var cases: [ReportCase] = []
                try read(how, details: false) { cases.append($0) }
                let report = Report.make(cases, fromLabel: "2026-11-01", toLabel: "2026-11-30", from: from, to: to, asOf: to)
                let json = try report.json()
                times["report, \(how.rawValue)", default: []].append(clock.now - t0)
                let f = report.overall
                summary = "\(cases.count) cases, \(report.owners.count) owners; opened \(f.casesOpened), resolved \(f.casesResolved), "
                    + "first response \(f.firstResponse.within24h)/\(f.firstResponse.total) within 24 h, recaps \(f.recaps.pending) pending, "
                    + "items \(f.items.doneOnTime)+\(f.items.doneLate)+\(f.items.overdue)+\(f.items.open); JSON \(json.utf8.count) bytes"

                // XLSX as `liaison export` writes it: the store's read on one thread, the workbook on this one.
                // With the one pass, also at libxlsxwriter's own deflate level (6), the peer of level 3.
                var xlsx: [UInt8] = []
                let levels = how == .subqueries ? [3] : run % 2 == 0 ? [6, 3] : [3, 6]
                for level in levels {
                    FollowUpXLSX.deflateLevel = level
                    let t1 = clock.now
                    xlsx = try FollowUpXLSX.render(timeZone: tz) { emit in
                        try Self.read(store, how, from: from, to: to, details: true) { c in
                            let (row, items) = maker.row(c)
                            try emit(row, items)
                        }
                    }
                    let key = level == 3 ? "export --format xlsx, \(how.rawValue)" : "export --format xlsx, \(how.rawValue), peer (deflate level 6)"
                    times[key, default: []].append(clock.now - t1)
                    if how == .onePass {
                        if level == 6 { sizes6 = "level 6: \(xlsx.count / 1024) KiB" } else { sizes3 = "XLSX \(xlsx.count / 1024) KiB" }
                    }
                }
                FollowUpXLSX.deflateLevel = 3

                // CSV as `liaison export` writes it: each row's text added as the read reaches its case.
                let t2 = clock.now
                var csv = FollowUpCSV.Writer(timeZone: tz)
                try read(how, details: true) { c in csv.add(maker.row(c).0) }
                times["export --format csv, \(how.rawValue)", default: []].append(clock.now - t2)
                if how == .onePass { sizes = "\(sizes3) (\(sizes6)), CSV \(csv.bytes.count / 1024) KiB" }
            }
        }
        // Where the time goes, one step after the other: the read and the table in memory, then
        // each writer alone.
        let t1 = clock.now
        let detailed = try store.reportCases(from: from, to: to, owner: nil, details: true)
        let table = FollowUpTable.make(detailed, names: names, timeZone: tz, asOf: to)
        let t2 = clock.now
        _ = try FollowUpXLSX.render(table, timeZone: tz)
        let t3 = clock.now
        _ = FollowUpCSV.render(table, timeZone: tz)
        let t4 = clock.now
        print("bench: \(summary)")
        for what in ["report", "export --format xlsx", "export --format csv"] {
            for how in Read.allCases + (what == "export --format xlsx" ? [nil] : []) {
                let key = how.map { "\(what), \($0.rawValue)" } ?? "\(what), one pass, peer (deflate level 6)"
                print("bench: \(key) over \(messages) messages: \(times[key, default: []].map(fmt).joined(separator: ", ")) (goal < 2 s)")
            }
        }
        print("bench: \(sizes), \(table.rows.count) rows, \(table.items.count) items; one step after the other: read (one pass) and table "
              + "\(fmt(t2 - t1)), XLSX alone \(fmt(t3 - t2)), CSV text alone \(fmt(t4 - t3))")
        print("bench: load average after the runs: \(Self.loadAverage())")
        if !skipBackup { try Self.benchBackup(store, path: path, fmt: fmt) }
        if db == nil {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    /// The store's read as `liaison report`/`export` make it today (one ordered pass,
    /// `reportCases`), or the peer: the correlated subqueries it replaced (`reportCasesBySubqueries`).
    enum Read: String, CaseIterable { case subqueries = "peer (subqueries)", onePass = "one pass" }

    static func read(_ store: SQLiteStore, _ how: Read, from: Date, to: Date, details: Bool, _ each: (ReportCase) throws -> Void) throws {
        switch how {
        case .onePass: try store.reportCases(from: from, to: to, owner: nil, details: details, lastOutbound: false, each: each)
        case .subqueries: try store.reportCasesBySubqueries(from: from, to: to, owner: nil, details: details, lastOutbound: false, each: each)
        }
    }

    /// The machine's load average (1, 5, 15 minutes), as /proc/loadavg gives it.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// `liaison backup` of this store (issue 18): the online backup from one read snapshot, then
    /// its verification, beside a plain copy of the checkpointed file (the peer: what `cp` costs,
    /// which is no consistent backup while the service writes).
    static func benchBackup(_ store: SQLiteStore, path: String, fmt: (Duration) -> String) throws {
        let clock = ContinuousClock()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.checkpointWAL()
        let size = { (p: String) in ((try? FileManager.default.attributesOfItem(atPath: p)[.size]) as? NSNumber)?.intValue ?? 0 }
        let t0 = clock.now
        try FileManager.default.copyItem(atPath: path, toPath: dir.appendingPathComponent("copy.db").path)
        let copy = clock.now - t0
        let t1 = clock.now
        let check = try store.backup(to: dir.appendingPathComponent("backup.db").path)
        let backup = clock.now - t1
        let t2 = clock.now
        _ = try SQLiteStore.verify(path: dir.appendingPathComponent("backup.db").path)
        let verify = clock.now - t2
        let ratio = (Double(backup.components.seconds) + Double(backup.components.attoseconds) / 1e18)
            / max(1e-9, Double(copy.components.seconds) + Double(copy.components.attoseconds) / 1e18)
        print("bench: backup of \(check.messages) messages / \(check.cases) cases: \(fmt(backup)) (with its verify; verify alone \(fmt(verify))), "
              + "\(size(dir.appendingPathComponent("backup.db").path) / 1_048_576) MiB from a \(size(path) / 1_048_576) MiB store; "
              + "plain copy (cp) \(fmt(copy)): ratio \(String(format: "%.2f", ratio))")
    }
}
