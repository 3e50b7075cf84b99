import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTestSupport
import Testing

@Suite("The fetch thread's content digest")
struct ContentDigestTests {
    @Test("swift-crypto's SHA-256 gives ContentHash.of's answer: the corpus, the client fixtures, trace fields, random bytes")
    func sameAsContentHash() throws {
        var inputs = CorpusLocation.messages.map(CorpusLocation.bytes)
        let clients = CorpusLocation.packageRoot.appendingPathComponent("Tests/Fixtures/clients")
        if let walk = FileManager.default.enumerator(at: clients, includingPropertiesForKeys: nil) {
            for case let url as URL in walk where url.pathExtension == "eml" { inputs.append(CorpusLocation.bytes(url)) }
        }
        #expect(inputs.count > 10)
        inputs.append(Array("Received: from a\r\n\tby b\r\nReturn-Path: <x@y>\r\nSubject: s\r\n\r\nReceived: body\r\n".utf8))
        inputs.append(Array("Delivered-To: t\nSubject: no blank line".utf8))
        inputs.append([])
        var rng = SystemRandomNumberGenerator()
        for n in [1, 55, 56, 63, 64, 65, 1000, 70_000] { inputs.append((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        for raw in inputs { #expect(ContentDigest.of(raw) == ContentHash.of(raw)) }
        #expect(ContentDigest.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
