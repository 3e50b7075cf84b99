import Foundation
import LiaisonMail

/// When a message reached the organisation (semantics.md "Replies to a recap": which side of an
/// objection window a reply falls on, and every SLA clock, is judged by it — never by the
/// sender's `Date`, which anyone can write).
///
/// The organisation's own MX is the last hop, so its stamp is the **topmost** `Received` field:
/// every header a sender or an earlier relay wrote sits below it. That stamp is believed when it
/// parses (`ReceivedParser`) and, if `organization.mx_hosts` is set, names one of those hosts
/// after `by`; its time is moved by `clockOffset` (the service's clock offset from real time under
/// `serve --now`) and never later than the fetch (our MX cannot stamp mail after we read it; a
/// later stamp is clock skew). Otherwise the fetch time stands in. Pure: the fetch time and
/// offset are passed in.
public struct Arrival: Sendable, Equatable {
    public enum Source: String, Sendable, Equatable {
        /// The topmost Received stamp of the organisation's MX.
        case received
        /// The time Liaison fetched the message (no usable stamp).
        case fetched
        /// The message's own `Date`: only for archive imports (`liaison ingest`).
        case dateHeader = "date-header"
    }

    public var date: Date
    public var source: Source
    /// Why the stamp was not used, when it was not (for the log and tests).
    public var note: String?

    public init(date: Date, source: Source, note: String? = nil) {
        self.date = date
        self.source = source
        self.note = note
    }

    /// The arrival of a message fetched from the tracking mailbox at `fetchedAt` (service clock).
    public static func of(_ message: Message, organization org: Organization, fetchedAt: Date,
                          clockOffset: TimeInterval = 0) -> Arrival {
        guard let top = message.header.first("Received") else {
            return Arrival(date: fetchedAt, source: .fetched, note: "no Received field")
        }
        let stamp: ReceivedParser.Stamp
        switch ReceivedParser.parse(top.value) {
        case .success(let s): stamp = s
        case .failure(let f): return Arrival(date: fetchedAt, source: .fetched, note: f.description)
        }
        if !org.mxHosts.isEmpty {
            guard let by = stamp.by, org.mxHosts.contains(by) else {
                return Arrival(date: fetchedAt, source: .fetched,
                               note: "topmost Received is by \(stamp.by ?? "no host"), not one of organization.mx_hosts")
            }
        }
        let shifted = stamp.date.date.addingTimeInterval(clockOffset)
        guard shifted <= fetchedAt else {
            return Arrival(date: fetchedAt, source: .fetched, note: "topmost Received is later than the fetch (clock skew)")
        }
        return Arrival(date: shifted, source: .received)
    }

    /// An archive import: the `Date` header, else `fallback`.
    public static func imported(_ message: Message, fallback: Date) -> Arrival {
        if let d = message.date?.date { return Arrival(date: d, source: .dateHeader) }
        return Arrival(date: fallback, source: .fetched, note: "no Date header")
    }
}
