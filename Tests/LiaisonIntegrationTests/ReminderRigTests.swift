import Foundation
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import LiaisonTransport
import Logging
import Testing
import LiaisonTestSupport

extension RigTests {
    /// Issue 6 on the real mail system: a reminder due in 2 s reaches its owner's mailbox through
    /// the scheduler's timer, the outbox and Postfix; with Postfix stopped the mail waits in the
    /// outbox and arrives exactly once after Postfix is back.
    @Suite(.enabled(if: Rig.available, "mail rig variables not set (scripts/mailrig env)"))
    struct ReminderRigTests {
        static let org = try! Organization(name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                                      authservID: "mx.corp.example", timeZone: "Asia/Shanghai", workdayStart: "09:00", workdayEnd: "18:00",
                                      staff: ["张伟": "zhang.wei@corp.example"])

        /// Store, engine, and the two timers (reminders → outbox → SMTP submission), running.
        final class Running {
            let dir: URL
            let store: SQLiteStore
            let engine: ReminderEngine
            let scheduler: StoreTimer
            let outbox: StoreTimer
            let caseNumber: String

            init(retry: RetryPolicy) throws {
                dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-rig-reminders-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                store = try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
                let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                let templates = try MailTemplates(directory: root.appendingPathComponent("Templates").path)
                let renderer = NoticeRenderer(templates: templates, config: TemplateConfig(), organization: ReminderRigTests.org,
                                              from: Address(name: "Liaison", address: "track@corp.example"))
                let engine = ReminderEngine(planner: ReminderPlanner(organization: ReminderRigTests.org, rules: .defaults),
                                            renderer: renderer, store: store)
                self.engine = engine
                let smtp = try SMTPSender(settings: SMTPSettings(
                    url: Rig.submissionURL, username: "track@corp.example", password: Rig.password, caFile: Rig.ca,
                    connectTimeout: 5, responseTimeout: 20))
                let sender = OutboxSender(store: store, sender: smtp, policy: retry, renderNotice: { try engine.render($0) })
                let store = self.store
                let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
                let outbox = StoreTimer(name: "outbox", safetyInterval: .seconds(2), logger: quiet,
                                        next: { try sender.nextAttempt() }, work: { now in try sender.drain(now: now) })
                self.outbox = outbox
                scheduler = StoreTimer(name: "scheduler", logger: quiet,
                                       next: { try store.nextReminderTime() },
                                       work: { now in if !(try engine.fireDue(now: now)).isEmpty { outbox.poke() } })
                caseNumber = try store.openCase(NewCase(
                    numberTemplate: "EC20261123-{seq:3}", isInternal: false,
                    counterparty: Counterparty(organization: "client.example", contacts: ["client@client.example"]),
                    owner: "zhang.wei@corp.example", category: "complaint", openedAt: Date())).number
                scheduler.start()
                outbox.start()
            }

            /// Schedules a complaint-response reminder to the case owner `seconds` from now.
            func remind(in seconds: Double, key: String) throws -> Date {
                let at = Date() + seconds
                try store.update(now: Date()) { _ in
                    FollowUp(reminders: [NewReminder(caseNumber: caseNumber, kind: .complaintResponse, fireAt: at, about: at,
                                                     recipients: ["zhang.wei@corp.example"], key: key)])
                }
                scheduler.poke()
                return at
            }

            func stop() {
                scheduler.stop()
                outbox.stop()
                try? FileManager.default.removeItem(at: dir)
            }
        }

        /// The messages in zhang.wei's INBOX carrying `messageID`.
        static func copies(of messageID: String) throws -> Int {
            let mailbox = try IMAPMailbox(settings: Rig.imapSettings(user: "zhang.wei@corp.example"))
            var n = 0
            try mailbox.fetch(uids: try mailbox.uids(above: 0)) { _, bytes in
                if MessageParser.parse(bytes).messageID == messageID { n += 1 }
            }
            return n
        }

        @Test func reminderDueInTwoSecondsArrives() throws {
            try Rig.resetAll()
            let running = try Running(retry: RetryPolicy())
            defer { running.stop() }
            let due = try running.remind(in: 2, key: "rig:2s")
            let sent = try Rig.eventually(30) { () -> OutboxEntry? in
                try running.store.outbox(status: .sent).first
            }
            let entry = try #require(sent, "the reminder's mail was not sent within 30 s")
            #expect(entry.createdAt >= due, "fired before its time")
            #expect(entry.mail.recipients == ["zhang.wei@corp.example"])
            let arrived = try Rig.eventually(20) { try Self.copies(of: entry.mail.messageID) > 0 ? true : nil }
            #expect(arrived == true, "not in zhang.wei's mailbox")
            #expect(try Self.copies(of: entry.mail.messageID) == 1)
        }

        @Test func postfixDownTheMailWaitsAndArrivesOnce() throws {
            try Rig.resetAll()
            try Rig.mailrig(["stop", "postfix"])
            var restarted = false
            defer { if !restarted { try? Rig.mailrig(["start"]) } }
            let running = try Running(retry: RetryPolicy(initial: 1, cap: 2, jitter: 0.1, maxAge: 3_600))
            defer { running.stop() }
            _ = try running.remind(in: 1, key: "rig:down")
            // It fires, the submission port refuses, the row stays pending with attempts counted.
            let waiting = try Rig.eventually(30) { () -> OutboxEntry? in
                try running.store.outbox(status: .pending).first { $0.attempts >= 2 }
            }
            let entry = try #require(waiting, "the mail did not wait in the outbox")
            #expect(entry.lastError != nil)
            #expect(try running.store.outbox(status: .sent).isEmpty)
            #expect(try running.store.outbox(status: .failed).isEmpty)

            try Rig.mailrig(["start"])
            restarted = true
            let sent = try Rig.eventually(30) { try running.store.outbox(status: .sent).first }
            #expect(sent?.mail.messageID == entry.mail.messageID, "not sent after Postfix came back")
            let arrived = try Rig.eventually(20) { try Self.copies(of: entry.mail.messageID) > 0 ? true : nil }
            #expect(arrived == true)
            Thread.sleep(forTimeInterval: 3)   // further retries would have gone by now
            #expect(try Self.copies(of: entry.mail.messageID) == 1, "delivered more than once")
        }
    }
}
