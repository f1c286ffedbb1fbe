import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// Packets a hostile or broken client or worker may send: numbers out of range or no numbers
/// at all, names and keys over their limits, more jobs than the memory bound. Each is refused
/// with the right ERROR and leaves nothing behind, or is taken without trapping; the
/// scheduler's invariants hold after every event.
final class SchedulerHostileInputTests: XCTestCase {
    private let client = ConnectionID(1)
    private let worker = ConnectionID(10)
    private let clock = TestClock()

    private func makeScheduler(limits: SchedulerLimits = SchedulerLimits()) -> Scheduler {
        var scheduler = Scheduler(handlePrefix: "H:t", limits: limits, clock: clock)
        scheduler.connect(client)
        scheduler.connect(worker)
        return scheduler
    }

    private func checkInvariants(_ scheduler: Scheduler, _ event: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(scheduler.invariantViolations(), [], "after \(event)", file: file, line: line)
    }

    private func packets(_ actions: [SchedulerAction], to target: ConnectionID) -> [Packet] {
        actions.compactMap { if case .send(let packet, let to) = $0, to == target { return packet } else { return nil } }
    }

    /// Asserts that `actions` are exactly one ERROR with `code`, to `connection`.
    private func assertOneError(_ actions: [SchedulerAction], _ code: String, to connection: ConnectionID,
                                _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard actions.count == 1, case .send(let packet, let to) = actions[0] else {
            return XCTFail("want one ERROR \(code), got \(actions) \(message)", file: file, line: line)
        }
        XCTAssertEqual(to, connection, message, file: file, line: line)
        XCTAssertEqual(packet.magic, .response, message, file: file, line: line)
        XCTAssertEqual(packet.type, .error, message, file: file, line: line)
        XCTAssertEqual(packet.string(at: 0), code, message, file: file, line: line)
    }

    // MARK: SUBMIT_JOB_EPOCH

    func testEpochTimesOutOfRangeOrNoNumberAreInvalidArgumentsAndCreateNoJob() {
        var scheduler = makeScheduler()
        for epoch in ["9223372036854776", "-5", "abc", "253402300800", "", "9223372036854775807", "-9223372036854775808"] {
            let actions = send(&scheduler, request(.submitJobEpoch, "f", "", epoch, "data"), from: client)
            assertOneError(actions, "INVALID_ARGUMENT", to: client, "epoch \(epoch)")
            XCTAssertEqual(scheduler.jobs.count, 0, "epoch \(epoch)")
            XCTAssertTrue(scheduler.functionStatus().allSatisfy { $0.total == 0 && $0.submitted == 0 },
                          "epoch \(epoch): \(scheduler.functionStatus())")
            XCTAssertNil(scheduler.nextDeadline, "epoch \(epoch)")
        }
    }

    func testTheLastSecondOfYear9999IsAcceptedAsAnEpochTime() {
        var scheduler = makeScheduler()
        let actions = send(&scheduler, request(.submitJobEpoch, "f", "", "253402300799", "data"), from: client)
        XCTAssertEqual(actions, [.wakeUp(inMilliseconds: 253_402_300_799_000 - clock.now),
                                 .send(Packet(.response, .jobCreated, "H:t:1"), to: client)])
        XCTAssertEqual(scheduler.functionStatus().first?.scheduled, 1)
        XCTAssertEqual(scheduler.nextDeadline, 253_402_300_799_000)
    }

    // MARK: CAN_DO_TIMEOUT

    func testCanDoTimeoutOutOfRangeOrNoNumberIsInvalidArgumentAndRegistersNothing() {
        var scheduler = makeScheduler()
        for timeout in ["9223372036854775807", "-1", "x", "", "2147483648", "99999999999999999999"] {
            let actions = send(&scheduler, request(.canDoTimeout, "f", timeout), from: worker)
            assertOneError(actions, "INVALID_ARGUMENT", to: worker, "timeout \(timeout)")
            XCTAssertEqual(scheduler.peers[worker]?.abilities.isEmpty, true, "timeout \(timeout)")
            XCTAssertEqual(scheduler.functionStatus(), [], "timeout \(timeout)")
        }
    }

