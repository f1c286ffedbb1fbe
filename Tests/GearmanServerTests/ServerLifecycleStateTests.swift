import XCTest
@testable import GearmanServer

/// The server's lifecycle as a pure state machine, driven by a test clock's times.
final class ServerLifecycleStateTests: XCTestCase {
    private let clock = TestClock()

    func testAnImmediateShutdownStoresThenClosesConnectionsThenFinishes() {
        var lifecycle = ServerLifecycle(drainMilliseconds: 30_000)
        XCTAssertEqual(lifecycle.shutdownRequested(graceful: false, runningJobs: 3, now: clock.monotonic),
                       [.closeListeners, .beginDraining, .closeStore])
        XCTAssertEqual(lifecycle.state, .storing)
        XCTAssertEqual(lifecycle.shutdownRequested(graceful: false, runningJobs: 3, now: clock.monotonic), [], "once only")
        XCTAssertEqual(lifecycle.jobsDrained(), [])
        XCTAssertEqual(lifecycle.storeClosed(), [.closeConnections, .finish])
        XCTAssertEqual(lifecycle.state, .closed)
        XCTAssertEqual(lifecycle.storeClosed(), [])
    }

    func testAGracefulShutdownWaitsForRunningJobs() {
        var lifecycle = ServerLifecycle(drainMilliseconds: 30_000)
        let deadline = clock.monotonic + 30_000
        XCTAssertEqual(lifecycle.shutdownRequested(graceful: true, runningJobs: 2, now: clock.monotonic),
                       [.closeListeners, .beginDraining, .scheduleDrainDeadline(at: deadline)])
        XCTAssertEqual(lifecycle.shutdownRequested(graceful: true, runningJobs: 2, now: clock.monotonic), [])
        clock.advance(byMilliseconds: 10_000)
        XCTAssertEqual(lifecycle.drainDeadlinePassed(now: clock.monotonic), [], "not yet")
        XCTAssertEqual(lifecycle.jobsDrained(), [.closeStore])
        XCTAssertEqual(lifecycle.drainDeadlinePassed(now: deadline), [], "the timer that fires later does nothing")
        XCTAssertEqual(lifecycle.storeClosed(), [.closeConnections, .finish])
    }

    func testAGracefulShutdownWithNothingRunningStoresAtOnce() {
        var lifecycle = ServerLifecycle(drainMilliseconds: 30_000)
        XCTAssertEqual(lifecycle.shutdownRequested(graceful: true, runningJobs: 0, now: clock.monotonic),
                       [.closeListeners, .beginDraining, .closeStore])
    }

    func testTheDrainBoundEndsAGracefulShutdown() {
        var lifecycle = ServerLifecycle(drainMilliseconds: 5_000)
        _ = lifecycle.shutdownRequested(graceful: true, runningJobs: 1, now: clock.monotonic)
        clock.advance(byMilliseconds: 5_000)
        XCTAssertEqual(lifecycle.drainDeadlinePassed(now: clock.monotonic), [.closeStore])
        XCTAssertEqual(lifecycle.jobsDrained(), [])
    }

    func testAnImmediateShutdownEndsAGracefulOne() {
        var lifecycle = ServerLifecycle(drainMilliseconds: 5_000)
        _ = lifecycle.shutdownRequested(graceful: true, runningJobs: 1, now: clock.monotonic)
        XCTAssertEqual(lifecycle.shutdownRequested(graceful: false, runningJobs: 1, now: clock.monotonic), [.closeStore])
        XCTAssertEqual(lifecycle.state, .storing)
    }
}
