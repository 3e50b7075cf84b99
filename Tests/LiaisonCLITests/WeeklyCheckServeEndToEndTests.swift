import Foundation
import LiaisonMail
import Testing
import LiaisonTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The weekly check through `liaison serve` on the mail rig (issue 15 part 3): the service started
/// 20 s before Monday 09:00 (fake clock) with a manager configured; the manager's mail — the
/// week's figures with the follow-up table attached — arrives in the manager's mailbox through
/// the outbox and Postfix, once, even after a restart.
@Suite("weekly check via liaison serve (binary, mail rig)", .serialized)
struct WeeklyCheckServeEndToEndTests {
    @Test("the manager's weekly mail arrives in the manager's mailbox, once", .enabled(if: ServeEndToEndTests.enabled))
    func managerMailArrives() throws {
        try Rig.require()
        let corpus = ServeCommandTests.corpus(["01-", "02-"])
        try #require(corpus.count == 2, "corpus not found at \(CorpusLocation.directory.path)")
        let ws = try E2E.Workspace("e2e-weekly")
        let folder = "WK\(UUID().uuidString.prefix(8))"
        let staff = [("张伟", "zhang.wei@corp.example"), ("李娜", "li.na@corp.example")]
        let config = try ws.writeConfig("liaison.toml", folder: folder, staff: staff)
        // The manager, in [organization] (the workspace's file has the section first).
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "workday_end = \"18:00\"\n", with: "workday_end = \"18:00\"\nmanagers = [\"li.na@corp.example\"]\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let liNa = try ws.writeConfig("li-na.toml", user: "li.na@corp.example", staff: staff)
        let firstUID = try E2E.uidNext(config: liNa)

        try Rig.deliver("track+\(folder)@corp.example", corpus)
        var serve = try E2E.Serve(config: config, now: "2026-11-23T08:59:40+08:00", logPath: ws.path("serve-1.log"))
        defer { serve.ensureStopped() }
        try serve.waitReady()

        var weekly: [E2E.Mail] = []
        try E2E.waitUntil("the weekly check in li.na's mailbox", timeout: 120, every: 0.5,
                          detail: { "got \(weekly.map(\.subject)); \(serve.logTail)" }) {
            weekly = try E2E.mails(config: liNa, from: firstUID, scratch: ws.dir)
                .filter { ($0.messageID ?? "").hasPrefix("<liaison.weekly.2026-11-23.m") }
            return !weekly.isEmpty
        }
        let mail = try #require(weekly.first)
        #expect(mail.subject == "每周检查：2026-11-16至2026-11-22沟通工作周报", "\(mail.subject)")
        #expect(mail.header("Auto-Submitted") == "auto-generated")
        #expect(mail.message.to.map(\.address) == ["li.na@corp.example"] && mail.message.to.first?.name == "李娜")
        #expect(mail.message.attachments.map(\.filename) == ["外部沟通跟进表-2026-11-23.xlsx"])
        #expect(mail.message.attachments.first?.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(mail.message.text.contains("李娜，您好："))
        #expect(serve.log.contains("weekly check fired"))

        // Restarted on the same database (the clock running on): the week is not sent again.
        #expect(serve.stop(SIGTERM, timeout: 20) == 0, "\(serve.logTail)")
        let clockNow = E2E.iso(Date().addingTimeInterval(ISO8601DateFormatter().date(from: "2026-11-23T09:00:30+08:00")!.timeIntervalSinceNow))
        serve = try E2E.Serve(config: config, now: clockNow, logPath: ws.path("serve-2.log"))
        try serve.waitReady()
        // The scheduler's first pass has run when the next check is shown as scheduled.
        try E2E.waitUntil("the next weekly check scheduled", timeout: 60, detail: { serve.logTail }) {
            try E2E.reminders(config: config, status: "pending").contains { $0["kind"] as? String == "weekly-check" }
        }
        let pending = try E2E.reminders(config: config, status: "pending").filter { $0["kind"] as? String == "weekly-check" }
        #expect(pending.map { $0["fireAt"] as? String } == ["2026-11-30T09:00:00+08:00"])
        let fired = try E2E.reminders(config: config, status: "fired").filter { $0["kind"] as? String == "weekly-check" }
        #expect(fired.count == 1)
        #expect(serve.stop(SIGTERM, timeout: 20) == 0, "\(serve.logTail)")
        let all = try E2E.mails(config: liNa, from: firstUID, scratch: ws.dir).filter { ($0.messageID ?? "").hasPrefix("<liaison.weekly.") }
        #expect(all.count == 1, "\(all.map(\.subject))")
        try? FileManager.default.removeItem(at: ws.dir)
    }
}
