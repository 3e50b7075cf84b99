#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Text decoded from bytes in a declared (or guessed) charset.
public struct DecodedText: Sendable, Equatable {
    /// The decoded text; undecodable input appears as U+FFFD, never dropped silently.
    public var text: String
    /// The iconv name actually used (e.g. "GB18030" for a part labelled gb2312).
    public var charsetUsed: String
    /// How many replacement characters were produced.
    public var replacements: Int
    public init(text: String, charsetUsed: String, replacements: Int) {
        self.text = text; self.charsetUsed = charsetUsed; self.replacements = replacements
    }
}

/// Charset decoding through glibc's iconv (RFC 2045 §5.1 `charset`, RFC 2047, RFC 2231).
///
/// Label mapping (case-insensitive; quotes, spaces and an `x-` prefix are ignored):
/// - `gb2312`, `gbk`, `cp936`, `euc-cn`, `gb18030` and their aliases are all read as **GB18030**
///   (mail labelled gb2312 often holds GBK characters, and GB18030 is a superset of both).
/// - `big5`, `cp950`, `big5-hkscs` are read as **BIG5-HKSCS**.
/// - `shift_jis`, `sjis`, `cp932` as **WINDOWS-31J**; `euc-kr`, `ks_c_5601-1987` as **CP949**.
/// - `iso-8859-1`, `latin1`, `windows-1252` as **WINDOWS-1252** (decoded natively; every byte maps).
/// - `us-ascii` as UTF-8 when the bytes are valid UTF-8, else WINDOWS-1252.
/// - Any other label iconv knows is used as is; an unknown label or nil is a best-effort guess:
///   valid UTF-8, else GB18030 if it decodes without errors, else WINDOWS-1252 (never fails).
///
/// When the label lies (fixed, predictable rules, in this order):
/// 1. a label decoding that produced replacement characters is replaced by UTF-8 when the bytes
///    are valid UTF-8 (not for UTF-16/UTF-32 labels, whose bytes are not ASCII-compatible);
/// 2. a part labelled ISO-8859-1 / Windows-1252 whose bytes are valid UTF-8 and not pure ASCII
///    is read as UTF-8 (genuine Latin-1 text is practically never valid multibyte UTF-8);
/// 3. a part labelled UTF-8 that is not valid UTF-8 is read as GB18030 when that decodes without
///    a single error; otherwise UTF-8 with replacements.
///
/// Undecodable bytes become U+FFFD (one per bad byte for iconv charsets, one per maximal invalid
/// subpart for UTF-8) and decoding continues after them; a truncated trailing sequence becomes one
/// U+FFFD. A leading UTF-8 byte-order mark is dropped.
///
/// ```swift
/// Charset.decode([0xD6, 0xD0, 0xCE, 0xC4], label: "gb2312").text   // "中文", charsetUsed "GB18030"
/// ```
public enum Charset {
    /// Decode `bytes` labelled `label` (nil or unknown: best effort guess: UTF-8, else GB18030, else Windows-1252).
    public static func decode(_ bytes: some Collection<UInt8>, label: String?) -> DecodedText {
        if let done = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0, label: label) }) {
            return done
        }
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { decode(buffer: $0, label: label) }
    }

    /// The charset `label` resolves to, as an iconv name ("GB18030" for "gb2312", "BIG5-HKSCS" for
    /// "big5", "WINDOWS-1252" for "latin1", "US-ASCII" for "ascii"), or nil when the label is unknown.
    public static func iconvName(forLabel label: String) -> String? {
        switch resolve(label) {
        case .utf8: return "UTF-8"
        case .ascii: return "US-ASCII"
        case .windows1252: return "WINDOWS-1252"
        case .iconv(let name): return name
        case .unknown: return nil
        }
    }

    // MARK: - Strategy

    private static func decode(buffer: UnsafeBufferPointer<UInt8>, label: String?) -> DecodedText {
        let decoder = label.map(resolve) ?? .unknown
        switch decoder {
        case .utf8:
            let utf8 = decodeUTF8(buffer)
            if utf8.replacements > 0, let gb = IconvDecoder.decode(buffer, from: gb18030), gb.replacements == 0 {
                return gb  // rule 3
            }
            return utf8
        case .ascii:
            if let valid = validUTF8(buffer) { return valid }
            return decodeWindows1252(buffer)
        case .windows1252:
            if hasNonASCII(buffer), let valid = validUTF8(buffer) { return valid }  // rule 2
            return decodeWindows1252(buffer)
        case .iconv(let name):
            guard let result = IconvDecoder.decode(buffer, from: name) else { return bestEffort(buffer) }
            if result.replacements > 0, !isWide(name), let valid = validUTF8(buffer) { return valid }  // rule 1
            return result
        case .unknown:
            return bestEffort(buffer)
        }
    }

    private static let gb18030 = "GB18030"

    private static func bestEffort(_ buffer: UnsafeBufferPointer<UInt8>) -> DecodedText {
        if let valid = validUTF8(buffer) { return valid }
        if let gb = IconvDecoder.decode(buffer, from: gb18030), gb.replacements == 0 { return gb }
        return decodeWindows1252(buffer)
    }

    /// UTF-16/32 text is not ASCII-compatible: valid UTF-8 bytes say nothing about a mislabel.
    private static func isWide(_ name: String) -> Bool {
        name.hasPrefix("UTF-16") || name.hasPrefix("UTF-32") || name.hasPrefix("UCS-")
    }

    private static func hasNonASCII(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in buffer where byte >= 0x80 { return true }
        return false
    }

    // MARK: - UTF-8

    /// The bytes as UTF-8 when they are valid (a leading BOM dropped), else nil.
    private static func validUTF8(_ buffer: UnsafeBufferPointer<UInt8>) -> DecodedText? {
        let body = dropBOM(buffer)
        let text: String
        if #available(macOS 15, iOS 18, *) {
            guard let valid = String(validating: body, as: UTF8.self) else { return nil }
            text = valid
        } else {  // repair changes the bytes exactly when they are invalid
            let repaired = String(decoding: body, as: UTF8.self)
            guard repaired.utf8.elementsEqual(body) else { return nil }
            text = repaired
        }
        return DecodedText(text: text, charsetUsed: "UTF-8", replacements: 0)
    }

    private static func decodeUTF8(_ buffer: UnsafeBufferPointer<UInt8>) -> DecodedText {
        if let valid = validUTF8(buffer) { return valid }
        let body = dropBOM(buffer)
        let text = String(decoding: body, as: UTF8.self)
        // Replacements made = U+FFFD in the output minus U+FFFD literally present in the input.
        var produced = 0
        for scalar in text.unicodeScalars where scalar.value == 0xFFFD { produced += 1 }
        var literal = 0
        var index = 0
        while index + 2 < body.count {
            if body[index] == 0xEF && body[index + 1] == 0xBF && body[index + 2] == 0xBD {
                literal += 1
                index += 3
            } else {
                index += 1
            }
        }
        return DecodedText(text: text, charsetUsed: "UTF-8", replacements: max(0, produced - literal))
    }

    private static func dropBOM(_ buffer: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            return UnsafeBufferPointer(rebasing: buffer[3...])
        }
        return buffer
    }

    // MARK: - Windows-1252 (WHATWG mapping: the five undefined bytes map to their C1 controls)

    private static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private static func decodeWindows1252(_ buffer: UnsafeBufferPointer<UInt8>) -> DecodedText {
        // Every byte becomes at most 3 UTF-8 bytes; write straight into the string's storage.
        let text = String(unsafeUninitializedCapacity: buffer.count * 3) { out in
            var o = 0
            for byte in buffer {
                if byte < 0x80 {
                    out[o] = byte
                    o += 1
                    continue
                }
                let scalar: UInt32 = byte < 0xA0 ? cp1252High[Int(byte) &- 0x80] : UInt32(byte)
                if scalar < 0x800 {
                    out[o] = UInt8(0xC0 | (scalar >> 6))
                    out[o + 1] = UInt8(0x80 | (scalar & 0x3F))
                    o += 2
                } else {
                    out[o] = UInt8(0xE0 | (scalar >> 12))
                    out[o + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                    out[o + 2] = UInt8(0x80 | (scalar & 0x3F))
                    o += 3
                }
            }
            return o
        }
        return DecodedText(text: text, charsetUsed: "WINDOWS-1252", replacements: 0)
    }

    // MARK: - Labels

    private enum Decoder: Equatable {
        case utf8, ascii, windows1252, iconv(String), unknown
    }

    /// Aliases keyed by the label lowercased with `-`, `_`, `.`, `:`, spaces removed and `x-` dropped.
    private static let aliases: [String: Decoder] = {
        var table = [String: Decoder]()
        func add(_ decoder: Decoder, _ keys: [String]) { for key in keys { table[key] = decoder } }
        add(.iconv("GB18030"), [
            "gb2312", "gbk", "cp936", "ms936", "windows936", "gb231280", "csgb2312", "euccn", "gb18030",
            "chinese", "csgbk", "isoir58", "csiso58gb231280", "gb180302000", "gb180302005", "mscp936",
        ])
        add(.iconv("BIG5-HKSCS"), [
            "big5", "big5hkscs", "cp950", "csbig5", "windows950", "ms950", "cnbig5", "big5tw", "mscp950",
        ])
        add(.utf8, ["utf8", "unicode11utf8", "unicode20utf8", "unicodeutf8"])
        add(.ascii, [
            "usascii", "ascii", "ansix341968", "iso646us", "us", "cp367", "ibm367", "csascii",
            "iso646irv1991", "isoir6", "646",
        ])
        add(.windows1252, [
            "latin1", "l1", "cp819", "ibm819", "csisolatin1", "isoir100", "windows1252", "cp1252",
            "ms1252", "iso88591", "88591", "ansi1252",
        ])
        add(.iconv("WINDOWS-31J"), [
            "sjis", "shiftjis", "mskanji", "csshiftjis", "cp932", "windows31j", "mscp932", "ms932",
            "windows932", "cswindows31j",
        ])
        add(.iconv("EUC-JP"), ["eucjp", "cseucpkdfmtjapanese", "ujis", "eucjpms"])
        add(.iconv("ISO-2022-JP"), ["iso2022jp", "csiso2022jp", "jis"])
        add(.iconv("CP949"), [
            "euckr", "ksc56011987", "ksc5601", "ksc56011989", "cp949", "windows949", "uhc",
            "csksc56011987", "korean", "isoir149", "cseuckr", "ksx1001", "mscp949",
        ])
        add(.iconv("KOI8-R"), ["koi8r", "cskoi8r", "koi", "koi8"])
        add(.iconv("KOI8-U"), ["koi8u"])
        add(.iconv("KOI8-RU"), ["koi8ru"])
        add(.iconv("UTF-16"), ["utf16", "ucs2", "iso10646ucs2", "csunicode"])
        add(.iconv("UTF-16LE"), ["utf16le", "ucs2le"])
        add(.iconv("UTF-16BE"), ["utf16be", "ucs2be"])
        add(.iconv("UTF-32"), ["utf32", "ucs4"])
        add(.iconv("UTF-32LE"), ["utf32le"])
        add(.iconv("UTF-32BE"), ["utf32be"])
        add(.iconv("UTF-7"), ["utf7", "unicode11utf7", "csunicode11utf7"])
        add(.iconv("CP874"), ["tis620", "windows874", "cp874", "iso885911", "cstis620"])
        add(.iconv("ISO-2022-KR"), ["iso2022kr", "csiso2022kr"])
        add(.iconv("ISO-2022-CN"), ["iso2022cn"])
        add(.iconv("ISO-2022-CN-EXT"), ["iso2022cnext"])
        let latin: [Int: Int] = [2: 2, 3: 3, 4: 4, 5: 9, 6: 10, 7: 13, 8: 14, 9: 15, 10: 16]
        for (n, part) in latin {
            add(.iconv("ISO-8859-\(part)"), ["latin\(n)", "l\(n)"])
        }
        for part in [2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16] {
            add(.iconv("ISO-8859-\(part)"), ["iso8859\(part)"])
        }
        for n in [1250, 1251, 1253, 1254, 1255, 1256, 1257, 1258] {
            add(.iconv("WINDOWS-\(n)"), ["windows\(n)", "cp\(n)", "ms\(n)"])
        }
        add(.iconv("CP866"), ["cp866", "ibm866", "866", "csibm866"])
        add(.iconv("MACINTOSH"), ["macintosh", "mac", "macroman", "csmacintosh"])
        return table
    }()

    /// The labels most mail carries, as written, with what `resolveAnyLabel` makes of them
    /// (computed by it, once): a label equal to one of them, ignoring ASCII case, needs neither
    /// the label's clean-up nor the table lookup.
    private static let commonLabels: [(label: [UInt8], decoder: Decoder)] =
        ["utf-8", "us-ascii", "gb2312", "gbk", "gb18030", "big5", "iso-8859-1", "windows-1252", "iso-2022-jp", "shift_jis", "euc-kr"]
            .map { (Array($0.utf8), resolveAnyLabel($0)) }

    private static func resolve(_ label: String) -> Decoder {
        let u = label.utf8
        for common in commonLabels where common.label.count == u.count {
            if zip(common.label, u).allSatisfy({ $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 | 0x20 : $1) }) {
                return common.decoder
            }
        }
        return resolveAnyLabel(label)
    }

    private static func resolveAnyLabel(_ label: String) -> Decoder {
        var bytes = Array(label.utf8)
        // Trim spaces, tabs, quotes and stray separators around the label.
        func junk(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x22 || b == 0x27 || b == 0x3B || b == 0x0D || b == 0x0A }
        while let last = bytes.last, junk(last) { bytes.removeLast() }
        let start = bytes.firstIndex { !junk($0) } ?? bytes.count
        bytes.removeFirst(start)
        guard !bytes.isEmpty, bytes.count <= 64 else { return .unknown }
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 0x20 }
        // Drop a leading "x-" / "x_" (x-gbk, x-sjis, x-big5, x-euc-jp).
        if bytes.count > 2 && bytes[0] == 0x78 && (bytes[1] == 0x2D || bytes[1] == 0x5F) { bytes.removeFirst(2) }
        // A year suffix ("iso_8859-2:1987") or an RFC 2231 §5 language ("us-ascii*en") is cut off.
        if let cut = bytes.firstIndex(where: { $0 == 0x3A || $0 == 0x2A }) { bytes.removeSubrange(cut...) }
        let compact = bytes.filter { $0 != 0x2D && $0 != 0x5F && $0 != 0x2E && $0 != 0x20 }
        guard !compact.isEmpty else { return .unknown }
        if let known = aliases[String(decoding: compact, as: UTF8.self)] { return known }
        // Any other name iconv accepts, restricted to a safe alphabet (no '/' suffixes like //TRANSLIT).
        let safe = bytes.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
        }
        guard safe else { return .unknown }
        let name = String(decoding: bytes, as: UTF8.self).uppercased()
        return IconvDecoder.isAvailable(name) ? .iconv(name) : .unknown
    }
}

