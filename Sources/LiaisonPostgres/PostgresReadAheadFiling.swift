import Foundation
import LiaisonCore
import LiaisonStore

/// Filing in two statements: the lookups, then ONE call that is its own transaction (issue 17,
/// migration pg9-latency; docs/architecture.md "Read-ahead filing").
///
/// postgres-nio runs one statement at a time per connection, and on this machine every
/// statement costs a round trip of its own (about 0.15–0.2 ms on loopback, measured with
/// pgbench), so `BEGIN`, lookup, filing, `COMMIT` is four. A plan without follow-ups
/// (`FilingPlan.followsUp` false) is therefore asked to decide on a `PostgresFilingView` that
/// runs `caseForMessageID`, `caseWithNumber` and the first `casesForThread` each as one
/// statement outside a transaction block, and records what they answered (a key and its case's
/// id, or none; the thread search's arguments and its cases' ids in order). A filing on a known
/// case is then `liaison_file_case` alone (`PostgresStore.fileAlone`), a new case
/// `liaison_open_and_file` (`fileOpeningAlone`): each reads the recorded lookups again inside
/// its own transaction first (the CTE `v` of `verification`) and raises LQ409 when one answers
/// otherwise — rolled back, read as `LostRace`, and decided again inside a transaction by
/// `PostgresStore.file`. So the decision's inputs are those of the transaction that files; the
/// uniqueness of the filing is the database's, as always.
///
/// A plan with follow-ups (the daemon's `MessageFiling`) decides on the same view; then `BEGIN`
/// and the filing statement that reads the recorded lookups again go out together, the
/// follow-ups and `COMMIT` after it in the same transaction (`PostgresStore.file`, `fileOne`).
///
/// Any other read of the view (the rate ledger, the outbox, a second thread search) first sends
/// `BEGIN`: the plan continues inside a transaction as it always did, and the filing statement
/// of `fileCommitting` checks the reads made before it. A decision neither path files (a hold,
/// a marker, an accepted hold, a rate gate) after reads outside the block is decided again from
/// the start inside a transaction (`DecideAgain`).
final class PostgresFilingView: FilingView {
    /// A read made outside the transaction block: `kind` "m" (a Message-ID's case) or "n" (a
    /// case number's case), its key, and the case's id (0: none).
    struct Read: Equatable {
        var kind: String
        var key: String
        var caseID: Int64
    }

    /// The thread search made outside the transaction block (at most one): its arguments and
    /// the ids of the cases it answered, in its order.
    struct ThreadRead: Equatable {
        var subject: String
        var since: Double
        var addresses: [String]
        var caseIDs: [Int64]
    }

    /// What the plan read outside the transaction block.
    struct Reads: Equatable {
        var keys: [Read] = []
        var thread: ThreadRead? = nil
        var isEmpty: Bool { keys.isEmpty && thread == nil }
    }

    let s: PGSession
    private(set) var inTransaction = false
    private(set) var reads = Reads()

    /// `readAhead` false: the transaction begins at once (`BEGIN` sent, not waited for).
    init(s: PGSession, readAhead: Bool) throws {
        self.s = s
        if !readAhead { try begin() }
    }

    /// Sends `BEGIN` (not waited for: the next statement waits behind it) unless it was sent.
    func begin() throws {
        guard !inTransaction else { return }
        try s.send("BEGIN")
        inTransaction = true
    }

    /// The view inside the transaction (after `begin`).
    var inner: PostgresCaseView { PostgresCaseView(s: s) }

    func caseForMessageID(_ messageID: String) throws -> Case? {
        if inTransaction { return try inner.caseForMessageID(messageID) }
        return try read("m", messageID, PostgresStore.caseForMessageIDCondition)
    }

    func caseWithNumber(_ number: String) throws -> Case? {
        if inTransaction { return try inner.caseWithNumber(number) }
        return try read("n", number, PostgresStore.caseWithNumberCondition)
    }

    /// The same statement as inside a transaction (`fetchCase`), its case's id kept.
    private func read(_ kind: String, _ key: String, _ condition: String) throws -> Case? {
        let found = try PostgresStore.fetchCaseAndID(s, where: condition, [key])
        reads.keys.append(Read(kind: kind, key: key, caseID: found?.id ?? 0))
        return found?.case
    }

