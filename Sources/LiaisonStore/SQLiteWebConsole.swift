import Foundation
import GRDB
import LiaisonCore

/// The web console's tables (`v8-web`) and queries on SQLite.
extension SQLiteStore: WebConsoleStore {
    /// Used links and ended or expired sessions are kept a day (for the log's sake), the sign-in
    /// log 90 days.
    static let webKeep: TimeInterval = 86_400
    static let webLogKeep: TimeInterval = 90 * 86_400

    public func recordSignIn(_ e: SignInEvent) throws {
        try transaction { db in
            try db.cachedStatement(sql: "INSERT INTO web_signin_events (at, address, client, outcome, detail) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [e.at.timeIntervalSince1970, e.address, e.client, e.outcome.rawValue, e.detail])
        }
    }

    public func signInAttempts(address: String?, client: String?, since: Date) throws -> Int {
        try snapshot { db in
            var sql = "SELECT count(*) FROM web_signin_events WHERE at >= ? AND outcome IN ('link-sent', 'refused-outsider')"
            var args: [(any DatabaseValueConvertible)?] = [since.timeIntervalSince1970]
            if let address { sql += " AND address = ?"; args.append(address.lowercased()) }
            if let client { sql += " AND client = ?"; args.append(client) }
            return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(args)) ?? 0
        }
    }

    public func createSignInLink(_ link: NewSignInLink, mail: OutgoingMail, now: Date) throws {
        try transaction { db in
            let t = now.timeIntervalSince1970
            try db.execute(sql: "DELETE FROM web_signin_links WHERE expires_at < ?", arguments: [t - Self.webKeep])
            try db.execute(sql: "DELETE FROM web_sessions WHERE expires_at < ?", arguments: [t - Self.webKeep])
            try db.execute(sql: "DELETE FROM web_signin_events WHERE at < ?", arguments: [t - Self.webLogKeep])
            try db.cachedStatement(sql: """
                INSERT INTO web_signin_links (token_hash, address, browser_hash, created_at, expires_at, used_at)
                VALUES (?, ?, ?, ?, ?, NULL)
                """).execute(arguments: [link.tokenHash, link.address, link.browserHash, t, link.expiresAt.timeIntervalSince1970])
            try Self.enqueue(db, mail, caseID: nil, now: now)
        }
    }

    public func redeemSignInLink(tokenHash: String, browserHash: String, now: Date) throws -> LinkRedemption {
        try transaction { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT address, browser_hash, expires_at, used_at FROM web_signin_links WHERE token_hash = ?",
                                             arguments: [tokenHash]) else { return .unknown }
            if (row["used_at"] as Double?) != nil { return .used }
            if (row["expires_at"] as Double) <= now.timeIntervalSince1970 { return .expired }
            // "unbound": issued by an operator (`liaison console-link`), any browser may use it.
            let bound: String = row["browser_hash"]
            guard bound == browserHash || bound == "unbound" else { return .otherBrowser }
            try db.execute(sql: "UPDATE web_signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                           arguments: [now.timeIntervalSince1970, tokenHash])
            guard db.changesCount == 1 else { return .used }
            return .signedIn(address: row["address"])
        }
    }

    public func createSession(tokenHash: String, address: String, now: Date, expiresAt: Date) throws {
        try transaction { db in
            try db.execute(sql: "INSERT INTO web_sessions (token_hash, address, created_at, expires_at, ended_at) VALUES (?, ?, ?, ?, NULL)",
                           arguments: [tokenHash, address.lowercased(), now.timeIntervalSince1970, expiresAt.timeIntervalSince1970])
        }
    }

    public func session(tokenHash: String, now: Date) throws -> WebSession? {
        try snapshot { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT address, created_at, expires_at FROM web_sessions WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?
                """), arguments: [tokenHash, now.timeIntervalSince1970]).map {
                WebSession(address: $0["address"], createdAt: Self.instant($0["created_at"]), expiresAt: Self.instant($0["expires_at"]))
            }
        }
    }

    public func endSession(tokenHash: String, now: Date) throws {
        try transaction { db in
            try db.execute(sql: "UPDATE web_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                           arguments: [now.timeIntervalSince1970, tokenHash])
        }
    }

    public func canSee(caseNumber: String, address: String) throws -> Bool {
        let a = address.lowercased()
        return try snapshot { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM cases c WHERE c.number = ? AND \(WebCaseSQL.visible)",
                              arguments: StatementArguments([caseNumber] + Array(repeating: a, count: WebCaseSQL.tieCount))) ?? false
        }
    }

    /// The page's subject, overdue items and disputed recaps, for the ids of one page (`?` list).
    static func webRowsSQL(_ marks: String) -> String {
        """
        SELECT c.id, c.number, c.status, c.owner, c.category, c.organization, c.opened_at,
          (SELECT m.subject FROM correspondence m WHERE m.case_id = c.id ORDER BY m.date, m.id LIMIT 1) AS subject,
          (SELECT count(*) FROM recaps r JOIN action_items i ON i.recap_id = r.id
             WHERE r.case_id = c.id AND i.status IN ('open', 'rescheduled') AND i.due IS NOT NULL AND i.due < ?) AS overdue,
          (SELECT count(*) FROM recaps r WHERE r.case_id = c.id AND r.state = 'disputed') AS disputed
        FROM cases c WHERE c.id IN (\(marks))
        """
    }

    public func webCases(visibleTo: String?, filter: WebCaseFilter, now: Date) throws -> [WebCaseRow] {
        // The page's ids first (filters, in `cases_opened` order from the cursor, stopped at the
        // limit), then their rows and their first contacts: three statements, none per row.
        let limit = max(1, min(filter.limit, WebCaseSQL.maxLimit))
        return try snapshot { db in
            func page(window: Bool) throws -> [Int64] {
                let (sql, strings, ascending) = WebCaseSQL.pageIDs(visibleTo: visibleTo, filter: filter, window: window)
                let args: [(any DatabaseValueConvertible)?] = strings.map { $0 } + [limit]
                let ids = try Int64.fetchAll(db, sql: sql, arguments: StatementArguments(args))
                return ascending ? ids.reversed() : ids
            }
            // A staff member's page: the cases next to the cursor first, else from what they may see.
            var ids = WebCaseSQL.windowFirst(visibleTo: visibleTo, filter: filter) ? try page(window: true) : []
            if ids.count < limit && !WebCaseSQL.exactWindow(visibleTo: visibleTo, dialect: .sqlite) { ids = try page(window: false) }
            guard !ids.isEmpty else { return [] }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var contacts: [Int64: [String]] = [:]
            for r in try Row.fetchAll(db, sql: WebCaseSQL.firstContacts(marks), arguments: StatementArguments(ids)) {
                contacts[r["case_id"], default: []].append(r["address"])
            }
            var rows: [Int64: WebCaseRow] = [:]
            let rowArgs: [(any DatabaseValueConvertible)?] = [now.timeIntervalSince1970] + ids.map { $0 }
            for r in try Row.fetchAll(db, sql: Self.webRowsSQL(marks), arguments: StatementArguments(rowArgs)) {
                let id: Int64 = r["id"]
                rows[id] = WebCaseRow(number: r["number"], subject: r["subject"], status: CaseStatus(rawValue: r["status"]) ?? .open,
                                      owner: r["owner"], category: CaseCategory(rawValue: r["category"]), organization: r["organization"],
                                      contacts: contacts[id] ?? [], openedAt: Self.instant(r["opened_at"]), overdueItems: r["overdue"],
                                      disputedRecaps: r["disputed"])
            }
            return ids.compactMap { rows[$0] }
        }
    }
}
