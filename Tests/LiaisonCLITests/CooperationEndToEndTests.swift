import Foundation
import LiaisonTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17: three `liaison serve` processes over one PostgreSQL database and one rig mailbox,
/// while 1,000 messages (800 of the benchmark generator's varied mail, 200 complaints) and the
/// complaints' 200 response reminders arrive; the leader is SIGKILLed twice and a standby once
/// (each restarted). Then every message is on file exactly once (rows counted, Message-IDs
/// compared), every reminder was enqueued once and its mail is in 王芳's mailbox exactly once
/// (by Message-ID), and leadership moved within 10 s of each kill of the leader — measured
/// from the instances' logs ("became leader" lines, millisecond timestamps) against the kill.
///
/// A kill lands when the victim holds no outbox claim: a sender killed between the SMTP
/// server's acceptance and its UPDATE sends that mail again once the lease ran out
/// (at-least-once, docs/architecture.md), which this test would count as a duplicate. Leases
/// taken over after a crash are covered by `PostgresCooperationTests`.
@Suite("Three serve instances over one PostgreSQL database", .serialized)
struct CooperationEndToEndTests {
    static var enabled: Bool { Rig.available || Rig.required }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The instance's role from its log: the last of "became leader" / "leadership lost" / "standby".
    static func leads(_ s: E2E.Serve) -> Bool {
        var leading = false
        for line in s.log.split(separator: "\n") {
            if line.contains("became leader") { leading = true }
            if line.contains("leadership lost") || line.contains("standby: another instance") { leading = false }
        }
        return leading
    }

    /// The log timestamps of "became leader" lines.
    static func leaderTimes(_ s: E2E.Serve) -> [Date] {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return s.logLines(containing: "became leader").compactMap { line in
            line.split(separator: " ").first.flatMap { f.date(from: String($0)) }
        }
    }