    /// The first thread search outside a transaction is recorded (checked by re-running it);
    /// a second one begins the transaction.
    func casesForThread(subject: String, addresses: [String], since: Date) throws -> [Case] {
        if inTransaction || reads.thread != nil || addresses.isEmpty {
            try begin()
            return try inner.casesForThread(subject: subject, addresses: addresses, since: since)
        }
        let lowered = addresses.map { $0.lowercased() }
        let found = try PostgresStore.casesForThreadAndIDs(s, subject: subject, addresses: lowered, since: since)
        reads.thread = ThreadRead(subject: subject, since: since.timeIntervalSince1970, addresses: lowered, caseIDs: found.map(\.id))
        return found.map(\.case)
    }

    func outboxEntry(messageID: String) throws -> OutboxEntry? {
        try begin()
        return try inner.outboxEntry(messageID: messageID)
    }

    func cases(status: CaseStatus?, owner: String?) throws -> [Case] {
        try begin()
        return try inner.cases(status: status, owner: owner)
    }

    func recaps(caseNumber: String) throws -> [RecapRecord] {
        try begin()
        return try inner.recaps(caseNumber: caseNumber)
    }

    func recap(id: Int64) throws -> RecapRecord? {
        try begin()
        return try inner.recap(id: id)
    }

    func reminders(caseNumber: String?, status: ReminderStatus?) throws -> [Reminder] {
        try begin()
        return try inner.reminders(caseNumber: caseNumber, status: status)
    }

    func caseThread(_ number: String) throws -> (subject: String, firstMessageID: String?)? {
        try begin()
        return try inner.caseThread(number)
    }

    func countEvents(scope: String, key: String, since: Date) throws -> Int {
        try begin()
        return try inner.countEvents(scope: scope, key: key, since: since)
    }

    func recordEvent(scope: String, key: String, at: Date) throws {
        try begin()
        try inner.recordEvent(scope: scope, key: key, at: at)
    }
}

extension PostgresStore {
    /// Decided outside a transaction block on reads that `reads` lists, the filing must be
    /// decided again inside one (see `PostgresFilingView`).
    struct DecideAgain: Error {}

    /// The filing as ONE statement, its own transaction (`liaison_file_case`, pg9-latency),
    /// checking `reads` inside it first; nil (nothing sent) when the filing is not a message on
    /// a known case without a marker or an accepted hold. LQ409 (`LostRace`) when a read no
    /// longer answers the same or another instance filed the same bytes meanwhile; LQ404
    /// (`notFound`) when there is no such case.
    static func fileAlone(_ s: PGSession, _ filing: Filing, verifying reads: PostgresFilingView.Reads, now: Date) throws -> FilingOutcome? {
        guard filing.accepting == nil, filing.marker == nil, case .existing(let number, _) = filing.decision else { return nil }
        let (sql, args) = oneCall("earlier_id, earlier_number, correspondence_id", "liaison_file_case", """
              (SELECT id FROM cases WHERE number = ?::text), ?::text,
            """, [number, "no case \(number)"], filing, reads: reads, now: now)
        guard let row = try s.row(sql, args, prepared: true) else { throw StoreError(.invalid, "filing returned no row") }
        let earlierID: Int64? = try row["earlier_id"], earlierNumber: String? = try row["earlier_number"]
        if let earlierID, let earlierNumber { return .duplicate(.filed(caseNumber: earlierNumber, correspondenceID: earlierID)) }
        guard let correspondenceID: Int64 = try row["correspondence_id"] else { throw StoreError(.invalid, "filing filed nothing") }
        return .filed(caseNumber: number, correspondenceID: correspondenceID, openedCase: false)
    }

