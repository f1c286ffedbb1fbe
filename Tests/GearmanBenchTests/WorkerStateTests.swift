import GearmanProtocol
import XCTest
@testable import GearmanBench

final class WorkerStateTests: XCTestCase {
    private let grab = Wire.request(.grabJobUnique)

    func testRegistersEveryFunctionAndGrabsToItsDepth() {
        var worker = WorkerState(functions: ["bench0", "bench1"], depth: 2)
        XCTAssertEqual(worker.start(now: 0), [Wire.request(.canDo, "bench0"), Wire.request(.canDo, "bench1"), grab, grab])
        XCTAssertEqual(worker.state, .grabbing(outstanding: 2))
    }

    func testEchoesTheWorkloadAndGrabsAgainInOneAnswer() {
        var worker = WorkerState(functions: ["bench0"], depth: 1)
        _ = worker.start(now: 0)
        XCTAssertEqual(worker.receive(Wire.response(.jobAssignUnique, "H:1", "bench0", "key", "payload"), now: 1),
                       .jobDone(latency: nil, send: [Wire.request(.workComplete, "H:1", "payload"), grab]))
        XCTAssertEqual(worker.receive(Wire.response(.jobAssign, "H:2", "bench0", "plain"), now: 2),
                       .jobDone(latency: nil, send: [Wire.request(.workComplete, "H:2", "plain"), grab]))
        XCTAssertEqual(worker.state, .grabbing(outstanding: 1))
    }

    func testSleepsOnNoJobAndGrabsAgainOnNoop() {
        var worker = WorkerState(functions: ["bench0"], depth: 1)
        _ = worker.start(now: 0)
        XCTAssertEqual(worker.receive(Wire.response(.noJob), now: 1), .send([Wire.request(.preSleep)]))
        XCTAssertEqual(worker.state, .sleeping)
        XCTAssertEqual(worker.receive(Wire.response(.noop), now: 2), .send([grab]))
        XCTAssertEqual(worker.state, .grabbing(outstanding: 1))
        XCTAssertEqual(worker.receive(Wire.response(.noop), now: 3), .send([]), "a NOOP while grabbing needs nothing")
        XCTAssertEqual(worker.state, .grabbing(outstanding: 1))
    }

    func testPipelinedWorkerSleepsOnlyWhenEveryGrabCameBackEmpty() {
        var worker = WorkerState(functions: ["bench0"], depth: 3)
        _ = worker.start(now: 0)
        XCTAssertEqual(worker.receive(Wire.response(.noJob), now: 1), .send([]))
        XCTAssertEqual(worker.receive(Wire.response(.jobAssignUnique, "H:1", "bench0", "", "w"), now: 2),
                       .jobDone(latency: nil, send: [Wire.request(.workComplete, "H:1", "w"), grab]))
        XCTAssertEqual(worker.receive(Wire.response(.noJob), now: 3), .send([]))
        XCTAssertEqual(worker.state, .grabbing(outstanding: 1))
        XCTAssertEqual(worker.receive(Wire.response(.noJob), now: 4), .send([Wire.request(.preSleep)]))
        XCTAssertEqual(worker.receive(Wire.response(.noop), now: 5), .send([grab, grab, grab]))
        XCTAssertEqual(worker.state, .grabbing(outstanding: 3))
    }

    func testJobsWhileAsleepOrBeforeStartAreFailures() {
        var worker = WorkerState(functions: ["bench0"], depth: 1)
        XCTAssertEqual(worker.receive(Wire.response(.noJob), now: 0), .fail("a worker got an unexpected noJob packet"))
        _ = worker.start(now: 0)
        _ = worker.receive(Wire.response(.noJob), now: 1)
        XCTAssertEqual(worker.receive(Wire.response(.jobAssign, "H:1", "bench0", "w"), now: 2),
                       .fail("a worker got an unexpected jobAssign packet"))
    }

    func testErrorStopsTheRun() {
        var worker = WorkerState(functions: ["bench0"], depth: 1)
        _ = worker.start(now: 0)
        XCTAssertEqual(worker.receive(Wire.response(.error, "ERR", "no"), now: 1),
                       .fail("the server sent ERROR ERR: no (to a worker)"))
    }
}
