@testable import GearmanServer

/// A clock the test moves by hand.
final class TestClock: SchedulerClock, @unchecked Sendable {
    var now: Int64
    var monotonic: Int64

    init(now: Int64 = 1_700_000_000_000) {
        self.now = now
        monotonic = now
    }

    /// Time passes: both clocks move.
    func advance(byMilliseconds milliseconds: Int64) {
        now += milliseconds
        monotonic += milliseconds
    }

    /// The wall clock is set (NTP, an operator): only it moves.
    func stepWallClock(byMilliseconds milliseconds: Int64) {
        now += milliseconds
    }
}
