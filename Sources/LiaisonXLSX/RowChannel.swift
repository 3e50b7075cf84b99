import Foundation
import LiaisonCore

/// The follow-up table's rows on their way from the thread that reads the store to the one that
/// writes the workbook (`FollowUpXLSX.render(timeZone:produce:)`): at most `capacity` wait; the
/// reader blocks when they do, the writer when none do. `@unchecked Sendable`: every field is
/// read and written only under `condition` (NSCondition, so that both sides can wait on it).
final class RowChannel: @unchecked Sendable {
    typealias Entry = (FollowUpTable.Row, [FollowUpTable.ItemRow])
    static let capacity = 4_096
    /// The writer wakes for this many rows at a time (or the last ones): handing rows over one
    /// by one would cost two thread switches a row.
    static let batch = 512
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var buffer: [Entry] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    /// The reader's side: waits while the buffer is full; throws once the writer gave up.
    func put(_ row: FollowUpTable.Row, _ items: [FollowUpTable.ItemRow]) throws {
        condition.lock()
        defer { condition.unlock() }
        while buffer.count >= Self.capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        buffer.append((row, items))
        if buffer.count == Self.batch { condition.broadcast() }
    }

    /// The reader is done (`error`: it failed).
    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The writer's side: every row waiting, in order; nil once the reader finished and all were
    /// taken; the reader's error, if it failed.
    func take() throws -> [Entry]? {
        condition.lock()
        defer { condition.unlock() }
        while buffer.count < Self.batch && !finished { condition.wait() }
        if buffer.isEmpty {
            if let failure { throw failure }
            return nil
        }
        let taken = buffer
        buffer.removeAll(keepingCapacity: true)
        condition.broadcast()
        return taken
    }

    /// The writer gave up: the reader's next `put` throws.
    func cancel() {
        condition.lock()
        cancelled = true
        buffer.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the reader has finished.
    func waitFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
