import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

/// `liaison report --from DATE --to DATE [--owner ADDR] [--format text|json|html]`: the figures
/// the policies judge the work by (issue 15), overall and per case owner. See `ReportFigures`.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The period's figures: cases opened/resolved, first response, complaint solutions, recaps, items, satisfaction, open cases by age.",
        discussion: """
            JSON: {"from", "to", "overall": {…}, "owners": [{"owner": ADDRESS, …}]}; each has casesOpened, casesResolved, \
            firstResponse {median, p90 (seconds), within24h, total, rate}, complaintSolution {within48h, total, rate}, \
            recaps {confirmed, disputed, pending}, items {doneOnTime, doneLate, overdue, open}, satisfaction {followUps, replied}, \
            openByAge [{age, count}]. HTML: one self-contained page with inline SVG charts.
            """)
    enum Format: String, ExpressibleByArgument { case text, json, html }

    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Option(help: "First day of the period (YYYY-MM-DD in the organisation's time zone, or an ISO 8601 instant).") var from: String
    @Option(help: "Last day of the period, included (or an ISO 8601 instant, excluded).") var to: String
    @Option(help: "Only the cases of this owner (an address).") var owner: String?
    @Option(help: "text, json or html.") var format: Format = .text
    @Option(help: "Read item states and case ages at this instant (ISO 8601; default: now, or the period's end if earlier).") var now: String?

    func run() async throws {
        let opened = try StoreOpening.open(config: config, db: db, needOrganization: false)
        let period = try ReportPeriod(from: from, to: to, organization: opened.organization)
        let asOf = min(period.end, try now.map { try Instant.parse($0, option: "--now") } ?? Date())
        let cases = try opened.store.reportCases(from: period.start, to: period.end, owner: owner, details: false)
        let report = Report.make(cases, fromLabel: from, toLabel: to, from: period.start, to: period.end, asOf: asOf)
        switch format {
        case .text: print(report.text(), terminator: "")
        case .json: print(try report.json())
        case .html: print(report.html(organization: opened.organization.name), terminator: "")
        }
    }
}

/// A period of whole days in the organisation's time zone: `--from 2026-11-01 --to 2026-11-30`
/// is [Nov 1 00:00, Dec 1 00:00). ISO 8601 instants are taken as they are (`--to` excluded).
struct ReportPeriod {
    var start: Date
    var end: Date

    init(from: String, to: String, organization: Organization) throws {
        let tz = organization.timeZone
        start = try Self.instant(from, option: "--from", tz: tz, nextDay: false)
        end = try Self.instant(to, option: "--to", tz: tz, nextDay: true)
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    static func instant(_ text: String, option: String, tz: TimeZone, nextDay: Bool) throws -> Date {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), parts[0].count == 4 {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = tz
            guard let day = cal.date(from: DateComponents(year: y, month: m, day: d)),
                  cal.component(.month, from: day) == m else {
                throw ValidationError("\(option): no such day \(text)")
            }
            return nextDay ? cal.date(byAdding: .day, value: 1, to: day)! : day
        }
        return try Instant.parse(text, option: option)
    }
}
