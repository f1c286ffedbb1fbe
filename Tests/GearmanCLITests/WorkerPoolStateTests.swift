import XCTest
@testable import GearmanCLI

final class WorkerPoolStateTests: XCTestCase {
    private let release = WorkerPoolState.releaseSeconds

    // MARK: -c job limit

    func testJobLimitRefusesJobsPastTheLimitAndExitsWhenTheLastJobEnds() {
        var pool = WorkerPoolState(slots: 3, jobLimit: 2, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.isWorking)
        XCTAssertEqual(pool.nextStep(now: 1), .wait(until: nil))

        XCTAssertTrue(pool.jobStarted(slot: 1))
        XCTAssertEqual(pool.jobsStarted, 2)
        XCTAssertEqual(pool.phase, .draining(deadline: nil), "the last allowed job stops the grabbing")
        XCTAssertFalse(pool.jobStarted(slot: 2), "a third job is past -c 2 and goes back to the server")
        XCTAssertEqual(pool.jobsStarted, 2)
        XCTAssertEqual(pool.runningJobs, 2)

        // Draining for -c has no deadline: the running jobs take as long as they take.
        XCTAssertEqual(pool.nextStep(now: 1_000_000), .wait(until: nil))
        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertEqual(pool.nextStep(now: 1_000_001), .wait(until: nil))
        XCTAssertTrue(pool.jobEnded(slot: 1))
        XCTAssertEqual(pool.nextStep(now: 1_000_002), .exit(.success))
    }

