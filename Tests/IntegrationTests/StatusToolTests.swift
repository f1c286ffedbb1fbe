import Foundation
import XCTest

/// `gearman status`: GET_STATUS and GET_STATUS_UNIQUE from the command line, against our
/// server and (with GEARMAN_TEST_SERVER=gearmand) Debian's gearmand.
final class StatusToolTests: JobServerTestCase {
    /// `gearman status ARGUMENTS` against this test's server.
    private func status(_ arguments: [String]) throws -> CommandResult {
        try Command.run(Binaries.ours, ["status"] + server.address + arguments, environment: Command.cleanEnvironment)
    }

    /// Submits a background job and returns its handle.
    private func submitBackground(_ function: String, unique: String) throws -> String {
        let created = try ours(["-v", "-b", "-u", unique, "-f", function, "payload"])
        XCTAssertEqual(created.status, 0)
        return created.stdoutText.replacingOccurrences(of: "Task created: ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testARunningJobShowsItsLastProgress() throws {
        let handle = try submitBackground("progress-job", unique: "p-1")
        let queued = try status([handle])
        XCTAssertEqual(queued.stdoutText, "\(handle)\tknown\tqueued\t0/0\t0%\n")
        XCTAssertEqual(queued.status, 0)
        let worker = try RawConnection(port: server.port)
        worker.send(.canDo, ["progress-job"])
        worker.send(.grabJob)
        XCTAssertEqual(worker.expect(.jobAssign)?.arguments.first, handle)
        worker.send(.workStatus, [handle, "1", "4"])
        XCTAssertTrue(try eventually { try status([handle]).stdoutText == "\(handle)\tknown\trunning\t1/4\t25%\n" })
        let json = try status(["--json", handle])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        XCTAssertEqual(object["handle"] as? String, handle)
        XCTAssertEqual(object["running"] as? Bool, true)
        XCTAssertEqual(object["percent"] as? Int, 25)
    }

    func testAnUnknownJobIsSaidAndFailsTheExitStatus() throws {
        let handle = try submitBackground("nobody-here", unique: "u-1")
        let result = try status([handle, "H:nowhere:99"])
        XCTAssertEqual(result.stdoutText, "\(handle)\tknown\tqueued\t0/0\t0%\nH:nowhere:99\tunknown\n")
        XCTAssertEqual(result.status, 1)
    }

    func testUniqueKeysAreAskedWithGetStatusUnique() throws {
        _ = try submitBackground("keyed", unique: "order-17")
        let result = try status(["--unique", "order-17", "-f", "keyed", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        XCTAssertEqual(object["unique"] as? String, "order-17")
        XCTAssertEqual(object["known"] as? Bool, true)
        XCTAssertEqual(object["waiting_clients"] as? Int, 0)
        XCTAssertEqual(try status(["-u", "no-such-key"]).stdoutText, "no-such-key\tunknown\n")
    }

    func testUsageAndUnreachableServers() throws {
        let usage = try Command.run(Binaries.ours, ["status"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("give job handles, or --unique KEY"), usage.stderr)
        let port = try Network.freePort()
        let down = try Command.run(Binaries.ours, ["status", "-h", "127.0.0.1", "-p", "\(port)", "H:x:1"])
        XCTAssertEqual(down.status, 3)
        XCTAssertTrue(down.stderr.contains("cannot connect to 127.0.0.1:\(port)"), down.stderr)
    }
}
