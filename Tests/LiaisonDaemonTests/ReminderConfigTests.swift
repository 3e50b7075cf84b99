import Foundation
import LiaisonCore
import LiaisonTestSupport
import Testing
@testable import LiaisonDaemon
@testable import LiaisonConfiguration

/// `[reminders]`: defaults, overrides, and errors that name the key.
@Suite struct ReminderConfigTests {
    static let organization = ConfigText.organization(timeZone: nil) + "\n"

    func rules(_ reminders: String) throws -> ReminderRules {
        try LiaisonConfig(toml: Self.organization + reminders).reminderRules()
    }

    func error(_ reminders: String) -> ConfigError? {
        do {
            _ = try rules(reminders)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            return ConfigError(key: "(unexpected)", problem: "\(error)", fix: "")
        }
    }

    @Test func absentSectionGivesSemanticsDefaults() throws {
        let r = try rules("")
        #expect(r == ReminderRules.defaults)
        #expect(r.itemDue.enabled && r.itemDue.morning && r.itemDue.before == 86_400 && r.itemDue.recipients == [.owner])
        #expect(r.itemOverdue.offset == 0 && r.itemOverdue.recipients == [.owner, .caseOwner])
        #expect(r.nextContact.offset == 3_600 && r.nextContact.recipients == [.author])
        #expect(r.complaintResponse.offset == 86_400 && r.complaintResponse.recipients == [.caseOwner])
        #expect(r.complaintSolution.offset == 172_800 && r.complaintSolution.recipients == [.caseOwner])
        #expect(r.recapWindow.recipients == [.author] && r.recapDisputed.recipients == [.author])
        #expect(r.satisfaction.workingDays == 1 && r.satisfaction.at == nil && r.satisfaction.recipients == [.caseOwner])
        #expect(r.filingCheck.at == nil && r.filingCheck.recipients == [.caseOwner])
        #expect(r.digest.at == ClockTime(hour: 17) && r.digest.recipients == [.owner])
    }

    @Test func emptyRuleTablesKeepDefaults() throws {
        let r = try rules(LiaisonConfig.reminderRuleNames.map { "[reminders.\($0)]\n" }.joined())
        #expect(r == ReminderRules.defaults)
    }

    @Test func overridesApply() throws {
        let r = try rules("""
            [reminders.item_due]
            morning = false
            before = "1h30m"
            recipients = ["owner", "case_owner"]
            [reminders.item_overdue]
            after = "2h"
            [reminders.next_contact]
            before = "30m"
            recipients = ["author", "Assistant@Corp.Example"]
            [reminders.complaint_response]
            after = "12h"
            [reminders.complaint_solution]
            enabled = false
            [reminders.recap_window]
            recipients = ["author", "case_owner"]
            [reminders.recap_disputed]
            enabled = false
            [reminders.satisfaction]
            working_days = 2
            at = "10:30"
            [reminders.filing_check]
            at = "14:00"
            [reminders.digest]
            at = "16:45"
            recipients = ["owner", "boss@corp.example"]
            """)
        #expect(r.itemDue.morning == false && r.itemDue.before == 5_400 && r.itemDue.recipients == [.owner, .caseOwner])
        #expect(r.itemOverdue.offset == 7_200 && r.itemOverdue.recipients == [.owner, .caseOwner])
        #expect(r.nextContact.offset == 1_800 && r.nextContact.recipients == [.author, .address("assistant@corp.example")])
        #expect(r.complaintResponse.offset == 43_200 && r.complaintResponse.enabled)
        #expect(r.complaintSolution.enabled == false && r.complaintSolution.offset == 172_800)
        #expect(r.recapWindow.recipients == [.author, .caseOwner])
        #expect(r.recapDisputed.enabled == false)
        #expect(r.satisfaction.workingDays == 2 && r.satisfaction.at == ClockTime(hour: 10, minute: 30))
        #expect(r.filingCheck.at == ClockTime(hour: 14))
        #expect(r.digest.at == ClockTime(hour: 16, minute: 45) && r.digest.recipients == [.owner, .address("boss@corp.example")])
    }

    @Test func zeroBeforeTurnsTheEarlyItemReminderOff() throws {
        #expect(try rules("[reminders.item_due]\nbefore = \"0h\"\n").itemDue.before == nil)
        #expect(try rules("[reminders.next_contact]\nbefore = \"0m\"\n").nextContact.offset == 0)
        #expect(try rules("[reminders.item_due]\nbefore = \"2d\"\n").itemDue.before == 172_800)
    }

