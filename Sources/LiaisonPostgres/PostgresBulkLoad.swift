import Foundation
import LiaisonCore
import LiaisonStore

/// Filling a PostgreSQL store fast for benchmarks (`liaison-bench bench-store --postgres`): the
/// rows the filing path (`fileOne`) writes for new messages with known decisions — cases and
/// their numbers, contact and thread addresses with their order (`seq`), correspondence,
/// Message-IDs, references — written with large multi-row INSERTs, one transaction per batch,
/// instead of a dozen statements a message. Not a role of the store; nothing in the daemon uses it.
///
/// What it does not do (and refuses): holds, rate gates, accepted holds, checkpoints, markers,
/// follow-ups. It does not look for earlier filings of the same message: a message whose content
/// is on file already fails the batch on the unique content-hash index; the store must have no
/// pending holds (the filing path would mark a matching one filed).
extension PostgresStore {
    /// Files `batch` (decisions `.open` and `.existing` only) in one transaction.
    public func load(batch: [Filing], now: Date) throws {
        guard !batch.isEmpty else { return }
        for f in batch {
            guard f.accepting == nil, f.rateGate == nil, f.checkpoint == nil, f.marker == nil else {
                throw StoreError(.invalid, "the bulk load files plain decisions only (no accepted hold, rate gate, checkpoint or marker)")
            }
            if case .hold = f.decision { throw StoreError(.invalid, "the bulk load does not hold messages") }
        }
        try transaction { s in try Self.load(s, batch, now: now) }
    }

    /// Runs `body` with the secondary indexes of the filing tables dropped (not the primary keys
    /// or unique indexes, which filing relies on), then makes them again from their definitions
    /// as read from the catalogue (so, as the migrations made them) — also when `body` throws —
    /// and ANALYZEs the tables.
    public func withSecondaryIndexesDropped<T>(_ body: () throws -> T) throws -> T {
        let tables = ["cases", "case_addresses", "correspondence", "message_ids", "message_references"]
        let indexes: [(name: String, definition: String)] = try transaction { s in
            let found = try s.rows("""
                SELECT ic.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition
                FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(?)
                  AND NOT i.indisunique AND NOT i.indisprimary
                ORDER BY ic.relname
                """, [tables]).map { (name: try $0["name"] as String, definition: try $0["definition"] as String) }
            for index in found { try s.execute("DROP INDEX \(PostgresImport.quoted(index.name))") }
            return found
        }
        func restore() throws {
            try pool.withSession { s in
                try s.execute("SET maintenance_work_mem = '256MB'")
                for index in indexes { try s.execute(index.definition) }
                try s.execute("RESET maintenance_work_mem")
                try s.execute("ANALYZE " + tables.joined(separator: ", "))
            }
        }
        let result: T
        do { result = try body() } catch {
            try? restore()
            throw error
        }
        try restore()
        return result
    }

