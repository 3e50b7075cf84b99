/// Which literals of a command's responses `IMAPResponseFramer` keeps; every other literal is
/// counted against the command's byte cap and dropped as it streams, never buffered (RFC 3501
/// §4.3 literals in untagged data the command did not ask for: a hostile or broken server's
/// `* 1 FETCH (BODY[] {67108864}` after SELECT costs time within the cap, not memory).
///
/// Example: after `UID FETCH 7:9 (UID BODY.PEEK[])` with `RFC822.SIZE`s 120, 80 and 5000 the
/// policy is `.bodies(announced: [7: 120, 8: 80, 9: 5000])`: the `BODY[]` literal of
/// `* 3 FETCH (UID 9 BODY[] {5000}` is kept; one of UID 12, a second one of UID 9, or a
/// `BODY[HEADER]` literal is dropped; `* 1 FETCH (UID 7 BODY[] {4096}` is a fault (4096 > 120).
public enum IMAPLiteralPolicy: Sendable, Equatable {
    /// Every literal kept (the framer used on its own, as a fuzz target or by a test).
    case keepAll
    /// Every literal dropped: the command asks for no literal data (SELECT, SEARCH, IDLE…).
    case discardAll
    /// Only the `BODY[]` literal of a FETCH response whose `UID` item is a key of `announced`,
    /// once per UID; a literal larger than the size announced for its UID (`RFC822.SIZE`) is
    /// an error. `Int.max` where no size was announced. When the UID item comes after the
    /// literal, the literal is kept while it streams (within the byte caps) and judged when its
    /// response is complete.
    case bodies(announced: [UInt32: Int])
}
