import Foundation
import LiaisonCore
import LiaisonStore

extension FilingStore {
    /// Files a decided message through the one filing operation, at the message's own date.
    func file(_ filing: Filing) throws -> FilingOutcome {
        try file(filing, now: filing.message.date ?? Date(timeIntervalSince1970: 0))
    }

    /// Files a decided message with a follow-up, through the one filing operation.
    func file(_ filing: Filing, now: Date, followUp: @escaping (FiledContext) throws -> FollowUp) throws -> FilingOutcome {
        try file(DecidedFiling(filing, then: followUp), now: now)
    }
}
