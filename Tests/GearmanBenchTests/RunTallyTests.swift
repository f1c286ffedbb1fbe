import NIOEmbedded
import XCTest
@testable import GearmanBench

final class RunTallyTests: XCTestCase {
    private let loop = EmbeddedEventLoop()

    func testTheJobThatReachesTheTargetStopsOnce() {
        let tally = RunTally(target: 3, eventLoop: loop)
        tally.jobDone(now: 10)
        tally.jobDone(now: 20)
        XCTAssertNil(tally.stop)
        tally.jobDone(now: 30)
        tally.jobDone(now: 40)
        tally.fail("late")
        XCTAssertEqual(tally.stop, RunTally.Stop(outcome: .targetReached, jobs: 3, at: 30))
    }

    func testTimeUpCountsTheJobsSoFar() {
        let tally = RunTally(target: nil, eventLoop: loop)
        for now in 1...5 { tally.jobDone(now: UInt64(now)) }
        tally.timeUp()
        XCTAssertEqual(tally.stop?.outcome, .timeUp)
        XCTAssertEqual(tally.stop?.jobs, 5)
    }

    func testTheFirstFailureIsKept() {
        let tally = RunTally(target: 10, eventLoop: loop)
        tally.fail("first")
        tally.fail("second")
        XCTAssertEqual(tally.stop?.outcome, .failed("first"))
    }

    func testSamplesFromEveryConnection() {
        let tally = RunTally(target: nil, eventLoop: loop)
        tally.add(samples: [3, 1])
        tally.add(samples: [2])
        XCTAssertEqual(tally.samples.sorted(), [1, 2, 3])
        tally.timeUp()  // every tally stops: NIO traps on a promise never completed
    }
}
