import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// Failed background jobs: retries after a backoff on the test clock, the dead-job list, its
/// bounds and admin actions, and what a queue store is asked to keep.
final class SchedulerRetryTests: XCTestCase {
    private let client = ConnectionID(1)
    private let worker = ConnectionID(10)
    private let clock = TestClock()

    private func makeScheduler(retries: Int = 2, deadJobs: Int = 100, jobRetries: Int = 0, stores: Bool = false) -> Scheduler {
        var policy = RetryPolicy()
        policy.retries = retries
        policy.backoffMilliseconds = 1_000
        policy.backoffMaxMilliseconds = 1_500
        policy.deadJobs = deadJobs
        var scheduler = Scheduler(handlePrefix: "H:r", jobRetries: jobRetries, storesBackgroundJobs: stores,
                                  retryPolicy: policy, randomSeed: 42, clock: clock)
        scheduler.connect(client)
        scheduler.connect(worker)
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        return scheduler
    }

    private func packets(_ actions: [SchedulerAction], to target: ConnectionID) -> [Packet] {
        actions.compactMap { if case .send(let packet, let to) = $0, to == target { return packet } else { return nil } }
    }

    /// Grabs the next job as the worker and returns its handle, or nil for NO_JOB.
    private func grab(_ scheduler: inout Scheduler) -> String? {
        let reply = packets(send(&scheduler, request(.grabJob), from: worker), to: worker).first
        return reply?.type == .jobAssign ? reply?.string(at: 0) : nil
    }

    @discardableResult
    private func fail(_ scheduler: inout Scheduler, _ handle: String, exception: String? = nil) -> [SchedulerAction] {
        if let exception {
            return send(&scheduler, request(.workException, handle, exception), from: worker)
        } else {
            return send(&scheduler, request(.workFail, handle), from: worker)
        }
    }

    /// Advances the clock by `milliseconds` and runs the deadlines that passed.
    private func advance(_ scheduler: inout Scheduler, _ milliseconds: Int64) {
        clock.advance(byMilliseconds: milliseconds)
        _ = scheduler.deadlinesPassed()
        XCTAssertEqual(scheduler.invariantViolations(), [])
    }

    func testTheDelayDoublesIsCappedAndJitteredOverItsUpperHalf() {
        var policy = RetryPolicy()
        policy.backoffMilliseconds = 1_000
        policy.backoffMaxMilliseconds = 10_000
        XCTAssertEqual(policy.delay(beforeRetry: 1, jitter: 0), 500)
        XCTAssertEqual(policy.delay(beforeRetry: 1, jitter: 1), 1_000)
        XCTAssertEqual(policy.delay(beforeRetry: 2, jitter: 1), 2_000)
        XCTAssertEqual(policy.delay(beforeRetry: 3, jitter: 0.5), 3_000)
        XCTAssertEqual(policy.delay(beforeRetry: 5, jitter: 1), 10_000, "16 s capped at 10 s")
        XCTAssertEqual(policy.delay(beforeRetry: 500, jitter: 1), 10_000, "no overflow")
        policy.backoffMilliseconds = 0
        XCTAssertEqual(policy.delay(beforeRetry: 3, jitter: 1), 0)
    }

