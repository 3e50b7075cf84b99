import Foundation
import GRDB
import LiaisonCore

/// Read-only queries behind `liaison report` and `liaison export` (issue 15): what each case of
/// a period looks like as `ReportCase` values, read in one read transaction (one consistent view)
/// with a handful of set queries rather than one query per case.
///
/// A message's time is its recorded `date` (the store records no separate arrival time on this
/// branch; when it does, `FlowAccumulator` reads it instead). Messages with no date are
/// left out of the first-response figures.
extension SQLiteStore {
    /// The cases alive in [from, to): opened before `to` and not resolved before `from`, of
    /// `owner` when given, in case-number order. `details` also reads what only the follow-up
    /// table shows (first subject, contacts, first outbound sender); `lastOutbound` the latest
    /// outbound message of each case (the weekly check's quiet cases).
    public func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool) throws -> [ReportCase] {
        var cases: [ReportCase] = []
        try reportCases(from: from, to: to, owner: owner, details: details, lastOutbound: lastOutbound) { cases.append($0) }
        return cases
    }

    /// The same cases, each handed to `each` complete as the main query's cursor reaches it, in
    /// case-number order, all from one read transaction (`liaison export` writes each row while
    /// the next is read). The small per-case lists (recaps and their items, satisfaction
    /// follow-ups, contacts) are read first, only for the period's cases; then the one cursor
    /// over the cases.
    public func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                            each: (ReportCase) throws -> Void) throws {
        try pool.read { db in
            let lists = try Self.reportLists(db, from: from, to: to, owner: owner, details: details)
            try Self.reportFlow(db, from: from, to: to, owner: owner, details: details, lastOutbound: lastOutbound, lists: lists, each: each)
        }
    }

    /// What `reportCases` hands over besides the case's own columns and times: each case's recaps
    /// with their items, satisfaction follow-ups and (with `details`) contacts, by case id.
    struct ReportLists {
        var recaps: [Int64: [ReportRecap]] = [:]
        var satisfaction: [Int64: [SatisfactionFollowUp]] = [:]
        var contacts: [Int64: [String]] = [:]

        func fill(_ c: inout ReportCase, id: Int64) {
            c.recaps = recaps[id] ?? []
            c.satisfaction = satisfaction[id] ?? []
            c.contacts = contacts[id] ?? []
        }
    }

    /// The small per-case lists, read first and only for the period's cases.
    static func reportLists(_ db: Database, from: Date, to: Date, owner: String?, details: Bool) throws -> ReportLists {
        // The period's cases (the same condition as the main query), for the lists below.
        var inPeriod = "SELECT id FROM cases WHERE opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)"
        var periodArgs: [(any DatabaseValueConvertible)?] = [to.timeIntervalSince1970, from.timeIntervalSince1970]
        if let owner { inPeriod += " AND owner = ?"; periodArgs.append(owner.lowercased()) }

        // Recaps and their items, in sending order.
        var recapsOf: [Int64: [ReportRecap]] = [:]
        var recapAt: [Int64: (caseID: Int64, recapIndex: Int)] = [:]
        let recaps = try Row.fetchCursor(db, sql: """
            SELECT id, case_id, author, sent_at, state, next_contact FROM recaps WHERE case_id IN (\(inPeriod))
            ORDER BY sent_at IS NULL, sent_at, id
            """, arguments: StatementArguments(periodArgs))
        while let r = try recaps.next() {
            let caseID: Int64 = r["case_id"]
            recapAt[r["id"]] = (caseID, recapsOf[caseID, default: []].count)
            recapsOf[caseID, default: []].append(ReportRecap(sentAt: Self.date(r["sent_at"]), author: r["author"], state: r["state"],
                                                             nextContact: Self.date(r["next_contact"])))
        }
        if !recapAt.isEmpty {
            let items = try Row.fetchCursor(db, sql: "SELECT recap_id, number, owner, task, due, status, done_at FROM action_items ORDER BY recap_id, seq")
            while let r = try items.next() {
                guard let at = recapAt[r["recap_id"]] else { continue }
                recapsOf[at.caseID]![at.recapIndex].items.append(
                    ReportItem(number: r["number"], owner: r["owner"], task: r["task"], due: Self.date(r["due"]),
                               recorded: RecordedItemState.of(status: r["status"], doneAt: Self.date(r["done_at"]))))
            }
        }

        // Satisfaction follow-ups that went out, and the first inbound message after each.
        var satisfactionOf: [Int64: [SatisfactionFollowUp]] = [:]
        let follow = try Row.fetchCursor(db, sql: """
            SELECT r.case_id, r.done_at,
                   (SELECT MIN(c.date) FROM correspondence c INDEXED BY correspondence_case_flow
                      WHERE c.case_id = r.case_id AND c.direction = 'inbound'
                      AND c.kind = 'correspondence' AND c.date >= r.done_at) AS replied
            FROM reminders r WHERE r.kind = 'satisfaction' AND r.status = 'fired' AND r.done_at IS NOT NULL
              AND r.case_id IN (\(inPeriod))
            ORDER BY r.done_at
            """, arguments: StatementArguments(periodArgs))
        while let r = try follow.next() {
            guard let caseID = r["case_id"] as Int64? else { continue }
            satisfactionOf[caseID, default: []].append(SatisfactionFollowUp(sentAt: Date(timeIntervalSince1970: r["done_at"]),
                                                                            repliedAt: Self.date(r["replied"])))
        }

        var contactsOf: [Int64: [String]] = [:]
        if details {
            let contacts = try Row.fetchCursor(db, sql: """
                SELECT case_id, address FROM case_addresses WHERE role = 'contact' AND case_id IN (\(inPeriod)) ORDER BY case_id, seq
                """, arguments: StatementArguments(periodArgs))
            while let r = try contacts.next() { contactsOf[r["case_id"], default: []].append(r["address"]) }
        }
        return ReportLists(recaps: recapsOf, satisfaction: satisfactionOf, contacts: contactsOf)
    }

    /// The cases with their times, in one ordered pass (see `reportCases`).
    static func reportFlow(_ db: Database, from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                           lists: ReportLists, each: (ReportCase) throws -> Void) throws {
        // The per-case times in ONE ordered pass, streamed: the period's cases in case-number
        // order (the UNIQUE index on `number`), each followed by its entries of the index
        // correspondence_case_flow (case, direction, kind, date, sender, subject) in that
        // index's own order, never a row of correspondence (a row read is a page of raw mail).
        // Nothing is sorted or materialised (ReportFlowTests checks the plan), so the
        // first case's row is handed over when its last entry was read, and `liaison export`
        // writes it while the next is read. `FlowAccumulator` computes from the entries what
        // the store's earlier correlated subqueries computed (the first message, the first
        // inbound, the first response, the first and last outbound, with their ties) — INDEXED
        // BY because without statistics SQLite would pick correspondence_case and read rows.
        var sql = Self.reportFlowSQL
        var args: [(any DatabaseValueConvertible)?] = [to.timeIntervalSince1970, from.timeIntervalSince1970]
        if let owner { sql += " AND cases.owner = ?"; args.append(owner.lowercased()) }
        sql += Self.reportFlowOrder
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        var current: (id: Int64, c: ReportCase)?
        var flow = FlowAccumulator()
        func handOver() throws {
            guard var c = current?.c else { return }
            flow.fill(&c, details: details, lastOutbound: lastOutbound)
            try each(c)
        }
        // Columns by position, not by name: 1,000,000 rows.
        while let r = try rows.next() {
            let id: Int64 = r[0]
            if id != current?.id {
                try handOver()
                var c = ReportCase(
                    number: r[1], owner: r[2], category: CaseCategory(rawValue: r[3]), status: CaseStatus(rawValue: r[4]) ?? .open,
                    openedAt: Date(timeIntervalSince1970: r[5]), resolvedAt: Self.date(r[6]), organization: r[7])
                lists.fill(&c, id: id)
                current = (id, c)
                flow = FlowAccumulator()
            }
            // No correspondence (the LEFT JOIN's empty side), or an undated message: MIN and
            // MAX skip it, and so does the first subject's `date = first_at`.
            guard let date = r[11] as Double? else { continue }
            flow.add(inbound: (r[8] as Int64) != 0, outbound: (r[9] as Int64) != 0, correspondence: (r[10] as Int64) != 0,
                     date: date, details: details, sender: { r[12] }, subject: { r[13] })
        }
        try handOver()
    }

    /// The same cases read as before the one pass (until 3 Dec 2026): each case's times by
    /// correlated subqueries on correspondence_case_flow — five probes per case in a MATERIALIZED
    /// CTE, which SQLite computes for every case before it returns the first, then three more per
    /// case. Kept as `liaison-bench bench-report`'s peer and as the tests' reference
    /// (ReportFlowTests); nothing else calls it.
    public func reportCasesBySubqueries(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                                        each: (ReportCase) throws -> Void) throws {
        try pool.read { db in
            let lists = try Self.reportLists(db, from: from, to: to, owner: owner, details: details)
            let flow = "correspondence c INDEXED BY correspondence_case_flow"
            var sql = """
                WITH x AS MATERIALIZED (
                  SELECT cases.id, cases.number, cases.owner, cases.category, cases.status, cases.opened_at,
                         cases.resolved_at, cases.organization,
                         COALESCE((SELECT MIN(c.date) FROM \(flow) WHERE c.case_id = cases.id AND c.kind = 'correspondence'),
                                  (SELECT MIN(c.date) FROM \(flow) WHERE c.case_id = cases.id)) AS first_at,
                         (SELECT MIN(c.date) FROM \(flow) WHERE c.case_id = cases.id AND c.direction = 'inbound'
                            AND c.kind = 'correspondence') AS first_in,
                         (SELECT MIN(c.date) FROM \(flow) WHERE c.case_id = cases.id AND c.direction = 'outbound') AS first_out_any
                  FROM cases WHERE cases.opened_at < ? AND (cases.resolved_at IS NULL OR cases.resolved_at >= ?)
                """
            var args: [(any DatabaseValueConvertible)?] = [to.timeIntervalSince1970, from.timeIntervalSince1970]
            if let owner { sql += " AND cases.owner = ?"; args.append(owner.lowercased()) }
            sql += """
                )
                SELECT x.*,
                  (SELECT MIN(c.date) FROM \(flow) WHERE c.case_id = x.id AND c.direction = 'outbound' AND c.date >= x.first_in) AS first_out
                """
            if details {
                sql += """
                    ,
                      (SELECT c.thread_subject FROM \(flow) WHERE c.case_id = x.id AND c.date = x.first_at
                       ORDER BY c.kind <> 'correspondence', c.direction LIMIT 1) AS first_subject,
                      (SELECT c.sender FROM \(flow) WHERE c.case_id = x.id AND c.direction = 'outbound' AND c.date = x.first_out_any
                       LIMIT 1) AS first_sender
                    """
            }
            if lastOutbound {
                sql += ",\n  (SELECT MAX(c.date) FROM \(flow) WHERE c.case_id = x.id AND c.direction = 'outbound') AS last_out"
            }
            sql += "\nFROM x ORDER BY x.number"
            let lastColumn = details ? 14 : 12
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            while let r = try rows.next() {
                let id: Int64 = r[0]
                var c = ReportCase(
                    number: r[1], owner: r[2], category: CaseCategory(rawValue: r[3]), status: CaseStatus(rawValue: r[4]) ?? .open,
                    openedAt: Date(timeIntervalSince1970: r[5]), resolvedAt: Self.date(r[6]), organization: r[7],
                    firstMessageAt: Self.date(r[8]), firstSubject: details ? r[12] : nil,
                    firstInboundAt: Self.date(r[9]), firstResponseAt: Self.date(r[11]),
                    firstOutboundSender: details ? r[13] : nil, lastOutboundAt: lastOutbound ? Self.date(r[lastColumn]) : nil)
                lists.fill(&c, id: id)
                try each(c)
            }
        }
    }

    /// The one pass's query, up to the owner condition; `reportFlowOrder` ends it. The first two
    /// arguments are the period's end and start.
    static let reportFlowSQL = """
        SELECT cases.id, cases.number, cases.owner, cases.category, cases.status, cases.opened_at, cases.resolved_at,
               cases.organization, c.direction = 'inbound', c.direction = 'outbound', c.kind = 'correspondence',
               c.date, c.sender, c.thread_subject
        FROM cases INDEXED BY sqlite_autoindex_cases_1
        LEFT JOIN correspondence c INDEXED BY correspondence_case_flow ON c.case_id = cases.id
        WHERE cases.opened_at < ? AND (cases.resolved_at IS NULL OR cases.resolved_at >= ?)
        """
    static let reportFlowOrder = "\nORDER BY cases.number, c.direction, c.kind, c.date, c.sender, c.thread_subject"
}