    func testCanDoTimeoutUnderASecondCountsAsOneSecond() {
        var scheduler = makeScheduler()
        let handle = packets(send(&scheduler, request(.submitJob, "f", "", "x"), from: client), to: client)[0].string(at: 0)!
        XCTAssertEqual(send(&scheduler, request(.canDoTimeout, "f", "3"), from: worker), [])
        XCTAssertEqual(scheduler.peers[worker]?.abilities["f"], .some(1000))
        XCTAssertEqual(packets(send(&scheduler, request(.grabJob), from: worker), to: worker).first?.type, .jobAssign)
        clock.advance(byMilliseconds: 999)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.wakeUp(inMilliseconds: 1)], "the job must not fail before its second")
        checkInvariants(scheduler, "deadlines at +999 ms")
        XCTAssertEqual(scheduler.runningJobCount, 1)
        clock.advance(byMilliseconds: 1)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.send(Packet(.response, .workFail, handle), to: client)])
        checkInvariants(scheduler, "deadlines at +1000 ms")
        XCTAssertEqual(scheduler.runningJobCount, 0)
        XCTAssertEqual(scheduler.functionStatus().first?.failed, 1)
    }

    func testCanDoTimeoutZeroMeansNoTimeLimit() {
        var scheduler = makeScheduler()
        _ = send(&scheduler, request(.submitJob, "f", "", "x"), from: client)
        XCTAssertEqual(send(&scheduler, request(.canDoTimeout, "f", "0"), from: worker), [])
        XCTAssertEqual(scheduler.peers[worker]?.abilities["f"], .some(nil))
        _ = send(&scheduler, request(.grabJob), from: worker)
        XCTAssertNil(scheduler.nextDeadline)
        clock.advance(byMilliseconds: 40 * 24 * 3600 * 1000)
        XCTAssertEqual(scheduler.deadlinesPassed(), [])
        checkInvariants(scheduler, "deadlines 40 days later")
        XCTAssertEqual(scheduler.runningJobCount, 1)
    }

    func testTheLongestCanDoTimeoutIsAccepted() {
        var scheduler = makeScheduler()
        XCTAssertEqual(send(&scheduler, request(.canDoTimeout, "f", "2147483647"), from: worker), [])
        XCTAssertEqual(scheduler.peers[worker]?.abilities["f"], .some(2_147_483_647))
    }

    // MARK: Sizes

    func testAUniqueKeyOver64BytesIsArgumentTooLarge() {
        var scheduler = makeScheduler()
        let tooLong = String(repeating: "k", count: 65)
        assertOneError(send(&scheduler, request(.submitJob, "f", tooLong, "x"), from: client), "ARGUMENT_TOO_LARGE", to: client)
        assertOneError(send(&scheduler, request(.submitJobBackground, "f", tooLong, "x"), from: client), "ARGUMENT_TOO_LARGE", to: client)
        XCTAssertEqual(scheduler.jobs.count, 0)
        let longest = String(repeating: "k", count: 64)
        XCTAssertEqual(send(&scheduler, request(.submitJob, "f", longest, "x"), from: client),
                       [.send(Packet(.response, .jobCreated, "H:t:1"), to: client)])
    }

    func testAFunctionNameOverTheLimitIsArgumentTooLargeOnSubmitAndCanDo() {
        var limits = SchedulerLimits()
        limits.functionNameBytes = 8
        var scheduler = makeScheduler(limits: limits)
        let tooLong = "ninechars", longest = "eightchr"
        assertOneError(send(&scheduler, request(.submitJob, tooLong, "", "x"), from: client), "ARGUMENT_TOO_LARGE", to: client)
        assertOneError(send(&scheduler, request(.submitJobEpoch, tooLong, "", "0", "x"), from: client), "ARGUMENT_TOO_LARGE", to: client)
        assertOneError(send(&scheduler, request(.canDo, tooLong), from: worker), "ARGUMENT_TOO_LARGE", to: worker)
        assertOneError(send(&scheduler, request(.canDoTimeout, tooLong, "5"), from: worker), "ARGUMENT_TOO_LARGE", to: worker)
        XCTAssertEqual(scheduler.functionStatus(), [])
        XCTAssertEqual(scheduler.peers[worker]?.abilities.isEmpty, true)

        XCTAssertEqual(send(&scheduler, request(.canDo, longest), from: worker), [])
        XCTAssertEqual(send(&scheduler, request(.submitJob, longest, "", "x"), from: client),
                       [.send(Packet(.response, .jobCreated, "H:t:1"), to: client)])
        XCTAssertEqual(scheduler.functionStatus().map(\.function), [longest])
    }

    // MARK: Memory bound

    /// What one background job with a one-byte workload and no unique key holds, measured.
    private func bytesOfOneSmallBackgroundJob() -> Int {
        var probe = makeScheduler()
        _ = probe.receive(request(.submitJobBackground, "f", "", "x"), from: client)
        return probe.jobs.heldBytes
    }

    func testSubmissionsPastTheQueueBytesAreQueueErrorsUntilTheJobsEnd() {
        let oneJob = bytesOfOneSmallBackgroundJob()
        XCTAssertGreaterThan(oneJob, 0)
        var limits = SchedulerLimits()
        // Room for the function and three jobs: refused only once the held bytes reach the bound.
        limits.queueBytes = Scheduler.bytesPerFunction + 2 * oneJob + 1
        var scheduler = makeScheduler(limits: limits)
        _ = send(&scheduler, request(.canDo, "f"), from: worker)
        for n in 1...3 {
            XCTAssertEqual(packets(send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client), to: client),
                           [Packet(.response, .jobCreated, "H:t:\(n)")])
        }
        XCTAssertEqual(scheduler.jobs.heldBytes, 3 * oneJob)
        assertOneError(send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client), "QUEUE_ERROR", to: client)
        assertOneError(send(&scheduler, request(.submitJob, "f", "", "x"), from: client), "QUEUE_ERROR", to: client)
        XCTAssertEqual(scheduler.jobs.count, 3)

        for _ in 1...3 {
            let assigned = packets(send(&scheduler, request(.grabJob), from: worker), to: worker)
            XCTAssertEqual(assigned.first?.type, .jobAssign)
            let handle = assigned.first?.string(at: 0) ?? ""
            _ = send(&scheduler, request(.workComplete, handle, "done"), from: worker)
        }
        XCTAssertEqual(scheduler.jobs.count, 0)
        XCTAssertEqual(scheduler.jobs.heldBytes, 0, "no job is held, so no byte may be counted")
        XCTAssertEqual(packets(send(&scheduler, request(.submitJob, "f", "", "x"), from: client), to: client),
                       [Packet(.response, .jobCreated, "H:t:4")])
    }

    /// A client that registers ever more function names is bounded like one that queues jobs.
    func testNewFunctionsPastTheQueueBytesAreRefused() {
        var limits = SchedulerLimits()
        limits.queueBytes = 3 * Scheduler.bytesPerFunction
        var scheduler = makeScheduler(limits: limits)
        for name in ["a", "b", "c"] { XCTAssertEqual(send(&scheduler, request(.canDo, name), from: worker), []) }
        assertOneError(send(&scheduler, request(.canDo, "d"), from: worker), "QUEUE_ERROR", to: worker)
        assertOneError(send(&scheduler, request(.submitJobBackground, "e", "", "x"), from: client), "QUEUE_ERROR", to: client)
        XCTAssertEqual(send(&scheduler, request(.canDo, "a"), from: client), [], "a known function stays open")
        XCTAssertEqual(scheduler.functionStatus().map(\.function), ["a", "b", "c"])
    }

    func testHeldBytesReturnToZeroAfterEveryWayAJobEnds() {
        var scheduler = makeScheduler()
        let other = ConnectionID(2)
        scheduler.connect(other)
        _ = send(&scheduler, request(.canDo, "f"), from: worker)
        // Completed, with three coalesced clients.
        _ = send(&scheduler, request(.submitJob, "f", "k", "x"), from: client)
        _ = send(&scheduler, request(.submitJob, "f", "k", "x"), from: other)
        _ = send(&scheduler, request(.submitJob, "f", "k", "x"), from: client)
        _ = send(&scheduler, request(.grabJob), from: worker)
        _ = send(&scheduler, request(.workComplete, "H:t:1", "done"), from: worker)
        XCTAssertEqual(scheduler.jobs.heldBytes, 0, "after WORK_COMPLETE")
        // Failed and excepted.
        _ = send(&scheduler, request(.submitJob, "f", "", "x"), from: client)
        _ = send(&scheduler, request(.grabJob), from: worker)
        _ = send(&scheduler, request(.workFail, "H:t:2"), from: worker)
        _ = send(&scheduler, request(.submitJob, "f", "", "x"), from: client)
        _ = send(&scheduler, request(.grabJob), from: worker)
        _ = send(&scheduler, request(.workException, "H:t:3", "boom"), from: worker)
        XCTAssertEqual(scheduler.jobs.heldBytes, 0, "after WORK_FAIL and WORK_EXCEPTION")
        // Cancelled, and dropped because its only client went away.
        _ = send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client)
        XCTAssertNotNil(scheduler.cancel("H:t:4"))
        checkInvariants(scheduler, "cancel")
        _ = send(&scheduler, request(.submitJob, "f", "", "x"), from: other)
        _ = scheduler.disconnect(other)
        checkInvariants(scheduler, "disconnect")
        XCTAssertEqual(scheduler.jobs.count, 0)
        XCTAssertEqual(scheduler.jobs.heldBytes, 0, "after cancel and disconnect")
    }

    // MARK: Numbers relayed

    func testWorkStatusWithNumbersOutOfRangeIsRelayedAndGetStatusStillAnswers() {
        var scheduler = makeScheduler()
        _ = send(&scheduler, request(.canDo, "f"), from: worker)
        let handle = packets(send(&scheduler, request(.submitJob, "f", "", "x"), from: client), to: client)[0].string(at: 0)!
        _ = send(&scheduler, request(.grabJob), from: worker)
        let cases = [("99999999999", "99999999999"), ("-1", "-1"), ("99999999999", "-1"), ("1", "99999999999999999999999"),
                     ("x", ""), ("4294967295", "4294967296")]
        for (numerator, denominator) in cases {
            let update = request(.workStatus, handle, numerator, denominator)
            XCTAssertEqual(send(&scheduler, update, from: worker),
                           [.send(Packet(.response, .workStatus, handle, numerator, denominator), to: client)],
                           "\(numerator)/\(denominator)")
            let reply = packets(send(&scheduler, request(.getStatus, handle), from: client), to: client)
            XCTAssertEqual(reply.count, 1, "\(numerator)/\(denominator)")
            XCTAssertEqual(reply.first?.type, .statusResponse)
            XCTAssertEqual(reply.first?.arguments.count, 5)
            XCTAssertEqual(reply.first?.string(at: 0), handle)
            XCTAssertEqual(reply.first?.string(at: 1), "1", "known")
            XCTAssertEqual(reply.first?.string(at: 2), "1", "running")
            for index in 3...4 {
                XCTAssertNotNil(reply.first?.string(at: index).flatMap { UInt64($0) }, "progress must be a number")
            }
        }
    }

    // MARK: Admin

    func testMaxQueueWithNumbersOutOfRangeDoesNotTrapAndSetsNoNegativeLimit() {
        var scheduler = makeScheduler()
        scheduler.createFunction("f")
        for line in ["maxqueue f 99999999999999999999 -5 x", "maxqueue f 9223372036854775807",
                     "maxqueue f -9223372036854775808 9223372036854775807 99999999999999999999 7"] {
            let command = AdminCommand(line: line)
            guard case .maxQueue(let function, let limits) = command else {
                XCTFail("\(line): \(command)")
                continue
            }
            XCTAssertEqual(function, "f")
            XCTAssertEqual(limits.count, 3, line)
            XCTAssertTrue(limits.allSatisfy { $0 >= 0 }, "\(line): \(limits)")
            scheduler.setMaxQueue(function, high: limits[0], normal: limits[1], low: limits[2])
            checkInvariants(scheduler, line)
            XCTAssertTrue(scheduler.functions["f"]?.maxQueue.allSatisfy { $0 >= 0 } ?? false, line)
        }
        // The last line leaves high no limit (0 from a negative number) and normal the largest: both accept.
        XCTAssertEqual(packets(send(&scheduler, request(.submitJobHigh, "f", "", "x"), from: client), to: client).first?.type,
                       .jobCreated)
        XCTAssertEqual(packets(send(&scheduler, request(.submitJob, "f", "", "x"), from: client), to: client).first?.type,
                       .jobCreated)
    }
}