    func testAFailedBackgroundJobIsRetriedAfterItsBackoffThenDies() {
        var scheduler = makeScheduler(retries: 2)
        _ = send(&scheduler, request(.submitJobBackground, "f", "key", "work"), from: client)
        let handle = try! XCTUnwrap(grab(&scheduler))
        fail(&scheduler, handle)
        XCTAssertNil(grab(&scheduler), "not before its backoff")
        XCTAssertEqual(scheduler.functionStatus().first?.scheduled, 1)
        XCTAssertEqual(scheduler.functionStatus().first?.retried, 1)
        advance(&scheduler, 1_000)  // the first delay is 500 to 1000 ms
        XCTAssertEqual(grab(&scheduler), handle, "the same job, under its handle")
        fail(&scheduler, handle, exception: "disk\tfull\n")
        advance(&scheduler, 749)
        XCTAssertNil(grab(&scheduler), "the second delay, 2000 ms capped at 1500, is 750 to 1500 ms")
        advance(&scheduler, 751)
        XCTAssertEqual(grab(&scheduler), handle)
        XCTAssertEqual(scheduler.deadJobSummaries(), [])
        fail(&scheduler, handle, exception: "still broken")
        advance(&scheduler, 10_000)
        XCTAssertNil(grab(&scheduler), "three failures with two retries: dead")
        let dead = scheduler.deadJobSummaries()
        XCTAssertEqual(dead.map(\.handle), [handle])
        XCTAssertEqual(dead.first?.job.function, "f")
        XCTAssertEqual(dead.first?.job.unique, "key")
        XCTAssertEqual(dead.first?.job.data, ByteBuffer(string: "work"))
        XCTAssertEqual(dead.first?.job.failures.attempts, 3)
        XCTAssertEqual(dead.first?.job.failures.lastFailure, "still broken")
        XCTAssertEqual(dead.first?.job.failures.firstSubmitted, 1_700_000_000_000)
        XCTAssertEqual(dead.first?.job.failures.lastFailed, clock.now - 10_000)
        let status = try! XCTUnwrap(scheduler.functionStatus().first)
        XCTAssertEqual([status.total, status.failed, status.retried, status.dead], [0, 1, 2, 1])
    }

    func testEachFailureIsReportedForTheLogWithItsRetryDelayOrAsDead() {
        var scheduler = makeScheduler(retries: 1)
        _ = send(&scheduler, request(.submitJobBackground, "f", "k", "x"), from: client)
        let handle = try! XCTUnwrap(grab(&scheduler))
        var reports = send(&scheduler, request(.workException, handle, "boom"), from: worker).compactMap { action in
            if case .report(let report) = action { return report } else { return nil }
        }
        XCTAssertEqual(reports.map(\.attempts), [1])
        XCTAssertEqual(reports.first?.reason, "boom")
        XCTAssertEqual(reports.first?.unique, "k")
        XCTAssertTrue((500...1_000).contains(reports.first?.retryInMilliseconds ?? -1), "\(reports)")
        advance(&scheduler, 1_000)
        _ = grab(&scheduler)
        reports = send(&scheduler, request(.workFail, handle), from: worker).compactMap { action in
            if case .report(let report) = action { return report } else { return nil }
        }
        XCTAssertEqual(reports, [FailureReport(handle: handle, function: "f", unique: "k", attempts: 2, reason: "WORK_FAIL",
                                               retryInMilliseconds: nil)])
    }

    func testTheLastWarningExplainsAWorkFailAndFailureTextIsOneLine() {
        var scheduler = makeScheduler(retries: 0)
        _ = send(&scheduler, request(.submitJobBackground, "f", "a", ""), from: client)
        var handle = try! XCTUnwrap(grab(&scheduler))
        _ = send(&scheduler, request(.workWarning, handle, "cannot reach\r\nthe mail server"), from: worker)
        fail(&scheduler, handle)
        _ = send(&scheduler, request(.submitJobBackground, "f", "b", ""), from: client)
        handle = try! XCTUnwrap(grab(&scheduler))
        fail(&scheduler, handle)
        XCTAssertEqual(scheduler.deadJobSummaries().map(\.job.failures.lastFailure), ["cannot reach  the mail server", "WORK_FAIL"])
    }

    func testForegroundFailuresGoToTheirClientNotToTheDeadList() {
        var scheduler = makeScheduler(retries: 3)
        _ = send(&scheduler, request(.submitJob, "f", "", "x"), from: client)
        let handle = try! XCTUnwrap(grab(&scheduler))
        _ = send(&scheduler, request(.workFail, handle), from: worker)
        XCTAssertNil(grab(&scheduler))
        XCTAssertEqual(scheduler.deadJobSummaries(), [])
        XCTAssertEqual(scheduler.functionStatus().first?.retried, 0)
    }

