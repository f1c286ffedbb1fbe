import Foundation
import XCTest

/// One connection that submits the same function and unique key several times gets an answer
/// for each submission, as from gearmand (libgearman waits for every one); run against both
/// servers. Also gearmand's 64-byte unique key limit.
final class CoalescingTests: JobServerTestCase {
    func testOneConnectionSubmittingAJobThreeTimesGetsThreeOfEveryAnswer() throws {
        let client = try RawConnection(port: server.port)
        for _ in 0..<3 { client.send(.submitJob, ["f", "same", "work"]) }
        let handles = (0..<3).compactMap { _ in client.expect(.jobCreated)?.arguments.first }
        XCTAssertEqual(Set(handles).count, 1, "\(handles)")
        let worker = try RawConnection(port: server.port)
        worker.send(.canDo, ["f"])
        worker.send(.grabJob)
        let handle = worker.expect(.jobAssign)?.arguments.first ?? ""
        worker.send(.workData, [handle, "part"])
        worker.send(.workComplete, [handle, "done"])
        for _ in 0..<3 { XCTAssertEqual(client.expect(.workData)?.arguments, [handle, "part"]) }
        for _ in 0..<3 { XCTAssertEqual(client.expect(.workComplete)?.arguments, [handle, "done"]) }
    }

    func testPHPAddTaskThreeTimesWithOneUniqueKeyCompletesThreeTimes() throws {
        try Binaries.require(Binaries.php)
        try startWorker("upper", ["--", "tr", "a-z", "A-Z"])
        let script = """
            $c = new GearmanClient(); $c->addServer('127.0.0.1', \(server.port)); $c->setTimeout(20000);
            $done = 0; $c->setCompleteCallback(function ($t) use (&$done) { $done++; echo $t->data(), "\\n"; });
            for ($i = 0; $i < 3; $i++) { $c->addTask('upper', 'same work', null, 'one-key'); }
            $ok = $c->runTasks(); echo $done, " ", $ok ? "ok" : $c->error(), "\\n";
            """
        let result = try Command.run(Binaries.php, ["-r", script], timeout: 40)
        XCTAssertEqual(result.stdoutText, "SAME WORK\nSAME WORK\nSAME WORK\n3 ok\n", result.stderr)
    }

    func testTheCToolWithOneUniqueKeyForSeveralLinesGetsEveryResult() throws {
        try startWorker("upper", ["--", "tr", "a-z", "A-Z"])
        let result = try cTool(["-n", "-u", "one-key", "-f", "upper"], stdin: Array("same\nsame\nsame\n".utf8), timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdoutText, "SAME\nSAME\nSAME\n")
        let ours = try ours(["-n", "-u", "one-key", "-f", "upper"], stdin: Array("same\nsame\nsame\n".utf8), timeout: 30)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertEqual(ours.stdoutText, "SAME\nSAME\nSAME\n")
    }

    func testAUniqueKeyOver64BytesIsRefused() throws {
        let client = try RawConnection(port: server.port)
        client.send(.submitJob, ["f", String(repeating: "k", count: 65), "x"])
        XCTAssertEqual(client.expect(.error)?.arguments, ["ARGUMENT_TOO_LARGE", "Unique value too large"])
        client.send(.submitJobBackground, ["f", String(repeating: "k", count: 63), "x"])
        client.expect(.jobCreated)
    }
}
