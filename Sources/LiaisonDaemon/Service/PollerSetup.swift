import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTransport
import Logging

extension PollerService.Setup {
    /// Builds the poller's setup from a validated configuration: `IMAPMailbox` from [imap], the
    /// ingest pipeline from [organization] and [store] numbering over the already open `store`,
    /// the pace from `imap.poll_interval`. `makeWatcher` gives the IDLE watcher for the
    /// mailbox (nil, or returning nil: poll only). The store itself is not reopened on reload:
    /// a changed [store] url needs a restart (logged by `Daemon`'s caller).
    public static func fromConfig(
        _ config: LiaisonConfig, store: any IngestStore, environment: [String: String] = ProcessInfo.processInfo.environment,
        makeWatcher: (@Sendable (IMAPSettings) throws -> (any MailboxWatching)?)? = nil,
        followUps: (any FilingFollowUps)? = nil,
        logger: Logger = Logger(label: "liaison.imap")
    ) throws -> PollerService.Setup {
        let org = try config.organization()
        let numbering = try config.store().numbering
        let imap = try config.imapSettings(environment: environment)
        let mailbox = try IMAPMailbox(settings: imap, logger: logger)
        let watcher = try makeWatcher?(imap)
        var pipeline = IngestPipeline(organization: org, numbering: numbering, store: store, followUps: followUps)
        pipeline.rateCaps = try config.rateCaps()
        let seconds = imap.transferTimeout
        let settings = PollerService.Settings(
            mailboxKey: PollerService.checkpointKey(url: imap.url, username: imap.username),
            pollInterval: .milliseconds(Int64((try config.imapPollInterval() * 1000).rounded())),
            backoff: Backoff(initial: .seconds(1), maximum: .seconds(300)),
            stallLimit: .seconds(max(120, Int64(4 * seconds), Int64(imap.commandTimeout) + 60)),  // above one command's deadline
            timeZone: org.timeZone,
            containment: try config.containmentLimits(),
            maxMessageBytes: imap.maxResponseBytes)
        return PollerService.Setup(mailbox: mailbox, watcher: watcher, pipeline: pipeline, settings: settings)
    }
}
