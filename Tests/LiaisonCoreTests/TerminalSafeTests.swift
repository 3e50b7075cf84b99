import Foundation
import Testing
@testable import LiaisonCore

/// Issue 12, "Output hygiene": the one escaping function every command uses for mail-derived text.
@Suite("TerminalSafe")
struct TerminalSafeTests {
    @Test func controlsBecomeVisible() {
        let subject = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{1B}[31mURGENT\u{1B}[0m"
        #expect(TerminalSafe.escape(subject) == "\\e]0;owned^G\\e[2J\\e[31mURGENT\\e[0m")
        #expect(TerminalSafe.escape("a\u{9B}31m b\u{7F}\u{0}") == "a\\u{9B}31m b^?^@")
        // "Trojan Source": a right-to-left override and an isolate.
        #expect(TerminalSafe.escape("invoice\u{202E}fdp.exe\u{2066}") == "invoice\\u{202E}fdp.exe\\u{2066}")
        #expect(TerminalSafe.escape("line1\nline2\tx\r") == "line1^Jline2^Ix^M")
        #expect(TerminalSafe.escape("line1\nline2\tx\r", multiline: true) == "line1\nline2\tx^M")
        #expect(TerminalSafe.escape("投诉:第二批货物12台设备无法开机 ✓") == "投诉:第二批货物12台设备无法开机 ✓")
    }

    @Test func jsonKeepsItsValueAndLosesItsControls() throws {
        let json = "{\"s\":\"a\u{9B}b\u{202E}c\u{7F}\"}"
        let safe = TerminalSafe.escapeJSON(json)
        #expect(safe == "{\"s\":\"a\\u009Bb\\u202Ec\\u007F\"}")
        let back = try JSONSerialization.jsonObject(with: Data(safe.utf8)) as? [String: String]
        #expect(back?["s"] == "a\u{9B}b\u{202E}c\u{7F}")
    }
}
