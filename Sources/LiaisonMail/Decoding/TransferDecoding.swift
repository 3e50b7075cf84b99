/// Bytes recovered from a transfer encoding, and whether the input was damaged.
public struct DecodeResult: Sendable, Equatable {
    public var bytes: [UInt8]
    /// True when the input had damage that was tolerated (bad padding, stray characters, a bad escape).
    public var damaged: Bool
    public init(bytes: [UInt8], damaged: Bool) { self.bytes = bytes; self.damaged = damaged }
}

/// Content-Transfer-Encoding decoders (RFC 2045 §6) and RFC 2047 "Q".
///
/// All three are single byte loops over contiguous storage with one output allocation; they never
/// fail: damage is decoded as well as it can be and reported in `DecodeResult.damaged`.
///
/// ```swift
/// TransferDecoding.base64(Array("5Lit5paH".utf8)).bytes          // UTF-8 of "中文"
/// TransferDecoding.quotedPrintable(Array("caf=C3=A9=\r\n!".utf8)).bytes  // UTF-8 of "café!"
/// TransferDecoding.qEncodedWord(Array("a_b=3F".utf8)).bytes       // "a b?"
/// ```
public enum TransferDecoding {
    /// RFC 2045 §6.8 base64, tolerant: ignores characters outside the alphabet, missing/extra padding.
    ///
    /// Whitespace (space, tab, CR, LF) anywhere is skipped silently. These set `damaged` and are
    /// decoded as far as possible: other characters outside the alphabet (skipped); a final group
    /// of 2 or 3 characters without its padding (decoded); a lone character in a final group
    /// (dropped); extra `=`; data after padding (decoded as a new group, as concatenated base64
    /// bodies are).
    public static func base64(_ input: some Collection<UInt8>) -> DecodeResult {
        withContiguous(input, base64(buffer:))
    }

    /// RFC 2045 §6.7 quoted-printable, tolerant of bad escapes (kept literally), soft breaks, LF-only lines.
    ///
    /// `=XX` with upper- or lower-case hex is the byte XX (rule 1); `=` followed by optional
    /// spaces/tabs and CRLF, LF or the end of input is a soft line break and vanishes (rule 5);
    /// spaces and tabs at the end of a line are removed (rule 3); CRLF and bare LF are kept as they
    /// are. A `=` not followed by two hex digits is kept literally and sets `damaged`.
    public static func quotedPrintable(_ input: some Collection<UInt8>) -> DecodeResult {
        withContiguous(input, quotedPrintable(buffer:))
    }

    /// RFC 2047 §4.2 "Q" encoding of an encoded word ("_" is a space).
    ///
    /// `=XX` (either case hex) is the byte XX; a `=` not followed by two hex digits is kept
    /// literally and sets `damaged`; every other byte is itself.
    public static func qEncodedWord(_ input: some Collection<UInt8>) -> DecodeResult {
        withContiguous(input, qEncodedWord(buffer:))
    }

    // MARK: - Plumbing

    private static func withContiguous(
        _ input: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> DecodeResult
    ) -> DecodeResult {
        if let result = input.withContiguousStorageIfAvailable(body) { return result }
        return Array(input).withUnsafeBufferPointer(body)
    }

