// STUB (replaced by the header work).

/// RFC 2047 encoded words in unstructured text and phrases.
public enum EncodedWords {
    /// Decode every encoded word in `value`; whitespace between adjacent encoded words is dropped.
    public static func decode(_ value: String) -> String { value }
}
