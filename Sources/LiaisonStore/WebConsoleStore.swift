import Foundation
import LiaisonCore

/// What the web console (issue 19, `LiaisonWeb`) keeps and reads: one-time sign-in links,
/// sessions and the sign-in log (migration `v8-web`), and the case list and visibility rule of
/// its pages. Tokens are never stored: only their SHA-256 (hex), so a copy of the store opens no
/// session. SQLite implements it (`SQLiteWebConsole.swift`); PostgreSQL does not yet, and
/// `liaison serve` refuses to start the console on it with that reason.
public protocol WebConsoleStore: Sendable {
    /// Records one sign-in attempt (`SignInEvent.Outcome`) for the log and the rate limits.
    func recordSignIn(_ event: SignInEvent) throws
    /// Attempts counted against the rate limits (every outcome but `rateLimited`) since `since`,
    /// of one address (lowercased) or one client; both nil: all.
    func signInAttempts(address: String?, client: String?, since: Date) throws -> Int
    /// Stores a link (by its token's hash, bound to the browser's hash) and queues its mail, in
    /// one transaction; old links, sessions and log rows are purged in it too.
    func createSignInLink(_ link: NewSignInLink, mail: OutgoingMail, now: Date) throws
    /// Uses a link once: the address when the link exists, is unused, unexpired and was asked
    /// for by this browser (then it is marked used); else why not (nothing changes).
    func redeemSignInLink(tokenHash: String, browserHash: String, now: Date) throws -> LinkRedemption
    /// Starts a session.
    func createSession(tokenHash: String, address: String, now: Date, expiresAt: Date) throws
    /// The live session of a token hash (nil: none, ended or expired).
    func session(tokenHash: String, now: Date) throws -> WebSession?
    /// Ends a session (sign-out).
    func endSession(tokenHash: String, now: Date) throws
    /// Cases for the list page, newest first: those `visibleTo` may see (nil: all), filtered, at
    /// most `filter.limit` (≤ `WebCaseSQL.maxLimit`) from `filter.cursor`. Three statements
    /// whatever the page's size: the page's ids, their rows, their first contacts.
    func webCases(visibleTo: String?, filter: WebCaseFilter, now: Date) throws -> [WebCaseRow]
    /// True when `address` may see the case (owner, owner of one of its items, sender or (staff mail only) To/Cc
    /// recipient of one of its messages, or one of its addresses: `WebCaseSQL.visible`); false
    /// also when there is no such case.
    func canSee(caseNumber: String, address: String) throws -> Bool
}

/// One sign-in attempt, for the log (`web_signin_events`) and the rate limits.
public struct SignInEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// A link was mailed.
        case linkSent = "link-sent"
        /// The address is not one of the organisation's: no mail (the answer looked the same).
        case refusedOutsider = "refused-outsider"
        /// Past a rate limit: no mail.
        case rateLimited = "rate-limited"
        /// A link was used and a session started.
        case signedIn = "signed-in"
        /// A link that was used, expired, unknown or asked for in another browser.
        case linkRefused = "link-refused"
        case signedOut = "signed-out"
    }
    public var at: Date
    public var address: String
    public var client: String
    public var outcome: Outcome
    public var detail: String
    public init(at: Date, address: String, client: String, outcome: Outcome, detail: String = "") {
        self.at = at
        self.address = address.lowercased()
        self.client = client
        self.outcome = outcome
        self.detail = detail
    }
}

/// A sign-in link to store: hashes only.
public struct NewSignInLink: Sendable, Equatable {
    public var tokenHash: String
    public var address: String
    public var browserHash: String
    public var expiresAt: Date
    public init(tokenHash: String, address: String, browserHash: String, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.address = address.lowercased()
        self.browserHash = browserHash
        self.expiresAt = expiresAt
    }
}

