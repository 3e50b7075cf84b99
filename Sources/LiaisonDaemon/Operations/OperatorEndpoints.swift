import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// What operators read (issue 19, part 5): the daemon's figures as Prometheus text and whether
/// every part is healthy. No HTTP here: the console's `/metrics` and `/healthz` routes call
/// `metricsText()` and `health()` (200 with the reason when healthy, 503 otherwise).
///
/// Health is the STATUS line's model, not a second one: a part is unhealthy while its
/// `ComponentStatus.fault` is set (the `FaultTracker` in progress: IMAP down, the store locked,
/// SMTP failing, a message that keeps failing) or while its `ProgressMonitor` reports a stall
/// (what makes the watchdog withhold its pings). `liaison serve` makes one over the registry it
/// bootstrapped (`bootstrap()`), hands it to whatever needs it while building the parts, and
/// `Daemon` attaches its parts to it (`Daemon.operations`).
public final class OperatorEndpoints: Sendable {
    /// Where the figures live; `metricsText()` renders it.
    public let registry: PrometheusCollectorRegistry
    /// The instruments the parts count into (made over `registry`).
    public let metrics: ServiceMetrics
    private let components = Mutex<[any DaemonComponent]>([])

    /// `metrics` nil: made over `registry` through a `PrometheusMetricsFactory` of its own (no
    /// global bootstrap; what tests do).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), metrics: ServiceMetrics? = nil) {
        self.registry = registry
        self.metrics = metrics ?? ServiceMetrics(factory: Self.factory(registry: registry))
    }

    /// The factory `liaison serve` bootstraps swift-metrics with: series into `registry`, the
    /// filing latency in `ServiceMetrics.filingBuckets`.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[ServiceMetrics.Name.filingDuration] = ServiceMetrics.filingBuckets
        return factory
    }

    /// Bootstraps the process's metrics system with a Prometheus registry of its own and returns
    /// the endpoints over it. Once per process (swift-metrics refuses a second bootstrap):
    /// `liaison serve` only.
    public static func bootstrap() -> OperatorEndpoints {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return OperatorEndpoints(registry: registry, metrics: ServiceMetrics(factory: MetricsSystem.factory))
    }

    /// The parts whose health `health()` reports (`Daemon` calls it with its own).
    public func watch(_ parts: [any DaemonComponent]) {
        components.withLock { $0 = parts }
    }

    /// Every series in the Prometheus text exposition format 0.0.4
    /// (`Content-Type: text/plain; version=0.0.4; charset=utf-8`).
    public func metricsText() -> String {
        registry.emitToString()
    }

    /// The most a reason says (a fault's text comes from an error description).
    static let reasonLimit = 400

    /// Healthy when no part is faulted or stalled; otherwise false and why, one part after the
    /// other in the order mail flows ("poller: imap: curl error 7 … (attempt 3)"). One line, at
    /// most `reasonLimit` characters, control characters replaced.
    public func health() -> (healthy: Bool, reason: String) {
        let parts = components.withLock { $0 }
        var faults: [String] = []
        // The STATUS line's order: poller, scheduler, outbox (parts start in reverse).
        for c in parts.reversed() {
            let s = c.status()
            if let fault = s.fault {
                faults.append(fault.hasPrefix(c.name + ":") ? fault : "\(c.name): \(fault)")
            } else if let progress = s.progress, progress.isStalled() {
                faults.append("\(c.name): no progress for \(progress.overdue().components.seconds) s past its deadline")
            }
        }
        if faults.isEmpty {
            return (true, parts.isEmpty ? "ok" : "ok: " + parts.reversed().map(\.name).joined(separator: ", "))
        }
        return (false, Self.oneLine(faults.joined(separator: "; ")))
    }

    static func oneLine(_ text: String) -> String {
        var out = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        if out.count > reasonLimit { out = String(out.prefix(reasonLimit - 1)) + "…" }
        return out
    }
}
