import Foundation

/// Runs blocking work — a child process to its end, its pipes read to EOF — on a thread of its
/// own and resumes the awaiting test with the result. Swift's cooperative pool has as many
/// threads as cores (two here), and so do Dispatch's global queues on Linux; a test blocked in
/// `waitUntilExit` or `readDataToEndOfFile` on one of them starves every async test running
/// beside it, so the tests that run `liaison` wait here instead (a private queue: Dispatch gives
/// it a thread beyond that width), and the unit and async suites share one parallel run
/// (`scripts/test`). `#expect` stays in the awaiting test, never in `body`.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "liaison.test.blocking").async { continuation.resume(with: Result { try body() }) }
    }
}

/// Waits for a started child process to end without holding a pool thread (polling
/// `isRunning`; the exit itself is reaped by Foundation).
func exited(_ process: Process) async {
    while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
}
