import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

final class SchedulerTests: XCTestCase {
    private let client = ConnectionID(1)
    private let otherClient = ConnectionID(2)
    private let worker = ConnectionID(10)
    private let otherWorker = ConnectionID(11)

    private func submit(_ scheduler: inout Scheduler, _ function: String, _ data: String = "", unique: String = "",
                        priority: Priority = .normal, background: Bool = false, from: ConnectionID? = nil) -> [SchedulerAction] {
        scheduler.submit(Submission(function: function, unique: unique, data: ByteBuffer(string: data),
                                    priority: priority, background: background), from: from ?? client)
    }

    /// `scheduler` with the test's clients and workers connected.
    private func connected(_ scheduler: Scheduler) -> Scheduler {
        var scheduler = scheduler
        for id in [client, otherClient, worker, otherWorker] { scheduler.connect(id) }
        return scheduler
    }

    /// The (handle, workload) a plain GRAB_JOB hands `worker`, or nil for NO_JOB.
    private func grab(_ scheduler: inout Scheduler, by worker: ConnectionID) -> (handle: String, data: String)? {
        guard case .send(let packet, let to) = scheduler.grab(.plain, by: worker).first, to == worker else { return nil }
        if packet.type == .noJob { return nil }
        XCTAssertEqual(packet.type, .jobAssign)
        return (packet.string(at: 0)!, packet.string(at: 2)!)
    }

    func testJobHandlesArePrefixColonNumberAndNameTheirJobBack() {
        let scheduler = Scheduler(handlePrefix: "H:box")
        for number: UInt64 in [1, 9, 10, 1_234_567_890, UInt64.max] {
            let handle = scheduler.handleBytes(of: JobID(number: number))
            XCTAssertEqual(String(buffer: handle), "H:box:\(number)")
        }
    }

    func testSubmitAnswersJobCreatedWithGearmandStyleHandles() {
        var scheduler = connected(Scheduler(handlePrefix: "H:host"))
        XCTAssertEqual(submit(&scheduler, "f"), [.send(Packet(.response, .jobCreated, "H:host:1"), to: client)])
        XCTAssertEqual(submit(&scheduler, "f"), [.send(Packet(.response, .jobCreated, "H:host:2"), to: client)])
    }

