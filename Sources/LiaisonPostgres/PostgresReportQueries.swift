import Foundation
import LiaisonCore
import LiaisonStore

/// `liaison report` / `export` over PostgreSQL: the same queries as `SQLiteReportQueries.swift`
/// (one snapshot, set queries), case numbers ordered bytewise (`COLLATE "C"`, as SQLite does)
/// whatever the database's collation.
extension PostgresStore {
    public func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool) throws -> [ReportCase] {
        try snapshot { s in
            var sql = """
                WITH x AS MATERIALIZED (
                  SELECT cases.id, cases.number, cases.owner, cases.category, cases.status, cases.opened_at,
                         cases.resolved_at, cases.organization,
                         COALESCE((SELECT MIN(c.date) FROM correspondence c WHERE c.case_id = cases.id AND c.kind = 'correspondence'),
                                  (SELECT MIN(c.date) FROM correspondence c WHERE c.case_id = cases.id)) AS first_at,
                         (SELECT MIN(c.date) FROM correspondence c WHERE c.case_id = cases.id AND c.direction = 'inbound'
                            AND c.kind = 'correspondence') AS first_in,
                         (SELECT MIN(c.date) FROM correspondence c WHERE c.case_id = cases.id AND c.direction = 'outbound') AS first_out_any
                  FROM cases WHERE cases.opened_at < ? AND (cases.resolved_at IS NULL OR cases.resolved_at >= ?)
                """
            var args: [PGArg] = [to.timeIntervalSince1970, from.timeIntervalSince1970]
            if let owner { sql += " AND cases.owner = ?"; args.append(owner.lowercased()) }
            sql += """
                )
                SELECT x.*,
                  (SELECT MIN(c.date) FROM correspondence c WHERE c.case_id = x.id AND c.direction = 'outbound' AND c.date >= x.first_in) AS first_out
                """
            if details {
                sql += """
                    ,
                      (SELECT c.thread_subject FROM correspondence c WHERE c.case_id = x.id AND c.date = x.first_at
                       ORDER BY c.kind <> 'correspondence', c.direction COLLATE "C" LIMIT 1) AS first_subject,
                      (SELECT c.sender FROM correspondence c WHERE c.case_id = x.id AND c.direction = 'outbound' AND c.date = x.first_out_any
                       LIMIT 1) AS first_sender
                    """
            }
            if lastOutbound {
                sql += ",\n  (SELECT MAX(c.date) FROM correspondence c WHERE c.case_id = x.id AND c.direction = 'outbound') AS last_out"
            }
            sql += "\nFROM x ORDER BY x.number COLLATE \"C\""
            let lastColumn = details ? 14 : 12
            var cases: [ReportCase] = []
            var index: [Int64: Int] = [:]
            for r in try s.rows(sql, args) {
                let id: Int64 = try r[0]
                index[id] = cases.count
                let firstSubject: String? = try details ? r[12] : nil
                let firstSender: String? = try details ? r[13] : nil
                let lastOut: Double? = try lastOutbound ? r[lastColumn] : nil
                cases.append(ReportCase(
                    number: try r[1], owner: try r[2], category: CaseCategory(rawValue: try r[3]),
                    status: CaseStatus(rawValue: try r[4]) ?? .open,
                    openedAt: Self.instant(try r[5]), resolvedAt: Self.date(try r[6]), organization: try r[7],
                    firstMessageAt: Self.date(try r[8]), firstSubject: firstSubject,
                    firstInboundAt: Self.date(try r[9]), firstResponseAt: Self.date(try r[11]),
                    firstOutboundSender: firstSender, lastOutboundAt: Self.date(lastOut)))
            }
            guard !cases.isEmpty else { return [] }

            var recapOf: [Int64: (caseIndex: Int, recapIndex: Int)] = [:]
            for r in try s.rows("SELECT id, case_id, author, sent_at, state, next_contact FROM recaps ORDER BY sent_at IS NULL, sent_at, id") {
                let caseID: Int64 = try r["case_id"], id: Int64 = try r["id"]
                guard let i = index[caseID] else { continue }
                recapOf[id] = (i, cases[i].recaps.count)
                cases[i].recaps.append(ReportRecap(sentAt: Self.date(try r["sent_at"]), author: try r["author"], state: try r["state"],
                                                   nextContact: Self.date(try r["next_contact"])))
            }
            if !recapOf.isEmpty {
                for r in try s.rows("SELECT recap_id, number, owner, task, due, status, done_at FROM action_items ORDER BY recap_id, seq") {
                    let recapID: Int64 = try r["recap_id"]
                    guard let at = recapOf[recapID] else { continue }
                    cases[at.caseIndex].recaps[at.recapIndex].items.append(
                        ReportItem(number: try r["number"], owner: try r["owner"], task: try r["task"], due: Self.date(try r["due"]),
                                   recorded: RecordedItemState.of(status: try r["status"], doneAt: Self.date(try r["done_at"]))))
                }
            }

            for r in try s.rows("""
                SELECT r.case_id, r.done_at,
                       (SELECT MIN(c.date) FROM correspondence c
                          WHERE c.case_id = r.case_id AND c.direction = 'inbound'
                          AND c.kind = 'correspondence' AND c.date >= r.done_at) AS replied
                FROM reminders r WHERE r.kind = 'satisfaction' AND r.status = 'fired' AND r.done_at IS NOT NULL
                ORDER BY r.done_at
                """) {
                guard let caseID = try r["case_id"] as Int64?, let i = index[caseID] else { continue }
                cases[i].satisfaction.append(SatisfactionFollowUp(sentAt: Self.instant(try r["done_at"]), repliedAt: Self.date(try r["replied"])))
            }

            if details {
                for r in try s.rows("SELECT case_id, address FROM case_addresses WHERE role = 'contact' ORDER BY case_id, seq") {
                    let caseID: Int64 = try r["case_id"]
                    if let i = index[caseID] { cases[i].contacts.append(try r["address"]) }
                }
            }
            return cases
        }
    }
}
