import Foundation
import TOMLKit

/// How much one message may cost before it is held for review as `unprocessable` (issue 11).
/// `[containment]` in the configuration.
public struct ContainmentLimits: Sendable, Equatable {
    /// Processes that may die with the message in hand; at this many it is held, never read again.
    public var crashesBeforeHold: Int
    /// Failed filings (not store faults) before it is held.
    public var maxFilingAttempts: Int
    /// Parse, facts, recap and objection reading: past this the message is held.
    public var readingBudget: Duration
    /// An abandoned reading still running after `grace` budgets ends the process.
    public var grace: Int

    public init(crashesBeforeHold: Int = 2, maxFilingAttempts: Int = 5, readingBudget: Duration = .seconds(5), grace: Int = 10) {
        self.crashesBeforeHold = crashesBeforeHold
        self.maxFilingAttempts = maxFilingAttempts
        self.readingBudget = readingBudget
        self.grace = grace
    }
}

/// The `[containment]` section (issue 11): how much one message may cost before it is held for
/// review as `unprocessable`. Every key is optional:
///
/// ```toml
/// [containment]
/// max_filing_attempts = 5     # filings failing for a reason other than the store (1–100)
/// reading_budget = "5s"       # parse + facts + recap/objection reading (100ms–10m)
/// crashes_before_hold = 2     # processes that died with the message in hand (1–10)
/// ```
extension LiaisonConfig {
    public static let containmentKeys: Set<String> = ["max_filing_attempts", "reading_budget", "crashes_before_hold"]

    /// `[containment]`, defaults where absent. Throws `ConfigError` naming the key at fault.
    public func containmentLimits() throws -> ContainmentLimits {
        var limits = ContainmentLimits()
        guard let node = document["containment"] else { return limits }
        guard let table = node.table else {
            throw ConfigError(key: "containment", problem: "is not a table", fix: "write it as a [containment] section")
        }
        func int(_ k: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = table[k] else { return nil }
            guard let n = v.int, range.contains(n) else {
                throw ConfigError(key: "containment.\(k)", problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)",
                                  fix: "write e.g. \(k) = \(k == "crashes_before_hold" ? 2 : 5)")
            }
            return n
        }
        if let n = try int("max_filing_attempts", 1...100) { limits.maxFilingAttempts = n }
        if let n = try int("crashes_before_hold", 1...10) { limits.crashesBeforeHold = n }
        if let v = table["reading_budget"] {
            let seconds: Double? = v.int.map { Double($0) } ?? v.double ?? v.string.flatMap { MailConfigDuration.seconds($0) }
            guard let seconds, seconds >= 0.1, seconds <= 600 else {
                throw ConfigError(key: "containment.reading_budget", problem: "must be a duration from 100ms to 10m",
                                  fix: "write e.g. reading_budget = \"5s\"")
            }
            limits.readingBudget = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        return limits
    }
}
