import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Calls `action` on a queue of its own each time the process receives SIGHUP (the conventional
/// "reload your configuration" signal; `ExecReload=/bin/kill -HUP $MAINPID`). The default
/// disposition (terminate) is replaced by SIG_IGN while listening so the signal is only seen
/// through the Dispatch source.
final class HangupListener: @unchecked Sendable {
    private let source: DispatchSourceSignal

    init(action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "liaison.sighup"))
        source.setEventHandler(handler: action)
        source.resume()
    }

    func cancel() { source.cancel() }
}
