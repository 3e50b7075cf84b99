/// How a batched fetch is cut into `UID FETCH` commands. Pure.
///
/// Bounding rule (chosen over a fixed count with a check on the received buffer, which could
/// only notice an oversized batch after it had arrived): the `RFC822.SIZE` of every UID is asked
/// first (one `UID FETCH set (RFC822.SIZE)` per `sizeChunk` UIDs, a few bytes per message), then
/// UIDs are grouped in ascending order while a group holds at most `maxCount` messages and at
/// most `maxBytes` announced bytes. A message larger than `maxBytes` is fetched alone.
public struct IMAPFetchPlan: Sendable, Equatable {
    /// At most this many messages per `UID FETCH … (UID BODY.PEEK[])`.
    public var maxCount: Int
    /// At most this many message bytes (by RFC822.SIZE) per batch, unless one message is larger.
    public var maxBytes: Int

    /// At most 32 MiB per batch, ever.
    public static let hardByteCap = 32 * 1024 * 1024

    /// 256 messages or 8 MiB per batch: few round trips for a mailbox of small messages, and
    /// memory bounded by one batch (a larger message comes alone). The response reader counts
    /// literal bytes, so nothing but memory bounds a batch.
    public static let standard = IMAPFetchPlan(maxCount: 256, maxBytes: 8 * 1024 * 1024)

    public init(maxCount: Int, maxBytes: Int) {
        self.maxCount = max(1, maxCount)
        self.maxBytes = min(Self.hardByteCap, max(1, maxBytes))
    }

    /// `sized` grouped into batches (UIDs ascending, duplicates dropped), each within the bounds.
    public func batches(_ sized: [(uid: UInt32, size: UInt32)]) -> [[UInt32]] {
        var sizes: [UInt32: UInt32] = [:]
        for (uid, size) in sized { sizes[uid] = size }
        var result: [[UInt32]] = []
        var current: [UInt32] = []
        var bytes = 0
        for uid in sizes.keys.sorted() {
            let size = Int(sizes[uid]!)
            if !current.isEmpty && (current.count >= maxCount || bytes + size > maxBytes) {
                result.append(current)
                current = []
                bytes = 0
            }
            current.append(uid)
            bytes += size
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// A UID sequence set (RFC 3501 §9 `sequence-set`) naming exactly `uids`: runs of consecutive
    /// UIDs become `a:b`, e.g. `[1, 2, 3, 7, 9, 10]` → `1:3,7,9:10`. Never `*`.
    public static func sequenceSet(_ uids: [UInt32]) -> String {
        let sorted = Array(Set(uids)).sorted()
        var parts: [String] = []
        var k = 0
        while k < sorted.count {
            var end = k
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == k ? "\(sorted[k])" : "\(sorted[k]):\(sorted[end])")
            k = end + 1
        }
        return parts.joined(separator: ",")
    }
}
