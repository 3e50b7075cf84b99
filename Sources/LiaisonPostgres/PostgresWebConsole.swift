import Foundation
import LiaisonCore
import LiaisonStore

/// The web console's tables (`pg4-web`) and queries on PostgreSQL: the same statements as
/// `SQLiteWebConsole.swift` (`?` numbered by `PGSession`).
extension PostgresStore: WebConsoleStore {
    static let webKeep: TimeInterval = 86_400
    static let webLogKeep: TimeInterval = 90 * 86_400

    public func recordSignIn(_ e: SignInEvent) throws {
        try transaction { s in
            try s.execute("INSERT INTO web_signin_events (at, address, client, outcome, detail) VALUES (?, ?, ?, ?, ?)",
                          [e.at.timeIntervalSince1970, e.address, e.client, e.outcome.rawValue, e.detail])
        }
    }

    public func signInAttempts(address: String?, client: String?, since: Date) throws -> Int {
        try snapshot { s in
            var sql = "SELECT count(*) FROM web_signin_events WHERE at >= ? AND outcome IN ('link-sent', 'refused-outsider')"
            var args: [PGArg] = [since.timeIntervalSince1970]
            if let address { sql += " AND address = ?"; args.append(address.lowercased()) }
            if let client { sql += " AND client = ?"; args.append(client) }
            return Int(try s.value(sql, args, as: Int64.self) ?? 0)
        }
    }

    public func createSignInLink(_ link: NewSignInLink, mail: OutgoingMail, now: Date) throws {
        try transaction { s in
            let t = now.timeIntervalSince1970
            try s.execute("DELETE FROM web_signin_links WHERE expires_at < ?", [t - Self.webKeep])
            try s.execute("DELETE FROM web_sessions WHERE expires_at < ?", [t - Self.webKeep])
            try s.execute("DELETE FROM web_signin_events WHERE at < ?", [t - Self.webLogKeep])
            try s.execute("""
                INSERT INTO web_signin_links (token_hash, address, browser_hash, created_at, expires_at, used_at)
                VALUES (?, ?, ?, ?, ?, NULL)
                """, [link.tokenHash, link.address, link.browserHash, t, link.expiresAt.timeIntervalSince1970])
            try Self.enqueue(s, mail, caseID: nil, now: now)
        }
    }

    public func redeemSignInLink(tokenHash: String, browserHash: String, now: Date) throws -> LinkRedemption {
        try transaction { s in
            guard let row = try s.row("SELECT address, browser_hash, expires_at, used_at FROM web_signin_links WHERE token_hash = ? FOR UPDATE",
                                      [tokenHash]) else { return .unknown }
            let used: Double? = try row["used_at"]
            if used != nil { return .used }
            let expires: Double = try row["expires_at"]
            if expires <= now.timeIntervalSince1970 { return .expired }
            let bound: String = try row["browser_hash"]
            guard bound == browserHash || bound == "unbound" else { return .otherBrowser }
            let changed = try s.execute("UPDATE web_signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                                        [now.timeIntervalSince1970, tokenHash])
            guard changed == 1 else { return .used }
            return .signedIn(address: try row["address"])
        }
    }

    public func createSession(tokenHash: String, address: String, now: Date, expiresAt: Date) throws {
        try transaction { s in
            try s.execute("INSERT INTO web_sessions (token_hash, address, created_at, expires_at, ended_at) VALUES (?, ?, ?, ?, NULL)",
                          [tokenHash, address.lowercased(), now.timeIntervalSince1970, expiresAt.timeIntervalSince1970])
        }
    }

    public func session(tokenHash: String, now: Date) throws -> WebSession? {
        try snapshot { s in
            guard let r = try s.row("SELECT address, created_at, expires_at FROM web_sessions WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?",
                                    [tokenHash, now.timeIntervalSince1970]) else { return nil }
            let created: Double = try r["created_at"], expires: Double = try r["expires_at"]
            return WebSession(address: try r["address"], createdAt: Date(timeIntervalSince1970: created), expiresAt: Date(timeIntervalSince1970: expires))
        }
    }

    public func endSession(tokenHash: String, now: Date) throws {
        try transaction { s in
            try s.execute("UPDATE web_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL", [now.timeIntervalSince1970, tokenHash])
        }
    }


    public func canSee(caseNumber: String, address: String) throws -> Bool {
        let a = address.lowercased()
        return try snapshot { s in
            try s.row("SELECT 1 FROM cases c WHERE c.number = ? AND \(WebCaseSQL.visible)",
                      ([caseNumber] + Array(repeating: a, count: WebCaseSQL.tieCount)).map { $0 as PGArg }) != nil
        }
    }

    public func webCases(visibleTo: String?, filter: WebCaseFilter, now: Date) throws -> [WebCaseRow] {
        // As on SQLite: the page's ids, then their rows and first contacts; none per row.
        let limit = max(1, min(filter.limit, WebCaseSQL.maxLimit))
        return try snapshot { s in
            func page(window: Bool) throws -> [Int64] {
                let (sql, strings, ascending) = WebCaseSQL.pageIDs(visibleTo: visibleTo, filter: filter, window: window, dialect: .postgres)
                let ids = try s.rows(sql, strings.map { $0 as PGArg } + [Int64(limit)]).map { try $0["id"] as Int64 }
                return ascending ? ids.reversed() : ids
            }
            var ids = visibleTo == nil ? [] : try page(window: true)
            if ids.count < limit { ids = try page(window: false) }
            guard !ids.isEmpty else { return [] }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var contacts: [Int64: [String]] = [:]
            for r in try s.rows(WebCaseSQL.firstContacts(marks), ids.map { $0 as PGArg }) {
                let id: Int64 = try r["case_id"], address: String = try r["address"]
                contacts[id, default: []].append(address)
            }
            let page = """
                SELECT c.id, c.number, c.status, c.owner, c.category, c.organization, c.opened_at,
                  (SELECT m.subject FROM correspondence m WHERE m.case_id = c.id ORDER BY m.date NULLS FIRST, m.id LIMIT 1) AS subject,
                  (SELECT count(*) FROM recaps r JOIN action_items i ON i.recap_id = r.id
                     WHERE r.case_id = c.id AND i.status IN ('open', 'rescheduled') AND i.due IS NOT NULL AND i.due < ?) AS overdue,
                  (SELECT count(*) FROM recaps r WHERE r.case_id = c.id AND r.state = 'disputed') AS disputed
                FROM cases c WHERE c.id IN (\(marks))
                """
            var rows: [Int64: WebCaseRow] = [:]
            for r in try s.rows(page, [now.timeIntervalSince1970 as PGArg] + ids.map { $0 as PGArg }) {
                let id: Int64 = try r["id"]
                let opened: Double = try r["opened_at"]
                let overdue: Int64 = try r["overdue"], disputed: Int64 = try r["disputed"]
                rows[id] = WebCaseRow(number: try r["number"], subject: try r["subject"], status: CaseStatus(rawValue: try r["status"]) ?? .open,
                                      owner: try r["owner"], category: CaseCategory(rawValue: try r["category"]), organization: try r["organization"],
                                      contacts: contacts[id] ?? [], openedAt: Date(timeIntervalSince1970: opened), overdueItems: Int(overdue),
                                      disputedRecaps: Int(disputed))
            }
            return ids.compactMap { rows[$0] }
        }
    }
}
