#if canImport(Glibc)
import Glibc
#endif

/// Where the scheduler reads the time: the wall clock for SUBMIT_JOB_EPOCH, which names a UNIX
/// time, and a monotonic clock for time limits (CAN_DO_TIMEOUT, wake-up retries), which a step
/// of the wall clock must not move. Tests inject a clock they move by hand.
public protocol SchedulerClock: Sendable {
    /// Milliseconds since 1970-01-01 UTC.
    var now: Int64 { get }
    /// Milliseconds since an arbitrary start; only differences mean anything.
    var monotonic: Int64 { get }
}

/// The system's real-time clock.
public struct SystemClock: SchedulerClock {
    public init() {}

    public var now: Int64 { Self.milliseconds(CLOCK_REALTIME) }

    public var monotonic: Int64 { Self.milliseconds(CLOCK_MONOTONIC) }

    private static func milliseconds(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
