import HubStore
import Prometheus

/// The hub's own counters and histograms, kept in one Prometheus registry that `GET /metrics`
/// renders. HTTP request metrics (Hummingbird's `MetricsMiddleware`, through swift-metrics) land
/// in the same registry when the process bootstraps `MetricsSystem` with ``factory``.
///
/// No label carries a device ID or anything personal: a fleet has thousands of kiosks, and a
/// label per kiosk would make every scrape grow with the fleet.
public struct HubMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let ingestedItems: Counter
    let duplicateItems: Counter
    let conflictingDuplicates: Counter
    let batches: Counter
    let batchApplySeconds: DurationHistogram
    let heartbeats: Counter
    let enrollments: Counter
    let clockSkewFlags: Counter
    private let rejectedItems: [String: Counter]
    private let signatureRefusals: [String: Counter]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        ingestedItems = registry.makeCounter(descriptor: Self.name("ingested_items", unit: "total", help: "Transaction items stored for the first time."))
        duplicateItems = registry.makeCounter(descriptor: Self.name("duplicate_items", unit: "total",
                                              help: "Items delivered again and answered with their stored outcome."))
        conflictingDuplicates = registry.makeCounter(descriptor: Self.name("conflicting_duplicate_items", unit: "total",
                                                     help: "Redeliveries whose content differs from the stored item (a kiosk fault)."))
        batches = registry.makeCounter(descriptor: Self.name("batches", unit: "total", help: "Transaction batches applied."))
        batchApplySeconds = registry.makeDurationHistogram(
            descriptor: Self.name("batch_apply", unit: "seconds", help: "Time to apply one batch in the database, in one transaction."),
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)])
        heartbeats = registry.makeCounter(descriptor: Self.name("heartbeats", unit: "total", help: "Heartbeats recorded."))
        enrollments = registry.makeCounter(descriptor: Self.name("enrollments", unit: "total", help: "Kiosks enrolled."))
        clockSkewFlags = registry.makeCounter(descriptor: Self.name("clock_skew_flags", unit: "total",
                                              help: "Items and heartbeats whose wall clock was off beyond the tolerance."))
        var rejected: [String: Counter] = [:]
        for reason in TransactionRejection.allCases.map(\.rawValue) {
            rejected[reason] = registry.makeCounter(descriptor: Self.name("rejected_items", unit: "total",
                                                    help: "Items rejected, by reason; the kiosk parks them for staff."), labels: [("reason", reason)])
        }
        rejectedItems = rejected
        var refusals: [String: Counter] = [:]
        for reason in KioskSignatureMiddleware.Refusal.allReasons {
            refusals[reason] = registry.makeCounter(descriptor: Self.name("signature_refusals", unit: "total",
                                                    help: "Kiosk requests refused before any change, by reason."), labels: [("reason", reason)])
        }
        signatureRefusals = refusals
    }

    private static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "zizhu", subsystem: "hub", metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts what one applied batch did. Items the hub already had count as duplicates only,
    /// never again as ingested or rejected.
    func recordBatch(_ result: IngestionResult, applied duration: Duration) {
        batchApplySeconds.record(duration)
        batches.increment()
        let duplicates = Set(result.duplicates)
        duplicateItems.increment(by: Int64(duplicates.count))
        conflictingDuplicates.increment(by: Int64(result.conflicts.count))
        ingestedItems.increment(by: Int64(result.accepted.count { !duplicates.contains($0) }))
        for rejection in result.rejected where !duplicates.contains(rejection.seq) {
            rejectedItems[rejection.reason.rawValue]?.increment()
        }
        clockSkewFlags.increment(by: Int64(result.clockSkewFlagged.count))
    }

    func refused(_ reason: String) {
        signatureRefusals[reason]?.increment()
    }

    /// The registry in the Prometheus text exposition format.
    public func exposition() -> String {
        registry.emitToString()
    }
}