    /// A new case opened and the message filed on it in ONE statement, its own transaction
    /// (`liaison_open_and_file`, pg9-latency), checking `reads` inside it first; nil (nothing
    /// sent) when the filing is not a case to open without a rate gate, a marker or an accepted
    /// hold, or its number template is not one `numberParts` splits. LQ409 (`LostRace`) when a
    /// read answers otherwise or another instance filed the same message meanwhile.
    static func fileOpeningAlone(_ s: PGSession, _ filing: Filing, verifying reads: PostgresFilingView.Reads, now: Date) throws -> FilingOutcome? {
        guard filing.accepting == nil, filing.marker == nil, filing.rateGate == nil, case .open(let new) = filing.decision,
              let parts = numberParts(new.numberTemplate) else { return nil }
        let (sql, args) = oneCall("earlier_id, earlier_number, opened_number, correspondence_id", "liaison_open_and_file", """
              ?::text, ?::text, ?::integer, ?::text, ?::boolean, ?::text, ?::text, ?::text, ?::double precision, ?::text[],
            """, [new.numberTemplate, parts.prefix, Int32(parts.width), parts.suffix, new.isInternal,
                  new.counterparty.organization, new.owner?.lowercased(), new.category.rawValue,
                  new.openedAt.timeIntervalSince1970, new.counterparty.contacts.map { $0.lowercased() }],
            filing, reads: reads, now: now)
        guard let row = try s.row(sql, args, prepared: true) else { throw StoreError(.invalid, "opening a case returned no row") }
        let earlierID: Int64? = try row["earlier_id"], earlierNumber: String? = try row["earlier_number"]
        if let earlierID, let earlierNumber { return .duplicate(.filed(caseNumber: earlierNumber, correspondenceID: earlierID)) }
        let number: String? = try row["opened_number"], correspondenceID: Int64? = try row["correspondence_id"]
        guard let number, let correspondenceID else { throw StoreError(.invalid, "opening a case filed nothing") }
        return .filed(caseNumber: number, correspondenceID: correspondenceID, openedCase: true)
    }

    /// `SELECT columns FROM function(validity, <head> <the message's and checkpoint's
    /// arguments>) o`; with reads to check, after `v` and LATERAL to it (validity `v.ok`, read
    /// first), else validity `true`. The arguments in the text's order.
    private static func oneCall(_ columns: String, _ function: String, _ head: String, _ headArgs: [PGArg], _ filing: Filing,
                                reads: PostgresFilingView.Reads, now: Date) -> (String, [PGArg]) {
        let m = filing.message, a = filingArrays(m), cp = filing.checkpoint
        let (check, checkArgs): (String, [PGArg]) = reads.isEmpty ? ("", []) : verification(reads)
        let call = check.isEmpty ? "\(columns) FROM \(function)(true,\n\(head)"
            : "\(columns) FROM v CROSS JOIN LATERAL \(function)(v.ok,\n\(head)"
        let sql = """
            \(check.isEmpty ? "" : "WITH " + check + "\n")SELECT \(call)
              ?::text, ?::text, ?::text, ?::text, ?::double precision,
              ?::text, ?::text, ?::text, ?::bytea, ?::double precision,
              ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
              ?::text, ?::bigint, ?::bigint) o
            """
        let args: [PGArg] = checkArgs + headArgs + [
            m.contentHash, m.messageID, m.sender, m.subject, m.date?.timeIntervalSince1970,
            m.direction.rawValue, m.kind.rawValue, m.threadSubject, Data(m.raw), now.timeIntervalSince1970,
            a.messageIDs, a.references, a.threadAddresses, a.contactAddresses, a.recipients,
            cp?.mailbox, cp.map { Int64($0.uidValidity) }, cp.map { Int64($0.lastUID) }]
        return (sql, args)
    }

    /// The CTE (`v`, one boolean `ok`) that reads `reads` again, and its arguments: each key's
    /// case, and the thread search's cases in the order `casesForThread` gives them.
    static func verification(_ reads: PostgresFilingView.Reads) -> (String, [PGArg]) {
        var parts: [String] = [], args: [PGArg] = []
        if !reads.keys.isEmpty {
            parts.append("liaison_reads_hold(?::text[], ?::text[], ?::bigint[])")
            args += [reads.keys.map(\.kind), reads.keys.map(\.key), reads.keys.map(\.caseID)] as [PGArg]
        }
        if let t = reads.thread {
            parts.append("""
                (ARRAY(SELECT t.matched_case FROM liaison_thread_cases(?::text, ?::double precision, ?::text[]) t
                       ORDER BY t.last_date DESC, t.matched_case) = ?::bigint[])
                """)
            args += [t.subject, t.since, t.addresses, t.caseIDs] as [PGArg]
        }
        return ("v AS (SELECT \(parts.joined(separator: " AND ")) AS ok)", args)
    }
}
