import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// Epoch jobs and CAN_DO_TIMEOUT under a test clock; packet dispatch; the admin queries and commands.
final class SchedulerTimeAndAdminTests: XCTestCase {
    private let client = ConnectionID(1)
    private let worker = ConnectionID(10)
    private let clock = TestClock()

    private func makeScheduler(jobRetries: Int = 0) -> Scheduler {
        var scheduler = Scheduler(handlePrefix: "H:t", jobRetries: jobRetries, clock: clock)
        scheduler.connect(client)
        scheduler.connect(worker)
        return scheduler
    }

    private func packets(_ actions: [SchedulerAction], to target: ConnectionID) -> [Packet] {
        actions.compactMap { if case .send(let packet, let to) = $0, to == target { return packet } else { return nil } }
    }

    func testEpochJobIsNotHandedOutBeforeItsTime() {
        var scheduler = makeScheduler()
        let runAt = clock.now / 1000 + 60
        _ = scheduler.receive(request(.submitJobEpoch, "f", "", "\(runAt)", "later"), from: client)
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        XCTAssertEqual(packets(scheduler.receive(request(.grabJob), from: worker), to: worker).first?.type, .noJob)
        XCTAssertEqual(scheduler.receive(request(.preSleep), from: worker), [])
        XCTAssertEqual(scheduler.nextDeadline, runAt * 1000)
        XCTAssertEqual(scheduler.functionStatus().first?.total, 1)

        clock.advance(byMilliseconds: 59_999)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.wakeUp(inMilliseconds: 1)])
        clock.advance(byMilliseconds: 1)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.send(Packet(.response, .noop), to: worker)])
        XCTAssertEqual(packets(scheduler.grab(.plain, by: worker), to: worker).first?.string(at: 2), "later")
        XCTAssertNil(scheduler.nextDeadline)
    }

    func testEpochInThePastRunsAtOnceAndABadEpochIsAnError() {
        var scheduler = makeScheduler()
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        _ = scheduler.receive(request(.submitJobEpoch, "f", "", "12", "old"), from: client)
        XCTAssertEqual(packets(scheduler.grab(.plain, by: worker), to: worker).first?.string(at: 2), "old")
        let error = packets(scheduler.receive(request(.submitJobEpoch, "f", "", "soon", "x"), from: client), to: client)
        XCTAssertEqual(error.first?.type, .error)
    }

    func testCanDoTimeoutFailsTheJobToItsClientsAndDropsTheLateResult() {
        var scheduler = makeScheduler()
        let handle = packets(scheduler.receive(request(.submitJob, "f", "", "x"), from: client), to: client)[0].string(at: 0)!
        _ = scheduler.receive(request(.canDoTimeout, "f", "1500"), from: worker)
        _ = scheduler.grab(.plain, by: worker)
        clock.advance(byMilliseconds: 1499)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.wakeUp(inMilliseconds: 1)])
        clock.advance(byMilliseconds: 1)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.send(Packet(.response, .workFail, handle), to: client)])
        XCTAssertEqual(scheduler.receive(request(.workComplete, handle, "late"), from: worker), [])
        XCTAssertEqual(scheduler.runningJobCount, 0)
    }

    /// Time limits run on the monotonic clock: setting the wall clock back an hour neither
    /// delays a CAN_DO_TIMEOUT nor, set forward, fires it early.
    func testAWallClockStepMovesNoTimeLimit() {
        var scheduler = makeScheduler()
        let handle = packets(scheduler.receive(request(.submitJob, "f", "", "x"), from: client), to: client)[0].string(at: 0)!
        _ = scheduler.receive(request(.canDoTimeout, "f", "2000"), from: worker)
        _ = scheduler.grab(.plain, by: worker)
        clock.stepWallClock(byMilliseconds: 3_600_000)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.wakeUp(inMilliseconds: 2000)], "a wall clock step forward fired the time limit")
        clock.stepWallClock(byMilliseconds: -7_200_000)
        clock.advance(byMilliseconds: 2000)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.send(Packet(.response, .workFail, handle), to: client)])
    }

    /// Epoch jobs follow the wall clock: set forward past their time, they are due.
    func testEpochJobsFollowTheWallClock() {
        var scheduler = makeScheduler()
        _ = scheduler.receive(request(.submitJobEpoch, "f", "", "\(clock.now / 1000 + 3600)", "later"), from: client)
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        _ = scheduler.receive(request(.preSleep), from: worker)
        clock.stepWallClock(byMilliseconds: 3_600_000)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.send(Packet(.response, .noop), to: worker)])
    }

    func testAJobThatCompletesInTimeIgnoresItsOldDeadline() {
        var scheduler = makeScheduler()
        _ = scheduler.receive(request(.submitJob, "f", "", "x"), from: client)
        _ = scheduler.receive(request(.canDoTimeout, "f", "500"), from: worker)
        _ = scheduler.grab(.plain, by: worker)
        _ = scheduler.receive(request(.workComplete, "H:t:1", "done"), from: worker)
        clock.advance(byMilliseconds: 1000)
        XCTAssertEqual(scheduler.deadlinesPassed(), [])
    }

    func testStatusUniqueCountsWaitingClientsAndPrefersTheOldestJob() {
        var scheduler = makeScheduler()
        let other = ConnectionID(2)
        scheduler.connect(other)
        _ = scheduler.receive(request(.submitJob, "g", "k", "first"), from: client)
        _ = scheduler.receive(request(.submitJob, "f", "k", "second"), from: client)
        _ = scheduler.receive(request(.submitJob, "g", "k", "joins first"), from: other)
        let reply = packets(scheduler.receive(request(.getStatusUnique, "k"), from: client), to: client)
        XCTAssertEqual(reply, [Packet(.response, .statusResponseUnique, "k", "1", "0", "0", "0", "2")])
        let unknown = packets(scheduler.receive(request(.getStatusUnique, "nope"), from: client), to: client)
        XCTAssertEqual(unknown, [Packet(.response, .statusResponseUnique, "nope", "0", "0", "0", "0", "0")])
    }

    func testEchoSetClientIDAndUnexpectedPackets() {
        var scheduler = makeScheduler()
        XCTAssertEqual(scheduler.receive(request(.echoRequest, "hi"), from: client),
                       [.send(Packet(.response, .echoResponse, "hi"), to: client)])
        _ = scheduler.receive(request(.setClientID, "resizer"), from: worker)
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        XCTAssertEqual(scheduler.peerSummaries().last, PeerSummary(connection: worker, clientID: "resizer", functions: ["f"]))
        XCTAssertEqual(packets(scheduler.receive(request(.jobCreated, "H:x:1"), from: client), to: client).first?.string(at: 0),
                       "INVALID_COMMAND")
        XCTAssertEqual(packets(scheduler.receive(Packet(.response, .echoRequest, "x"), from: client), to: client).first?.type,
                       .error)
    }

    func testMaxQueueLimitsEachPriority() {
        var scheduler = makeScheduler()
        scheduler.createFunction("f")
        scheduler.setMaxQueue("f", high: 2, normal: 1, low: 0)
        XCTAssertEqual(packets(scheduler.receive(request(.submitJobBackground, "f", "", "a"), from: client), to: client)[0].type,
                       .jobCreated)
        let full = packets(scheduler.receive(request(.submitJobBackground, "f", "", "b"), from: client), to: client)
        XCTAssertEqual(full, [Packet(.response, .error, "QUEUE_ERROR", "Job queue is full")])
        XCTAssertEqual(packets(scheduler.receive(request(.submitJobHighBackground, "f", "", "c"), from: client), to: client)[0].type,
                       .jobCreated)
        XCTAssertEqual(packets(scheduler.receive(request(.submitJobLowBackground, "f", "", "d"), from: client), to: client)[0].type,
                       .jobCreated)
    }

    func testCancelQueuedAndRunningJobs() {
        var scheduler = makeScheduler()
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        _ = scheduler.receive(request(.submitJob, "f", "", "runs"), from: client)
        _ = scheduler.receive(request(.submitJob, "f", "", "waits"), from: client)
        _ = scheduler.grab(.plain, by: worker)
        XCTAssertEqual(scheduler.cancel("H:t:2"), [.send(Packet(.response, .workFail, "H:t:2"), to: client)])
        XCTAssertEqual(scheduler.cancel("H:t:1"), [.send(Packet(.response, .workFail, "H:t:1"), to: client)])
        XCTAssertNil(scheduler.cancel("H:t:1"))
        XCTAssertEqual(scheduler.receive(request(.workComplete, "H:t:1", "late"), from: worker), [])
        XCTAssertEqual(packets(scheduler.grab(.plain, by: worker), to: worker).first?.type, .noJob)
        XCTAssertEqual(scheduler.functionStatus().first?.total, 0)
    }

    func testDropFunctionOnlyWithoutWorkersOrRunningJobs() {
        var scheduler = makeScheduler()
        XCTAssertEqual(scheduler.dropFunction("f").0, .notFound)
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        XCTAssertEqual(scheduler.dropFunction("f").0, .inUse)
        _ = scheduler.receive(request(.cantDo, "f"), from: worker)
        _ = scheduler.receive(request(.submitJob, "f", "", "x"), from: client)
        let (result, actions) = scheduler.dropFunction("f")
        XCTAssertEqual(result, .dropped)
        XCTAssertEqual(actions, [.send(Packet(.response, .workFail, "H:t:1"), to: client)])
        XCTAssertEqual(scheduler.functionStatus(), [])
    }

    func testDrainingRefusesSubmissionsAndHandsOutNothing() {
        var scheduler = makeScheduler()
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        _ = scheduler.receive(request(.submitJobBackground, "f", "", "queued"), from: client)
        XCTAssertEqual(scheduler.beginDraining(), [.drained], "nothing runs")
        XCTAssertEqual(packets(scheduler.receive(request(.submitJob, "f", "", "x"), from: client), to: client)[0].string(at: 0),
                       "SHUTTING_DOWN")
        XCTAssertEqual(packets(scheduler.grab(.plain, by: worker), to: worker).first?.type, .noJob)
        XCTAssertEqual(scheduler.preSleep(worker), [])
    }

    func testDrainedComesOnceWhenTheLastRunningJobEnds() {
        var scheduler = makeScheduler()
        let other = ConnectionID(11)
        scheduler.connect(other)
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        _ = scheduler.receive(request(.canDo, "f"), from: other)
        _ = scheduler.receive(request(.submitJob, "f", "", "a"), from: client)
        _ = scheduler.receive(request(.submitJob, "f", "", "b"), from: client)
        _ = scheduler.receive(request(.submitJob, "f", "", "c"), from: client)
        _ = scheduler.grab(.plain, by: worker)
        _ = scheduler.grab(.plain, by: other)
        XCTAssertEqual(scheduler.beginDraining(), [], "two jobs run")
        XCTAssertFalse(scheduler.receive(request(.workComplete, "H:t:1", "done"), from: worker).contains(.drained))
        XCTAssertEqual(scheduler.disconnect(other).last, .drained, "the other worker's job goes back to its queue: none runs")
        XCTAssertFalse(scheduler.receive(request(.workComplete, "H:t:1", "late"), from: worker).contains(.drained), "once")
        XCTAssertEqual(scheduler.invariantViolations(), [])
    }

    func testOnlySleepersThatStillCanDoTheFunctionAreWoken() {
        var scheduler = makeScheduler()
        let (dropped, reset, gone, right) = (ConnectionID(20), ConnectionID(21), ConnectionID(22), ConnectionID(23))
        for sleeper in [dropped, reset, gone, right] {
            scheduler.connect(sleeper)
            scheduler.canDo("f", from: sleeper)
            XCTAssertEqual(scheduler.preSleep(sleeper), [])
        }
        scheduler.cantDo("f", from: dropped)
        scheduler.resetAbilities(of: reset)
        _ = scheduler.disconnect(gone)
        // The NOOP first, then JOB_CREATED: the woken worker is what the client waits on.
        XCTAssertEqual(scheduler.receive(request(.submitJobBackground, "f", "", "1"), from: client).dropLast(),
                       [.send(Packet(.response, .noop), to: right)])
        XCTAssertEqual(scheduler.receive(request(.submitJobBackground, "f", "", "2"), from: client).count, 1, "nobody left to wake")
        // A worker that learns a function while asleep is woken for it.
        scheduler.canDo("g", from: dropped)
        XCTAssertEqual(scheduler.receive(request(.submitJobBackground, "g", "", "3"), from: client).dropLast(),
                       [.send(Packet(.response, .noop), to: dropped)])
    }

    func testReduceJobsRunAsPlainJobs() {
        var scheduler = makeScheduler()
        _ = scheduler.receive(request(.canDo, "map"), from: worker)
        _ = scheduler.receive(request(.submitReduceJobBackground, "map", "u", "reducer", "", "payload"), from: client)
        XCTAssertEqual(packets(scheduler.grab(.plain, by: worker), to: worker).first?.string(at: 2), "payload")
    }
}
