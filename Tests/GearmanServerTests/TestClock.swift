@testable import GearmanServer

/// A clock the test moves by hand.
final class TestClock: SchedulerClock, @unchecked Sendable {
    var now: Int64

    init(now: Int64 = 1_700_000_000_000) {
        self.now = now
    }

    func advance(byMilliseconds milliseconds: Int64) {
        now += milliseconds
    }
}
