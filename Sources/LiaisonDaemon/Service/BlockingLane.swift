import Dispatch

/// A serial lane for blocking calls (libcurl transfers, SQLite writes): each call runs on a
/// Dispatch queue of its own, never on Swift's cooperative thread pool, and the awaiting task
/// is resumed with the result. A lane per connection keeps, e.g., the IDLE wait from holding up
/// a poll. A blocking call cannot be cancelled midway; its own timeouts bound it.
public final class BlockingLane: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .utility)
    }

    /// Runs `body` on the lane and returns (or throws) its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