// MARK: - iconv

/// A glibc iconv conversion to UTF-8. Converters are kept for reuse (`IconvPool`): opening one
/// per call cost more than the conversion of a short part, because closing the last converter
/// of a charset unloads its gconv module (GB18030.so), which the next open loads again.
private enum IconvDecoder {
    /// iconv_open's failure value, `(iconv_t)-1`.
    private static func isInvalid(_ cd: iconv_t?) -> Bool { cd == nil || Int(bitPattern: cd) == -1 }

    static func isAvailable(_ name: String) -> Bool {
        let cd = iconv_open("UTF-8", name)
        if isInvalid(cd) { return false }
        iconv_close(cd)
        return true
    }

    /// Converts `input` from `charset`; nil when iconv does not know the charset.
    /// Every invalid byte becomes U+FFFD and conversion resumes at the next byte; a truncated
    /// trailing sequence becomes one U+FFFD.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, from charset: String) -> DecodedText? {
        guard let cd = IconvPool.shared.take(charset) else { return nil }
        defer { IconvPool.shared.giveBack(cd, charset) }
        guard let base = input.baseAddress, input.count > 0 else {
            return DecodedText(text: "", charsetUsed: charset, replacements: 0)
        }
        var output = [UInt8]()
        output.reserveCapacity(input.count * 3 / 2 + 16)
        var replacements = 0
        let chunkSize = 16 * 1024
        let chunk = UnsafeMutablePointer<CChar>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base)
            .assumingMemoryBound(to: CChar.self)
        var inLeft = input.count

        func drain(_ outPtr: UnsafeMutablePointer<CChar>?) {
            guard let outPtr else { return }
            let produced = chunk.distance(to: outPtr)
            if produced > 0 {
                UnsafeRawBufferPointer(start: chunk, count: produced).withMemoryRebound(to: UInt8.self) {
                    output.append(contentsOf: $0)
                }
            }
        }
        func replace() {
            output.append(contentsOf: [0xEF, 0xBF, 0xBD] as [UInt8])
            replacements += 1
        }

        while inLeft > 0 {
            var outPtr: UnsafeMutablePointer<CChar>? = chunk
            var outLeft = chunkSize
            let before = inLeft
            let result = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
            let error = errno
            drain(outPtr)
            if result != -1 { break }
            switch error {
            case E2BIG:
                if inLeft == before && outLeft == chunkSize {  // no progress at all: never loop forever
                    replace()
                    inPtr = inPtr.map { $0 + 1 }
                    inLeft -= 1
                }
            case EINVAL:  // incomplete sequence at the end of the input
                replace()
                inLeft = 0
            default:  // EILSEQ (or anything unexpected): one U+FFFD, skip one byte, continue
                replace()
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
            }
        }
        // Flush the shift state of stateful encodings (ISO-2022-*, UTF-7).
        var outPtr: UnsafeMutablePointer<CChar>? = chunk
        var outLeft = chunkSize
        _ = iconv(cd, nil, nil, &outPtr, &outLeft)
        drain(outPtr)
        return DecodedText(text: String(decoding: output, as: UTF8.self), charsetUsed: charset, replacements: replacements)
    }
}

