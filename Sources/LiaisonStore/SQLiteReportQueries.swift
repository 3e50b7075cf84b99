import Foundation
import GRDB
import LiaisonCore

/// Read-only queries behind `liaison report` and `liaison export` (issue 15): what each case of
/// a period looks like as `ReportCase` values, read in one read transaction (one consistent view)
/// with a handful of set queries rather than one query per case.
///
/// A message's time is its recorded `date` (the store records no separate arrival time on this
/// branch; when it does, the two `MIN(date)` below read it instead). Messages with no date are
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
                let items = try Row.fetchCursor(db, sql: "SELECT recap_id, number, owner, task, due FROM action_items ORDER BY recap_id, seq")
                while let r = try items.next() {
                    guard let at = recapAt[r["recap_id"]] else { continue }
                    recapsOf[at.caseID]![at.recapIndex].items.append(
                        ReportItem(number: r["number"], owner: r["owner"], task: r["task"], due: Self.date(r["due"])))
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

            // Every subquery reads the index correspondence_case_flow (case, direction, kind, date,
            // sender, subject), never a row of correspondence (a row read is a page of raw mail);
            // INDEXED BY because without statistics SQLite would pick correspondence_case and read
            // rows. The per-case times are computed once (MATERIALIZED), then used by the rest.
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
            // Columns by position (x.*, then first_out, then the details), not by name: 100,000 rows.
            while let r = try rows.next() {
                let id: Int64 = r[0]
                try each(ReportCase(
                    number: r[1], owner: r[2], category: CaseCategory(rawValue: r[3]), status: CaseStatus(rawValue: r[4]) ?? .open,
                    openedAt: Date(timeIntervalSince1970: r[5]), resolvedAt: Self.date(r[6]), organization: r[7],
                    contacts: contactsOf[id] ?? [],
                    firstMessageAt: Self.date(r[8]), firstSubject: details ? r[12] : nil,
                    firstInboundAt: Self.date(r[9]), firstResponseAt: Self.date(r[11]),
                    firstOutboundSender: details ? r[13] : nil,
                    lastOutboundAt: lastOutbound ? Self.date(r[lastColumn]) : nil,
                    recaps: recapsOf[id] ?? [], satisfaction: satisfactionOf[id] ?? []))
            }
        }
    }
}

