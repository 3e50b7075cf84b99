import Foundation

/// The figures the policies judge the work by (issue 15), for one owner or overall, over a
/// period [from, to):
///
/// - `casesOpened` / `casesResolved`: cases opened / resolved (or closed) in the period;
/// - `firstResponse` (沟通及时率): over the cases opened in the period that have an inbound
///   message, the time from the first inbound message to the first outbound one at or after it;
///   `within24h` of `total` (a case still unanswered counts in `total`), `median` and `p90` (in
///   seconds, nearest rank, over the answered ones);
/// - `complaintSolution` (问题解决率): complaints opened in the period given a solution — a recap
///   sent, or the case resolved — within 48 h of the complaint's arrival;
/// - `recaps` (沟通准确率): recaps sent in the period, by state;
/// - `items`: the action items of those recaps, by `ItemProgress` at `asOf`;
/// - `satisfaction` (满意度): follow-ups that went out in the period, and how many were answered;
/// - `openByAge`: cases open at `asOf`, by age.
///
/// Times are the store's recorded times of the messages (see `ReportCase`). Pure: no clock.
public struct ReportFigures: Sendable, Equatable, Codable {
    public struct FirstResponse: Sendable, Equatable, Codable {
        public var median: Int?
        public var p90: Int?
        public var within24h: Int
        public var total: Int
        public var rate: Double?
        enum CodingKeys: String, CodingKey { case median, p90, within24h, total, rate }
        /// Every key present; null where there is no value (no answered case, an empty total).
        public func encode(to encoder: Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(median, forKey: .median)
            try k.encode(p90, forKey: .p90)
            try k.encode(within24h, forKey: .within24h)
            try k.encode(total, forKey: .total)
            try k.encode(rate, forKey: .rate)
        }
    }
    public struct ComplaintSolution: Sendable, Equatable, Codable {
        public var within48h: Int
        public var total: Int
        public var rate: Double?
        enum CodingKeys: String, CodingKey { case within48h, total, rate }
        public func encode(to encoder: Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(within48h, forKey: .within48h)
            try k.encode(total, forKey: .total)
            try k.encode(rate, forKey: .rate)
        }
    }
    public struct Recaps: Sendable, Equatable, Codable {
        public var confirmed = 0, disputed = 0, pending = 0
    }
    public struct Items: Sendable, Equatable, Codable {
        public var doneOnTime = 0, doneLate = 0, overdue = 0, open = 0
    }
    public struct Satisfaction: Sendable, Equatable, Codable {
        public var followUps = 0, replied = 0
    }
    public struct AgeBucket: Sendable, Equatable, Codable {
        public var age: String
        public var count: Int
    }

    public var casesOpened = 0
    public var casesResolved = 0
    public var firstResponse = FirstResponse(median: nil, p90: nil, within24h: 0, total: 0, rate: nil)
    public var complaintSolution = ComplaintSolution(within48h: 0, total: 0, rate: nil)
    public var recaps = Recaps()
    public var items = Items()
    public var satisfaction = Satisfaction()
    public var openByAge: [AgeBucket] = []

    /// Upper bounds of the age buckets of open cases (days), then everything older.
    public static let ageBounds: [(label: String, days: Double)] = [("<1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-14d", 14)]
    public static let olderLabel = ">=14d"

