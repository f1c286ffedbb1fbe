import GearmanProtocol
import XCTest
@testable import GearmanBench

final class SubmitterStateTests: XCTestCase {
    private func job(_ number: Int) -> Packet {
        Wire.request(.submitJobBackground, "bench0", "abc-0-\(number)", "xxx")
    }

    func testKeepsDepthJobsInFlightUntilItsShareIsCreated() {
        var submitter = SubmitterState(jobs: Wire.source(quota: 5), depth: 3)
        XCTAssertEqual(submitter.start(now: 0), [job(0), job(1), job(2)])
        XCTAssertEqual(submitter.inFlight, 3)
        XCTAssertEqual(submitter.receive(Wire.response(.jobCreated, "H:1"), now: 1), .jobDone(latency: nil, send: [job(3)]))
        XCTAssertEqual(submitter.receive(Wire.response(.jobCreated, "H:2"), now: 2), .jobDone(latency: nil, send: [job(4)]))
        XCTAssertEqual(submitter.inFlight, 3)
        for handle in 3...5 {
            XCTAssertEqual(submitter.receive(Wire.response(.jobCreated, "H:\(handle)"), now: 3), .jobDone(latency: nil, send: []))
        }
        XCTAssertEqual(submitter.inFlight, 0)
        guard case .fail(let message) = submitter.receive(Wire.response(.jobCreated, "H:6"), now: 4) else {
            return XCTFail("a JOB_CREATED with nothing in flight is a failure")
        }
        XCTAssertTrue(message.contains("jobCreated"), message)
    }

    func testAShareSmallerThanTheDepth() {
        var submitter = SubmitterState(jobs: Wire.source(quota: 1), depth: 16)
        XCTAssertEqual(submitter.start(now: 0), [job(0)])
        var idle = SubmitterState(jobs: Wire.source(quota: 0), depth: 16)
        XCTAssertEqual(idle.start(now: 0), [])
    }

    func testErrorStopsTheRunWithTheServersText() {
        var submitter = SubmitterState(jobs: Wire.source(quota: 5), depth: 1)
        _ = submitter.start(now: 0)
        XCTAssertEqual(submitter.receive(Wire.response(.error, "QUEUE_FULL", "Job queue is full"), now: 1),
                       .fail("the server sent ERROR QUEUE_FULL: Job queue is full (to a submitter)"))
    }
}