/// One case's entries of correspondence_case_flow, in the index's order (direction, kind, date,
/// sender, subject; undated entries left out), reduced to what the report reads — the same values
/// the correlated subqueries gave:
/// - first message: the earliest correspondence, or the earliest entry of any kind when there is
///   none; its subject is the first entry at that instant in the order (kind ≠ correspondence,
///   direction, then index order) — here the first in index order, since the candidates are
///   correspondence entries (or, without any, all entries), which the index orders by direction;
/// - first inbound: the earliest inbound correspondence;
/// - first response: the earliest outbound entry at or after the first inbound (every inbound entry
///   comes before every outbound one in the index, so the first inbound is known by then);
/// - first outbound and its sender (the first in index order at that instant), last outbound.
struct FlowAccumulator {
    var firstCorrespondence: Double?, firstCorrespondenceSubject: String?
    var firstAny: Double?, firstAnySubject: String?
    var firstInbound: Double?
    var firstResponse: Double?
    var firstOutbound: Double?, firstOutboundSender: String?
    var lastOutbound: Double?

    /// One entry; `sender` and `subject` are read only when the entry becomes a candidate (and
    /// `details` asks for them).
    mutating func add(inbound: Bool, outbound: Bool, correspondence: Bool, date: Double, details: Bool,
                      sender: () -> String?, subject: () -> String?) {
        if firstAny == nil || date < firstAny! {
            firstAny = date
            if details { firstAnySubject = subject() }
        }
        if correspondence, firstCorrespondence == nil || date < firstCorrespondence! {
            firstCorrespondence = date
            if details { firstCorrespondenceSubject = subject() }
        }
        if inbound && correspondence, firstInbound == nil || date < firstInbound! { firstInbound = date }
        if outbound {
            if firstOutbound == nil || date < firstOutbound! {
                firstOutbound = date
                if details { firstOutboundSender = sender() }
            }
            if let i = firstInbound, date >= i, firstResponse == nil || date < firstResponse! { firstResponse = date }
            if lastOutbound == nil || date > lastOutbound! { lastOutbound = date }
        }
    }

    func fill(_ c: inout ReportCase, details: Bool, lastOutbound wantLast: Bool) {
        let first = firstCorrespondence ?? firstAny
        c.firstMessageAt = first.map { Date(timeIntervalSince1970: $0) }
        c.firstInboundAt = firstInbound.map { Date(timeIntervalSince1970: $0) }
        c.firstResponseAt = firstResponse.map { Date(timeIntervalSince1970: $0) }
        if details {
            c.firstSubject = firstCorrespondence != nil ? firstCorrespondenceSubject : firstAnySubject
            c.firstOutboundSender = firstOutboundSender
        }
        if wantLast { c.lastOutboundAt = lastOutbound.map { Date(timeIntervalSince1970: $0) } }
    }
}
