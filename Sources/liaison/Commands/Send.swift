import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonTransport
import Logging

/// `liaison send`: submits one .eml file as is over [smtp]; exit 0 accepted, 75 (EX_TEMPFAIL)
/// transient, 1 permanent.
struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one .eml file, byte for byte, through the [smtp] server and print each recipient's result.")
    @Option(help: "A liaison.toml (default: $LIAISON_CONFIG).") var config: String?
    @Option(help: "Envelope sender (default: the address of smtp.from).") var from: String?
    @Option(help: "Envelope recipient; repeat for more (default: the To and Cc addresses of the file).") var to: [String] = []
    @Flag(help: "Log each SMTP event to standard error.") var verbose = false
    @Argument(help: "The message file.") var file: String

    func run() async throws {
        let cfg = try loadMailConfig(config)
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let message = [UInt8](data)
        guard let sender = try from ?? cfg.smtpFrom().flatMap({ addressSpecs(in: $0).first }) else {
            throw ValidationError("give --from ADDR or set smtp.from")
        }
        var recipients = to
        if recipients.isEmpty {
            for field in ["To", "Cc"] {
                if let raw = rawHeader(field, in: message) { recipients += addressSpecs(in: String(decoding: raw, as: UTF8.self)) }
            }
        }
        guard !recipients.isEmpty else { throw ValidationError("no recipients: give --to ADDR or put To/Cc in the file") }
        var logger = Logger(label: "liaison.smtp")
        logger.logLevel = verbose ? .debug : .warning
        let smtp = try SMTPSender(settings: try cfg.smtpSettings(), logger: logger)
        let result = smtp.send(envelopeFrom: sender, recipients: recipients, message: message)
        for r in result.recipients { print(r) }
        switch result {
        case .accepted: print("accepted")
        case .transient(let reason, _):
            print("transient failure: \(reason)")
            throw ExitCode(75)
        case .permanent(let reason, _):
            print("permanent failure: \(reason)")
            throw ExitCode(1)
        }
    }
}

/// The addr-specs of an address list (RFC 5322 §3.4), minimally: `<…>` when present, else a
/// bare word with `@`; quoted display names and comments are skipped. Group syntax is not handled.
func addressSpecs(in list: String) -> [String] {
    var result: [String] = []
    var current = ""
    var inQuote = false
    var depth = 0
    func finish() {
        let item = current.trimmingCharacters(in: .whitespaces)
        current = ""
        if let open = item.lastIndex(of: "<"), let close = item.lastIndex(of: ">"), open < close {
            let spec = item[item.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if spec.contains("@") { result.append(spec) }
        } else if let word = item.split(separator: " ").first(where: { $0.contains("@") }) {
            result.append(String(word))
        }
    }
    var previous: Character = " "
    for c in list {
        if inQuote {
            if c == "\"" && previous != "\\" { inQuote = false }
        } else if c == "\"" { inQuote = true
        } else if c == "(" { depth += 1
        } else if c == ")" { depth = max(0, depth - 1)
        } else if depth == 0 {
            if c == "," { finish() } else { current.append(c) }
        }
        previous = c
    }
    finish()
    return result
}
