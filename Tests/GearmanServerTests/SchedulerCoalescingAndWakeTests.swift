import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// Coalescing of equal submissions from one connection (one answer per submission, as gearmand
/// gives), and how many sleeping workers a new job wakes: `workersWokenPerJob` at once, then
/// one more each `wakeRetryMilliseconds` while nobody grabs it.
final class SchedulerCoalescingAndWakeTests: XCTestCase {
    private let client = ConnectionID(1)
    private let sleepers = [ConnectionID(10), ConnectionID(11), ConnectionID(12)]
    private let clock = TestClock()

    private func makeScheduler(limits: SchedulerLimits = SchedulerLimits()) -> Scheduler {
        var scheduler = Scheduler(handlePrefix: "H:t", limits: limits, clock: clock)
        scheduler.connect(client)
        for worker in sleepers { scheduler.connect(worker) }
        return scheduler
    }

    private func packets(_ actions: [SchedulerAction], to target: ConnectionID) -> [Packet] {
        actions.compactMap { if case .send(let packet, let to) = $0, to == target { return packet } else { return nil } }
    }

    /// The connections sent a NOOP.
    private func woken(_ actions: [SchedulerAction]) -> [ConnectionID] {
        actions.compactMap { if case .send(let packet, let to) = $0, packet.type == .noop { return to } else { return nil } }
    }

    // MARK: Coalescing

    func testTheSameForegroundJobSubmittedThreeTimesByOneClientIsAnsweredThreeTimes() {
        var scheduler = makeScheduler()
        let worker = sleepers[0]
        _ = send(&scheduler, request(.canDo, "f"), from: worker)
        var created: [Packet] = []
        for data in ["first", "second", "third"] {
            created += packets(send(&scheduler, request(.submitJob, "f", "key", data), from: client), to: client)
        }
        XCTAssertEqual(created, Array(repeating: Packet(.response, .jobCreated, "H:t:1"), count: 3))
        XCTAssertEqual(scheduler.jobs.count, 1, "one job")
        XCTAssertEqual(scheduler.functionStatus().first?.queued, [0, 1, 0])

        let assigned = packets(send(&scheduler, request(.grabJob), from: worker), to: worker)
        XCTAssertEqual(assigned, [Packet(.response, .jobAssign, "H:t:1", "f", "first")])
        XCTAssertEqual(packets(send(&scheduler, request(.grabJob), from: worker), to: worker).first?.type, .noJob)

        XCTAssertEqual(send(&scheduler, request(.workData, "H:t:1", "part"), from: worker),
                       Array(repeating: .send(Packet(.response, .workData, "H:t:1", "part"), to: client), count: 3))
        XCTAssertEqual(send(&scheduler, request(.workComplete, "H:t:1", "done"), from: worker),
                       Array(repeating: .send(Packet(.response, .workComplete, "H:t:1", "done"), to: client), count: 3))
        XCTAssertEqual(scheduler.jobs.count, 0)
        XCTAssertEqual(scheduler.peers[client]?.waitingOn, [])
        XCTAssertEqual(scheduler.jobs.heldBytes, 0)
    }

    func testAClientThatSubmittedTheSameJobThreeTimesAndLeftLeavesNothingWaiting() {
        var scheduler = makeScheduler()
        for _ in 1...3 { _ = send(&scheduler, request(.submitJob, "f", "key", "x"), from: client) }
        _ = scheduler.disconnect(client)
        XCTAssertEqual(scheduler.invariantViolations(), [])
        XCTAssertEqual(scheduler.jobs.count, 0, "a queued foreground job nobody waits for is dropped")
        XCTAssertEqual(scheduler.functionStatus().first?.total, 0)
    }

    func testDuplicateBackgroundSubmissionsShareTheHandleAndHaveNoClients() {
        var scheduler = makeScheduler()
        var created: [Packet] = []
        for type in [PacketType.submitJobBackground, .submitJobBackground, .submitJobHighBackground] {
            created += packets(send(&scheduler, request(type, "f", "key", "x"), from: client), to: client)
        }
        XCTAssertEqual(created, Array(repeating: Packet(.response, .jobCreated, "H:t:1"), count: 3))
        XCTAssertEqual(scheduler.jobs.count, 1)
        XCTAssertEqual(scheduler.jobs[JobID(number: 1)]?.clients, [])
        XCTAssertEqual(scheduler.peers[client]?.waitingOn, [])
        XCTAssertEqual(scheduler.functionStatus().first?.submitted, 1)
    }

