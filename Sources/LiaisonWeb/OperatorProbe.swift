import Foundation
import LiaisonDaemon
import LiaisonStore

/// What the console serves at `/healthz` and `/metrics` (issue 19 part 5). The console only
/// serves it; the integrator plugs in the daemon's real one (`OperatorEndpoints` in LiaisonDaemon,
/// with the same two functions) where `liaison serve` builds the console
/// (`Sources/liaison/Commands/Serve.swift`, `probe:`). Both are called from request handlers on
/// a blocking lane: they may read the store, but keep them short.
public protocol OperatorProbe: Sendable {
    /// Healthy, or not with the reason (`/healthz`: 200 `ok`, else 503 with the reason).
    func health() -> (healthy: Bool, reason: String)
    /// Prometheus text exposition format 0.0.4, every series named `liaison_…`.
    func metricsText() -> String
}

/// The daemon's own figures and health (`OperatorEndpoints`, LiaisonDaemon: swift-metrics counted
/// where the events happen, rendered from its Prometheus registry; health from the components'
/// STATUS state) are what `liaison serve` hands the console.
extension OperatorEndpoints: OperatorProbe {}
