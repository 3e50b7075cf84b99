/// Mailbox names in IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable US-ASCII stands for
/// itself except `&`, written `&-`; other characters are UTF-16BE in modified BASE64 (`,` for
/// `/`, no padding) between `&` and `-`. Pure.
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// Encodes a mailbox name for the wire.
    public static func encode(_ name: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var bytes: [UInt8] = []
            for unit in pending { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xff)) }
            out.append(UInt8(ascii: "&"))
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i]
                let b1: UInt8 = i + 1 < bytes.count ? bytes[i + 1] : 0
                let b2: UInt8 = i + 2 < bytes.count ? bytes[i + 2] : 0
                out.append(alphabet[Int(b0 >> 2)])
                out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if i + 1 < bytes.count { out.append(alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)]) }
                if i + 2 < bytes.count { out.append(alphabet[Int(b2 & 0x3f)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending = []
        }
        for scalar in name.unicodeScalars {
            let v = scalar.value
            if v >= 0x20 && v <= 0x7e {
                flush()
                if v == 0x26 { out.append(contentsOf: Array("&-".utf8)) } else { out.append(UInt8(v)) }
            } else {
                pending.append(contentsOf: Array(String(scalar).utf16))
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a wire mailbox name; nil when it is not valid modified UTF-7.
    public static func decode(_ wire: String) -> String? {
        var result = ""
        var bytes = Array(wire.utf8)[...]
        while let first = bytes.first {
            bytes = bytes.dropFirst()
            if first != UInt8(ascii: "&") {
                guard first >= 0x20 && first <= 0x7e else { return nil }
                result.unicodeScalars.append(Unicode.Scalar(first))
                continue
            }
            guard let dash = bytes.firstIndex(of: UInt8(ascii: "-")) else { return nil }
            let chunk = bytes[..<dash]
            bytes = bytes[(dash + 1)...]
            if chunk.isEmpty { result.append("&"); continue }
            var bits: UInt32 = 0
            var nbits = 0
            var octets: [UInt8] = []
            for c in chunk {
                guard let index = alphabet.firstIndex(of: c) else { return nil }
                bits = (bits << 6) | UInt32(index)
                nbits += 6
                if nbits >= 8 {
                    nbits -= 8
                    octets.append(UInt8((bits >> UInt32(nbits)) & 0xff))
                }
            }
            guard octets.count % 2 == 0, !octets.isEmpty else { return nil }
            var units: [UInt16] = []
            for i in stride(from: 0, to: octets.count, by: 2) { units.append(UInt16(octets[i]) << 8 | UInt16(octets[i + 1])) }
            guard let decoded = String(validating: units, as: UTF16.self) else { return nil }
            result += decoded
        }
        return result
    }
}
