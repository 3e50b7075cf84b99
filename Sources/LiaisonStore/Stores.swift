import Foundation
import LiaisonCore

/// The figures `liaison report` and `export` read (SQLite: `SQLiteReportQueries.swift`).
public protocol ReportQueries: Sendable {
    /// `lastOutbound`: also each case's last outbound mail (`ReportCase.lastOutboundAt`, the weekly check's quiet cases).
    func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool) throws -> [ReportCase]
    /// The same cases handed to `each` one by one, in the same order, from the same one view; a
    /// backend may stream them as it reads (SQLite does: `liaison export` writes while it reads).
    func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                     each: (ReportCase) throws -> Void) throws
}

extension ReportQueries {
    /// Reads them all, then hands them over (a backend that does not stream).
    public func reportCases(from: Date, to: Date, owner: String?, details: Bool, lastOutbound: Bool,
                            each: (ReportCase) throws -> Void) throws {
        for c in try reportCases(from: from, to: to, owner: owner, details: details, lastOutbound: lastOutbound) { try each(c) }
    }

    public func reportCases(from: Date, to: Date, owner: String?, details: Bool) throws -> [ReportCase] {
        try reportCases(from: from, to: to, owner: owner, details: details, lastOutbound: false)
    }
}

extension SQLiteStore: ReportQueries {}

/// The weekly check's reminders (issue 15 part 3; SQLite: `SQLiteWeeklyCheck.swift`): composed
/// from a read snapshot outside any write transaction, then fired in one short one.
public protocol WeeklyCheckQueue: Sendable {
    /// Pending weekly-check reminders due at `now`, earliest first.
    func dueWeeklyChecks(now: Date) throws -> [Reminder]
    /// True when a weekly check is scheduled (pending).
    func hasPendingWeeklyCheck() throws -> Bool
    /// Schedules a weekly check (nothing when its key exists, whatever its status).
    func scheduleWeeklyCheck(_ r: NewReminder, now: Date) throws
    /// Fires weekly check `id` if still pending: marked fired (late past `lateAfter`), `mails`
    /// queued (a Message-ID already in the outbox is not queued twice), `next` scheduled; nil
    /// when it was no longer pending.
    func fireWeeklyCheck(id: Int64, now: Date, lateAfter: TimeInterval, mails: [OutgoingMail], next: NewReminder?) throws -> Reminder?
}

extension SQLiteStore: WeeklyCheckQueue {}
