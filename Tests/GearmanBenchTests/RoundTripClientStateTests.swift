import GearmanProtocol
import XCTest
@testable import GearmanBench

final class RoundTripClientStateTests: XCTestCase {
    private func job(_ number: Int) -> Packet {
        Wire.request(.submitJob, "bench0", "abc-0-\(number)", "xxx")
    }

    func testOneJobAtATimeTimedFromSubmissionToCompletion() {
        var client = RoundTripClientState(jobs: Wire.source(.submitJob, quota: 2))
        XCTAssertEqual(client.start(now: 1_000), [job(0)])
        XCTAssertEqual(client.sentAt, 1_000)
        XCTAssertEqual(client.receive(Wire.response(.jobCreated, "H:1"), now: 1_200), .send([]))
        XCTAssertEqual(client.receive(Wire.response(.workComplete, "H:1", "xxx"), now: 1_500),
                       .jobDone(latency: 500, send: [job(1)]))
        XCTAssertEqual(client.sentAt, 1_500, "the next job's clock starts when it is sent")
        XCTAssertEqual(client.receive(Wire.response(.jobCreated, "H:2"), now: 1_600), .send([]))
        XCTAssertEqual(client.receive(Wire.response(.workComplete, "H:2", "xxx"), now: 1_750),
                       .jobDone(latency: 250, send: []))
        XCTAssertNil(client.sentAt)
    }

    func testProgressPacketsAreIgnored() {
        var client = RoundTripClientState(jobs: Wire.source(.submitJob, quota: 1))
        _ = client.start(now: 0)
        XCTAssertEqual(client.receive(Wire.response(.workStatus, "H:1", "1", "2"), now: 1), .send([]))
        XCTAssertEqual(client.receive(Wire.response(.workData, "H:1", "d"), now: 1), .send([]))
    }

    func testFailedJobsAndStrayPacketsStopTheRun() {
        var client = RoundTripClientState(jobs: Wire.source(.submitJob, quota: 3))
        XCTAssertEqual(client.receive(Wire.response(.workComplete, "H:1", ""), now: 0),
                       .fail("a client got an unexpected workComplete packet"), "nothing was sent yet")
        _ = client.start(now: 0)
        XCTAssertEqual(client.receive(Wire.response(.workFail, "H:1"), now: 1), .fail("a job failed (WORK_FAIL)"))
        XCTAssertEqual(client.receive(Wire.response(.workException, "H:1", "boom"), now: 1),
                       .fail("a job failed (WORK_EXCEPTION: boom)"))
        XCTAssertEqual(client.receive(Wire.response(.noop), now: 1), .fail("a client got an unexpected noop packet"))
    }
}
