@testable import LiaisonMail
import LiaisonTestSupport

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

/// The seeded generator of the shared test support, for every file of this target.
typealias SplitMix64 = LiaisonTestSupport.SplitMix64