/// What opening a sign-in link found.
public enum LinkRedemption: Sendable, Equatable {
    case signedIn(address: String)
    case unknown
    case used
    case expired
    /// Asked for in another browser (the link stays usable in the right one).
    case otherBrowser
}

/// A live console session.
public struct WebSession: Sendable, Equatable {
    public var address: String
    public var createdAt: Date
    public var expiresAt: Date
    public init(address: String, createdAt: Date, expiresAt: Date) {
        self.address = address
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// The case list's filters; nil or empty: not filtered.
public struct WebCaseFilter: Sendable, Equatable {
    /// Where a page starts: the cases listed after (older than) or before (newer than) the case
    /// with this number, in the list's order (keyset pagination: `(opened_at, id)`, on the index).
    public enum Cursor: Sendable, Equatable {
        case olderThan(String)
        case newerThan(String)
    }
    public var status: CaseStatus?
    public var owner: String?
    public var category: String?
    /// Part of the counterparty's domain or a contact address.
    public var counterparty: String?
    /// Part of a message subject or of the counterparty.
    public var search: String?
    public var limit: Int
    /// Nil: the newest cases.
    public var cursor: Cursor?
    public init(status: CaseStatus? = nil, owner: String? = nil, category: String? = nil, counterparty: String? = nil,
                search: String? = nil, limit: Int = 200, cursor: Cursor? = nil) {
        self.status = status
        self.owner = owner
        self.category = category
        self.counterparty = counterparty
        self.search = search
        self.limit = limit
        self.cursor = cursor
    }
}

/// One row of the case list.
public struct WebCaseRow: Sendable, Equatable {
    public var number: String
    public var subject: String?
    public var status: CaseStatus
    public var owner: String?
    public var category: CaseCategory
    public var organization: String?
    public var contacts: [String]
    public var openedAt: Date
    /// Items still to do (open or rescheduled) whose due has passed.
    public var overdueItems: Int
    /// Recaps the counterparty disputed.
    public var disputedRecaps: Int
    public init(number: String, subject: String?, status: CaseStatus, owner: String?, category: CaseCategory, organization: String?,
                contacts: [String], openedAt: Date, overdueItems: Int, disputedRecaps: Int) {
        self.number = number
        self.subject = subject
        self.status = status
        self.owner = owner
        self.category = category
        self.organization = organization
        self.contacts = contacts
        self.openedAt = openedAt
        self.overdueItems = overdueItems
        self.disputedRecaps = disputedRecaps
    }
}

/// The console's case-list SQL, written once for both backends (each binds `?` in order):
/// who may see a case, and the page's filters. Every value from the request is bound, never
/// spliced; LIKE patterns escape `%`, `_` and `\` so a search is taken literally.
public enum WebCaseSQL {
    /// The visibility rule: each way an address is tied to a case — its owner, an item's owner, the
    /// sender of one of its messages, one of its addresses (contacts, thread), or a recipient in
    /// To/Cc of one of its messages sent by staff (`message_recipients`; Bcc is never stored). Each tie is
    /// (tables, the case id there, the address there), every address lowercased; written once
    /// here and read in the two shapes below, each arm on an index.
    /// `byCase`: the address as the probe from a case compares it, when that must not be the
    /// index by address: an item's owner is reached from the case's recaps (`recaps_case`, then
    /// the items of each), not from every item of that person (`|| ''` keeps SQLite and
    /// PostgreSQL off `action_items_owner_address` there; 8.5 s for a staff page of 1,000
    /// probes at 100,000 cases when it did not).
    static let ties: [(from: String, caseID: String, address: String, byCase: String)] = [
        ("cases x", "x.id", "x.owner", "x.owner"),
        ("action_items i JOIN recaps r ON r.id = i.recap_id", "r.case_id", "lower(i.owner_address)", "lower(i.owner_address) || ''"),
        ("correspondence m", "m.case_id", "m.sender", "m.sender"),
        ("case_addresses a", "a.case_id", "a.address", "a.address"),
        // Only staff mail's To/Cc (`outbound`: the sender trusted, as filing decides it): rows
        // that stores kept before that rule for an outsider's message are passed over here.
        ("message_recipients t JOIN correspondence tm ON tm.id = t.correspondence_id AND tm.direction = 'outbound'", "t.case_id", "t.address", "t.address"),
    ]

    /// How many times the address is bound in `visible` or `visibleIDs`.
    public static var tieCount: Int { ties.count }

    /// The rule as a condition on one case `c` (one binding of the lowercased address per tie):
    /// `canSee`, a probe per tie from the case's side.
    public static let visible = "(" + ties.map { "EXISTS (SELECT 1 FROM \($0.from) WHERE \($0.caseID) = c.id AND \($0.byCase) = ?)" }
        .joined(separator: " OR ") + ")"

    /// The rule as the set of case ids an address may see (`case_id`; one binding per tie): the
    /// list's, from the address's side, each arm an index search by address.
    public static let visibleIDs = ties.map { "SELECT \($0.caseID) AS case_id FROM \($0.from) WHERE \($0.address) = ?" }
        .joined(separator: " UNION ")

    /// `%` and `_` written as themselves in a LIKE pattern (escape character `\`).
    public static func likeEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// How many of the cases next to the cursor a manager's search probes with the LIKE before it
    /// asks the trigram index (`webCases`): a query most cases match (`example`, `回复`) fills
    /// its page there at once, where the index would hand over every case to sort (1 s at
    /// 100,000 cases for `example`); a selective one costs 250 LIKE checks (under 1 ms) more.
    public static let searchWindow = 250

    /// Whether a page's first try is a window next to the cursor: a staff member's always, a
    /// manager's for a search the trigram index serves.
    public static func windowFirst(visibleTo: String?, filter: WebCaseFilter) -> Bool {
        visibleTo != nil || (filter.search?.unicodeScalars.count ?? 0) >= 3
    }

    /// Whether the first try (`window` true) is already the whole answer: a staff member's page on
    /// SQLite, read from all their `case_people` candidates (v11-visibility).
    public static func exactWindow(visibleTo: String?, dialect: SearchDialect) -> Bool {
        visibleTo != nil && dialect != .postgres
    }

    /// How a search is narrowed before its LIKE (`pageIDs`).
    public enum SearchDialect: Sendable, Equatable {
        /// SQLite with `case_search` (v10-search): 3 characters or more through the trigram index.
        case sqlite
        /// SQLite, the LIKE alone (a scan of every case's subjects): the reference answer.
        case sqliteScan
        /// PostgreSQL: ILIKE, candidates by table first (pg_trgm's indexes when present).
        case postgres
    }

    /// The user's text as one FTS5 phrase: in double quotes, each `"` doubled; nothing in it is
    /// read as MATCH syntax (AND, OR, NEAR, `*`, `^`, column filters stay text).
    public static func ftsPhrase(_ q: String) -> String {
        "\"" + q.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The rows of a page at most: whatever is asked, a page is never larger.
    public static let maxLimit = 1_000

    /// How many of the cases next to the cursor a staff member's page probes first (`window`).
    public static let window = 1_000

    /// `SELECT c.id FROM cases c … ORDER BY … LIMIT ?` for one page of the list (the limit's binding
    /// is the caller's, last), with its string bindings in order, and whether the rows come
    /// oldest first (a page before the cursor: the caller reverses them).
    ///
    /// A manager's page reads `cases_opened` from the cursor and stops at the limit (a search
    /// first tries the `searchWindow` cases next to the cursor, `window` true). A staff
    /// member's page: on SQLite (`window` true) the cases the person is tied to (`case_people`,
    /// v11-visibility: a superset of what they see), one range of its key from the cursor in the
    /// list's order, each checked with `visible` and stopped at the limit: the exact page, no
    /// second try (`exactWindow`). On PostgreSQL it is read in two tries. `window` true: the
    /// `window` cases next to the cursor (`cases_opened`), each probed with `visible`; when that
    /// fills the page, it is the page (no visible case lies outside the window's newer end). Else (someone who sees few cases, or a
    /// page of filters) `window` false: from the ids they may see (`visibleIDs`, each arm an index
    /// search by address; `CROSS JOIN` keeps that set the outer loop on SQLite), sorted. Either
    /// way the cost is bounded by the window or by what the person may see, never by the store.
    ///
    /// A search (`filter.search`) is the LIKE below over subjects, the organisation, the number
    /// and the contacts, case-insensitive on both stores (SQLite's LIKE folds ASCII; PostgreSQL's
    /// `ILIKE`). `dialect` says how it is narrowed first: on SQLite, a query of 3 characters or
    /// more goes to the `case_search` trigram index (v10-search) as one quoted phrase (never raw
    /// MATCH syntax), and each case it names is still checked with the LIKE, so the answer is the
    /// LIKE answer; shorter queries, which a trigram cannot serve, use the LIKE alone (a scan).
    /// On PostgreSQL the candidates are a UNION of ILIKEs by table, which pg_trgm's GIN indexes
    /// serve when `pg7-search` could create them.
    public static func pageIDs(visibleTo: String?, filter: WebCaseFilter, window: Bool = false,
                               dialect: SearchDialect = .sqlite) -> (sql: String, args: [String], ascending: Bool) {
        var sql: String
        var args: [String] = []
        let ascending: Bool
        var cursorClause = "", cursorArg: String?
        switch filter.cursor {
        case .olderThan(let n):
            cursorClause = " AND (w.opened_at, w.id) < (SELECT k.opened_at, k.id FROM cases k WHERE k.number = ?)"
            cursorArg = n
            ascending = false
        case .newerThan(let n):
            cursorClause = " AND (w.opened_at, w.id) > (SELECT k.opened_at, k.id FROM cases k WHERE k.number = ?)"
            cursorArg = n
            ascending = true
        case nil: ascending = false
        }
        let cOrder = ascending ? "c.opened_at, c.id" : "c.opened_at DESC, c.id DESC"
        let wOrder = ascending ? "w.opened_at, w.id" : "w.opened_at DESC, w.id DESC"
        var peopleOrder: String?
        if let v = visibleTo?.lowercased() {
            if window && dialect != .postgres {
                // SQLite (v11-visibility): this address's candidates from the cursor, one range of
                // `case_people`'s key read in the list's order (no sort) and stopped at the page's
                // limit, each still checked with `visible` (and the filters): the exact answer,
                // bounded by the cases the person is tied to, never by the store.
                sql = "SELECT c.id FROM case_people p CROSS JOIN cases c WHERE p.address = ?"
                    + cursorClause.replacingOccurrences(of: "(w.opened_at, w.id)", with: "(p.opened_at, p.case_id)")
                    + " AND c.id = p.case_id AND " + visible
                args.append(v)
                if let cursorArg { args.append(cursorArg) }
                args += Array(repeating: v, count: tieCount)
                peopleOrder = ascending ? "p.opened_at, p.case_id" : "p.opened_at DESC, p.case_id DESC"
            } else if window {
                sql = "SELECT c.id FROM (SELECT w.id FROM cases w WHERE 1 = 1\(cursorClause) ORDER BY \(wOrder) LIMIT \(Self.window)) r"
                    + " CROSS JOIN cases c WHERE c.id = r.id AND " + visible
                if let cursorArg { args.append(cursorArg) }
                args += Array(repeating: v, count: tieCount)
            } else {
                sql = "SELECT c.id FROM (\(visibleIDs)) v CROSS JOIN cases c WHERE c.id = v.case_id"
                    + cursorClause.replacingOccurrences(of: "(w.opened_at, w.id)", with: "(c.opened_at, c.id)")
                args += Array(repeating: v, count: tieCount)
                if let cursorArg { args.append(cursorArg) }
            }
        } else if window {
            // A manager's search, first try: the `searchWindow` cases next to the cursor, LIKE only.
            sql = "SELECT c.id FROM (SELECT w.id FROM cases w WHERE 1 = 1\(cursorClause) ORDER BY \(wOrder) LIMIT \(Self.searchWindow)) r"
                + " CROSS JOIN cases c WHERE c.id = r.id"
            if let cursorArg { args.append(cursorArg) }
        } else {
            sql = "SELECT c.id FROM cases c WHERE 1 = 1" + cursorClause.replacingOccurrences(of: "(w.opened_at, w.id)", with: "(c.opened_at, c.id)")
            if let cursorArg { args.append(cursorArg) }
        }
        if let s = filter.status { sql += " AND c.status = ?"; args.append(s.rawValue) }
        if let o = filter.owner, !o.isEmpty { sql += " AND c.owner = ?"; args.append(o.lowercased()) }
        if let k = filter.category, !k.isEmpty { sql += " AND c.category = ?"; args.append(k) }
        if let p = filter.counterparty, !p.isEmpty {
            let like = "%" + likeEscaped(p.lowercased()) + "%"
            sql += """
                 AND (c.organization LIKE ? ESCAPE '\\'
                      OR EXISTS (SELECT 1 FROM case_addresses a WHERE a.case_id = c.id AND a.role = 'contact' AND a.address LIKE ? ESCAPE '\\'))
                """
            args += [like, like]
        }
        if let q = filter.search, !q.isEmpty {
            let like = "%" + likeEscaped(q) + "%"
            let lower = "%" + likeEscaped(q.lowercased()) + "%"
            let op = dialect == .postgres ? "ILIKE" : "LIKE"
            switch dialect {
            case .sqlite where q.unicodeScalars.count >= 3 && !window:
                sql += " AND c.id IN (SELECT case_id FROM case_search WHERE case_search MATCH ?)"
                args.append(ftsPhrase(q))
            case .postgres:
                sql += """
                     AND c.id IN (SELECT m.case_id FROM correspondence m WHERE m.subject ILIKE ? ESCAPE '\\'
                       UNION SELECT k.id FROM cases k WHERE k.organization ILIKE ? ESCAPE '\\' OR k.number ILIKE ? ESCAPE '\\'
                       UNION SELECT a.case_id FROM case_addresses a WHERE a.role = 'contact' AND a.address ILIKE ? ESCAPE '\\')
                    """
                args += [like, lower, like, lower]
            case .sqlite, .sqliteScan: break
            }
            sql += """
                 AND (EXISTS (SELECT 1 FROM correspondence m WHERE m.case_id = c.id AND m.subject \(op) ? ESCAPE '\\')
                      OR c.organization \(op) ? ESCAPE '\\' OR c.number \(op) ? ESCAPE '\\'
                      OR EXISTS (SELECT 1 FROM case_addresses a WHERE a.case_id = c.id AND a.role = 'contact' AND a.address \(op) ? ESCAPE '\\'))
                """
            args += [like, lower, like, lower]
        }
        sql += " ORDER BY \(peopleOrder ?? cOrder) LIMIT ?"
        return (sql, args, ascending)
    }

    /// The first three contacts of each case in a page (`case_id, address`, in order), in one
    /// statement: `ids` is the page's `?` list, bound by the caller.
    public static func firstContacts(_ marks: String) -> String {
        """
        SELECT case_id, address FROM (
          SELECT case_id, address, seq, row_number() OVER (PARTITION BY case_id ORDER BY seq) AS k
          FROM case_addresses WHERE role = 'contact' AND case_id IN (\(marks))) f
        WHERE k <= 3 ORDER BY case_id, seq
        """
    }
}
