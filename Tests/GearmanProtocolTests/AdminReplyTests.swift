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

    func testDeadJobRows() {
        let row = DeadJobRow(line: "H:vm:7\tnightly\tr-42\t3\tgearman: job H:vm:7: 'sh' exited with status 1\t1764523200\t1764523290")
        XCTAssertEqual(row?.handle, "H:vm:7")
        XCTAssertEqual(row?.function, "nightly")
        XCTAssertEqual(row?.unique, "r-42")
        XCTAssertEqual(row?.attempts, 3)
        XCTAssertEqual(row?.lastFailure, "gearman: job H:vm:7: 'sh' exited with status 1")
        XCTAssertEqual(row?.firstSubmitted, 1764523200)
        XCTAssertEqual(row?.lastFailed, 1764523290)
        // A unique key may hold a tab; the numbers are read from the end.
        XCTAssertEqual(DeadJobRow(line: "H:vm:8\tf\ta\tb\t1\t\t0\t5")?.unique, "a\tb")
        XCTAssertEqual(DeadJobRow(line: "H:vm:8\tf\t\t1\t\t0\t5")?.lastFailure, "")
        XCTAssertNil(DeadJobRow(line: "H:vm:8\tf\tu\tx\tboom\t0\t5"))
        XCTAssertNil(DeadJobRow(line: "H:vm:8\tf\tu\t1\tboom\t0"))
        // Listed as any listing, and complete at its dot.
        XCTAssertEqual(AdminReply(text: "H:vm:8\tf\tu\t1\tboom\t0\t5\n.\n", listing: true), .listing(["H:vm:8\tf\tu\t1\tboom\t0\t5"]))
        XCTAssertTrue(AdminReply.isComplete(Array("H:vm:8\tf\tu\t1\tboom\t0\t5\n.\n".utf8), listing: true))
    }
}
