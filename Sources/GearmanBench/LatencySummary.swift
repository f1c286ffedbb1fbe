/// The 50th, 99th and 99.9th percentiles of latency samples, by nearest rank on the sorted
/// samples (exact: every sample is kept).
struct LatencySummary: Equatable, Sendable {
    /// Nanoseconds.
    let p50: UInt64
    let p99: UInt64
    let p999: UInt64
}

extension LatencySummary {
    /// nil when there are no samples.
    init?(nanoseconds samples: [UInt64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        self.init(p50: Self.percentile(perMille: 500, of: sorted), p99: Self.percentile(perMille: 990, of: sorted),
                  p999: Self.percentile(perMille: 999, of: sorted))
    }

    /// The smallest sample that at least `perMille`/1000 of the samples do not exceed; in whole
    /// numbers, so that 99% of 100 samples is the 99th and not the 100th.
    static func percentile(perMille: Int, of sorted: [UInt64]) -> UInt64 {
        let rank = (perMille * sorted.count + 999) / 1000
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
