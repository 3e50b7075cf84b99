// Replays every input that scripts/fuzz found (crashes, and inputs slower than 100 ms per 100 KB)
// through its target: Tests/Fixtures/fuzz-regressions/<target>/. The whole-message files at the top
// of that folder are replayed by RobustnessTests (LiaisonMailTests) with the parser's contract.
import Foundation
import Testing
import LiaisonFuzzTargets

private let regressions = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz-regressions")

private func files(_ target: String) -> [URL] {
    let folder = regressions.appendingPathComponent(target)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
}

@Suite("Fuzz regressions, per grammar")
struct FuzzRegressionTests {
    @Test("every target has a name, a dictionary and a regression folder",
          arguments: FuzzTargets.all.map(\.name))
    func targetIsComplete(name: String) throws {
        let root = regressions.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dict = root.appendingPathComponent("Sources/LiaisonFuzz/dict/\(name).dict")
        let text = try String(contentsOf: dict, encoding: .utf8)
        // libFuzzer's dictionary syntax: one "token" per line (comments and blank lines aside).
        let entries = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(entries.count >= 5)
        for e in entries { #expect(e.hasSuffix("\"") && e.contains("=\"") || e.hasPrefix("\""), "\(name).dict: \(e)") }
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: regressions.appendingPathComponent(name).path, isDirectory: &isDir)
                && isDir.boolValue)
    }

    @Test("replays the target's regression files", arguments: FuzzTargets.all.map(\.name))
    func replay(name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        for url in files(name) {
            // A trap here is the failure; a slow input shows in `liaison-bench bench grammars` and in the
            // fuzz run, not in a timed test.
            target.run(Array(try Data(contentsOf: url)))
        }
    }

    @Test("the IMAP target frames a stream alike however it is cut")
    func imapTarget() throws {
        let target = try #require(FuzzTargets.named("imap"))
        let stream = Array("* 1 FETCH (UID 7 RFC822.SIZE 12 BODY[] {12}\r\nA001 OK x\r\n)\r\nA002 OK done\r\n".utf8)
        target.run(stream)   // traps when the framings differ
        #expect(FuzzTargets.allowance(bytes: 100 * 1024) == .microseconds(102_400))
        #expect(FuzzTargets.allowance(bytes: 10) == .milliseconds(100))
        #expect(FuzzTargets.allowance(bytes: 65_536, microsecondsPerByte: 25) == .microseconds(1_638_400))
        #expect(FuzzTargets.named("recap")?.microsecondsPerByte == 25)
        #expect(FuzzTargets.named("staff-instructions")?.microsecondsPerByte == 10)
        #expect(FuzzTargets.all.filter { !["recap", "staff-instructions"].contains($0.name) }.allSatisfy { $0.microsecondsPerByte == 1 })
    }
}
