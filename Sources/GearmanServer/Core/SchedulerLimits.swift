/// Bounds on what clients and workers can make the scheduler hold or do, each an option of
/// `gearman server` (see the README's Limits table).
public struct SchedulerLimits: Sendable, Equatable {
    /// The longest unique key a submission may carry (gearmand's GEARMAN_MAX_UNIQUE_SIZE).
    public var uniqueKeyBytes = 64
    /// The longest function name (gearmand's GEARMAN_FUNCTION_MAX_SIZE).
    public var functionNameBytes = 512
    /// New jobs get ERROR QUEUE_ERROR while the jobs held take more than this (see `Job.heldBytes`).
    public var queueBytes = 1 << 30
    /// Sleeping workers woken by each new job (gearmand's `--worker-wakeup`; 0 wakes every one).
    public var workersWokenPerJob = 1
    /// A job still queued this long after its wake-up wakes the next sleeper, so that a worker
    /// that sleeps but never grabs (a stopped process, a half-dead connection) holds nothing up.
    public var wakeRetryMilliseconds: Int64 = 250

    public init() {}
}
