// STUB (replaced by the transfer-decoding work): see the doc comments for the contract.

/// Bytes recovered from a transfer encoding, and whether the input was damaged.
public struct DecodeResult: Sendable, Equatable {
    public var bytes: [UInt8]
    /// True when the input had damage that was tolerated (bad padding, stray characters, a bad escape).
    public var damaged: Bool
    public init(bytes: [UInt8], damaged: Bool) { self.bytes = bytes; self.damaged = damaged }
}

/// Content-Transfer-Encoding decoders (RFC 2045 §6) and RFC 2047 "Q".
public enum TransferDecoding {
    /// RFC 2045 §6.8 base64, tolerant: ignores characters outside the alphabet, missing/extra padding.
    public static func base64(_ input: some Collection<UInt8>) -> DecodeResult {
        DecodeResult(bytes: Array(input), damaged: false)
    }
    /// RFC 2045 §6.7 quoted-printable, tolerant of bad escapes (kept literally), soft breaks, LF-only lines.
    public static func quotedPrintable(_ input: some Collection<UInt8>) -> DecodeResult {
        DecodeResult(bytes: Array(input), damaged: false)
    }
    /// RFC 2047 §4.2 "Q" encoding of an encoded word ("_" is a space).
    public static func qEncodedWord(_ input: some Collection<UInt8>) -> DecodeResult {
        DecodeResult(bytes: Array(input), damaged: false)
    }
}