    func testAForegroundClientJoinedToABackgroundJobGetsTheFailureAndIsNotWaitingForTheRetry() {
        var scheduler = makeScheduler(retries: 1)
        _ = send(&scheduler, request(.submitJobBackground, "f", "k", "x"), from: client)
        let joined = ConnectionID(2)
        scheduler.connect(joined)
        _ = send(&scheduler, request(.submitJob, "f", "k", "x"), from: joined)
        let handle = try! XCTUnwrap(grab(&scheduler))
        let actions = send(&scheduler, request(.workFail, handle), from: worker)
        XCTAssertEqual(packets(actions, to: joined).map(\.type), [.workFail])
        advance(&scheduler, 1_000)
        XCTAssertEqual(grab(&scheduler), handle)
        XCTAssertEqual(packets(send(&scheduler, request(.workComplete, handle, "ok"), from: worker), to: joined), [])
    }

    func testRetriesZeroSendsAFailedJobStraightToTheDeadListAndPerFunctionRetriesOverrideIt() {
        var scheduler = makeScheduler(retries: 0)
        scheduler.setRetries(1, for: "f")
        XCTAssertEqual(scheduler.retries(for: "f"), 1)
        XCTAssertEqual(scheduler.retries(for: "g"), 0)
        _ = send(&scheduler, request(.submitJobBackground, "f", "k", "x"), from: client)
        let handle = try! XCTUnwrap(grab(&scheduler))
        fail(&scheduler, handle)
        XCTAssertEqual(scheduler.deadJobSummaries(), [])
        scheduler.setRetries(nil, for: "f")
        advance(&scheduler, 1_000)
        fail(&scheduler, try! XCTUnwrap(grab(&scheduler)))
        XCTAssertEqual(scheduler.deadJobSummaries().map(\.job.failures.attempts), [2])
    }

    func testATimeLimitAndWorkerDeathsCountAsFailures() {
        var scheduler = makeScheduler(retries: 0, jobRetries: 2)
        _ = send(&scheduler, request(.submitJobBackground, "f", "slow", "x"), from: client)
        _ = send(&scheduler, request(.canDoTimeout, "f", "1000"), from: worker)
        _ = try! XCTUnwrap(grab(&scheduler))
        advance(&scheduler, 1_000)
        XCTAssertEqual(scheduler.deadJobSummaries().map(\.job.failures.lastFailure), ["its worker's CAN_DO_TIMEOUT passed"])

        _ = send(&scheduler, request(.submitJobBackground, "f", "crash", "x"), from: client)
        for round in 1...2 {
            let dying = ConnectionID(UInt64(100 + round))
            scheduler.connect(dying)
            _ = send(&scheduler, request(.canDo, "f"), from: dying)
            _ = send(&scheduler, request(.grabJob), from: dying)
            _ = scheduler.disconnect(dying)
            XCTAssertEqual(scheduler.invariantViolations(), [])
        }
        XCTAssertEqual(scheduler.deadJobSummaries().last?.job.failures.lastFailure, "its worker died 2 times (--job-retries)")
    }

    func testTheDeadListKeepsTheNewestWithinItsBoundAndOneEntryPerKey() {
        var scheduler = makeScheduler(retries: 0, deadJobs: 2, stores: true)
        var handles: [String] = []
        for key in ["a", "b", "c", "b"] {
            let submitted = send(&scheduler, request(.submitJobBackground, "f", key, key), from: client)
            _ = scheduler.committed(submitted.acknowledging)
            let handle = try! XCTUnwrap(grab(&scheduler))
            handles.append(handle)
            let changes = fail(&scheduler, handle).persisted
            switch key {
            case "c": XCTAssertEqual(changes.map(Self.kind), ["bury c", "unbury a"], "a is pushed out")
            default: XCTAssertEqual(changes.map(Self.kind), ["bury \(key)"], "the second b replaces the first in the store")
            }
        }
        XCTAssertEqual(scheduler.deadJobSummaries().map(\.job.unique), ["c", "b"])
        XCTAssertEqual(scheduler.deadJobSummaries().map(\.handle), [handles[2], handles[3]])
        XCTAssertEqual(scheduler.deadJobsEvicted, 1)
    }