/// Open iconv converters to UTF-8 by charset, each used by one caller at a time: `take` hands one
/// out (opening a new one when none is free), `giveBack` resets its shift state and keeps it, up
/// to `keep` per charset (the rest are closed). Converters are held as bit patterns, so the pool
/// is plain `Sendable` data behind a `Mutex`.
private final class IconvPool: Sendable {
    static let shared = IconvPool()
    private let free = Mutex<[String: [Int]]>([:])
    private let keep = 8

    /// A converter from `charset` to UTF-8, or nil when iconv does not know the charset.
    func take(_ charset: String) -> iconv_t? {
        let pooled = free.withLock { table -> Int? in table[charset]?.popLast() }
        if let pooled { return iconv_t(bitPattern: pooled) }
        let cd = iconv_open("UTF-8", charset)
        if cd == nil || Int(bitPattern: cd) == -1 { return nil }
        return cd
    }

    func giveBack(_ cd: iconv_t, _ charset: String) {
        _ = iconv(cd, nil, nil, nil, nil)   // the initial shift state again
        let bits = Int(bitPattern: cd)
        let kept = free.withLock { table -> Bool in
            guard table[charset, default: []].count < keep else { return false }
            table[charset, default: []].append(bits)
            return true
        }
        if !kept { iconv_close(cd) }
    }
}
