import Foundation
import LiaisonDaemon
import Synchronization

/// A Swift `Clock` that moves only when a test says so: the daemon's loops wait on it, and the
/// test steps them with `advance(by:)`. Sleepers whose deadline is reached are resumed;
/// cancelled sleepers throw `CancellationError` as `ContinuousClock`'s do.
final class ManualClock: Clock, Sendable {
    typealias Duration = Swift.Duration
    struct Instant: InstantProtocol {
        var offset: Swift.Duration
        func advanced(by d: Swift.Duration) -> Instant { Instant(offset: offset + d) }
        func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { s in s.nextID += 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= s.now { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return nil
                }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            let s = state.withLock { $0.sleepers.removeValue(forKey: id) }
            s?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on and wakes every sleeper whose deadline is reached.
    func advance(by d: Duration) {
        let due: [Sleeper] = state.withLock { s in
            s.now = s.now.advanced(by: d)
            let now = s.now
            let ids = s.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { s.sleepers.removeValue(forKey: $0) }
        }
        for s in due { s.continuation.resume() }
    }

    /// How far ahead of the clock's now each sleeper's deadline is, shortest first.
    var pendingWaits: [Duration] {
        state.withLock { s in s.sleepers.values.map { s.now.duration(to: $0.deadline) }.sorted() }
    }
}

/// A settable "now" (the wall clock a test moves, jumps included).
final class ManualNow: Sendable {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    var now: Now { Now { [self] in instant.withLock { $0 } } }
    func callAsFunction() -> Date { instant.withLock { $0 } }
    func set(_ d: Date) { instant.withLock { $0 = d } }
    func advance(by seconds: TimeInterval) { instant.withLock { $0 += seconds } }
}
