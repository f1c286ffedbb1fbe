import Foundation
import XCTest

/// Client mode, run through the C tool and ours on the same gearmand.
final class ClientModeTests: JobServerTestCase {
    func testStdinIsOneWorkload() throws {
        try startWorker("wc", ["--", "wc", "-l"])
        let passwd = Array(try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd")))
        let result = try assertSameAsCTool(["-f", "wc"], stdin: passwd)
        let lines = passwd.filter { $0 == UInt8(ascii: "\n") }.count
        XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "\(lines)")
    }

    func testOneJobPerOperand() throws {
        try startWorker("echo", ["--", "cat"])
        let result = try assertSameAsCTool(["-f", "echo", "one", "two", "three"])
        XCTAssertEqual(result.stdoutText, "onetwothree")
    }

    func testOperandsPermuteWithOptions() throws {
        try startWorker("echo", ["--", "cat"])
        let result = try assertSameAsCTool(["one", "-f", "echo", "two"])
        XCTAssertEqual(result.stdoutText, "onetwo")
    }

    func testJobPerLineKeepsNewlines() throws {
        try startWorker("echo", ["--", "cat"])
        let result = try assertSameAsCTool(["-n", "-f", "echo"], stdin: "a\nbb\n\nccc\n".bytes)
        XCTAssertEqual(result.stdoutText, "a\nbb\n\nccc\n")
    }

    func testJobPerLineStripped() throws {
        try startWorker("count", ["--", "wc", "-c"])
        let result = try assertSameAsCTool(["-N", "-f", "count"], stdin: "a\nbb\nccc\n".bytes)
        XCTAssertEqual(result.stdoutText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }, ["1", "2", "3"])
    }

    func testSuppressInputSendsEmptyWorkload() throws {
        try startWorker("count", ["--", "wc", "-c"])
        let result = try assertSameAsCTool(["-s", "-f", "count"], stdin: "ignored".bytes)
        XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    func testPrefix() throws {
        try startWorker("echo", ["--", "cat"])
        let result = try assertSameAsCTool(["-P", "-f", "echo", "hello"])
        XCTAssertEqual(result.stdoutText, "echo: hello")
    }

    func testEveryFunctionGetsTheJob() throws {
        try startWorker("echo", ["--", "cat"])
        try startWorker("count", ["--", "wc", "-c"])
        for result in [try cTool(["-P", "-f", "echo", "-f", "count", "abc"]), try ours(["-P", "-f", "echo", "-f", "count", "abc"])] {
            XCTAssertEqual(result.status, 0)
            XCTAssertTrue(result.stdoutText.contains("echo: abc"), result.stdoutText)
            XCTAssertTrue(result.stdoutText.contains("count: 3\n"), result.stdoutText)
        }
    }

    func testBinaryWorkloadRoundTrip() throws {
        try startWorker("echo", ["--", "cat"])
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let result = try assertSameAsCTool(["-f", "echo"], stdin: payload)
        XCTAssertEqual(result.stdout, payload)
    }

    func testSixtyFourMebibyteWorkload() throws {
        try startWorker("echo", ["--", "cat"])
        var generator = SystemRandomNumberGenerator()
        let payload = (0..<(64 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
        let result = try ours(["-f", "echo"], stdin: payload, timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.count, payload.count)
        XCTAssertTrue(result.stdout == payload, "64 MiB came back changed")
    }

    func testBackgroundJobIsQueued() throws {
        let result = try assertSameAsCTool(["-b", "-f", "later", "x"])
        XCTAssertEqual(result.stdout, [])
        XCTAssertEqual(try server.status(of: "later")?.queued, 2)
    }

    func testVerbosePrintsTheJobHandle() throws {
        let reference = try cTool(["-b", "-v", "-f", "later", "x"])
        let result = try ours(["-bv", "-f", "later", "x"])
        let pattern = try NSRegularExpression(pattern: "^Task created: H:[^:]+:[0-9]+\n$")
        for output in [reference.stdoutText, result.stdoutText] {
            XCTAssertEqual(pattern.numberOfMatches(in: output, range: NSRange(output.startIndex..., in: output)), 1, output)
        }
    }

    func testPrioritiesForForegroundAndBackground() throws {
        try startWorker("echo", ["--", "cat"])
        try assertSameAsCTool(["-I", "-f", "echo", "high"])
        try assertSameAsCTool(["-L", "-f", "echo", "low"])
        try assertSameAsCTool(["-b", "-I", "-f", "queued", "high"])
        try assertSameAsCTool(["-b", "-L", "-f", "queued", "low"])
        XCTAssertEqual(try server.status(of: "queued")?.queued, 4)
    }

    func testUniqueKeyCoalescesBackgroundJobs() throws {
        try assertSameAsCTool(["-b", "-u", "same-key", "-f", "coalesce", "x"])
        _ = try ours(["-b", "-u", "same-key", "-f", "coalesce", "y"])
        XCTAssertEqual(try server.status(of: "coalesce")?.queued, 1)
    }

    func testStatusDataAndWarningFromAPHPWorker() throws {
        try startPHPWorker()
        let result = try ours(["-f", "progress", "w"])
        XCTAssertEqual(result.stdoutText, "25% Complete\npart;100% Complete\ndone:w")
        XCTAssertEqual(result.stderr, "careful\n")
        XCTAssertEqual(result.status, 0)
        // The C tool prints the same bytes, but its stdio buffer moves the status lines to the end.
        let reference = try cTool(["-f", "progress", "w"])
        XCTAssertEqual(reference.stdoutText, "part;done:w25% Complete\n100% Complete\n")
        XCTAssertEqual(reference.stderr, result.stderr)
    }

    func testPrefixOnWarningsAndStatus() throws {
        try startPHPWorker()
        let result = try ours(["-P", "-f", "progress", "w"])
        XCTAssertEqual(result.stdoutText, "progress: 25% Complete\nprogress: part;progress: 100% Complete\nprogress: done:w")
        XCTAssertEqual(result.stderr, "progress: careful\n")
    }

    func testFailedJob() throws {
        try startPHPWorker()
        let result = try assertSameAsCTool(["-f", "fail", "x"])
        XCTAssertEqual(result.stdoutText, "partial")
        XCTAssertEqual(result.stderr, "Job failed\n")
        XCTAssertEqual(result.status, 1)
    }

    func testExceptionGoesToStderrAndFailsTheJob() throws {
        // The C tool never asks for exceptions, so gearmand drops them and it waits forever.
        try startPHPWorker()
        let result = try ours(["-f", "exception", "x"], timeout: 10)
        XCTAssertEqual(result.stdout, [])
        XCTAssertEqual(result.stderr, "boom\n")
        XCTAssertEqual(result.status, 1)
    }

    func testADeadServerInTheListDoesNotFailJobsALiveOneRan() throws {
        try startWorker("echo", ["--", "cat"])
        var environment = Command.cleanEnvironment
        environment["GEARMAN_SERVER"] = "127.0.0.1:\(try Network.freePort()),127.0.0.1:\(server.port)"
        let foreground = try Command.run(Binaries.ours, ["-f", "echo", "hi"], environment: environment)
        XCTAssertEqual(foreground.stdoutText, "hi")
        XCTAssertEqual(foreground.status, 0, foreground.stderr)
        let background = try Command.run(Binaries.ours, ["-b", "-v", "-f", "later", "x"], environment: environment)
        XCTAssertTrue(background.stdoutText.hasPrefix("Task created: H:"), background.stdoutText)
        XCTAssertEqual(background.status, 0, background.stderr)
    }
}
