import XCTest
@testable import GearmanCLI

final class SubmissionOrderTests: XCTestCase {
    func testHeadJobEventsPassAtOnce() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("job0 data", of: 0, settles: false), ["job0 data"])
        XCTAssertEqual(order.head, 0)
        XCTAssertEqual(order.add("job0 complete", of: 0, settles: true), ["job0 complete"])
        XCTAssertEqual(order.head, 1, "the next job becomes the head once job 0 settles")
        XCTAssertEqual(order.add("job1 complete", of: 1, settles: true), ["job1 complete"])
        XCTAssertEqual(order.head, 2)
    }

    func testLaterJobEventsWaitForEarlierJobsToSettle() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("job1 data", of: 1, settles: false), [])
        XCTAssertEqual(order.add("job2 complete", of: 2, settles: true), [], "job 2 settled, but jobs 0 and 1 have not")
        XCTAssertEqual(order.add("job0 data", of: 0, settles: false), ["job0 data"])
        XCTAssertEqual(order.head, 0)

        // Job 0 settles: job 1's waiting event follows, but job 2 still waits for job 1.
        XCTAssertEqual(order.add("job0 complete", of: 0, settles: true), ["job0 complete", "job1 data"])
        XCTAssertEqual(order.head, 1)
        XCTAssertEqual(order.add("job1 warning", of: 1, settles: false), ["job1 warning"], "job 1 is now the head")
        XCTAssertEqual(order.add("job1 complete", of: 1, settles: true), ["job1 complete", "job2 complete"])
        XCTAssertEqual(order.head, 3)
    }

    func testSettlingTheHeadReleasesEveryJobThatAlreadySettled() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("job3 created", of: 3, settles: true), [])
        XCTAssertEqual(order.add("job2 data", of: 2, settles: false), [])
        XCTAssertEqual(order.add("job2 complete", of: 2, settles: true), [])
        XCTAssertEqual(order.add("job1 failed", of: 1, settles: true), [])
        XCTAssertEqual(order.add("job0 complete", of: 0, settles: true),
                       ["job0 complete", "job1 failed", "job2 data", "job2 complete", "job3 created"])
        XCTAssertEqual(order.head, 4)
    }

    func testCascadeStopsAtTheFirstUnsettledJob() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("job1 complete", of: 1, settles: true), [])
        XCTAssertEqual(order.add("job2 data", of: 2, settles: false), [])
        XCTAssertEqual(order.add("job3 complete", of: 3, settles: true), [])
        XCTAssertEqual(order.add("job0 complete", of: 0, settles: true), ["job0 complete", "job1 complete", "job2 data"])
        XCTAssertEqual(order.head, 2)
        XCTAssertEqual(order.add("job2 complete", of: 2, settles: true), ["job2 complete", "job3 complete"])
        XCTAssertEqual(order.head, 4)
    }

    func testFinishReturnsTheWaitingEventsInJobOrder() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("job0 data", of: 0, settles: false), ["job0 data"])
        XCTAssertEqual(order.add("job3 data", of: 3, settles: false), [])
        XCTAssertEqual(order.add("job1 data", of: 1, settles: false), [])
        XCTAssertEqual(order.add("job3 complete", of: 3, settles: true), [])
        XCTAssertEqual(order.add("job2 failed", of: 2, settles: true), [])
        XCTAssertEqual(order.add("job1 warning", of: 1, settles: false), [])
        // Job 0 never settles (its connection failed): the rest comes out in job order.
        XCTAssertEqual(order.finish(), ["job1 data", "job1 warning", "job2 failed", "job3 data", "job3 complete"])
    }

    func testFinishStartsANewBatch() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("old job0 data", of: 0, settles: false), ["old job0 data"])
        XCTAssertEqual(order.add("old job1 complete", of: 1, settles: true), [])
        XCTAssertEqual(order.add("old job2 data", of: 2, settles: false), [])
        XCTAssertEqual(order.finish(), ["old job1 complete", "old job2 data"])
        XCTAssertEqual(order.head, 0)

        // Nothing of the old batch is left: not its waiting events, not which jobs had settled.
        XCTAssertEqual(order.add("new job0 complete", of: 0, settles: true), ["new job0 complete"])
        XCTAssertEqual(order.head, 1, "the old batch's settled job 1 must not count for the new job 1")
        XCTAssertEqual(order.add("new job1 data", of: 1, settles: false), ["new job1 data"])
        XCTAssertEqual(order.add("new job2 data", of: 2, settles: false), [])
        XCTAssertEqual(order.finish(), ["new job2 data"])
    }

    func testFinishWithNothingWaitingIsEmpty() {
        var order = SubmissionOrder<String>()
        XCTAssertEqual(order.add("job0 complete", of: 0, settles: true), ["job0 complete"])
        XCTAssertEqual(order.finish(), [])
        XCTAssertEqual(order.head, 0)
    }
}
