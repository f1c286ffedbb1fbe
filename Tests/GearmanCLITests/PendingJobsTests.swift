import GearmanKit
import XCTest
@testable import GearmanCLI

/// What a client's timeout says it waited for.
final class PendingJobsTests: XCTestCase {
    private func pending(_ functions: [String], created: [Int] = [], settled: [Int] = [], background: Bool = false) -> PendingJobs {
        var pending = PendingJobs()
        pending.begin(functions.map { JobRequest(function: $0, background: background) })
        for index in created { pending.record(.created(jobHandle: "H:x:\(index)"), of: index) }
        for index in settled { pending.record(.failed, of: index) }
        return pending
    }

    /// The server took the job: the wait was for a worker, not for the (healthy) server.
    func testAnAcceptedJobBlamesTheMissingWorker() {
        XCTAssertEqual(pending(["noworker"], created: [0]).timeoutMessage(after: "1000 ms", servers: "127.0.0.1:4730"),
                       "timed out after 1000 ms waiting for a worker of function 'noworker' (GEARMAN_TIMEOUT);"
                       + " job server 127.0.0.1:4730 accepted the job")
        XCTAssertEqual(pending(["a", "b", "a", "c"], created: [0, 1, 2, 3], settled: [3]).timeoutMessage(after: "5 ms", servers: "s:1"),
                       "timed out after 5 ms waiting for a worker of functions 'a', 'b' (GEARMAN_TIMEOUT); job server s:1 accepted the jobs")
    }

    func testAJobTheServerNeverTookBlamesTheServer() {
        let expected = "timed out after 1000 ms waiting for job server gm1:4730 (GEARMAN_TIMEOUT)"
        XCTAssertEqual(pending(["f"]).timeoutMessage(after: "1000 ms", servers: "gm1:4730"), expected)
        XCTAssertEqual(pending(["f", "g"], created: [0]).timeoutMessage(after: "1000 ms", servers: "gm1:4730"), expected)
        XCTAssertEqual(PendingJobs().timeoutMessage(after: "1000 ms", servers: "gm1:4730"), expected)
    }

    /// A background job is settled by JOB_CREATED, so an accepted one is not waited for.
    func testBackgroundJobsSettleWhenCreated() {
        XCTAssertEqual(pending(["f", "g"], created: [0], background: true).timeoutMessage(after: "1 ms", servers: "s:1"),
                       "timed out after 1 ms waiting for job server s:1 (GEARMAN_TIMEOUT)")
    }
}
