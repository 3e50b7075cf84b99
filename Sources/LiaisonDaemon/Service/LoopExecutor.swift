import Dispatch

/// Where the daemon's async loops run: a serial Dispatch queue of their own, as a Swift task
/// executor (`withTaskExecutorPreference`), not Swift's cooperative pool. The pool has as many
/// threads as cores; anything else in the process that holds them (a long computation, a test
/// suite running beside the daemon's in one parallel run) would otherwise delay the poller's
/// next pass, a due reminder or the watchdog ping. The loops' jobs are short (every blocking call
/// runs on a `BlockingLane`), so one serial queue per loop is plenty. Child tasks (the waits in
/// `Wakeup`) inherit the preference; a resumed continuation or an ended sleep comes back here.
public final class LoopExecutor: TaskExecutor {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
