import Foundation
import LiaisonDaemon
import Logging
import Testing

@Suite("JournalLogHandler")
struct JournalLogHandlerTests {
    static let date = Date(timeIntervalSince1970: 1_795_435_205)  // 2026-11-23T12:00:05Z

    @Test("journald form: <priority>label: message key=value, sorted")
    func journalForm() {
        let line = JournalLogHandler.format(level: .info, label: "liaison.poller", message: "message",
                                            metadata: ["uid": "42", "case": "EC20261116-001", "outcome": "opened"],
                                            journal: true, date: Self.date)
        #expect(line == "<6>liaison.poller: message case=EC20261116-001 outcome=opened uid=42")
        #expect(JournalLogHandler.format(level: .error, label: "x", message: "m", metadata: [:], journal: true, date: Self.date) == "<3>x: m")
        #expect([Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(JournalLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test("plain form: UTC time (milliseconds) and level; values with spaces quoted; line breaks escaped")
    func plainForm() {
        let line = JournalLogHandler.format(level: .warning, label: "liaison.imap", message: "two\nlines",
                                            metadata: ["reason": "connection refused", "n": "3"], journal: false, date: Self.date)
        #expect(line == "2026-11-23T12:00:05.000Z warning liaison.imap: two\\nlines n=3 reason=\"connection refused\"")
        #expect(!line.contains("\n"))
    }

    @Test("plain form: the time has milliseconds, cut (not rounded), before and after 1970")
    func milliseconds() {
        func stamp(_ seconds: Double) -> String {
            String(JournalLogHandler.format(level: .info, label: "l", message: "m", metadata: [:], journal: false,
                                            date: Date(timeIntervalSince1970: seconds)).prefix(24))
        }
        #expect(stamp(1_795_435_205.2507) == "2026-11-23T12:00:05.250Z")
        #expect(stamp(1_795_435_205.9999) == "2026-11-23T12:00:05.999Z")
        #expect(stamp(1_795_435_205) == "2026-11-23T12:00:05.000Z")
        #expect(stamp(-0.5) == "1969-12-31T23:59:59.500Z")
    }

    @Test("a password handed over in metadata is never printed, at any depth")
    func secretsRedacted() {
        let lines = LogCapture()
        var logger = lines.logger("liaison.test")
        logger[metadataKey: "smtp_password"] = "s3cret-one"
        logger.error("login failed", metadata: [
            "password": "s3cret-two", "user": "track@corp.example",
            "settings": .dictionary(["url": "imaps://h/INBOX", "Password": "s3cret-three"]),
            "Authorization": "Bearer s3cret-four",
        ])
        let printed = lines.lines.joined(separator: "\n")
        #expect(lines.lines.count == 1)
        for secret in ["s3cret-one", "s3cret-two", "s3cret-three", "s3cret-four"] {
            #expect(!printed.contains(secret), "\(secret) was printed")
        }
        #expect(printed.contains("password=<redacted>"))
        #expect(printed.contains("smtp_password=<redacted>"))
        #expect(printed.contains("user=track@corp.example"))
    }

    @Test("a long value (a body passed by mistake) is cut")
    func longValuesCut() {
        let body = String(repeating: "正文", count: 1000)
        let line = JournalLogHandler.format(level: .info, label: "l", message: "m", metadata: ["x": "\(body)"], journal: true, date: Self.date)
        #expect(line.count < 400)
        #expect(line.hasSuffix("…"))
    }

    @Test("values and keys: control characters escaped, quoted when they hold a space, quote or =, cut by characters not bytes")
    func valuesAndKeys() {
        func line(_ metadata: Logger.Metadata) -> String {
            JournalLogHandler.format(level: .info, label: "l", message: "m", metadata: metadata, journal: true, date: Self.date)
        }
        #expect(line(["k": "a\tb\u{7F}c\u{01}d"]) == "<6>l: m k=a\\tb\\x7fc\\x1d")
        #expect(line(["k": "投诉:设备"]) == "<6>l: m k=投诉:设备", "no control character: as it is")
        #expect(line(["k": "\u{85}x"]) == "<6>l: m k=\u{85}x", "C1 controls are not escaped, as before")
        #expect(line(["k": "a=b"]) == "<6>l: m k=\"a=b\"")
        #expect(line(["k": "say \"hi\""]) == "<6>l: m k=\"say \\\"hi\\\"\"")
        #expect(line(["k": ""]) == "<6>l: m k=\"\"")
        #expect(line(["case id": "1", "a/b": "2", "键": "3", "x-y.z_0": "4"]) == "<6>l: m a_b=2 case_id=1 x-y.z_0=4 键=3")
        // 300 characters of 3 bytes each are within the bound; 301 are cut to 300.
        let exact = String(repeating: "文", count: JournalLogHandler.maxValueLength)
        #expect(line(["k": "\(exact)"]) == "<6>l: m k=\(exact)")
        #expect(line(["k": "\(exact)文"]) == "<6>l: m k=\(exact)…")
        for secret in ["password", "SMTP_PassWord", "x-api_key", "Authorization", "cookie", "the_token", "密码password", "ÉtatPassword"] {
            #expect(JournalLogHandler.isSecretKey(secret), "\(secret)")
        }
        for plain in ["uid", "tok", "pass", "api", "case", "outcome", "auth", "密码", "Ｋｅｙ"] {
            #expect(!JournalLogHandler.isSecretKey(plain), "\(plain)")
        }
        let ascii = String(repeating: "a", count: JournalLogHandler.maxValueLength + 1)
        #expect(line(["k": "\(ascii)"]) == "<6>l: m k=\(ascii.dropLast())…")
    }
}
