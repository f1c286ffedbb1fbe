import Prometheus

/// The server's Prometheus metrics: gauges and counters set from the scheduler's figures
/// when /metrics is read (nothing is counted on the job path), and the queue store's
/// commit latency, recorded per group commit.
final class ServerMetrics {
    private struct FunctionMetrics {
        let queued: [Gauge]
        let running: Gauge
        let workers: Gauge
        let submitted: Counter
        let completed: Counter
        let failed: Counter
        /// The scheduler's totals at the last scrape, for counter increments.
        var last = (submitted: 0, completed: 0, failed: 0)
    }

    private let registry = PrometheusCollectorRegistry()
    private var functions: [String: FunctionMetrics] = [:]
    private let clients: Gauge
    private let workers: Gauge
    /// Only with a queue store: a server without one shows no commit histogram.
    private let commitDuration: DurationHistogram?
    private let commitFailures: Counter?
    private let storeUp: Gauge?

    /// `gearman_<name>[_<unit>]` with its help text.
    private static func name(_ name: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gearman", metricName: name, unitName: unit, helpText: help)
    }

    private static var connections: MetricNameDescriptor { name("connections", "Open connections by role (a worker is a connection that registered a function).") }
    private static var queued: MetricNameDescriptor { name("jobs_queued", "Jobs waiting for a worker, by function and priority.") }
    private static var running: MetricNameDescriptor { name("jobs_running", "Jobs a worker is running.") }
    private static var functionWorkers: MetricNameDescriptor { name("workers", "Connected workers that can do the function.") }
    private static var submitted: MetricNameDescriptor { name("jobs_submitted", unit: "total", "Jobs created.") }
    private static var completed: MetricNameDescriptor { name("jobs_completed", unit: "total", "Jobs that ended with WORK_COMPLETE.") }
    private static var failed: MetricNameDescriptor { name("jobs_failed", unit: "total",
                                     "Jobs that ended with WORK_FAIL, WORK_EXCEPTION, a timeout or too many worker deaths.") }

    init(hasQueueStore: Bool) {
        clients = registry.makeGauge(descriptor: Self.connections, labels: [("role", "client")])
        workers = registry.makeGauge(descriptor: Self.connections, labels: [("role", "worker")])
        commitDuration = !hasQueueStore ? nil : registry.makeDurationHistogram(
            descriptor: Self.name("queue_store_commit_duration", unit: "seconds", "Time to write and sync one group commit of the durable queue."),
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)])
        commitFailures = !hasQueueStore ? nil : registry.makeCounter(
            descriptor: Self.name("queue_store_commit_failures", unit: "total", "Group commits the queue store could not write (their jobs got QUEUE_ERROR)."))
        storeUp = !hasQueueStore ? nil : registry.makeGauge(
            descriptor: Self.name("queue_store_up", "1 while the queue store can take commits; 0 while its database is away."))
        storeUp?.set(Int64(1))
    }

    /// One group commit took `duration`, and failed or not.
    func recordCommit(_ duration: Duration, failed: Bool = false) {
        commitDuration?.record(duration)
        if failed { commitFailures?.increment() }
    }

    /// Whether the queue store can take commits now.
    func setStoreAvailable(_ available: Bool) {
        storeUp?.set(Int64(available ? 1 : 0))
    }

    /// The metrics in Prometheus' text format, after taking the scheduler's figures.
    func render(_ status: [FunctionStatus], clients clientCount: Int, workers workerCount: Int) -> [UInt8] {
        clients.set(Int64(clientCount))
        workers.set(Int64(workerCount))
        var seen = Set<String>()
        for row in status {
            seen.insert(row.function)
            var metrics = functions[row.function] ?? makeMetrics(for: row.function)
            for (gauge, count) in zip(metrics.queued, row.queued) { gauge.set(Int64(count)) }
            metrics.running.set(Int64(row.running))
            metrics.workers.set(Int64(row.workers))
            metrics.submitted.increment(by: Int64(max(row.submitted - metrics.last.submitted, 0)))
            metrics.completed.increment(by: Int64(max(row.completed - metrics.last.completed, 0)))
            metrics.failed.increment(by: Int64(max(row.failed - metrics.last.failed, 0)))
            metrics.last = (row.submitted, row.completed, row.failed)
            functions[row.function] = metrics
        }
        for (name, gone) in functions where !seen.contains(name) {
            gone.queued.forEach(registry.unregisterGauge)
            [gone.running, gone.workers].forEach(registry.unregisterGauge)
            [gone.submitted, gone.completed, gone.failed].forEach(registry.unregisterCounter)
            functions[name] = nil
        }
        return registry.emitToBuffer()
    }

    private func makeMetrics(for function: String) -> FunctionMetrics {
        let label = ("function", function)
        return FunctionMetrics(
            queued: Priority.allCases.map { registry.makeGauge(descriptor: Self.queued, labels: [label, ("priority", "\($0)")]) },
            running: registry.makeGauge(descriptor: Self.running, labels: [label]),
            workers: registry.makeGauge(descriptor: Self.functionWorkers, labels: [label]),
            submitted: registry.makeCounter(descriptor: Self.submitted, labels: [label]),
            completed: registry.makeCounter(descriptor: Self.completed, labels: [label]),
            failed: registry.makeCounter(descriptor: Self.failed, labels: [label]))
    }
}