    /// Hex digit values; 0xFF for anything else.
    private static let hexValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "0123456789".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        for (i, c) in "ABCDEF".utf8.enumerated() { table[Int(c)] = UInt8(10 + i) }
        for (i, c) in "abcdef".utf8.enumerated() { table[Int(c)] = UInt8(10 + i) }
        return table
    }()

    private static let equals: UInt8 = 0x3D
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A
    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09

    // MARK: - Base64

    private static let b64Whitespace: UInt8 = 0xFE
    private static let b64Pad: UInt8 = 0xFD
    private static let b64Invalid: UInt8 = 0xFF

    /// Sextet values of the RFC 2045 Table 1 alphabet; markers for whitespace, "=", and the rest.
    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: b64Invalid, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        for c in [space, tab, cr, lf] { table[Int(c)] = b64Whitespace }
        table[Int(equals)] = b64Pad
        return table
    }()

    /// The fast path's tables: entry `k * 256 + c` is the sextet of byte `c` placed where the
    /// `k`-th character of a group puts it in the 24-bit group (shifted left by 18, 12, 6, 0), or
    /// `b64Miss` for any byte outside the alphabet (white space and `=` included), so that four
    /// lookups OR-ed together are a whole group, or at least `b64Miss` when one is not a letter of it.
    private static let base64Groups: [UInt32] = {
        var table = [UInt32](repeating: b64Miss, count: 4 * 256)
        for c in 0..<256 {
            let v = base64Values[c]
            guard v < 64 else { continue }
            for k in 0..<4 { table[k * 256 + c] = UInt32(v) << UInt32(18 - 6 * k) }
        }
        return table
    }()
    private static let b64Miss: UInt32 = 0x0100_0000

    private static func base64(buffer input: UnsafeBufferPointer<UInt8>) -> DecodeResult {
        var damaged = false
        let n = input.count
        guard let src = input.baseAddress, n > 0 else { return DecodeResult(bytes: [], damaged: false) }
        let bytes = base64Values.withUnsafeBufferPointer { valuesBuffer in
            base64Groups.withUnsafeBufferPointer { groupsBuffer in
                // Room for every byte (at most 3 per 4 input bytes, 2 more for a final group
                // without padding) and for the 8-byte store of the fast path's last 6 bytes.
                [UInt8](unsafeUninitializedCapacity: n / 4 * 3 + 8) { outBuffer, count in
                    let table = valuesBuffer.baseAddress!
                    let t0 = groupsBuffer.baseAddress!, t1 = t0 + 256, t2 = t0 + 512, t3 = t0 + 768
                    let out = outBuffer.baseAddress!
                    var o = 0
                    var acc: UInt32 = 0
                    var sextets = 0
                    var padsExpected = 0
                    var afterPad = false
                    var i = 0
                    while i < n {
                        // Fast path: whole groups of four alphabet characters at a group boundary
                        // (a 76-character line is 19 of them), two groups a turn, one table lookup
                        // per character, the six bytes written with one 8-byte store (the output
                        // has room: see its capacity); a CR LF between groups is stepped over. It
                        // decodes exactly as the byte loop below would.
                        // Wrapping arithmetic: i < n and o < n, so nothing can overflow.
                        if sextets == 0 && !afterPad {
                            while i &+ 8 <= n {
                                let p = src + i
                                let g1 = t0[Int(p[0])] | t1[Int(p[1])] | t2[Int(p[2])] | t3[Int(p[3])]
                                let g2 = t0[Int(p[4])] | t1[Int(p[5])] | t2[Int(p[6])] | t3[Int(p[7])]
                                if (g1 | g2) >= b64Miss {
                                    if g1 < b64Miss {
                                        let q = out + o
                                        q[0] = UInt8(truncatingIfNeeded: g1 &>> 16)
                                        q[1] = UInt8(truncatingIfNeeded: g1 &>> 8)
                                        q[2] = UInt8(truncatingIfNeeded: g1)
                                        o &+= 3
                                        i &+= 4
                                    }
                                    if src[i] == cr && i &+ 1 < n && src[i &+ 1] == lf {
                                        i &+= 2
                                        continue
                                    }
                                    break
                                }
                                let six = (UInt64(g1) &<< 24 | UInt64(g2)) &<< 16
                                UnsafeMutableRawPointer(out + o).storeBytes(of: six.bigEndian, as: UInt64.self)
                                o &+= 6
                                i &+= 8
                            }
                            while i &+ 4 <= n {
                                let p = src + i
                                let group = t0[Int(p[0])] | t1[Int(p[1])] | t2[Int(p[2])] | t3[Int(p[3])]
                                if group >= b64Miss { break }
                                let q = out + o
                                q[0] = UInt8(truncatingIfNeeded: group &>> 16)
                                q[1] = UInt8(truncatingIfNeeded: group &>> 8)
                                q[2] = UInt8(truncatingIfNeeded: group)
                                o &+= 3
                                i &+= 4
                            }
                            if i == n { break }
                        }
                        let value = table[Int(src[i])]
                        i += 1
                        if value < 64 {
                            if afterPad {  // data after padding: a new group
                                damaged = true
                                afterPad = false
                                padsExpected = 0
                            }
                            acc = acc << 6 | UInt32(value)
                            sextets += 1
                            if sextets == 4 {
                                out[o] = UInt8(truncatingIfNeeded: acc >> 16)
                                out[o + 1] = UInt8(truncatingIfNeeded: acc >> 8)
                                out[o + 2] = UInt8(truncatingIfNeeded: acc)
                                o += 3
                                sextets = 0
                                acc = 0
                            }
                        } else if value == b64Whitespace {
                            continue
                        } else if value == b64Pad {
                            switch sextets {
                            case 0:
                                if padsExpected > 0 { padsExpected -= 1 } else { damaged = true }
                            case 1:  // a lone sextet carries no whole byte
                                damaged = true
                                padsExpected = 0
                            case 2:
                                out[o] = UInt8(truncatingIfNeeded: acc >> 4)
                                o += 1
                                padsExpected = 1
                            default:
                                out[o] = UInt8(truncatingIfNeeded: acc >> 10)
                                out[o + 1] = UInt8(truncatingIfNeeded: acc >> 2)
                                o += 2
                                padsExpected = 0
                            }
                            sextets = 0
                            acc = 0
                            afterPad = true
                        } else {
                            damaged = true
                        }
                    }
                    switch sextets {  // a final group without its padding
                    case 0: if padsExpected > 0 { damaged = true }
                    case 1: damaged = true
                    case 2:
                        out[o] = UInt8(truncatingIfNeeded: acc >> 4)
                        o += 1
                        damaged = true
                    default:
                        out[o] = UInt8(truncatingIfNeeded: acc >> 10)
                        out[o + 1] = UInt8(truncatingIfNeeded: acc >> 2)
                        o += 2
                        damaged = true
                    }
                    count = o
                }
            }
        }
        return DecodeResult(bytes: bytes, damaged: damaged)
    }

    // MARK: - Quoted-printable

    private static func quotedPrintable(buffer input: UnsafeBufferPointer<UInt8>) -> DecodeResult {
        var damaged = false
        let n = input.count
        let bytes = hexValues.withUnsafeBufferPointer { hex in
            [UInt8](unsafeUninitializedCapacity: n) { out, count in
                var o = 0
                var i = 0
                while i < n {
                    let byte = input[i]
                    if byte == equals {
                        // Soft line break: "=", optional transport-added whitespace, then CRLF, LF or the end.
                        var j = i + 1
                        while j < n && (input[j] == space || input[j] == tab) { j += 1 }
                        if j == n {
                            i = n
                            continue
                        }
                        if input[j] == lf {
                            i = j + 1
                            continue
                        }
                        if input[j] == cr && j + 1 < n && input[j + 1] == lf {
                            i = j + 2
                            continue
                        }
                        if i + 2 < n {
                            let high = hex[Int(input[i + 1])], low = hex[Int(input[i + 2])]
                            if high != 0xFF && low != 0xFF {
                                out[o] = high << 4 | low
                                o += 1
                                i += 3
                                continue
                            }
                        }
                        damaged = true  // a bad escape: keep the "=" and go on with the next byte
                        out[o] = byte
                        o += 1
                        i += 1
                    } else if byte == space || byte == tab {
                        // Rule 3: whitespace at the end of a line (or of the input) is dropped.
                        var j = i + 1
                        while j < n && (input[j] == space || input[j] == tab) { j += 1 }
                        let atLineEnd = j == n || input[j] == lf || (input[j] == cr && j + 1 < n && input[j + 1] == lf)
                        if !atLineEnd {
                            while i < j {
                                out[o] = input[i]
                                o += 1
                                i += 1
                            }
                        }
                        i = j
                    } else {
                        out[o] = byte
                        o += 1
                        i += 1
                    }
                }
                count = o
            }
        }
        return DecodeResult(bytes: bytes, damaged: damaged)
    }

    // MARK: - RFC 2047 Q

    private static func qEncodedWord(buffer input: UnsafeBufferPointer<UInt8>) -> DecodeResult {
        var damaged = false
        let n = input.count
        let bytes = hexValues.withUnsafeBufferPointer { hex in
            [UInt8](unsafeUninitializedCapacity: n) { out, count in
                var o = 0
                var i = 0
                while i < n {
                    let byte = input[i]
                    if byte == equals {
                        if i + 2 < n {
                            let high = hex[Int(input[i + 1])], low = hex[Int(input[i + 2])]
                            if high != 0xFF && low != 0xFF {
                                out[o] = high << 4 | low
                                o += 1
                                i += 3
                                continue
                            }
                        }
                        damaged = true
                        out[o] = byte
                    } else if byte == 0x5F {  // "_" is always 0x20 (§4.2 rule 2)
                        out[o] = space
                    } else {
                        out[o] = byte
                    }
                    o += 1
                    i += 1
                }
                count = o
            }
        }
        return DecodeResult(bytes: bytes, damaged: damaged)
    }
}