    /// The Message-ID header of a generated file (unfolded, as written).
    static func messageID(_ path: String) throws -> String? {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let text = String(data: data.prefix(64 * 1024), encoding: .isoLatin1) else { return nil }
        for line in text.components(separatedBy: "\r\n") {
            if line.isEmpty { break }
            if line.lowercased().hasPrefix("message-id:") {
                return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    @Test("1,000 messages and 200 reminders through three instances with SIGKILLs: each filed and sent once; leadership moves within 10 s",
          .enabled(if: enabled))
    func threeInstancesWithKills() throws {
        try Rig.require()
        guard let url = try PGTestServer.createDatabase(for: "three serve instances over one PostgreSQL database") else { return }
        defer { PGTestServer.dropDatabase(url) }
        let started = Date()
        let ws = try E2E.Workspace("e2e-coop")
        let folder = "Coop\(UUID().uuidString.prefix(8))"
        let tracking = "track+\(folder)@corp.example"
        let staff = [("王芳", "wang.fang@corp.example"), ("张伟", "zhang.wei@corp.example")]
        // No rate caps: 1,000 messages in a few minutes are the point here, not a flood.
        let limits = "[limits]\ncases_per_sender_hour = 0\ncases_per_sender_day = 0\ncases_per_owner_hour = 0\nnotices_per_owner_hour = 0\n"
        let config = try ws.writeConfig("liaison.toml", folder: folder, pollInterval: "2s", staff: staff, extra: limits)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "url = \"sqlite:\(ws.db)\"",
                                         with: "url = \"\(url)\"\nsslmode = \"disable\"\nmax_connections = 4\noutbox_lease = \"15s\"")
        try #require(text.contains(url))
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let wangFang = try ws.writeConfig("wang-fang.toml", user: "wang.fang@corp.example", staff: staff)
        let firstUID = try E2E.uidNext(config: wangFang)
        func sql(_ q: String) throws -> [[String?]] { try PGTestServer.query(url, q) }
        func count(_ q: String) throws -> Int {
            guard let v = try sql(q).first?.first ?? nil else { return -1 }
            return Int(v) ?? -1
        }

        // The mail: 800 generated (varied shapes, charsets, attachments, DSNs), 200 complaints.
        let gen = ws.dir.appendingPathComponent("gen")
        let g = try ChildProcess.runToFile(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", Self.root.appendingPathComponent("scripts/lib/gen_corpus.py").path, "--count", "800", "--out", gen.path, "--seed", "17",
        ])
        try #require(g.status == 0, "gen_corpus.py: \(g.stdoutText)")
        let generated = try FileManager.default.contentsOfDirectory(atPath: gen.path).filter { $0.hasSuffix(".eml") }.sorted()
            .map { gen.appendingPathComponent($0).path }
        try #require(generated.count == 800)
        let mail = GeneratedMail(dir: ws.dir)
        let clock = try E2E.FakeClock(startingAt: "2026-11-18T10:00:00+08:00")
        let t0 = clock.now()
        var expectedIDs: [String] = []
        for path in generated {
            let id = try #require(try Self.messageID(path), "no Message-ID in \(path)")
            expectedIDs.append(id)
        }
        // Delivered in five rounds of 160 generated and 40 complaints; each complaint reached our
        // MX (its Received stamp) a day less 20 s before its round, so its 24 h response reminder
        // falls due 20 s into the round, while later rounds arrive and instances are killed.
        var complaintNumber = 0
        func deliverRound(_ r: Int) throws {
            var files = Array(generated[(r * 160)..<((r + 1) * 160)])
            for _ in 0..<40 {
                complaintNumber += 1
                let m = try mail.complaint(complaintNumber, date: t0, receivedAt: Date().addingTimeInterval(-24 * 3600 + 20))
                expectedIDs.append(m.messageID)
                files.append(m.path)
            }
            for chunk in stride(from: 0, to: files.count, by: 50) {
                try Rig.deliver(tracking, Array(files[chunk..<min(chunk + 50, files.count)]))
            }
        }
        // The folder exists before serve starts (a missing one is a fault): the first round.
        try deliverRound(0)

        var serves: [E2E.Serve] = []
        var all: [E2E.Serve] = []
        defer { all.forEach { $0.ensureStopped() } }
        func start(_ name: String, notify: NotifySocket? = nil) throws -> E2E.Serve {
            let s = try E2E.Serve(config: config, now: clock.nowArgument(), logPath: ws.path("\(name).log"), notifySocket: notify?.address)
            all.append(s)
            return s
        }
        // The first three report to systemd's socket (a socket each): STATUS says who stands by.
        // Closed after that check: a socket nobody reads fills up, and sd_notify's send then blocks.
        var sockets: [NotifySocket]? = try (0..<3).map { _ in try NotifySocket() }
        for i in 0..<3 { serves.append(try start("serve-\(i)", notify: sockets![i])) }
        for s in serves { try s.waitReady() }
        func logs() -> String { all.map(\.logTail).joined(separator: "\n") }
        func stored() throws -> Int {
            try count("SELECT ((SELECT count(*) FROM correspondence) + (SELECT count(*) FROM held WHERE status = 'pending'))::text")
        }
        func leader() throws -> Int {
            var found: Int?
            try E2E.waitUntil("one leader among the instances", timeout: 15, detail: logs) {
                let leading = serves.indices.filter { Self.leads(serves[$0]) }
                if leading.count > 1 { throw E2E.Failure("two instances lead at once: \(leading). \(logs())") }
                found = leading.first
                return found != nil
            }
            return found!
        }
        /// SIGKILL instance `i` once it holds no outbox claim (see the type), restart it; the kill instant.
        var kills: [(at: Date, wasLeader: Bool, victims: Set<Int32>)] = []
        func kill(_ i: Int, restartAs name: String) throws {
            let victim = serves[i]
            let wasLeader = Self.leads(victim)
            try E2E.waitUntil("instance \(i) to hold no outbox claim", timeout: 20, every: 0.005, detail: logs) {
                try count("SELECT count(*)::text FROM outbox WHERE status = 'pending' AND claimed_by LIKE '%/\(victim.pid)/%'") == 0
            }
            let at = Date()
            let status = victim.stop(SIGKILL, timeout: 10)
            #expect(status == SIGKILL, "instance \(i) did not die of SIGKILL: \(String(describing: status))")
            kills.append((at: at, wasLeader: wasLeader, victims: [victim.pid]))
            serves[i] = try start(name)
            try serves[i].waitReady()
        }

        // 1. The first round filing; kill the leader mid-way.
        #expect(serves.filter { Self.leads($0) }.count <= 1)
        try E2E.waitUntil("100 messages stored", timeout: 90, every: 0.1, detail: logs) { try stored() >= 100 }
        let first = try leader()
        for (i, s) in serves.enumerated() where i != first {
            #expect(s.log.contains("standby: another instance polls this mailbox"), "\(s.logTail)")
            let status = sockets![i].receiveBlocking(for: 5) { $0.contains { $0.hasPrefix("STATUS=standby") } }
            #expect(status.contains { $0.hasPrefix("STATUS=standby") }, "instance \(i): \(status.suffix(3))")
        }
        // The leader (mid-way through its first pass: "not polled yet") never stood by.
        let leaderStatus = sockets![first].receiveBlocking(for: 2)
        #expect(leaderStatus.contains { $0.hasPrefix("STATUS=") } && !leaderStatus.contains { $0.hasPrefix("STATUS=standby") },
                "the leader: \(leaderStatus.suffix(3))")
        sockets = nil
        try kill(first, restartAs: "serve-\(first)-b")
        try deliverRound(1)
        try deliverRound(2)
        // 2. Mid-way through the third round: the leader and a standby killed.
        try E2E.waitUntil("500 messages stored", timeout: 120, every: 0.1, detail: logs) { try stored() >= 500 }
        let second = try leader()
        try kill(second, restartAs: "serve-\(second)-c")
        let standby = (second + 1) % 3
        try kill(standby, restartAs: "serve-\(standby)-c")
        try deliverRound(3)
        try deliverRound(4)

        // 3. Everything filed; every reminder fired and its mail delivered.
        try E2E.waitUntil("1,000 messages stored", timeout: 150, every: 0.5, detail: logs) { try stored() >= 1000 }
        try E2E.waitUntil("200 response reminders fired", timeout: 120, every: 0.5, detail: logs) {
            try count("SELECT count(*)::text FROM reminders WHERE kind = 'complaint-response' AND status = 'fired'") >= 200
        }
        let reminders = try sql("""
            SELECT r.id::text, c.number FROM reminders r JOIN cases c ON c.id = r.case_id WHERE r.kind = 'complaint-response' ORDER BY r.id
            """)
        var got: [E2E.Mail] = []
        func reminderMails() -> [String: Int] {
            var n: [String: Int] = [:]
            for m in got { if let id = m.messageID, id.contains(".complaint-response.") { n[id, default: 0] += 1 } }
            return n
        }
        try E2E.waitUntil("200 reminder mails in wang.fang's mailbox", timeout: 120, every: 1, detail: { "\(reminderMails().count) so far. \(logs())" }) {
            got = try E2E.mails(config: wangFang, from: firstUID, scratch: ws.dir)
            return reminderMails().count >= 200
        }
        // Let Postfix hand on anything still queued (a duplicate would arrive now), then read again.
        try Rig.mailrig(["drain", "30"])
        got = try E2E.mails(config: wangFang, from: firstUID, scratch: ws.dir)

        // Every message on file exactly once.
        #expect(try stored() == 1000)
        let filed = try sql("SELECT message_id FROM correspondence UNION ALL SELECT message_id FROM held WHERE status = 'pending'")
            .compactMap { $0.first ?? nil }
        #expect(filed.count == 1000)
        let twice = Dictionary(grouping: filed, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(twice == [], "filed twice")
        #expect(Set(filed) == Set(expectedIDs), "missing: \(Set(expectedIDs).subtracting(filed).sorted().prefix(5))")
        #expect(try count("SELECT count(DISTINCT content_hash)::text FROM correspondence") == count("SELECT count(*)::text FROM correspondence"))
        // Every reminder enqueued once, its mail in the mailbox once.
        #expect(reminders.count == 200)
        let enqueued = try sql("""
            SELECT o.reminder_id::text, count(*)::text, bool_and(o.status = 'sent')::text FROM outbox o
            JOIN reminders r ON r.id = o.reminder_id WHERE r.kind = 'complaint-response' GROUP BY o.reminder_id
            """)
        #expect(enqueued.count == 200)
        #expect(enqueued.filter { $0[1] != "1" || $0[2] != "true" }.isEmpty, "enqueued twice or not sent: \(enqueued.filter { $0[1] != "1" || $0[2] != "true" })")
        let mails = reminderMails()
        for r in reminders {
            guard let id = r[0], let number = r[1] else { continue }
            let matching = mails.filter { $0.key.hasPrefix("<liaison.\(number).") && $0.key.contains(".r\(id).") }
            #expect(matching.count == 1 && matching.first?.value == 1, "reminder \(id) on \(number): \(matching)")
        }
        #expect(mails.values.allSatisfy { $0 == 1 }, "a reminder mail arrived twice: \(mails.filter { $0.value > 1 })")

        // Leadership moved within 10 s of each kill of the leader, by the logs.
        try #require(kills.count == 3)
        #expect(kills.filter(\.wasLeader).count >= 2)
        var moves: [Double] = []
        for k in kills where k.wasLeader {
            let next = all.filter { !k.victims.contains($0.pid) }.flatMap { Self.leaderTimes($0) }.filter { $0 > k.at }.min()
            let moved = try #require(next, "no instance became leader after the kill at \(k.at). \(logs())").timeIntervalSince(k.at)
            moves.append(moved)
            #expect(moved < 10, "leadership took \(moved) s to move")
        }
        print("CooperationEndToEndTests: leadership moved in \(moves.map { String(format: "%.2f s", $0) }.joined(separator: ", ")); "
              + "\(filed.count) messages, \(reminders.count) reminder mails; \(Int(Date().timeIntervalSince(started))) s in all")
        for s in serves { #expect(s.stop(SIGTERM, timeout: 30) == 0, "\(s.logTail)") }
        // The mail (24 MB) goes; the logs and configuration stay for a look after a failure.
        try? FileManager.default.removeItem(at: gen)
        for path in (try? FileManager.default.contentsOfDirectory(atPath: ws.dir.path)) ?? [] where path.hasSuffix(".eml") {
            try? FileManager.default.removeItem(atPath: ws.path(path))
        }
    }
}
