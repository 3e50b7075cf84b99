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
        try pool.read { db in
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
            var cases: [ReportCase] = []
            var index: [Int64: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            // Columns by position (x.*, then first_out, then the details), not by name: 100,000 rows.
            while let r = try rows.next() {
                index[r[0]] = cases.count
                cases.append(ReportCase(
                    number: r[1], owner: r[2], category: CaseCategory(rawValue: r[3]), status: CaseStatus(rawValue: r[4]) ?? .open,
                    openedAt: Date(timeIntervalSince1970: r[5]), resolvedAt: Self.date(r[6]), organization: r[7],
                    firstMessageAt: Self.date(r[8]), firstSubject: details ? r[12] : nil,
                    firstInboundAt: Self.date(r[9]), firstResponseAt: Self.date(r[11]),
                    firstOutboundSender: details ? r[13] : nil,
                    lastOutboundAt: lastOutbound ? Self.date(r[lastColumn]) : nil))
            }
            guard !cases.isEmpty else { return [] }

            // Recaps and their items, in sending order.
            var recapOf: [Int64: (caseIndex: Int, recapIndex: Int)] = [:]
            let recaps = try Row.fetchCursor(db, sql: """
                SELECT id, case_id, author, sent_at, state, next_contact FROM recaps ORDER BY sent_at IS NULL, sent_at, id
                """)
            while let r = try recaps.next() {
                guard let i = index[r["case_id"]] else { continue }
                recapOf[r["id"]] = (i, cases[i].recaps.count)
                cases[i].recaps.append(ReportRecap(sentAt: Self.date(r["sent_at"]), author: r["author"], state: r["state"],
                                                   nextContact: Self.date(r["next_contact"])))
            }
            if !recapOf.isEmpty {
                let items = try Row.fetchCursor(db, sql: "SELECT recap_id, number, owner, task, due FROM action_items ORDER BY recap_id, seq")
                while let r = try items.next() {
                    guard let at = recapOf[r["recap_id"]] else { continue }
                    cases[at.caseIndex].recaps[at.recapIndex].items.append(
                        ReportItem(number: r["number"], owner: r["owner"], task: r["task"], due: Self.date(r["due"])))
                }
            }

            // Satisfaction follow-ups that went out, and the first inbound message after each.
            let follow = try Row.fetchCursor(db, sql: """
                SELECT r.case_id, r.done_at,
                       (SELECT MIN(c.date) FROM correspondence c INDEXED BY correspondence_case_flow
                          WHERE c.case_id = r.case_id AND c.direction = 'inbound'
                          AND c.kind = 'correspondence' AND c.date >= r.done_at) AS replied
                FROM reminders r WHERE r.kind = 'satisfaction' AND r.status = 'fired' AND r.done_at IS NOT NULL
                ORDER BY r.done_at
                """)
            while let r = try follow.next() {
                guard let caseID = r["case_id"] as Int64?, let i = index[caseID] else { continue }
                cases[i].satisfaction.append(SatisfactionFollowUp(sentAt: Date(timeIntervalSince1970: r["done_at"]),
                                                                  repliedAt: Self.date(r["replied"])))
            }

            if details {
                let contacts = try Row.fetchCursor(db, sql: "SELECT case_id, address FROM case_addresses WHERE role = 'contact' ORDER BY case_id, seq")
                while let r = try contacts.next() {
                    if let i = index[r["case_id"]] { cases[i].contacts.append(r["address"]) }
                }
            }
            return cases
        }
    }
}

