import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonStore
import Logging

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "File .eml files as if they had arrived in the tracking mailbox.",
        discussion: """
            Files each message, in argument order, on its case (or opens one, or holds it for review) \
            exactly as the daemon would. Ingesting a file twice files it once. Prints one line per file \
            (unless --quiet), progress on stderr every 1,000 files, and a summary at the end. \
            With --mailbox, files are numbered 1, 2, 3… as UIDs of that mailbox and recorded as its \
            checkpoint, so an interrupted import resumes after the last file filed. \
            Containment as in the daemon ([containment]): a file whose reading crashed this command \
            twice, ran past the reading budget, or failed to file max_filing_attempts times is held \
            for review as unprocessable; the command exits \(ContainedIngest.stuckReaderExitCode) \
            when a second reading is stuck. \
            An archive has no arrival time of ours: objection windows, "late" and the complaint \
            clocks are judged by each message's own Date header (the sender's clock), where the \
            daemon uses the time the message reached the organisation (its MX's Received stamp, \
            else the fetch).
            """)

    @Argument(help: "The .eml files.") var files: [String]
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "The SQLite database (overrides [store] url).") var db: String?
    @Flag(help: "No line per file.") var quiet = false
    @Option(help: "Record a checkpoint for this mailbox name (UIDs = argument positions from 1).") var mailbox: String?
    @Option(help: "UIDVALIDITY for --mailbox.") var uidValidity: UInt32 = 1

    func run() async throws {
        let opened = try StoreOpening.open(config: config, db: db, needOrganization: true)
        // Filing also stores recaps and schedules reminders, exactly as the daemon does.
        let engine = try opened.config.map {
            do { return try ReminderAssembly.engine(config: $0, organization: opened.organization, store: opened.store) }
            catch let e as ConfigError { throw ValidationError(e.description) }
        }
        var pipeline = IngestPipeline(organization: opened.organization, numbering: opened.numbering, store: opened.store,
                                      followUps: engine)
        // An archive has no `--now`: each file is filed at the time it is read.
        // An archive holds no arrival of ours: its Date is all there is (semantics.md).
        pipeline.timeBasis = .dateHeader
        let limits: ContainmentLimits
        do { limits = try opened.config?.containmentLimits() ?? ContainmentLimits() }
        catch let e as ConfigError { throw ValidationError(e.description) }
        // Holds are counted in the summary; only errors are logged to standard error.
        var containLog = Logger(label: "liaison.containment")
        containLog.logLevel = .error
        let contained = ContainedIngest(pipeline: pipeline, limits: limits,
                                        worker: ReadingWorker(onStuck: ContainedIngest.exitStuck(logger: containLog)), logger: containLog)
        var tally: [String: Int] = [:]
        var skip: UInt32 = 0
        if let mailbox, let cp = try opened.store.checkpoint(mailbox: mailbox), cp.uidValidity == uidValidity { skip = cp.lastUID }
        for (index, file) in files.enumerated() {
            let uid = UInt32(index + 1)
            if uid <= skip { tally["skipped (before checkpoint)", default: 0] += 1; continue }
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("liaison: cannot read \(file)\n".utf8))
                tally["unreadable", default: 0] += 1
                continue
            }
            let cp = mailbox.map { MailboxCheckpoint(mailbox: $0, uidValidity: uidValidity, lastUID: uid) }
            let bytes = [UInt8](data)
            let marker = mailbox.map { ProcessingMarker.uid(mailbox: $0, uidValidity: uidValidity, uid: uid) }
                ?? ProcessingMarker.file(contentHash: ContentHash.of(bytes))
            let result = try Self.ingestContained(contained, bytes, marker: marker, checkpoint: cp, limit: limits.maxFilingAttempts)
            switch result {
            case .filed(_, true, _): tally["opened a case", default: 0] += 1
            case .filed: tally["filed on an existing case", default: 0] += 1
            case .duplicate: tally["duplicates", default: 0] += 1
            case .held(_, .unprocessable): tally["held as unprocessable", default: 0] += 1
            case .held: tally["held for review", default: 0] += 1
            }
            if !quiet { print("\(file): \(result.summary)") }
            if (index + 1) % 1_000 == 0 {
                FileHandle.standardError.write(Data("liaison: \(index + 1) of \(files.count) files\n".utf8))
            }
        }
        let order = ["opened a case", "filed on an existing case", "duplicates", "held for review", "held as unprocessable",
                     "skipped (before checkpoint)", "unreadable"]
        let parts = order.compactMap { k in tally[k].map { "\($0) \(k)" } }
        print("\(files.count) file\(files.count == 1 ? "" : "s"): " + (parts.isEmpty ? "nothing to do" : parts.joined(separator: ", ")))
        print("objection windows and complaint clocks judged by each message's Date header: an archive import has no arrival time")
    }
}

extension Ingest {
    /// One file through `ContainedIngest`, its filing tried again at once after a failure that
    /// is not a store fault, until containment holds it (at `limit` failures). A store fault
    /// ends the command, as before: nothing half-filed, and a re-run resumes.
    static func ingestContained(_ contained: ContainedIngest, _ bytes: [UInt8], marker: ProcessingMarker,
                                checkpoint: MailboxCheckpoint?, limit: Int) throws -> IngestResult {
        var attempt = 0
        while true {
            attempt += 1
            do {
                // `liaison ingest` has no --now: a file is filed at the time it is read.
                return try contained.ingest(bytes, marker: marker, checkpoint: checkpoint, now: Date())
            } catch where !StoreFaults.isUnavailable(error) && attempt < limit {
                continue
            }
        }
    }
}

/// Opens the store a command names: `--db PATH`, else `[store] url` of the configuration,
/// through the one factory (`StoreConfig.open`, `Stores.open`).
enum StoreOpening {
    struct Opened {
        var store: any LiaisonStore
        var organization: Organization
        var numbering: CaseNumbering
        var config: LiaisonConfig? = nil
    }

    static func open(config flag: String?, db: String?, needOrganization: Bool) throws -> Opened {
        do {
            guard let path = ConfigLoading.path(flag) else {
                if needOrganization {
                    throw ValidationError("this command needs --config FILE (or LIAISON_CONFIG) for the organisation")
                }
                guard let db else { throw ValidationError("pass --db PATH or --config FILE with [store] url") }
                return Opened(store: try StoreConfig.sqlite(path: db).open(), organization: neutral, numbering: CaseNumbering())
            }
            let config = try LiaisonConfig.load(path: path)
            let org = try config.organization()
            let store = try config.store(overridePath: db)
            return Opened(store: try store.open(), organization: org, numbering: store.numbering, config: config)
        } catch let e as ConfigError {
            throw ValidationError(e.description)
        } catch let e as StoreError {
            throw ValidationError(e.description)
        }
    }

    static let neutral = Organization(name: "", internalDomains: [], trackingAddress: "", authservID: "")
}