    func testRetryingADeadJobQueuesItUnderItsHandleWithAttemptsReset() {
        var scheduler = makeScheduler(retries: 0, stores: true)
        _ = scheduler.committed(send(&scheduler, request(.submitJobBackground, "f", "k", "x"), from: client).acknowledging)
        let handle = try! XCTUnwrap(grab(&scheduler))
        fail(&scheduler, handle)
        XCTAssertNil(scheduler.retryDeadJob("H:r:999"))
        let actions = try! XCTUnwrap(scheduler.retryDeadJob(handle))
        XCTAssertEqual(actions.persisted.map(Self.kind), ["unbury k", "add k"])
        XCTAssertEqual(actions.count, 2, "nothing sent: the worker is awake")
        XCTAssertNil(scheduler.retryDeadJob(handle), "it is not dead any more")
        XCTAssertEqual(grab(&scheduler), handle)
        fail(&scheduler, handle)
        XCTAssertEqual(scheduler.deadJobSummaries().map(\.job.failures.attempts), [1], "attempts start again")
        XCTAssertEqual(scheduler.invariantViolations(), [])
    }

    func testRetryingDeadJobsOfAFunctionAndDroppingThem() {
        var scheduler = makeScheduler(retries: 0)
        _ = send(&scheduler, request(.canDo, "g"), from: worker)
        for (function, key) in [("f", "1"), ("g", "2"), ("f", "3")] {
            _ = send(&scheduler, request(.submitJobBackground, function, key, key), from: client)
            fail(&scheduler, try! XCTUnwrap(grab(&scheduler)))
        }
        XCTAssertEqual(scheduler.functionStatus().map(\.dead), [2, 1])
        // A live job with the same key stands for the dead one.
        _ = send(&scheduler, request(.submitJobBackground, "f", "3", "again"), from: client)
        let (count, _) = scheduler.retryDeadJobs(of: "f")
        XCTAssertEqual(count, 2)
        XCTAssertEqual(scheduler.functionStatus().map(\.total), [2, 0], "jobs 1 and the live 3")
        XCTAssertEqual(scheduler.dropDeadJobs(of: "g").count, 1)
        XCTAssertEqual(scheduler.dropDeadJobs(of: "g").count, 0)
        XCTAssertEqual(scheduler.deadJobSummaries(), [])
        XCTAssertEqual(scheduler.invariantViolations(), [])
    }

    func testAStoredRetryKeepsItsHistoryAndTimeAndComesBackAfterARestart() {
        var scheduler = makeScheduler(retries: 3, stores: true)
        _ = scheduler.committed(send(&scheduler, request(.submitJobBackground, "f", "k", "x"), from: client).acknowledging)
        let changes = fail(&scheduler, try! XCTUnwrap(grab(&scheduler)), exception: "boom").persisted
        guard case .add(let stored)? = changes.first, changes.count == 1 else { return XCTFail("\(changes)") }
        XCTAssertEqual(stored.failures, FailureHistory(attempts: 1, lastFailure: "boom", firstSubmitted: 1_700_000_000_000,
                                                       lastFailed: 1_700_000_000_000))
        XCTAssertGreaterThanOrEqual(stored.whenToRun * 1000, clock.now + 500, "the retry's time, rounded up")

        var restarted = makeScheduler(retries: 3, stores: true)
        restarted.restore([stored], stillStored: true)
        restarted.restoreDead([StoredJob(function: "f", unique: "gone", priority: .low, data: ByteBuffer(string: "y"),
                                         failures: FailureHistory(attempts: 4, lastFailure: "old", firstSubmitted: 1, lastFailed: 2))])
        XCTAssertEqual(restarted.deadJobSummaries().map(\.handle), ["H:r:2"])
        XCTAssertNil(grab(&restarted), "still waiting for its retry")
        advance(&restarted, 1_000)
        let handle = try! XCTUnwrap(grab(&restarted))
        fail(&restarted, handle)
        advance(&restarted, 2_000)
        fail(&restarted, try! XCTUnwrap(grab(&restarted)))
        advance(&restarted, 2_000)
        fail(&restarted, try! XCTUnwrap(grab(&restarted)))
        XCTAssertEqual(restarted.deadJobSummaries().map(\.job.failures.attempts), [4, 4], "attempts counted across the restart")
    }

    private static func kind(_ change: QueueChange) -> String {
        switch change {
        case .add(let job): "add \(job.unique)"
        case .remove(_, let unique): "remove \(unique)"
        case .bury(let job): "bury \(job.unique)"
        case .unbury(_, let unique): "unbury \(unique)"
        }
    }
}