    func testJobLimitOfOneStopsAfterTheFirstJob() {
        var pool = WorkerPoolState(slots: 1, jobLimit: 1, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertFalse(pool.isWorking)
        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertFalse(pool.jobStarted(slot: 0), "the slot may not take a second job after -c 1")
        XCTAssertEqual(pool.nextStep(now: 0), .exit(.success))
    }

    func testNoJobLimitKeepsTheWorkerWorking() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 30)
        for _ in 0..<5 {
            XCTAssertTrue(pool.jobStarted(slot: 0))
            XCTAssertTrue(pool.jobStarted(slot: 1))
            XCTAssertFalse(pool.jobEnded(slot: 0), "a job ending while working needs no new step")
            XCTAssertFalse(pool.jobEnded(slot: 1))
        }
        XCTAssertEqual(pool.jobsStarted, 10)
        XCTAssertTrue(pool.isWorking)
        XCTAssertEqual(pool.nextStep(now: 0), .wait(until: nil))
    }

    func testJobEndedForASlotWithoutAJobIsIgnored() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 1, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertFalse(pool.jobEnded(slot: 1), "slot 1 holds no job")
        XCTAssertEqual(pool.runningJobs, 1)
        XCTAssertEqual(pool.nextStep(now: 0), .wait(until: nil))
        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertFalse(pool.jobEnded(slot: 0), "the same job does not end twice")
    }

    // MARK: Signals

    func testSignalToAnIdleWorkerExitsWithSuccess() {
        var pool = WorkerPoolState(slots: 4, jobLimit: 0, shutdownSeconds: 30)
        pool.signalled(now: 50)
        XCTAssertFalse(pool.isWorking)
        XCTAssertEqual(pool.nextStep(now: 50), .exit(.success))
    }

    func testFirstSignalDrainsUntilTheShutdownDeadline() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 4242))

        pool.signalled(now: 100)
        XCTAssertEqual(pool.phase, .draining(deadline: 130))
        XCTAssertFalse(pool.isWorking)
        XCTAssertFalse(pool.isReleasing)
        XCTAssertEqual(pool.nextStep(now: 100), .wait(until: 130))
        XCTAssertFalse(pool.jobStarted(slot: 1), "a draining worker takes no new job")
        XCTAssertEqual(pool.nextStep(now: 129.5), .wait(until: 130), "the running job keeps the worker waiting")

        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertEqual(pool.nextStep(now: 110), .exit(.success))
    }

    func testDeadlinePassedStopsTheRecordedCommandsThenReleases() {
        var pool = WorkerPoolState(slots: 3, jobLimit: 0, shutdownSeconds: 5)
        for slot in 0..<3 { XCTAssertTrue(pool.jobStarted(slot: slot)) }
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 300))
        XCTAssertTrue(pool.commandStarted(slot: 1, group: 200))
        XCTAssertTrue(pool.commandStarted(slot: 2, group: 100))
        pool.commandEnded(slot: 2)  // its job is still being answered, but the process is gone

        pool.signalled(now: 0)
        XCTAssertEqual(pool.nextStep(now: 4.9), .wait(until: 5))
        XCTAssertEqual(pool.nextStep(now: 5), .stopCommands([200, 300]),
                       "the process groups still running are stopped, in order; the ended command is not")
        XCTAssertEqual(pool.phase, .releasing(deadline: 5 + release))
        XCTAssertTrue(pool.isReleasing)

        XCTAssertFalse(pool.commandStarted(slot: 2, group: 400), "a command starting while releasing is stopped at once")
        XCTAssertEqual(pool.nextStep(now: 5 + release / 2), .wait(until: 5 + release))
        XCTAssertEqual(pool.nextStep(now: 5 + release), .exit(.success), "slots that never release their jobs do not keep the worker")
    }

    func testReleasingExitsAsSoonAsTheStoppedJobsEnd() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 1)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.jobStarted(slot: 1))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 11))
        XCTAssertTrue(pool.commandStarted(slot: 1, group: 12))
        pool.signalled(now: 10)
        XCTAssertEqual(pool.nextStep(now: 11), .stopCommands([11, 12]))

        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertEqual(pool.nextStep(now: 11.1), .wait(until: 11 + release))
        XCTAssertTrue(pool.jobEnded(slot: 1))
        XCTAssertEqual(pool.nextStep(now: 11.2), .exit(.success))
    }

    func testJobEndingForgetsItsCommand() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 2)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.jobStarted(slot: 1))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 10))
        XCTAssertTrue(pool.commandStarted(slot: 1, group: 20))
        pool.signalled(now: 0)
        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertEqual(pool.nextStep(now: 2), .stopCommands([20]), "the finished job's process group is not killed")
    }

    func testZeroShutdownTimeoutStopsCommandsOnTheFirstSignal() {
        var pool = WorkerPoolState(slots: 1, jobLimit: 0, shutdownSeconds: 0)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 9))
        pool.signalled(now: 3)
        XCTAssertEqual(pool.nextStep(now: 3), .stopCommands([9]))
        XCTAssertEqual(pool.phase, .releasing(deadline: 3 + release))
    }

    func testSecondSignalStopsCommandsAtOnce() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 77))
        pool.signalled(now: 10)
        XCTAssertEqual(pool.nextStep(now: 10), .wait(until: 40))

        pool.signalled(now: 12)
        XCTAssertEqual(pool.phase, .releasing(deadline: 12 + release))
        XCTAssertEqual(pool.nextStep(now: 12), .stopCommands([77]), "long before the 30 s deadline")
        XCTAssertEqual(pool.nextStep(now: 12.5), .wait(until: 12 + release), "the commands are stopped only once")
        XCTAssertEqual(pool.nextStep(now: 12 + release), .exit(.success))
    }

    func testSignalWhileReleasingStopsCommandsAgainAndMovesTheDeadline() {
        var pool = WorkerPoolState(slots: 1, jobLimit: 0, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 5))
        pool.signalled(now: 0)
        pool.signalled(now: 1)
        XCTAssertEqual(pool.nextStep(now: 1), .stopCommands([5]))
        pool.signalled(now: 1.5)
        XCTAssertEqual(pool.phase, .releasing(deadline: 1.5 + release))
        XCTAssertEqual(pool.nextStep(now: 1.5), .stopCommands([5]))
    }

    func testSignalAfterTheJobLimitIsTreatedAsTheFirstSignal() {
        var pool = WorkerPoolState(slots: 1, jobLimit: 1, shutdownSeconds: 20)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        XCTAssertTrue(pool.commandStarted(slot: 0, group: 8))
        XCTAssertEqual(pool.phase, .draining(deadline: nil))
        pool.signalled(now: 100)
        XCTAssertEqual(pool.phase, .draining(deadline: 120), "the job limit's drain gets the shutdown deadline, commands keep running")
        XCTAssertEqual(pool.nextStep(now: 100), .wait(until: 120))
    }

    // MARK: Slot failures

    func testSlotFailureDrainsThenExitsWithItsCode() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 30)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        pool.slotEnded(failure: .serverUnavailable)
        XCTAssertEqual(pool.phase, .draining(deadline: nil))
        XCTAssertFalse(pool.jobStarted(slot: 0), "the other slots stop taking jobs")
        XCTAssertEqual(pool.nextStep(now: 0), .wait(until: nil), "the running job may finish")
        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertEqual(pool.nextStep(now: 1), .exit(.serverUnavailable))
    }

    func testSlotFailureOfAnIdleWorkerExitsWithItsCode() {
        var pool = WorkerPoolState(slots: 3, jobLimit: 0, shutdownSeconds: 30)
        pool.slotEnded(failure: .serverUnavailable)
        XCTAssertEqual(pool.nextStep(now: 0), .exit(.serverUnavailable))
    }

    func testSlotFailureDuringShutdownKeepsTheDeadline() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 10)
        XCTAssertTrue(pool.jobStarted(slot: 0))
        pool.signalled(now: 0)
        pool.slotEnded(failure: .serverUnavailable)
        XCTAssertEqual(pool.phase, .draining(deadline: 10))
        XCTAssertTrue(pool.jobEnded(slot: 0))
        XCTAssertEqual(pool.nextStep(now: 1), .exit(.serverUnavailable))
    }

    func testWorkerExitsWhenEverySlotHasEnded() {
        var pool = WorkerPoolState(slots: 2, jobLimit: 0, shutdownSeconds: 30)
        pool.slotEnded(failure: nil)
        XCTAssertTrue(pool.isWorking, "a slot ending without failure does not stop the others")
        XCTAssertEqual(pool.nextStep(now: 0), .wait(until: nil))
        pool.slotEnded(failure: nil)
        XCTAssertEqual(pool.nextStep(now: 0), .exit(.success))
    }
}
