import Foundation
import LiaisonCore
import LiaisonStore

/// Filing with the COMMIT sent behind the filing statement (issue 17, migration `pg8-perf`).
///
/// A filing whose plan writes no follow-up needs nothing from the filing statement's answer
/// before its COMMIT, so the statements go out together and the thread waits once: for a
/// message on a known case the filing statement (which also moves the checkpoint), the
/// marker's delete and COMMIT; for a new case `liaison_open_case` (the earlier-filing check, the counter, the case
/// and its addresses) before them. Everything still happens in ONE transaction: a filing that
/// did not happen raises inside its statement (LQ404 no case, LQ409 a lost race: see
/// `filingStatement`), the server then answers the COMMIT by rolling back, and the error is
/// thrown here (`PGSession.settle`); a lost race is filed again by `file`'s loop. Uniqueness
/// stays the database's: the content hash's unique index, the counter row locked by its update.
extension PostgresStore {
    /// The outcome when the filing could go this way (and has, committed); nil when it cannot
    /// (a hold, an accepted held message, a rate gate, a number template `numberParts` cannot
    /// split) — then nothing was sent and the caller files the usual way.
    /// With `reads` made outside the transaction (`PostgresFilingView`), the filing statement
    /// reads them again and raises LQ409 when one answers otherwise.
    static func fileCommitting(_ s: PGSession, _ filing: Filing, now: Date,
                               verifying reads: PostgresFilingView.Reads = .init()) throws -> FilingOutcome? {
        guard filing.accepting == nil else { return nil }
        let m = filing.message
        var number: String? = nil
        let opening: PGKept?
        let ref: CaseRef
        switch filing.decision {
        case .hold:
            return nil
        case .existing(let n, _):
            (number, opening, ref) = (n, nil, .number(n))
        case .open(let new):
            guard filing.rateGate == nil, let sent = try sendOpenCase(s, new, m) else { return nil }
            (opening, ref) = (sent, .opened)
        }
        let (sql, args) = filingStatement(m, into: ref, at: now, checkpoint: filing.checkpoint, verifying: reads)
        let filed = try s.sendKeeping(sql, args, prepared: true)
        if let marker = filing.marker { try clearMarker(s, marker, wait: false) }
        // Waits for all of them; an error of theirs is thrown here (the transaction rolled back).
        try s.execute("COMMIT")

        if let opening {
            guard let row = opening.result?.rows.first else { throw StoreError(.invalid, "opening a case returned no row") }
            let earlierID: Int64? = try row["earlier_id"], earlierNumber: String? = try row["earlier_number"]
            if let earlierID, let earlierNumber { return .duplicate(.filed(caseNumber: earlierNumber, correspondenceID: earlierID)) }
            number = try row["opened_number"]
        }
        guard let row = filed.result?.rows.first, let insertion = try filingResult(s, row, m), let number else {
            throw StoreError(.invalid, "filing returned no row")
        }
        switch insertion {
        case .duplicate(let existing):
            return .duplicate(existing)
        case .filed(_, let correspondenceID, _):
            return .filed(caseNumber: number, correspondenceID: correspondenceID, openedCase: opening != nil)
        }
    }

    /// Sends `liaison_open_case` for `new` (not waited for; its row in the returned `PGKept`
    /// once settled): the earlier-filing check of `m`, then the case. Nil, with nothing sent,
    /// when the case's number template is not one `numberParts` splits.
    static func sendOpenCase(_ s: PGSession, _ new: NewCase, _ m: IncomingMessage) throws -> PGKept? {
        guard let parts = numberParts(new.numberTemplate) else { return nil }
        return try s.sendKeeping("""
            SELECT earlier_id, earlier_number, opened_id, opened_number
            FROM liaison_open_case(?::text, ?::text, ?::integer, ?::text, ?::boolean, ?::text, ?::text, ?::text,
                                   ?::double precision, ?::text[], ?::text, ?::text, ?::text, ?::text, ?::double precision)
            """, [new.numberTemplate, parts.prefix, Int32(parts.width), parts.suffix, new.isInternal,
                  new.counterparty.organization, new.owner?.lowercased(), new.category.rawValue,
                  new.openedAt.timeIntervalSince1970, new.counterparty.contacts.map { $0.lowercased() },
                  m.contentHash, m.messageID, m.sender, m.subject, m.date?.timeIntervalSince1970], prepared: true)
    }

    /// `template` as `prefix`, a sequence number zero-padded to `width`, `suffix` — the form
    /// `liaison_open_case` renders numbers in — or nil when `CaseNumbering.render` does not
    /// render that way (checked on sample numbers, byte for byte) or the width is out of bounds.
    static func numberParts(_ template: String) -> (prefix: String, width: Int, suffix: String)? {
        let parts: (prefix: String, width: Int, suffix: String)
        if let open = template.range(of: "{seq"), let close = template[open.upperBound...].firstIndex(of: "}") {
            let spec = template[open.upperBound..<close]
            let width = spec.hasPrefix(":") ? Int(spec.dropFirst()) ?? 0 : 0
            parts = (String(template[..<open.lowerBound]), width, String(template[template.index(after: close)...]))
        } else {
            parts = (template + "-", 0, "")
        }
        guard (-64...64).contains(parts.width) else { return nil }
        for seq in [1, 42, 123_456, 9_876_543_210] {
            let digits = String(seq)
            let composed = parts.prefix + String(repeating: "0", count: max(0, parts.width - digits.count)) + digits + parts.suffix
            guard composed.utf8.elementsEqual(CaseNumbering.render(template: template, seq: seq).utf8) else { return nil }
        }
        return parts
    }
}
