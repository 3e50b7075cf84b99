import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import LiaisonStores

/// What the benchmark needs of a store: SQLite or PostgreSQL.
protocol BenchStoreBackend: FilingStore, CaseLookup {
    func file(batch: [Filing], now: Date) throws -> [FilingOutcome]
    func counts() throws -> (correspondence: Int, cases: Int, held: Int)
}
extension SQLiteStore: BenchStoreBackend {}
extension PostgresStore: BenchStoreBackend {}

/// One benchmark message matched by `CaseMatcher` through the filing transaction's own view
/// (as the daemon's `MessageFiling` does) and filed with no follow-up; `decided` keeps the
/// decision of the last attempt for the figures by rule. (PostgreSQL: a plan without follow-ups
/// has its lookups read ahead and read again inside the transaction that files —
/// `PostgresFilingView`, docs/architecture.md "Read-ahead filing".)
struct MatchedFiling: FilingPlan {
    final class Decided { var decision: FilingDecision? }
    let matcher: CaseMatcher
    let input: MatchInput
    let message: IncomingMessage
    let now: Date
    let checkpoint: MailboxCheckpoint
    let decided = Decided()
    /// The daemon's shape (`--follow-up`): a follow-up that writes one case event on the filed
    /// case, as `MessageFiling`'s follow-ups write events, reminders and cancellations by case
    /// number (`PostgresStore.write`: the case's id, then the row) — a plan that follows up.
    var followUpEvent = false

    func filing(_ view: any FilingView) throws -> Filing {
        let decision = try matcher.decide(input, lookup: view, now: now)
        decided.decision = decision
        return Filing(message: message, decision: decision, checkpoint: checkpoint)
    }
    func followUp(_ context: FiledContext) throws -> FollowUp {
        guard followUpEvent else { return FollowUp() }
        return FollowUp(events: [CaseEvent(caseNumber: context.filedCase.number, at: now, kind: .recapFiled,
                                           detail: "bench follow-up \(message.messageID ?? "")")])
    }
    func summary(_ context: HeldContext) throws -> FollowUp { FollowUp() }
    var followsUp: Bool { followUpEvent }
}