    /// The figures over `cases`. `asOf` is the instant item states and open-case ages are read at
    /// (the end of the period, or now if earlier).
    public static func compute(_ cases: [ReportCase], from: Date, to: Date, asOf: Date) -> ReportFigures {
        var f = ReportFigures()
        var responses: [Int] = []
        var ages = Array(repeating: 0, count: ageBounds.count + 1)
        func inPeriod(_ d: Date?) -> Bool { d.map { $0 >= from && $0 < to } ?? false }
        for c in cases {
            let opened = inPeriod(c.openedAt)
            if opened { f.casesOpened += 1 }
            if c.isSettled, inPeriod(c.resolvedAt) { f.casesResolved += 1 }
            if opened, let arrived = c.firstInboundAt {
                f.firstResponse.total += 1
                if let answered = c.firstResponseAt, answered <= asOf {
                    let s = Int(answered.timeIntervalSince(arrived).rounded())
                    responses.append(s)
                    if s <= 24 * 3600 { f.firstResponse.within24h += 1 }
                }
                if c.category == .complaint {
                    f.complaintSolution.total += 1
                    let solutions = c.recaps.compactMap(\.sentAt) + (c.isSettled ? [c.resolvedAt].compactMap { $0 } : [])
                    if let first = solutions.filter({ $0 >= arrived && $0 <= asOf }).min(),
                       first.timeIntervalSince(arrived) <= 48 * 3600 {
                        f.complaintSolution.within48h += 1
                    }
                }
            }
            for r in c.recaps where inPeriod(r.sentAt) {
                switch r.state {
                case "confirmed": f.recaps.confirmed += 1
                case "disputed": f.recaps.disputed += 1
                default: f.recaps.pending += 1
                }
                for item in r.items {
                    switch ItemProgress.of(item, in: c, asOf: asOf).progress {
                    case .doneOnTime: f.items.doneOnTime += 1
                    case .doneLate: f.items.doneLate += 1
                    case .overdue: f.items.overdue += 1
                    case .open: f.items.open += 1
                    case .cancelled: break
                    }
                }
            }
            for s in c.satisfaction where inPeriod(s.sentAt) {
                f.satisfaction.followUps += 1
                if let r = s.repliedAt, r <= asOf { f.satisfaction.replied += 1 }
            }
            // Open at `asOf`: opened by then and not resolved by then (a case resolved later was open).
            let settledByThen = c.isSettled && (c.resolvedAt.map { $0 <= asOf } ?? true)
            if c.openedAt <= asOf && !settledByThen {
                let days = asOf.timeIntervalSince(c.openedAt) / 86_400
                ages[ageBounds.firstIndex { days < $0.days } ?? ageBounds.count] += 1
            }
        }
        responses.sort()
        f.firstResponse.median = nearestRank(responses, 0.5)
        f.firstResponse.p90 = nearestRank(responses, 0.9)
        f.firstResponse.rate = ratio(f.firstResponse.within24h, f.firstResponse.total)
        f.complaintSolution.rate = ratio(f.complaintSolution.within48h, f.complaintSolution.total)
        f.openByAge = zip(ageBounds.map(\.label) + [olderLabel], ages).map { AgeBucket(age: $0, count: $1) }
        return f
    }

    /// The nearest-rank percentile: the smallest value with at least `p` of the values at or below it.
    static func nearestRank(_ sorted: [Int], _ p: Double) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func ratio(_ n: Int, _ d: Int) -> Double? {
        d == 0 ? nil : (Double(n) / Double(d) * 10_000).rounded() / 10_000
    }
}

/// The report: the period, the figures overall and per case owner (owners in address order;
/// cases with no owner count only overall).
public struct Report: Sendable, Equatable {
    public struct OwnerFigures: Sendable, Equatable {
        public var owner: String
        public var figures: ReportFigures
        public init(owner: String, figures: ReportFigures) {
            self.owner = owner
            self.figures = figures
        }
    }
    public var from: String
    public var to: String
    public var overall: ReportFigures
    public var owners: [OwnerFigures]

    public init(from: String, to: String, overall: ReportFigures, owners: [OwnerFigures]) {
        self.from = from
        self.to = to
        self.overall = overall
        self.owners = owners
    }

    /// `from`/`to` are the period's labels as the user gave them (e.g. `2026-11-01`).
    public static func make(_ cases: [ReportCase], fromLabel: String, toLabel: String, from: Date, to: Date, asOf: Date) -> Report {
        let byOwner = Dictionary(grouping: cases.filter { $0.owner != nil }, by: { $0.owner! })
        return Report(from: fromLabel, to: toLabel, overall: .compute(cases, from: from, to: to, asOf: asOf),
                      owners: byOwner.keys.sorted().map { OwnerFigures(owner: $0, figures: .compute(byOwner[$0]!, from: from, to: to, asOf: asOf)) })
    }
}
