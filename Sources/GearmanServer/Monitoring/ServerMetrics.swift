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
        let retried: Counter
        let dead: Gauge
        /// The scheduler's totals at the last scrape, for counter increments.
        var last = (submitted: 0, completed: 0, failed: 0, retried: 0)
    }

    private let registry = PrometheusCollectorRegistry()
    private var functions: [String: FunctionMetrics] = [:]
    private let clients: Gauge
    private let workers: Gauge
    private let deadEvicted: Counter
    private var lastDeadEvicted = 0
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
    private static var retried: MetricNameDescriptor { name("jobs_retried", unit: "total", "Failed background jobs queued again (after a backoff, or by admin retry dead job).") }
    private static var dead: MetricNameDescriptor { name("jobs_dead", "Background jobs in the dead-job list: they failed with no retries left.") }

    init(hasQueueStore: Bool) {
        clients = registry.makeGauge(descriptor: Self.connections, labels: [("role", "client")])
        workers = registry.makeGauge(descriptor: Self.connections, labels: [("role", "worker")])
        deadEvicted = registry.makeCounter(descriptor: Self.name("dead_jobs_evicted", unit: "total",
                                                                  "Dead jobs pushed out of the dead-job list by --dead-jobs or --dead-jobs-bytes."))
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
    func render(_ status: [FunctionStatus], clients clientCount: Int, workers workerCount: Int, deadEvicted evicted: Int) -> [UInt8] {
        clients.set(Int64(clientCount))
        workers.set(Int64(workerCount))
        deadEvicted.increment(by: Int64(max(evicted - lastDeadEvicted, 0)))
        lastDeadEvicted = evicted
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
            metrics.retried.increment(by: Int64(max(row.retried - metrics.last.retried, 0)))
            metrics.dead.set(Int64(row.dead))
            metrics.last = (row.submitted, row.completed, row.failed, row.retried)
            functions[row.function] = metrics
        }
        for (name, gone) in functions where !seen.contains(name) {
            gone.queued.forEach(registry.unregisterGauge)
            [gone.running, gone.workers, gone.dead].forEach(registry.unregisterGauge)
            [gone.submitted, gone.completed, gone.failed, gone.retried].forEach(registry.unregisterCounter)
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
            failed: registry.makeCounter(descriptor: Self.failed, labels: [label]),
            retried: registry.makeCounter(descriptor: Self.retried, labels: [label]),
            dead: registry.makeGauge(descriptor: Self.dead, labels: [label]))
    }
}