    // MARK: Wake-ups

    /// Every sleeper can do "f" and has sent PRE_SLEEP with nothing queued.
    private func putToSleep(_ scheduler: inout Scheduler) {
        for worker in sleepers {
            XCTAssertEqual(send(&scheduler, request(.canDo, "f"), from: worker), [])
            XCTAssertEqual(send(&scheduler, request(.preSleep), from: worker), [])
        }
    }

    func testANewJobWakesOneSleeperAndTheRetryWakesTheNextUntilOneGrabs() {
        var scheduler = makeScheduler()
        putToSleep(&scheduler)
        let created = send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client)
        let first = woken(created)
        XCTAssertEqual(first.count, 1, "one NOOP, no herd")
        XCTAssertTrue(sleepers.contains(first[0]))
        XCTAssertEqual(packets(created, to: client), [Packet(.response, .jobCreated, "H:t:1")])

        XCTAssertEqual(scheduler.nextDeadline, clock.now + SchedulerLimits().wakeRetryMilliseconds)
        clock.advance(byMilliseconds: SchedulerLimits().wakeRetryMilliseconds - 1)
        XCTAssertEqual(scheduler.deadlinesPassed(), [.wakeUp(inMilliseconds: 1)], "too early to wake another: the wake-up is announced again")
        clock.advance(byMilliseconds: 1)
        let second = woken(scheduler.deadlinesPassed())
        XCTAssertEqual(scheduler.invariantViolations(), [])
        XCTAssertEqual(second.count, 1, "nobody grabbed: the retry wakes one more")
        XCTAssertTrue(sleepers.contains(second[0]))
        XCTAssertNotEqual(second[0], first[0])

        XCTAssertEqual(packets(send(&scheduler, request(.grabJob), from: second[0]), to: second[0]).first?.type, .jobAssign)
        clock.advance(byMilliseconds: 10 * SchedulerLimits().wakeRetryMilliseconds)
        XCTAssertEqual(scheduler.deadlinesPassed(), [], "the job was grabbed: the last sleeper sleeps on")
        XCTAssertEqual(scheduler.invariantViolations(), [])
        let stillAsleep = sleepers.filter { scheduler.peers[$0]?.sleeping == true }
        XCTAssertEqual(stillAsleep, sleepers.filter { $0 != first[0] && $0 != second[0] })
    }

    func testARetryAfterTheLastSleeperWasWokenWakesNobody() {
        var scheduler = makeScheduler()
        putToSleep(&scheduler)
        var all = woken(send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client))
        for _ in 1...5 {
            clock.advance(byMilliseconds: SchedulerLimits().wakeRetryMilliseconds)
            all += woken(scheduler.deadlinesPassed())
            XCTAssertEqual(scheduler.invariantViolations(), [])
        }
        XCTAssertEqual(Set(all), Set(sleepers), "each sleeper in turn")
        XCTAssertEqual(all.count, sleepers.count, "and none twice")
        XCTAssertNil(scheduler.nextDeadline)
    }

    func testWorkersWokenPerJobZeroWakesEverySleeperAtOnce() {
        var limits = SchedulerLimits()
        limits.workersWokenPerJob = 0
        var scheduler = makeScheduler(limits: limits)
        putToSleep(&scheduler)
        let actions = send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client)
        XCTAssertEqual(Set(woken(actions)), Set(sleepers))
        XCTAssertEqual(woken(actions).count, sleepers.count)
        XCTAssertNil(scheduler.nextDeadline, "nobody left to wake later")
    }

    func testWorkersWokenPerJobTwoWakesTwo() {
        var limits = SchedulerLimits()
        limits.workersWokenPerJob = 2
        var scheduler = makeScheduler(limits: limits)
        putToSleep(&scheduler)
        let first = woken(send(&scheduler, request(.submitJobBackground, "f", "", "x"), from: client))
        XCTAssertEqual(first.count, 2)
        XCTAssertEqual(Set(first).count, 2)
        clock.advance(byMilliseconds: limits.wakeRetryMilliseconds)
        let second = woken(scheduler.deadlinesPassed())
        XCTAssertEqual(second.count, 1, "only one sleeper was left")
        XCTAssertEqual(Set(first + second), Set(sleepers))
    }
}