    static func load(_ s: PGSession, _ batch: [Filing], now: Date) throws {
        if try s.value("SELECT EXISTS (SELECT 1 FROM held WHERE status = 'pending')", as: Bool.self) == true {
            throw StoreError(.refused, "the bulk load needs a store without pending holds")
        }
        // Cases: numbers from each template's counter, taken for the whole batch at once.
        var numberOf: [Int: String] = [:]  // batch index → number of the case it opens
        var opened: [(number: String, new: NewCase)] = []
        var byTemplate: [String: [Int]] = [:]
        var templates: [String] = []
        for (i, f) in batch.enumerated() {
            if case .open(let new) = f.decision {
                if byTemplate[new.numberTemplate] == nil { templates.append(new.numberTemplate) }
                byTemplate[new.numberTemplate, default: []].append(i)
            }
        }
        for template in templates {
            let members = byTemplate[template]!
            let last: Int = try s.value("""
                INSERT INTO case_counters (template, last) VALUES (?, ?)
                ON CONFLICT (template) DO UPDATE SET last = case_counters.last + EXCLUDED.last RETURNING last
                """, [template, members.count]) ?? members.count
            for (k, i) in members.enumerated() {
                numberOf[i] = CaseNumbering.render(template: template, seq: last - members.count + 1 + k)
            }
        }
        for (i, f) in batch.enumerated() {
            if case .open(let new) = f.decision { opened.append((numberOf[i]!, new)) }
        }
        var caseID: [String: Int64] = [:]
        for chunk in chunks(opened, columns: 6) {
            var args: [PGArg] = []
            for (number, c) in chunk {
                args += [number, c.isInternal, c.counterparty.organization, c.owner?.lowercased(), c.category.rawValue,
                         c.openedAt.timeIntervalSince1970]
            }
            for r in try s.rows("""
                INSERT INTO cases (number, internal, organization, owner, category, status, opened_at)
                VALUES \(tuples(chunk.count, "?, ?, ?, ?, ?, 'open', ?")) RETURNING id, number
                """, args) {
                caseID[try r["number"] as String] = try r["id"]
            }
        }
        var wanted = Set<String>()
        for f in batch {
            if case .existing(let number, _) = f.decision, caseID[number] == nil { wanted.insert(number) }
        }
        if !wanted.isEmpty {
            for r in try s.rows("SELECT id, number FROM cases WHERE number = ANY(?)", [Array(wanted)]) {
                caseID[try r["number"] as String] = try r["id"]
            }
        }
        let targets: [Int64] = try batch.enumerated().map { i, f in
            let number: String
            switch f.decision {
            case .open: number = numberOf[i]!
            case .existing(let n, _): number = n
            case .hold: throw StoreError(.invalid, "the bulk load does not hold messages")
            }
            guard let id = caseID[number] else { throw StoreError(.notFound, "no case \(number)") }
            return id
        }

        // Correspondence rows; their ids by content hash.
        var correspondenceID: [String: Int64] = [:]
        for chunk in chunks(Array(zip(batch, targets)), columns: 11, rows: 1_000) {
            var args: [PGArg] = []
            for (f, target) in chunk {
                let m = f.message
                args += [target, m.messageID, m.contentHash, m.direction.rawValue, m.kind.rawValue, m.date?.timeIntervalSince1970,
                         m.subject, m.threadSubject, m.sender, Data(m.raw), now.timeIntervalSince1970]
            }
            for r in try s.rows("""
                INSERT INTO correspondence (case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, sender, raw, filed_at)
                VALUES \(tuples(chunk.count, "?::bigint, ?, ?, ?, ?, ?::double precision, ?, ?, ?, ?::bytea, ?::double precision")) RETURNING id, content_hash
                """, args) {
                correspondenceID[try r["content_hash"] as String] = try r["id"]
            }
        }

        // Message-IDs (the first filing of an id keeps it) and references.
        var ids: [(String, Int64)] = []
        var refs: [(Int64, String)] = []
        for (f, target) in zip(batch, targets) {
            let m = f.message
            for mid in [m.messageID].compactMap({ $0 }) + m.alsoKnownAs { ids.append((mid, target)) }
            guard let cid = correspondenceID[m.contentHash] else { throw StoreError(.invalid, "message \(m.contentHash) was not inserted") }
            var seen = Set<String>()
            for ref in m.references where seen.insert(ref).inserted { refs.append((cid, ref)) }
        }
        for chunk in chunks(ids, columns: 2) {
            try s.execute("INSERT INTO message_ids (message_id, case_id) VALUES \(tuples(chunk.count, "?, ?::bigint")) ON CONFLICT DO NOTHING",
                          chunk.flatMap { [$0.0, $0.1] as [PGArg] })
        }
        // To/Cc of each message (`message_recipients`, as the filing statement writes them).
        var recipients: [(String, Int64, Int64)] = []
        for (f, target) in zip(batch, targets) {
            guard let cid = correspondenceID[f.message.contentHash] else { continue }
            for a in f.message.recipients { recipients.append((a, target, cid)) }
        }
        for chunk in chunks(recipients, columns: 3) {
            try s.execute("INSERT INTO message_recipients (address, case_id, correspondence_id) VALUES \(tuples(chunk.count, "?, ?::bigint, ?::bigint")) ON CONFLICT DO NOTHING",
                          chunk.flatMap { [$0.0, $0.1, $0.2] as [PGArg] })
        }
        for chunk in chunks(refs, columns: 2) {
            try s.execute("""
                INSERT INTO message_references (correspondence_id, referenced_id) VALUES \(tuples(chunk.count, "?::bigint, ?")) ON CONFLICT DO NOTHING
                """, chunk.flatMap { [$0.0, $0.1] as [PGArg] })
        }

        // Addresses, numbered as `insertCorrespondence` numbers them: each message's addresses
        // after the case's highest seq of the role (`base + n` for the n-th address given), an
        // address the case has already skipped (its place kept).
        struct RoleKey: Hashable { var caseID: Int64; var role: String }
        var top: [RoleKey: Int] = [:]
        var known: [RoleKey: Set<String>] = [:]
        for r in try s.rows("SELECT case_id, role, address, seq FROM case_addresses WHERE case_id = ANY(?)", [Array(Set(targets))]) {
            let key = RoleKey(caseID: try r["case_id"], role: try r["role"])
            top[key] = max(top[key] ?? 0, Int(try r["seq"] as Int32))
            known[key, default: []].insert(try r["address"] as String)
        }
        var addresses: [(String, Int64, String, Int32)] = []
        func add(_ list: [String], _ target: Int64, _ role: String) {
            let key = RoleKey(caseID: target, role: role)
            let base = top[key] ?? 0
            for (n, a) in list.map({ $0.lowercased() }).enumerated() where known[key, default: []].insert(a).inserted {
                addresses.append((a, target, role, Int32(base + n + 1)))
                top[key] = max(top[key] ?? 0, base + n + 1)
            }
        }
        for (f, target) in zip(batch, targets) {
            if case .open(let new) = f.decision {
                add(new.counterparty.contacts, target, "contact")
                add(new.counterparty.contacts, target, "thread")
            }
            add(f.message.addresses, target, "thread")
            add(f.message.contacts, target, "contact")
        }
        for chunk in chunks(addresses, columns: 4) {
            try s.execute("""
                INSERT INTO case_addresses (address, case_id, role, seq) VALUES \(tuples(chunk.count, "?, ?::bigint, ?, ?::integer")) ON CONFLICT DO NOTHING
                """, chunk.flatMap { [$0.0, $0.1, $0.2, $0.3] as [PGArg] })
        }
    }

    /// `count` tuples of `shape` for a multi-row VALUES.
    private static func tuples(_ count: Int, _ shape: String) -> String {
        Array(repeating: "(" + shape + ")", count: count).joined(separator: ", ")
    }

    /// Pieces of `items` small enough for one statement (at most 30,000 parameters).
    private static func chunks<T>(_ items: [T], columns: Int, rows: Int = 30_000) -> [ArraySlice<T>] {
        let size = max(1, min(rows, 30_000 / columns))
        return stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