    func testGrabWithoutAbilitiesOrJobsIsNoJob() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        XCTAssertNil(grab(&scheduler, by: worker))
        scheduler.canDo("f", from: worker)
        XCTAssertNil(grab(&scheduler, by: worker))
        _ = submit(&scheduler, "other")
        XCTAssertNil(grab(&scheduler, by: worker))
    }

    func testFIFOWithinAPriority() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        for data in ["a", "b", "c"] { _ = submit(&scheduler, "f", data) }
        XCTAssertEqual((0..<3).compactMap { _ in grab(&scheduler, by: worker)?.data }, ["a", "b", "c"])
    }

    func testHighBeforeNormalBeforeLowAcrossFunctions() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        scheduler.canDo("g", from: worker)
        _ = submit(&scheduler, "f", "low-f", priority: .low)
        _ = submit(&scheduler, "g", "normal-g")
        _ = submit(&scheduler, "f", "normal-f")
        _ = submit(&scheduler, "g", "high-g", priority: .high)
        XCTAssertEqual((0..<4).compactMap { _ in grab(&scheduler, by: worker)?.data }, ["high-g", "normal-g", "normal-f", "low-f"])
    }

    func testSubmitWakesOneSleepingWorkerThatCanDoTheFunction() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        let unrelated = ConnectionID(12)
        for sleeper in [worker, otherWorker] { scheduler.canDo("f", from: sleeper) }
        scheduler.canDo("g", from: unrelated)
        for sleeper in [worker, otherWorker, unrelated] { XCTAssertEqual(scheduler.preSleep(sleeper), []) }
        let actions = submit(&scheduler, "f")
        let woken = actions.compactMap { action -> ConnectionID? in
            if case .send(let packet, let to) = action, packet.type == .noop { return to }
            return nil
        }
        XCTAssertEqual(woken.count, 1)
        XCTAssertTrue([worker, otherWorker].contains(woken[0]))
        // A second job wakes the other sleeper, never the one that cannot do it.
        let second = submit(&scheduler, "f").filter { if case .send(let p, _) = $0 { return p.type == .noop } else { return false } }
        XCTAssertEqual(second.count, 1)
        XCTAssertNotEqual(second.first, .send(Packet(.response, .noop), to: woken[0]))
        XCTAssertNotEqual(second.first, .send(Packet(.response, .noop), to: unrelated))
    }

    func testPreSleepWithAJobQueuedIsAnsweredAtOnce() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        _ = submit(&scheduler, "f")
        XCTAssertEqual(scheduler.preSleep(worker), [.send(Packet(.response, .noop), to: worker)])
    }

    func testUniqueKeyCoalescesAndEveryClientGetsTheResult() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        let first = submit(&scheduler, "f", "x", unique: "k")
        let second = submit(&scheduler, "f", "y", unique: "k", from: otherClient)
        XCTAssertEqual(first, [.send(Packet(.response, .jobCreated, "H:h:1"), to: client)])
        XCTAssertEqual(second, [.send(Packet(.response, .jobCreated, "H:h:1"), to: otherClient)])
        XCTAssertEqual(grab(&scheduler, by: worker)?.data, "x")
        XCTAssertNil(grab(&scheduler, by: worker), "the coalesced job must not be queued twice")
        let complete = Packet(.request, .workComplete, "H:h:1", "result")
        XCTAssertEqual(scheduler.workUpdate(complete, from: worker), [
            .send(Packet(.response, .workComplete, "H:h:1", "result"), to: client),
            .send(Packet(.response, .workComplete, "H:h:1", "result"), to: otherClient),
        ])
        // The key is free again once the job ended.
        XCTAssertEqual(submit(&scheduler, "f", unique: "k"), [.send(Packet(.response, .jobCreated, "H:h:2"), to: client)])
    }

    func testSameUniqueKeyInAnotherFunctionIsAnotherJob() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        _ = submit(&scheduler, "f", unique: "k")
        XCTAssertEqual(submit(&scheduler, "g", unique: "k"), [.send(Packet(.response, .jobCreated, "H:h:2"), to: client)])
    }

    func testDashMeansTheWorkloadIsTheUniqueKey() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        _ = submit(&scheduler, "f", "same", unique: "-")
        XCTAssertEqual(submit(&scheduler, "f", "same", unique: "-"), [.send(Packet(.response, .jobCreated, "H:h:1"), to: client)])
        XCTAssertEqual(submit(&scheduler, "f", "other", unique: "-"), [.send(Packet(.response, .jobCreated, "H:h:2"), to: client)])
    }

    func testDataWarningAndStatusAreRelayedAndStatusIsRemembered() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        _ = submit(&scheduler, "f")
        _ = grab(&scheduler, by: worker)
        for packet in [Packet(.request, .workData, "H:h:1", "d"), Packet(.request, .workWarning, "H:h:1", "w"),
                       Packet(.request, .workStatus, "H:h:1", "1", "4")] {
            XCTAssertEqual(scheduler.workUpdate(packet, from: worker),
                           [.send(Packet(.response, packet.type, arguments: packet.arguments), to: client)])
        }
        XCTAssertEqual(scheduler.status(of: "H:h:1", for: client),
                       [.send(Packet(.response, .statusResponse, "H:h:1", "1", "1", "1", "4"), to: client)])
        XCTAssertEqual(scheduler.status(of: "H:h:99", for: client),
                       [.send(Packet(.response, .statusResponse, "H:h:99", "0", "0", "0", "0"), to: client)])
    }

    func testExceptionGoesOnlyToClientsThatAskedOthersGetWorkFail() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        XCTAssertEqual(scheduler.option("exceptions", from: client), [.send(Packet(.response, .optionResponse, "exceptions"), to: client)])
        _ = submit(&scheduler, "f", unique: "k")
        _ = submit(&scheduler, "f", unique: "k", from: otherClient)
        _ = grab(&scheduler, by: worker)
        XCTAssertEqual(scheduler.workUpdate(Packet(.request, .workException, "H:h:1", "boom"), from: worker), [
            .send(Packet(.response, .workException, "H:h:1", "boom"), to: client),
            .send(Packet(.response, .workFail, "H:h:1"), to: otherClient),
        ])
    }

    func testUnknownOptionIsAnError() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        guard case .send(let packet, _) = scheduler.option("nonsense", from: client).first else { return XCTFail() }
        XCTAssertEqual(packet.type, .error)
    }

    func testResultFromAWorkerThatDoesNotHoldTheJobIsAnError() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        _ = submit(&scheduler, "f")
        _ = grab(&scheduler, by: worker)
        guard case .send(let packet, let to) = scheduler.workUpdate(Packet(.request, .workComplete, "H:h:1", ""), from: otherWorker).first
        else { return XCTFail() }
        XCTAssertEqual(packet.type, .error)
        XCTAssertEqual(to, otherWorker)
    }

    func testWorkerDeathPutsTheJobBackAtTheHeadOfItsQueue() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        scheduler.canDo("f", from: otherWorker)
        _ = submit(&scheduler, "f", "first")
        _ = submit(&scheduler, "f", "second")
        XCTAssertEqual(grab(&scheduler, by: worker)?.data, "first")
        _ = scheduler.disconnect(worker)
        XCTAssertEqual(grab(&scheduler, by: otherWorker)?.data, "first")
        XCTAssertEqual(grab(&scheduler, by: otherWorker)?.data, "second")
    }

    func testJobRetriesFailTheJobAfterThatManyWorkerDeaths() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h", jobRetries: 2))
        for (index, dying) in [ConnectionID(20), ConnectionID(21)].enumerated() {
            scheduler.canDo("f", from: dying)
            if index == 0 { _ = submit(&scheduler, "f", "poison") }
            XCTAssertEqual(grab(&scheduler, by: dying)?.data, "poison")
            let actions = scheduler.disconnect(dying)
            if index == 0 {
                XCTAssertEqual(actions, [])
            } else {
                XCTAssertEqual(actions, [.send(Packet(.response, .workFail, "H:h:1"), to: client)])
            }
        }
        scheduler.canDo("f", from: worker)
        XCTAssertNil(grab(&scheduler, by: worker))
    }

    func testClientDisconnectDropsItsQueuedForegroundJobButNotBackgroundOnes() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        _ = submit(&scheduler, "f", "fg")
        _ = submit(&scheduler, "f", "bg", background: true)
        _ = scheduler.disconnect(client)
        XCTAssertEqual(scheduler.functionStatus().first?.queued, [0, 1, 0])
        scheduler.canDo("f", from: worker)
        XCTAssertEqual(grab(&scheduler, by: worker)?.data, "bg")
        XCTAssertNil(grab(&scheduler, by: worker))
    }

    func testFunctionStatusCountsQueuedRunningAndWorkers() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        scheduler.canDo("f", from: otherWorker)
        _ = submit(&scheduler, "f", priority: .high)
        _ = submit(&scheduler, "f", priority: .low, background: true)
        _ = submit(&scheduler, "f")
        _ = grab(&scheduler, by: worker)
        let status = scheduler.functionStatus()
        XCTAssertEqual(status.count, 1)
        XCTAssertEqual(status[0].function, "f")
        XCTAssertEqual(status[0].queued, [0, 1, 1])
        XCTAssertEqual(status[0].running, 1)
        XCTAssertEqual(status[0].workers, 2)
    }

    func testGrabUniqAndAllCarryTheUniqueKey() {
        var scheduler = connected(Scheduler(handlePrefix: "H:h"))
        scheduler.canDo("f", from: worker)
        _ = submit(&scheduler, "f", "a", unique: "k1")
        _ = submit(&scheduler, "f", "b", unique: "k2")
        XCTAssertEqual(scheduler.grab(.unique, by: worker),
                       [.send(Packet(.response, .jobAssignUnique, "H:h:1", "f", "k1", "a"), to: worker)])
        XCTAssertEqual(scheduler.grab(.all, by: worker),
                       [.send(Packet(.response, .jobAssignAll, "H:h:2", "f", "k2", "", "b"), to: worker)])
    }
}
