import Foundation
import Testing
import LiaisonStore

/// The erased person's pseudonym (issue 18): HMAC-SHA256 per RFC 4231, stable, case-insensitive
/// in the address, different under another key.
@Suite("Pseudonym")
struct PseudonymTests {
    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test func hmacMatchesRFC4231() {
        // Test case 2: key "Jefe", data "what do ya want for nothing?".
        #expect(Self.hex(Pseudonym.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a 131-byte key (hashed first).
        #expect(Self.hex(Pseudonym.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131),
                                              message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func stableAndKeyed() {
        let key = [UInt8](repeating: 7, count: 32)
        let a = Pseudonym.address(for: "Liu.Yang@Huadong-Precision.example", key: key)
        #expect(a == Pseudonym.address(for: "liu.yang@huadong-precision.example", key: key))
        #expect(a.hasPrefix("erased-") && a.hasSuffix("@invalid") && a.count == "erased-".count + 12 + "@invalid".count)
        #expect(a != Pseudonym.address(for: "liu.yang@huadong-precision.example", key: [UInt8](repeating: 8, count: 32)))
        #expect(a != Pseudonym.address(for: "wang.fang@corp.example", key: key))
    }
}
