import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import LiaisonXLSX
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `liaison export --from DATE --to DATE [--owner ADDR] --format xlsx|csv --out FILE`: the
/// 外部沟通跟进表 (issue 15) of the cases alive in the period — opened before its end and not
/// resolved before its start — one row per case (`FollowUpTable`), as XLSX (`FollowUpXLSX`) or CSV
/// (`FollowUpCSV`). The file is created 0600, never over an existing file or through a symlink.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the follow-up table (外部沟通跟进表) of a period as XLSX or CSV.")
    enum Format: String, ExpressibleByArgument { case xlsx, csv }

    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Option(help: "First day of the period (YYYY-MM-DD in the organisation's time zone, or an ISO 8601 instant).") var from: String
    @Option(help: "Last day of the period, included (or an ISO 8601 instant, excluded).") var to: String
    @Option(help: "Only the cases of this owner (an address).") var owner: String?
    @Option(help: "xlsx or csv.") var format: Format
    @Option(help: "The file to create (must not exist).") var out: String
    @Option(help: "Read item states at this instant (ISO 8601; default: now, or the period's end if earlier).") var now: String?

    func run() async throws {
        let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
        let org = opened.organization
        let tz = org.timeZone
        let period = try ReportPeriod(from: from, to: to, organization: org)
        let asOf = min(period.end, try now.map { try Instant.parse($0, option: "--now") } ?? Date())
        let names = Dictionary(org.staff.map { ($0.value.lowercased(), $0.key) }, uniquingKeysWith: { a, b in min(a, b) })
        let (bytes, rows, items) = try Self.render(store: opened.store, period: period, owner: owner, format: format,
                                                   maker: FollowUpTable.RowMaker(names: names, timeZone: tz, asOf: asOf))
        // An export holds customer data: created 0600, never over a file or through a symlink.
        do { try PrivateFile.create(out, bytes) } catch let e as PrivateFile.Failure { throw ValidationError(e.description) }
        print("\(out): \(rows) case(s), \(items) action item(s)")
    }

    /// The file's bytes and how many rows and items it holds. XLSX: the store's cursor and the
    /// workbook's writing overlap (each row written while the next case is read, issue 15); CSV:
    /// each row's text added as its case is read (one thread: the text is cheap beside the workbook).
    static func render(store: any LiaisonStore, period: ReportPeriod, owner: String?, format: Format,
                       maker: FollowUpTable.RowMaker) throws -> (bytes: [UInt8], rows: Int, items: Int) {
        switch format {
        case .csv:
            var csv = FollowUpCSV.Writer(timeZone: maker.timeZone)
            var rows = 0, items = 0
            try store.reportCases(from: period.start, to: period.end, owner: owner, details: true, lastOutbound: false) { c in
                let (row, caseItems) = maker.row(c)
                csv.add(row)
                rows += 1
                items += caseItems.count
            }
            return (csv.bytes, rows, items)
        case .xlsx:
            let counted = RowCount()
            let bytes = try FollowUpXLSX.render(timeZone: maker.timeZone) { emit in
                try store.reportCases(from: period.start, to: period.end, owner: owner, details: true, lastOutbound: false) { c in
                    let (row, items) = maker.row(c)
                    counted.add(items: items.count)
                    try emit(row, items)
                }
            }
            let (rows, items) = counted.value
            return (bytes, rows, items)
        }
    }
}

/// Rows and items counted on the export's reading thread.
private final class RowCount: Sendable {
    private let counts = Mutex((rows: 0, items: 0))
    func add(items: Int) { counts.withLock { $0.rows += 1; $0.items += items } }
    var value: (Int, Int) { counts.withLock { ($0.rows, $0.items) } }
}
