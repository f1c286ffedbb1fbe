import GearmanProtocol
import GearmanTool

/// What a run measured, as the table row or the JSON object `gearman bench` prints.
struct BenchResult: Equatable {
    let options: BenchOptions
    /// `host:port`.
    let server: String
    let jobs: Int
    let seconds: Double
    /// rtt only.
    let latency: LatencySummary?

    var jobsPerSecond: Int { seconds > 0 ? Int((Double(jobs) / seconds).rounded()) : 0 }

    /// A header line and a row, columns at least as wide as the header's words.
    var table: String {
        let milliseconds = [latency?.p50, latency?.p99, latency?.p999].map { $0.map { Self.fixed(Double($0) / 1e6) } ?? "-" }
        let columns = [("scenario", options.scenario.rawValue), ("server", server), ("jobs", String(jobs)),
                       ("seconds", Self.fixed(seconds)), ("jobs/s", String(jobsPerSecond)),
                       ("p50 ms", milliseconds[0]), ("p99 ms", milliseconds[1]), ("p999 ms", milliseconds[2])]
        // The server and count columns leave room for the usual values, so rows of several runs line up.
        let minimumWidths = ["server": 15, "jobs": 7, "jobs/s": 7]
        var lines = ["", ""]
        for (header, value) in columns {
            let width = max(header.count, value.count, minimumWidths[header] ?? 0) + 2
            lines[0] += header.padding(to: width)
            lines[1] += value.padding(to: width)
        }
        return lines.map { String($0.reversed().drop { $0 == " " }.reversed()) + "\n" }.joined()
    }

    var json: JSONValue {
        let latencyMembers: JSONValue = latency.map { latency in
            .object([("p50", Self.milliseconds(latency.p50)), ("p99", Self.milliseconds(latency.p99)),
                     ("p999", Self.milliseconds(latency.p999))])
        } ?? .null
        return .object([
            ("scenario", .string(options.scenario.rawValue)), ("server", .string(server)), ("jobs", .number(jobs)),
            ("seconds", .decimal((seconds * 1000).rounded() / 1000)), ("jobs_per_second", .number(jobsPerSecond)),
            ("payload_bytes", .number(options.payload)), ("connections", .number(options.connections)),
            ("workers", .number(options.workers)), ("depth", .number(options.depth)),
            ("worker_depth", .number(options.workerDepth)), ("unique", .string(options.unique.rawValue)),
            ("functions", .number(options.functions)), ("threads", .number(options.threads)),
            ("latency_ms", latencyMembers),
        ])
    }

    /// Nanoseconds as milliseconds, to the microsecond.
    private static func milliseconds(_ nanoseconds: UInt64) -> JSONValue {
        .decimal((Double(nanoseconds) / 1000).rounded() / 1000)
    }

    /// `value` with three decimals (no Foundation for String(format:)).
    static func fixed(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

private extension String {
    func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(width - count, 0))
    }
}
