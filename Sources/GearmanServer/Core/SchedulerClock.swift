#if canImport(Glibc)
import Glibc
#endif

/// Where the scheduler reads the time: wall-clock milliseconds since the UNIX epoch, because
/// SUBMIT_JOB_EPOCH names a UNIX time. Tests inject a clock they move by hand.
public protocol SchedulerClock: Sendable {
    /// Milliseconds since 1970-01-01 UTC.
    var now: Int64 { get }
}

/// The system's real-time clock.
public struct SystemClock: SchedulerClock {
    public init() {}

    public var now: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
