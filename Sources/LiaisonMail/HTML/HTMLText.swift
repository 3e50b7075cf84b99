// STUB (replaced by the HTML work): see the doc comments for the contract.

/// Readable text from an HTML body, through libxml2's HTML parser (never regular expressions).
public enum HTMLText {
    /// Block elements and <br> become line breaks, <script>/<style>/<head> are dropped,
    /// entities are decoded, runs of blank lines are collapsed. Input is already-decoded text.
    public static func text(fromHTML html: String) -> String { html }
}
