import Foundation
import XCTest

/// The C tool's known bugs, each asserted fixed in ours (each assertion fails on the C tool).
final class FixedBugTests: JobServerTestCase {
    func testStripNewlineKeepsLastByteOfFinalLine() throws {
        try startWorker("echo", ["--", "cat"])
        XCTAssertEqual(try ours(["-P", "-N", "-f", "echo"], stdin: "abc\ndef".bytes).stdoutText, "echo: abcecho: def")
        XCTAssertEqual(try cTool(["-P", "-N", "-f", "echo"], stdin: "abc\ndef".bytes).stdoutText, "echo: abcecho: de",
                       "the C tool's bug this test guards against")
    }

    func testLongLinesAreOneJob() throws {
        try startWorker("count", ["--", "wc", "-c"])
        let line = String(repeating: "x", count: 20_000) + "\n"
        let result = try ours(["-n", "-f", "count"], stdin: line.bytes)
        XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "20001")
        XCTAssertEqual(result.status, 0)
    }

    func testWorkerPerLineSendsEachLineOnce() throws {
        try startWorker("lines", ["-n", "--", "printf", "a\\nb\\nc\\n"])
        XCTAssertEqual(try ours(["-f", "lines", "x"]).stdoutText, "a\nb\nc\n")
        try startWorker("clines", ["-n", "--", "printf", "a\\nb\\nc\\n"], binary: Binaries.cTool)
        XCTAssertEqual(try cTool(["-f", "clines", "x"]).stdoutText, "a\na\nb\na\nb\nc\n",
                       "the C tool's bug this test guards against")
    }

    func testWorkloadLargerThanPipeBuffersDoesNotDeadlock() throws {
        try startWorker("cat", ["--", "cat"])
        for size in [1 << 20, 64 << 20] {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            let result = try ours(["-f", "cat"], stdin: payload, timeout: 300)
            XCTAssertEqual(result.status, 0, "\(size) bytes: \(result.stderr)")
            XCTAssertTrue(result.stdout == payload, "\(size) bytes came back changed")
        }
    }

    func testUnrunnableCommandFailsTheJobAndLeavesNoProcess() throws {
        // A command missing at start-up is refused before connecting (ConcurrentWorkerTests);
        // one that disappears later fails each job with the reason.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-gone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let command = directory.appendingPathComponent("vanishing").path
        try "#!/bin/sh\ncat\n".write(toFile: command, atomically: true, encoding: .utf8)
        chmod(command, 0o755)
        let worker = try startWorker("missing", ["--", command, "arg"])
        try FileManager.default.removeItem(atPath: command)
        let result = try ours(["-f", "missing", "x"])
        XCTAssertTrue(result.stderr.hasSuffix("Job failed\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("cannot run '\(command)'"), result.stderr)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(eventually { worker.stderr.contains("cannot run '\(command)'") }, worker.stderr)
        XCTAssertEqual(try Command.run("/usr/bin/pgrep", ["-P", "\(worker.pid)"]).stdoutText, "", "the worker left a child behind")
        // The worker is still serving: a second job fails the same way, not silently completes.
        XCTAssertEqual(try ours(["-f", "missing", "y"]).status, 1)
    }

    func testUnreachableServerIsAnErrorWithExitStatus3() throws {
        let port = try Network.freePort()
        let result = try Command.run(Binaries.ours, ["-f", "x", "-h", "127.0.0.1", "-p", "\(port)", "data"],
                                     environment: Command.cleanEnvironment)
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.contains("cannot connect to job server 127.0.0.1:\(port)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("(GEARMAN_COULD_NOT_CONNECT)"), "scripts grep for the code word: \(result.stderr)")
        let reference = try Command.run(Binaries.cTool, ["-f", "x", "-h", "127.0.0.1", "-p", "\(port)", "data"],
                                        environment: Command.cleanEnvironment)
        XCTAssertEqual(reference.status, 0, "the C tool's bug this test guards against")
    }

    /// The server took the job and is healthy: the message blames the missing worker, not the
    /// server, and keeps libgearman's code word.
    func testTimeoutIsAnErrorWithExitStatus3() throws {
        let result = try ours(["-f", "nobody", "-t", "300", "data"])
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stderr, "gearman: timed out after 300 ms waiting for a worker of function 'nobody'"
                       + " (GEARMAN_TIMEOUT); job server 127.0.0.1:\(server.port) accepted the job\n")
    }

    /// A server that accepts the connection but never answers is what the timeout waited for.
    func testTimeoutBeforeTheServerAnswersBlamesTheServer() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && listen(listener, 4) == 0
                && getsockname(listener, $0, &length) == 0 }
        }
        XCTAssertTrue(bound)
        let port = UInt16(bigEndian: address.sin_port)
        let result = try Command.run(Binaries.ours, ["-f", "x", "-h", "127.0.0.1", "-p", "\(port)", "-t", "300", "data"],
                                     environment: Command.cleanEnvironment)
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stderr, "gearman: timed out after 300 ms waiting for job server 127.0.0.1:\(port) (GEARMAN_TIMEOUT)\n")
    }

    func testStatusWithZeroDenominator() throws {
        try startPHPWorker()
        let result = try ours(["-f", "zero", "x"])
        XCTAssertEqual(result.stdoutText, "0% Complete\nok")
        XCTAssertEqual(result.status, 0)
    }
}
