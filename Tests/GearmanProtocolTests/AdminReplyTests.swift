import GearmanProtocol
import XCTest

final class AdminReplyTests: XCTestCase {
    func testOKErrorAndListing() {
        XCTAssertEqual(AdminReply(text: "OK\r\n", listing: false), .ok(""))
        XCTAssertEqual(AdminReply(text: "OK 1.1.20\n", listing: false), .ok("1.1.20"))
        XCTAssertEqual(AdminReply(text: "ERR UNKNOWN_JOB\r\n", listing: false), .error("UNKNOWN_JOB"))
        XCTAssertEqual(AdminReply(text: "ERR UNKNOWN_COMMAND x\r\n", listing: true), .error("UNKNOWN_COMMAND x"))
        XCTAssertEqual(AdminReply(text: "f\t1\t0\t0\n.\n", listing: true), .listing(["f\t1\t0\t0"]))
        XCTAssertEqual(AdminReply(text: ".\n", listing: true), .listing([]))
        // A function may be called OK; in a listing it is a row.
        XCTAssertEqual(AdminReply(text: "OK\t1\t0\t0\n.\n", listing: true), .listing(["OK\t1\t0\t0"]))
    }

    func testCompleteness() {
        XCTAssertFalse(AdminReply.isComplete(Array("f\t1\t0\t0\n".utf8), listing: true))
        XCTAssertTrue(AdminReply.isComplete(Array("f\t1\t0\t0\n.\n".utf8), listing: true))
        XCTAssertTrue(AdminReply.isComplete(Array(".\n".utf8), listing: true))
        XCTAssertTrue(AdminReply.isComplete(Array("ERR x\r\n".utf8), listing: true))
        XCTAssertFalse(AdminReply.isComplete(Array("OK 12".utf8), listing: false))
        XCTAssertTrue(AdminReply.isComplete(Array("OK 12\n".utf8), listing: false))
    }

    func testRows() {
        XCTAssertEqual(StatusRow(line: "wc\t3\t1\t2")?.total, 3)
        XCTAssertNil(StatusRow(line: "wc\t3\t1"))
        XCTAssertEqual(PriorityStatusRow(line: "wc\t1\t2\t3\t4")?.low, 3)
        let worker = WorkerRow(line: "38 127.0.0.1 resizer : crop resize")
        XCTAssertEqual(worker, WorkerRow(line: "38 127.0.0.1 resizer : crop resize"))
        XCTAssertEqual(worker?.functions, ["crop", "resize"])
        XCTAssertEqual(WorkerRow(line: "38 ::1 - :")?.functions, [])
        XCTAssertEqual(JobRow(line: "H:vm:1\t0\t1\t0")?.ignored, true)
        XCTAssertEqual(UniqueJobRow(line: "key").function, nil)
        XCTAssertEqual(UniqueJobRow(line: "key\tf\tH:vm:1").handle, "H:vm:1")
    }
}
