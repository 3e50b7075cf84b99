import Foundation
import Testing
@testable import LiaisonDaemon
@testable import LiaisonConfiguration

/// `validate()` also checks what the reminder side reads: [reminders] and the templates folder.
@Suite struct ConfigValidationPartsTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Templates").path

    @Test func goodTemplatesFolderAndRulesPass() throws {
        let report = try ConfigValidationTests.report(ConfigValidationTests.complete + """

            [templates]
            directory = "\(Self.templates)"
            [reminders.item_due]
            before = "2h"
            """)
        #expect(report.isValid, "\(report.errors)")
    }

    @Test func missingTemplatesFolderIsAnErrorNamingTheKey() throws {
        let report = try ConfigValidationTests.report(ConfigValidationTests.complete + """

            [templates]
            directory = "/nonexistent/liaison-templates"
            """)
        #expect(report.errors.map(\.key) == ["templates.directory"])
    }

    @Test func badReminderDurationIsAnErrorNamingTheKey() throws {
        let report = try ConfigValidationTests.report(ConfigValidationTests.complete + """

            [templates]
            directory = "\(Self.templates)"
            [reminders.complaint_response]
            offset = "soon"
            """)
        #expect(report.errors.contains { $0.key.hasPrefix("reminders.complaint_response") })
    }
}
