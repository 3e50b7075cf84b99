/// Makes text from mail safe to print on a terminal: every character that a terminal would act
/// on instead of showing is replaced by a visible spelling, so a subject such as
/// `ESC ] 0 ; owned BEL ESC [ 2 J` cannot set the window title, clear the screen, write to the
/// clipboard (OSC 52) or reorder what is shown (bidi overrides, "Trojan Source").
///
/// - ESC (U+001B) → `\e`; other C0 controls → caret notation (`^G`, `^M`, NUL `^@`); DEL → `^?`;
/// - C1 controls (U+0080–U+009F, CSI U+009B among them) → `\u{9B}`;
/// - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), U+061C, U+200E/F →
///   `\u{202E}` and so on;
/// - TAB and LF are kept when `multiline` (message text), else shown as `^I` and `^J` (one field on
///   one line, e.g. a table cell).
///
/// Pure; the one function every command uses for mail-derived text.
public enum TerminalSafe {
    public static func escape(_ s: String, multiline: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { needsEscape($0, multiline: multiline) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            guard needsEscape(u, multiline: multiline) else { out.append(u); continue }
            out.append(contentsOf: spelling(u).unicodeScalars)
        }
        return String(out)
    }

    /// JSON text (already valid, with C0 escaped by the encoder) with DEL, C1 and bidi controls
    /// written as `\uXXXX` escapes: the same JSON value, nothing a terminal acts on.
    public static func escapeJSON(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { isInvisibleControl($0) || $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) else {
            return json
        }
        var out = String.UnicodeScalarView()
        for u in json.unicodeScalars {
            if isInvisibleControl(u) || (u.value < 0x20 && u != "\n" && u != "\t") {
                let hex = String(u.value, radix: 16, uppercase: true)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    static func needsEscape(_ u: Unicode.Scalar, multiline: Bool) -> Bool {
        if u.value < 0x20 { return !(multiline && (u == "\n" || u == "\t")) }
        return isInvisibleControl(u)
    }

    /// DEL, C1 and the bidi formatting characters.
    static func isInvisibleControl(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x7F, 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    static func spelling(_ u: Unicode.Scalar) -> String {
        switch u.value {
        case 0x1B: return "\\e"
        case 0x00..<0x20: return "^" + String(Unicode.Scalar(UInt8(u.value) + 0x40))
        case 0x7F: return "^?"
        default: return "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
        }
    }
}
