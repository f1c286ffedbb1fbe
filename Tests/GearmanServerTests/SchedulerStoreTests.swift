import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// The scheduler with a queue store: background jobs wait for their commit before JOB_CREATED.
final class SchedulerStoreTests: XCTestCase {
    private let client = ConnectionID(1)
    private let otherClient = ConnectionID(2)
    private let worker = ConnectionID(10)

    private func durable() -> Scheduler {
        var scheduler = Scheduler(handlePrefix: "H:h", storesBackgroundJobs: true)
        for id in [client, otherClient, worker] { scheduler.connect(id) }
        scheduler.canDo("f", from: worker)
        return scheduler
    }

    private func submitBackground(_ scheduler: inout Scheduler, unique: String = "u", data: String = "d",
                                  from: ConnectionID? = nil) -> [SchedulerAction] {
        scheduler.submit(Submission(function: "f", unique: unique, data: ByteBuffer(string: data), priority: .normal,
                                    background: true), from: from ?? client)
    }

    func testABackgroundJobIsAcknowledgedAndHandedOutOnlyAfterItsCommit() {
        var scheduler = durable()
        let submitted = submitBackground(&scheduler)
        XCTAssertEqual(submitted.persisted, [.add(StoredJob(function: "f", unique: "u", priority: .normal, data: ByteBuffer(string: "d")))])
        XCTAssertEqual(submitted.acknowledging, [JobID(number: 1)])
        XCTAssertEqual(submitted.count, 1, "no JOB_CREATED before the commit")
        XCTAssertEqual(scheduler.grab(.plain, by: worker), [.send(Packet(.response, .noJob), to: worker)])
        XCTAssertEqual(scheduler.committed([JobID(number: 1)]), [.send(Packet(.response, .jobCreated, "H:h:1"), to: client)])
        guard case .send(let assigned, to: worker) = scheduler.grab(.plain, by: worker).first else { return XCTFail("nothing sent") }
        XCTAssertEqual(assigned.type, .jobAssign)
    }

    func testASubmissionOfTheSameKeyDuringTheCommitIsAnsweredWithIt() {
        var scheduler = durable()
        XCTAssertEqual(submitBackground(&scheduler).persisted.count, 1)
        XCTAssertEqual(submitBackground(&scheduler, from: otherClient), [], "one job, one row")
        XCTAssertEqual(scheduler.committed([JobID(number: 1)]), [
            .send(Packet(.response, .jobCreated, "H:h:1"), to: client),
            .send(Packet(.response, .jobCreated, "H:h:1"), to: otherClient),
        ])
    }

    func testAFailedCommitAnswersQueueErrorAndForgetsTheJob() {
        var scheduler = durable()
        _ = submitBackground(&scheduler)
        XCTAssertEqual(scheduler.commitFailed([JobID(number: 1)], reason: "disk full"),
                       [.send(Packet(.response, .error, "QUEUE_ERROR", "disk full"), to: client)],
                       "a job never stored needs no removal")
        XCTAssertEqual(scheduler.grab(.plain, by: worker), [.send(Packet(.response, .noJob), to: worker)])
        // The key is free again.
        XCTAssertEqual(submitBackground(&scheduler).acknowledging, [JobID(number: 2)])
    }

    func testACompletedJobIsRemovedFromTheStore() {
        var scheduler = durable()
        _ = submitBackground(&scheduler)
        _ = scheduler.committed([JobID(number: 1)])
        _ = scheduler.grab(.plain, by: worker)
        XCTAssertEqual(scheduler.receive(Packet(.request, .workComplete, "H:h:1", ""), from: worker).persisted,
                       [.remove(function: "f", unique: "u")])
    }

    func testJobsWithoutAUniqueKeyGetOneToBeStoredUnder() {
        var scheduler = durable()
        let changes = submitBackground(&scheduler, unique: "").persisted + submitBackground(&scheduler, unique: "").persisted
        let keys = changes.compactMap { if case .add(let job) = $0 { job.unique } else { nil } }
        XCTAssertEqual(keys.count, 2)
        XCTAssertNotEqual(keys[0], keys[1])
        XCTAssertTrue(keys.allSatisfy { $0.count == 36 }, "\(keys)")
    }

    func testForegroundJobsAreNotStored() {
        var scheduler = durable()
        let actions = scheduler.submit(Submission(function: "f", unique: "", data: ByteBuffer(), priority: .normal,
                                                  background: false), from: client)
        XCTAssertEqual(actions.first, .send(Packet(.response, .jobCreated, "H:h:1"), to: client))
        XCTAssertEqual(actions.persisted, [])
    }

    func testRestoredJobsKeepPriorityOrderAndEpochTime() {
        var scheduler = Scheduler(handlePrefix: "H:h", storesBackgroundJobs: true, clock: TestClock(now: 1_000_000))
        scheduler.connect(worker)
        scheduler.canDo("f", from: worker)
        let later = StoredJob(function: "f", unique: "later", priority: .high, data: ByteBuffer(string: "later"), whenToRun: 2_000)
        let restored = scheduler.restore([
            StoredJob(function: "f", unique: "n", priority: .normal, data: ByteBuffer(string: "normal")), later,
            StoredJob(function: "f", unique: "h", priority: .high, data: ByteBuffer(string: "high")),
        ], stillStored: true)
        XCTAssertEqual(restored, [.wakeUp(inMilliseconds: 1_000_000)], "the server wakes when the epoch job is due")
        let order = (0..<3).compactMap { _ -> String? in
            guard case .send(let packet, _) = scheduler.grab(.plain, by: worker).first, packet.type == .jobAssign else { return nil }
            return packet.string(at: 2)
        }
        XCTAssertEqual(order, ["high", "normal"], "the epoch job waits for its time")
        XCTAssertEqual(scheduler.nextDeadline, 2_000_000)
    }

    func testAStoredTimeBeyondTheLastEpochSecondIsHeldThereInsteadOfOverflowing() {
        var scheduler = Scheduler(handlePrefix: "H:h", storesBackgroundJobs: true, clock: TestClock(now: 1_000_000))
        scheduler.restore([StoredJob(function: "f", unique: "far", priority: .normal, data: ByteBuffer(), whenToRun: .max)],
                          stillStored: true)
        XCTAssertEqual(scheduler.nextDeadline, Scheduler.latestEpochSecond * 1000)
        XCTAssertEqual(scheduler.invariantViolations(), [])
    }
}