    @Test(arguments: [
        ("[[reminders]]\nat = \"17:00\"", "reminders"),
        ("[reminders.digets]\nat = \"17:00\"", "reminders.digets"),
        ("[reminders]\ndigest = \"17:00\"", "reminders.digest"),
        ("[reminders.digest]\ntime = \"17:00\"", "reminders.digest.time"),
        ("[reminders.digest]\nat = \"25:00\"", "reminders.digest.at"),
        ("[reminders.digest]\nat = \"5pm\"", "reminders.digest.at"),
        ("[reminders.digest]\nat = 17", "reminders.digest.at"),
        ("[reminders.digest]\nenabled = \"yes\"", "reminders.digest.enabled"),
        ("[reminders.digest]\nrecipients = [\"nobody\"]", "reminders.digest.recipients"),
        ("[reminders.digest]\nrecipients = []", "reminders.digest.recipients"),
        ("[reminders.digest]\nrecipients = \"owner\"", "reminders.digest.recipients"),
        ("[reminders.item_due]\nbefore = \"soon\"", "reminders.item_due.before"),
        ("[reminders.item_due]\nbefore = 24", "reminders.item_due.before"),
        ("[reminders.item_due]\nbefore = \"24\"", "reminders.item_due.before"),
        ("[reminders.item_due]\nafter = \"1h\"", "reminders.item_due.after"),
        ("[reminders.item_overdue]\nafter = \"-1h\"", "reminders.item_overdue.after"),
        ("[reminders.complaint_response]\nafter = \"0h\"", "reminders.complaint_response.after"),
        ("[reminders.complaint_solution]\nafter = \"h\"", "reminders.complaint_solution.after"),
        ("[reminders.satisfaction]\nworking_days = \"1\"", "reminders.satisfaction.working_days"),
        ("[reminders.satisfaction]\nworking_days = 0", "reminders.satisfaction.working_days"),
        ("[reminders.recap_window]\nbefore = \"1h\"", "reminders.recap_window.before"),
    ])
    func badValueNamesItsKey(toml: String, key: String) throws {
        let e = try #require(error(toml))
        #expect(e.key == key)
        #expect(!e.fix.isEmpty)
        #expect(e.description.contains("`\(key)`"))
    }

    @Test func durationsRead() {
        #expect(ReminderDuration.seconds("24h") == 86_400)
        #expect(ReminderDuration.seconds("30m") == 1_800)
        #expect(ReminderDuration.seconds("2d") == 172_800)
        #expect(ReminderDuration.seconds("1h30m") == 5_400)
        #expect(ReminderDuration.seconds("45s") == 45)
        #expect(ReminderDuration.seconds("0") == 0)
        #expect(ReminderDuration.seconds(" 1H ") == 3_600)
        #expect(ReminderDuration.seconds("1.5h") == nil)
        #expect(ReminderDuration.seconds("1h30") == nil)
        #expect(ReminderDuration.seconds("") == nil)
        #expect(ReminderDuration.seconds("1w") == nil)
    }

    @Test func exampleFileReads() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/liaison.toml.example")
        let text = try String(contentsOf: example, encoding: .utf8)
        #expect(text.contains("# [reminders.digest]"))
        #expect(try LiaisonConfig(toml: text).reminderRules() == ReminderRules.defaults)
        // Uncommenting the example's [reminders] lines yields the defaults again: the comments tell the truth.
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let s = String(line)
            guard s.hasPrefix("# [reminders.") || (s.hasPrefix("# ") && s.dropFirst(2).first.map { $0.isLetter && $0.isASCII } == true
                                                  && s.contains(" = ") && isReminderKey(s)) else { return s }
            return String(s.dropFirst(2))
        }.joined(separator: "\n")
        #expect(uncommented.contains("\n[reminders.digest]"))
        // The example spells out workday_start ("09:00") where the default leaves `at` unset.
        var expected = ReminderRules.defaults
        expected.satisfaction.at = ClockTime(hour: 9)
        expected.filingCheck.at = ClockTime(hour: 9)
        #expect(try LiaisonConfig(toml: uncommented).reminderRules() == expected)
    }

    private func isReminderKey(_ line: String) -> Bool {
        ["morning", "before", "after", "recipients", "working_days", "at"].contains { line.hasPrefix("# \($0) = ") }
    }
}
