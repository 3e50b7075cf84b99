@testable import LiaisonMail

/// Bytes of a message written with "\n" line ends, turned into CRLF (as on the wire).
func crlf(_ s: String) -> [UInt8] {
    Array(s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
}

func parse(_ s: String, limits: ParseLimits = .default) -> Message {
    MessageParser.parse(crlf(s), limits: limits)
}

extension MIMEPart {
    var children: [MIMEPart] {
        if case .multipart(let parts, _, _) = body { return parts }
        return []
    }
    var leafText: String? {
        if case .leaf(let b) = body { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}

/// A seeded SplitMix64 generator, so that random inputs in tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
