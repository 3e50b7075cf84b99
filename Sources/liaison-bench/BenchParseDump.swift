import ArgumentParser
import Foundation
import LiaisonMail

/// `liaison-bench bench parse-dump DIR --out FILE`: every public result of `MessageParser.parse`
/// for each file of a folder, written as text, so that two builds of the parser can be compared
/// on a whole corpus (`cmp` of the two files): the differential check of a change that must not
/// change what the parser reads (issue 16).
///
/// Written per message: subject, every address field, date and offset, the message IDs, the
/// readable text, attachments, issues, the delivery report, every header field (name, raw bytes,
/// value), and the MIME tree (type, parameters, disposition, transfer encoding, filename, damage,
/// and each leaf's, preamble's and epilogue's bytes as a size and a 64-bit FNV-1a hash), forwarded
/// messages in full, recursively. Not timed; not a benchmark.
struct BenchParseDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse-dump",
        abstract: "Write every parse result of a folder's messages as text (a differential check of parser changes).")

    @Argument(help: "A folder of messages (one per file; hidden files and sub-folders skipped).")
    var dir: String
    @Option(help: "The file to write.")
    var out: String
    @Option(help: "Read each file as one header value of this grammar instead of a message: addresses, content-type, disposition, encoded-words, message-ids, date.")
    var grammar: String?

    func run() throws {
        let files = try BenchParse.listFiles(dir)
        guard !files.isEmpty else { throw BenchError("no file in \(dir)") }
        FileManager.default.createFile(atPath: out, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: out) else { throw BenchError("cannot write \(out)") }
        defer { try? handle.close() }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
            var w = DumpWriter()
            w.line("== \((path as NSString).lastPathComponent)")
            if let grammar {
                let value = String(decoding: data, as: UTF8.self)
                switch grammar {
                case "addresses": w.line(DumpWriter.addresses(AddressParser.parse(value)))
                case "content-type":
                    let ct = ContentType(parsing: value)
                    w.line("\(ct.type)/\(ct.subtype) " + ct.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(DumpWriter.quoted($0.value))" }.joined(separator: " "))
                case "disposition":
                    let d = ContentDisposition(parsing: value)
                    w.line("\(DumpWriter.quoted(d.kind)) " + d.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(DumpWriter.quoted($0.value))" }.joined(separator: " "))
                case "encoded-words": w.line(DumpWriter.quoted(EncodedWords.decode(value)))
                case "message-ids": w.line(MessageIDs.parse(value).map(DumpWriter.quoted).joined(separator: " "))
                case "date": w.line(DateParser.parse(value).map { "\($0.date.timeIntervalSince1970) \($0.offsetSeconds)" } ?? "nil")
                default: throw BenchError("unknown grammar \(grammar)")
                }
            } else {
                w.message(MessageParser.parse([UInt8](data)), indent: "")
            }
            handle.write(Data(w.text.utf8))
        }
        print("parse-dump: \(files.count) messages written to \(out)")
    }
}

struct DumpWriter {
    var text = ""

    mutating func line(_ s: String) { text += s; text += "\n" }

    /// A string written escaped (no raw line breaks, so each value is one line).
    static func quoted(_ s: String?) -> String {
        guard let s else { return "nil" }
        return s.debugDescription
    }

    static func fnv(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return "\(bytes.count):\(String(h, radix: 16))"
    }

    static func addresses(_ list: [Address]) -> String {
        "[" + list.map { "\(quoted($0.name)) \(quoted($0.address))" }.joined(separator: ", ") + "]"
    }

    mutating func message(_ m: Message, indent: String) {
        line("\(indent)raw \(m.rawCount)")
        line("\(indent)subject \(Self.quoted(m.subject))")
        line("\(indent)from \(Self.addresses(m.from))")
        line("\(indent)sender \(m.sender.map { Self.addresses([$0]) } ?? "nil")")
        line("\(indent)reply-to \(Self.addresses(m.replyTo))")
        line("\(indent)to \(Self.addresses(m.to))")
        line("\(indent)cc \(Self.addresses(m.cc))")
        line("\(indent)date \(m.date.map { "\($0.date.timeIntervalSince1970) \($0.offsetSeconds)" } ?? "nil")")
        line("\(indent)message-id \(Self.quoted(m.messageID))")
        line("\(indent)in-reply-to \(m.inReplyTo.map(Self.quoted).joined(separator: " "))")
        line("\(indent)references \(m.references.map(Self.quoted).joined(separator: " "))")
        line("\(indent)text \(Self.quoted(m.text))")
        for a in m.attachments {
            line("\(indent)attachment \(Self.quoted(a.filename)) \(a.contentType) \(a.size)")
        }
        for i in m.issues { line("\(indent)issue \(Self.quoted(i.description))") }
        if let r = m.deliveryReport {
            line("\(indent)report \(Self.quoted(r.reportingMTA)) \(Self.quoted(r.originalMessageID))")
            for s in r.recipients {
                line("\(indent)  recipient \(Self.quoted(s.recipient)) \(Self.quoted(s.action)) \(Self.quoted(s.status)) \(Self.quoted(s.diagnostic))")
            }
        }
        part(m.root, indent: indent)
        line("\(indent)forwarded \(m.forwarded.count)")
        for f in m.forwarded { message(f, indent: indent + "    ") }
    }

    mutating func part(_ p: MIMEPart, indent: String) {
        for f in p.header.fields {
            line("\(indent)| \(Self.quoted(f.name)) \(Self.fnv(f.rawValue)) \(Self.quoted(f.value))")
        }
        let params = p.contentType.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoted($0.value))" }
        line("\(indent)part \(p.contentType.type)/\(p.contentType.subtype) \(params.joined(separator: " "))")
        if let d = p.disposition {
            let dp = d.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoted($0.value))" }
            line("\(indent)disposition \(Self.quoted(d.kind)) \(dp.joined(separator: " "))")
        }
        line("\(indent)cte \(Self.quoted(p.transferEncoding)) filename \(Self.quoted(p.filename)) damaged \(p.damaged)")
        switch p.body {
        case .leaf(let bytes):
            line("\(indent)leaf \(Self.fnv(bytes))")
        case .multipart(let parts, let preamble, let epilogue):
            line("\(indent)multipart \(parts.count) preamble \(Self.fnv(preamble)) epilogue \(Self.fnv(epilogue))")
            for c in parts { part(c, indent: indent + "  ") }
        case .message(let inner):
            line("\(indent)message")
            message(inner, indent: indent + "  ")
        }
    }
}
