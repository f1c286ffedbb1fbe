/// What happens to a background job that fails (WORK_FAIL, WORK_EXCEPTION, a time limit, or
/// `--job-retries` worker deaths): how often it is run again, after what delay, and how many
/// jobs that failed for good the dead-job list keeps. Options of `gearman server`.
public struct RetryPolicy: Sendable, Equatable {
    /// `--retries`: runs after the first failure (0: a failed job goes straight to the dead list).
    public var retries = 0
    /// `--retry-backoff`: the delay before the first retry, in milliseconds; each next one doubles.
    public var backoffMilliseconds: Int64 = 10_000
    /// `--retry-backoff-max`: the longest delay, in milliseconds.
    public var backoffMaxMilliseconds: Int64 = 3_600_000
    /// `--dead-jobs`: the most jobs the dead list keeps (0: none); the oldest make room.
    public var deadJobs = 10_000
    /// `--dead-jobs-bytes`: the most bytes (workloads, keys, failure texts) the dead list keeps.
    public var deadJobBytes = 64 << 20

    public init() {}

    /// The delay before retry number `attempt` (1 for the first): the backoff doubled per
    /// attempt and capped, then spread over its upper half by `jitter` in 0...1, so that jobs
    /// that failed together are not retried together.
    public func delay(beforeRetry attempt: Int, jitter: Double) -> Int64 {
        let doublings = min(max(attempt - 1, 0), 62)
        let (grown, overflowed) = backoffMilliseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        let capped = overflowed ? backoffMaxMilliseconds : min(grown, backoffMaxMilliseconds)
        let spread = Double(capped) / 2 * min(max(jitter, 0), 1)
        return capped - capped / 2 + Int64(spread.rounded())
    }
}
