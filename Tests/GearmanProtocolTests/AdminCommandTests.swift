import GearmanProtocol
import XCTest

final class AdminCommandTests: XCTestCase {
    func testCommandsAreCaseInsensitiveAndIgnoreExtraWords() {
        XCTAssertEqual(AdminCommand(line: "STATUS"), .status)
        XCTAssertEqual(AdminCommand(line: "status with extra words"), .status)
        XCTAssertEqual(AdminCommand(line: "prioritystatus"), .priorityStatus)
        XCTAssertEqual(AdminCommand(line: "Workers"), .workers)
        XCTAssertEqual(AdminCommand(line: "shutdown"), .shutdown(graceful: false))
        XCTAssertEqual(AdminCommand(line: "shutdown graceful"), .shutdown(graceful: true))
    }

    func testMaxQueueLimits() {
        XCTAssertEqual(AdminCommand(line: "maxqueue"), .incompleteArguments(command: "maxqueue"))
        XCTAssertEqual(AdminCommand(line: "maxqueue f"), .maxQueue(function: "f", limits: [0, 0, 0]))
        XCTAssertEqual(AdminCommand(line: "maxqueue f 7"), .maxQueue(function: "f", limits: [7, 7, 7]))
        XCTAssertEqual(AdminCommand(line: "maxqueue f 1 2"), .maxQueue(function: "f", limits: [1, 2, 0]))
        XCTAssertEqual(AdminCommand(line: "maxqueue f 1 2 3"), .maxQueue(function: "f", limits: [1, 2, 3]))
        XCTAssertEqual(AdminCommand(line: "maxqueue f -4 x 3"), .maxQueue(function: "f", limits: [0, 0, 3]))
    }

    func testShowCancelCreateDrop() {
        XCTAssertEqual(AdminCommand(line: "show jobs"), .showJobs)
        XCTAssertEqual(AdminCommand(line: "show unique jobs"), .showUniqueJobs)
        XCTAssertEqual(AdminCommand(line: "show dead jobs"), .showDeadJobs)
        XCTAssertEqual(AdminCommand(line: "SHOW DEAD COUNTS"), .showDeadCounts)
        XCTAssertEqual(AdminCommand(line: "show dead counts now"), .unknownShowArguments)
        XCTAssertEqual(AdminCommand(line: "show jobs now"), .unknownShowArguments)
        XCTAssertEqual(AdminCommand(line: "show"), .unknown(word: "show"))
        XCTAssertEqual(AdminCommand(line: "cancel job H:x:1"), .cancelJob(handle: "H:x:1"))
        XCTAssertEqual(AdminCommand(line: "cancel job"), .unknown(word: "cancel"))
        XCTAssertEqual(AdminCommand(line: "cancel thing H:x:1"), .malformed)
        XCTAssertEqual(AdminCommand(line: "create function f"), .createFunction("f"))
        XCTAssertEqual(AdminCommand(line: "drop function f"), .dropFunction("f"))
        XCTAssertEqual(AdminCommand(line: "drop f"), .incompleteArguments(command: "drop"))
    }

    func testUnknownCommandKeepsTheWord() {
        XCTAssertEqual(AdminCommand(line: "bogus thing"), .unknown(word: "bogus"))
        XCTAssertEqual(AdminCommand(line: ""), .unknown(word: ""))
    }
}