/// The scale benchmark of issue 4: with N filed messages on N/10 cases in SQLite (default
/// 1,000,000 / 100,000), matching (`CaseMatcher.decide` against the store) and filing (one
/// transaction) one more message is timed 2,000 times — replies by In-Reply-To, by thread
/// subject only, and new matters — and the database size is compared with the raw mail size.
/// Matching happens inside the filing transaction (`MatchedFiling`), as in the daemon.
/// Build with `swift build -c release --product liaison-bench` for meaningful numbers.
/// (`liaison-bench bench-store`.)
struct BenchStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store", abstract: "Benchmark matching and filing at scale (SQLite, or PostgreSQL with --postgres).")
    @Option(help: "Messages on file before measuring (cases = messages / 10).") var messages = 1_000_000
    @Option(help: "The database file (default: a new temporary file); an existing one is topped up.") var db: String?
    @Option(help: "A PostgreSQL database instead (postgres://USER@HOST:PORT/DB, topped up like --db; TLS off for a loopback host, else verify-full; password from $LIAISON_BENCH_PG_PASSWORD).")
    var postgres: String?
    @Flag(help: "PostgreSQL: populate through the filing path (a dozen statements a message) instead of the bulk load.")
    var throughFiling = false
    @Flag(help: "Also time the daemon's shape: 2,000 more filings, interleaved four by four with the others, whose plan follows up with one case event (as MessageFiling's follow-ups write), printed apart.")
    var followUp = false

    static let org = Organization(name: "示例", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                                  authservID: "mx.corp.example")
    static let base = Date(timeIntervalSince1970: 1_794_791_553)

    /// A plausible mail of ~2–3 KB: trace and routing headers, a Chinese body in base64.
    static func raw(_ i: Int, caseIndex k: Int, subject: String, from: String, inReplyTo: String?) -> [UInt8] {
        var body = "您好，关于第\(k)号事项（第\(i)封）：\n"
        for line in 0..<12 { body += "第\(line + 1)条：请于本周五前确认交期、数量与质量要求，序号 \(i &* 2654435761 % 1000003)。\n" }
        let b64 = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        var h = "Received: from mx\(i % 7).client.example (mx.client.example [203.0.113.\(i % 250)])\r\n\tby mx.corp.example with ESMTPS id \(i)\r\n"
        h += "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=client.example\r\n"
        h += "From: =?utf-8?B?5YiY5rSL?= <\(from)>\r\nTo: sales@corp.example\r\nCc: track@corp.example\r\n"
        h += "Subject: \(subject)\r\nDate: Mon, 16 Nov 2026 09:12:33 +0800\r\nMessage-ID: <bench.\(i)@client.example>\r\n"
        if let inReplyTo { h += "In-Reply-To: \(inReplyTo)\r\nReferences: \(inReplyTo)\r\n" }
        h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        return Array((h + b64 + "\r\n").utf8)
    }

    /// `body` between dropping and remaking the secondary indexes when bulk loading PostgreSQL.
    static func populating(_ bulk: PostgresStore?, _ body: () throws -> Void) throws {
        if let bulk { try bulk.withSecondaryIndexesDropped(body) } else { try body() }
    }

    func run() async throws {
        let total = messages
        let caseCount = max(1, total / 10)
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-\(UUID().uuidString).db").path
        let store: any BenchStoreBackend
        if let postgres {
            guard var location = try PostgresLocation.parse(url: postgres) else { throw ValidationError("--postgres: not a postgres:// URL") }
            location.tls = location.isLoopback ? .disable : .verifyFull
            location.password = ProcessInfo.processInfo.environment["LIAISON_BENCH_PG_PASSWORD"]
            let pg = try PostgresStore(location)
            store = pg
            print("bench: PostgreSQL \(postgres)")
            // The server's settings that bear on the figures (a production server differs).
            let settings = try ["server_version", "shared_buffers", "effective_cache_size", "work_mem", "fsync", "synchronous_commit",
                                "plan_cache_mode"].map { "\($0)=\(try pg.setting($0))" }
            print("bench: server \(settings.joined(separator: " "))")
        } else {
            store = try SQLiteStore(path: path)
        }
        let existing = try store.counts().correspondence
        // Raw size of a reused database is estimated from the first message's size.
        var rawBytes = existing * Self.raw(0, caseIndex: 0, subject: "询价 #0", from: "buyer0@client0.example", inReplyTo: nil).count
        let clock = ContinuousClock()
        // Populate in large transactions (an import, not the measured path). PostgreSQL: the
        // rows the filing path writes, by multi-row INSERTs (`PostgresStore.load`), with the
        // filing tables' secondary indexes made again after it and the tables ANALYZEd.
        if existing < total {
            let start = clock.now
            let bulk = (store as? PostgresStore).flatMap { throughFiling ? nil : $0 }
            if bulk != nil { print("bench: PostgreSQL bulk load (secondary indexes dropped, made again after, ANALYZE)") }
            try Self.populating(bulk) {
            var i = existing
            while i < total {
                let end = min(total, i + 20_000)
                var filings: [Filing] = []
                var added = 0
                for j in i..<end {
                    let k = j % caseCount
                    let party = "buyer\(k % 5_000)@client\(k).example"
                    let subject = "询价 #\(k)"
                    let raw = Self.raw(j, caseIndex: k, subject: j < caseCount ? subject : "Re: " + subject, from: party,
                                       inReplyTo: j < caseCount ? nil : "<bench.\(k)@client.example>")
                    added += raw.count
                    let decision: FilingDecision = j < caseCount
                        ? .open(NewCase(numberTemplate: "EC20261116-{seq:6}", isInternal: false,
                                        counterparty: Counterparty(organization: "client\(k).example", contacts: [party]),
                                        owner: "sales@corp.example", category: "request", openedAt: Self.base))
                        : .existing(caseNumber: CaseNumbering.render(template: "EC20261116-{seq:6}", seq: k + 1), rule: .reference)
                    filings.append(Filing(message: IncomingMessage(
                        messageID: "<bench.\(j)@client.example>", date: Self.base.addingTimeInterval(Double(j)), subject: subject,
                        threadSubject: subject, sender: party, kind: .correspondence, direction: .inbound,
                        references: j < caseCount ? [] : ["<bench.\(k)@client.example>"], addresses: [party], raw: raw),
                        decision: decision))
                }
                if let bulk { try bulk.load(batch: filings, now: Self.base) } else { _ = try store.file(batch: filings, now: Self.base) }
                rawBytes += added
                i = end
                if i % 100_000 == 0 { print("bench: \(i) messages filed, \(clock.now - start)") }
            }
            }
            print("bench: populated \(total) messages / \(caseCount) cases in \(clock.now - start)")
        }

        let loadBefore = BenchReport.loadAverage()
        let matcher = CaseMatcher(organization: Self.org)
        var timings: [Duration] = []
        var rules: [String: Int] = [:]
        var byRule: [String: [Duration]] = [:]
        var followed: [Duration] = []
        var followedByRule: [String: [Duration]] = [:]
        var rng = SystemRandomNumberGenerator()
        let onFile = try store.counts().correspondence
        for n in 0..<(followUp ? 4_000 : 2_000) {
            // With --follow-up, blocks of four (one of each mode) alternate between the shapes.
            let following = followUp && (n / 4) % 2 == 1
            let j = 1_000_000_000 + onFile + n
            let k = Int.random(in: 0..<caseCount, using: &rng)
            let party = "buyer\(k % 5_000)@client\(k).example"
            let subject = "询价 #\(k)"
            let mode = n % 4  // 0,1: In-Reply-To; 2: thread subject only; 3: a new matter
            let raw = Self.raw(j, caseIndex: k, subject: mode == 3 ? "新询价 \(j)" : "Re: " + subject,
                               from: mode == 3 ? "new\(j)@fresh.example" : party,
                               inReplyTo: mode < 2 ? "<bench.\(k)@client.example>" : nil)
            // Parsing and classifying are the mail layer's cost, timed apart.
            rawBytes += raw.count
            let message = MessageParser.parse(raw)
            let facts = MessageFacts(message: message, organization: Self.org)
            let t0 = clock.now
            let input = MatchInput(facts: facts, date: Self.base.addingTimeInterval(Double(total)))
            let incoming = IncomingMessage(messageID: facts.messageID, date: input.date, subject: facts.subject,
                                           threadSubject: facts.threadSubject, sender: facts.from?.address, kind: facts.kind,
                                           direction: .inbound, references: facts.references,
                                           addresses: matcher.counterpartyAddresses(input), raw: raw)
            // Matched inside the filing transaction, as the daemon files (`MessageFiling`).
            var plan = MatchedFiling(matcher: matcher, input: input, message: incoming, now: Self.base,
                                     checkpoint: MailboxCheckpoint(mailbox: "INBOX", uidValidity: 1, lastUID: UInt32(n + 1)))
            plan.followUpEvent = following
            let outcome = try store.file(plan, now: Self.base)
            let took = clock.now - t0
            guard let decision = plan.decided.decision else { throw ValidationError("the plan was not asked where the message goes") }
            let rule: String
            switch decision {
            case .existing(_, let r): rule = r.rawValue
            case .open: rule = "new case"
            case .hold(let reason, _): rule = "held: " + reason.rawValue
            }
            if following {
                followed.append(took)
                followedByRule[rule, default: []].append(took)
            } else {
                timings.append(took)
                rules[rule, default: 0] += 1
                byRule[rule, default: []].append(took)
            }
            if case .duplicate = outcome { FileHandle.standardError.write(Data("benchmark message \(j) was a duplicate\n".utf8)) }
        }
        timings.sort()
        let ms = { (d: Duration) in Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let median = ms(timings[timings.count / 2]), p99 = ms(timings[timings.count * 99 / 100])
        var dbBytes = 0
        if let pg = store as? PostgresStore {
            dbBytes = try pg.databaseBytes()
        } else if let sqlite = store as? SQLiteStore {
            try sqlite.checkpointWAL()
            for suffix in ["", "-wal"] {
                dbBytes += (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0
            }
        }
        print("bench: \(total) messages, \(caseCount) cases; match+file one more: median \(String(format: "%.3f", median)) ms, p99 \(String(format: "%.3f", p99)) ms; rules \(rules)")
        for (rule, list) in byRule.sorted(by: { $0.key < $1.key }) {
            let sorted = list.sorted()
            print("bench:   \(rule): \(sorted.count) filings, median \(String(format: "%.3f", ms(sorted[sorted.count / 2]))) ms, p99 \(String(format: "%.3f", ms(sorted[sorted.count * 99 / 100]))) ms")
        }
        if !followed.isEmpty {
            followed.sort()
            print("bench: the daemon's shape (a follow-up writing one case event), \(followed.count) filings interleaved with the above: match+file+follow-up median \(String(format: "%.3f", ms(followed[followed.count / 2]))) ms, p99 \(String(format: "%.3f", ms(followed[followed.count * 99 / 100]))) ms")
            for (rule, list) in followedByRule.sorted(by: { $0.key < $1.key }) {
                let sorted = list.sorted()
                print("bench:   \(rule) + follow-up: \(sorted.count) filings, median \(String(format: "%.3f", ms(sorted[sorted.count / 2]))) ms, p99 \(String(format: "%.3f", ms(sorted[sorted.count * 99 / 100]))) ms")
            }
        }
        print("bench: load average (1, 5, 15 min) before measuring \(loadBefore), after \(BenchReport.loadAverage()) (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print("bench: database \(dbBytes / 1_048_576) MiB for \(rawBytes / 1_048_576) MiB of raw mail (\(String(format: "%.2f", Double(dbBytes) / Double(max(rawBytes, 1))))×)")
        if postgres != nil {
        } else if db == nil {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        } else {
            print("bench: database file \(path)")
        }
    }
}
