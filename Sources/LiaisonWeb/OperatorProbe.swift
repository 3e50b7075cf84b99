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

/// The minimal probe the console brings: healthy when no component reports a fault or a stall;
/// metrics from the components' states and the store's outbox counts. Stands in until the
/// daemon's instrumentation (`OperatorEndpoints`) is plugged in.
public struct ComponentsProbe: OperatorProbe {
    /// The components to judge (the console itself is left out by the caller).
    public let components: @Sendable () -> [any DaemonComponent]
    public let store: (any OutboxStore & CaseQueries)?

    public init(components: @escaping @Sendable () -> [any DaemonComponent], store: (any OutboxStore & CaseQueries)?) {
        self.components = components
        self.store = store
    }

    public func health() -> (healthy: Bool, reason: String) {
        var problems: [String] = []
        for c in components() {
            let s = c.status()
            if let f = s.fault { problems.append("\(c.name): \(f)") }
            if s.progress?.isStalled() == true { problems.append("\(c.name): no progress") }
        }
        if let store {
            do { _ = try store.outboxCounts() } catch { problems.append("store: \(error)") }
        }
        return problems.isEmpty ? (true, "ok") : (false, problems.joined(separator: "; "))
    }

    public func metricsText() -> String {
        var out = ""
        out += "# HELP liaison_component_up 1 when the component reports no fault.\n# TYPE liaison_component_up gauge\n"
        for c in components() {
            let s = c.status()
            out += "liaison_component_up{component=\"\(Self.label(c.name))\"} \(s.fault == nil ? 1 : 0)\n"
        }
        if let store, let counts = try? store.outboxCounts() {
            out += "# HELP liaison_outbox_rows Outbox rows by status.\n# TYPE liaison_outbox_rows gauge\n"
            for status in counts.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                out += "liaison_outbox_rows{status=\"\(Self.label(status.rawValue))\"} \(counts[status] ?? 0)\n"
            }
        }
        if let store, let c = try? store.counts() {
            out += "# HELP liaison_cases Cases in the store.\n# TYPE liaison_cases gauge\nliaison_cases \(c.cases)\n"
            out += "# HELP liaison_correspondence Filed messages in the store.\n# TYPE liaison_correspondence gauge\nliaison_correspondence \(c.correspondence)\n"
            out += "# HELP liaison_held Messages held for review.\n# TYPE liaison_held gauge\nliaison_held \(c.held)\n"
        }
        return out
    }

    /// A label value escaped as the text format asks (backslash, quote, newline).
    static func label(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
