import Foundation
import XCTest

/// Client mode with -n/-N: jobs pipelined within `--window`, results in input order, failed
/// lines that do not stop the rest, and `--json` output.
final class BatchClientTests: JobServerTestCase {
    /// A worker command that sleeps as many seconds as its workload's line says, then prints the line.
    private static let sleepThenEcho = ["--", "sh", "-c", #"read x; sleep "$x"; echo "$x""#]

    /// The JSON object on each line of `result`'s stdout.
    private func jsonObjects(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try result.stdoutText.split(separator: "\n").map { (text: Substring) throws -> [String: Any] in
            let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try XCTUnwrap(parsed as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
        }
    }

    /// The only JSON object `result` printed.
    private func onlyJSONObject(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let objects = try jsonObjects(result, file: file, line: line)
        XCTAssertEqual(objects.count, 1, result.stdoutText, file: file, line: line)
        return try XCTUnwrap(objects.first, "no JSON on stdout; stderr: \(result.stderr)", file: file, line: line)
    }

    // MARK: Pipelining and --window

    func testPipelinedJobsRunAtOnceAndPrintInInputOrder() throws {
        try startWorker("sleepy", ["-j", "3"] + Self.sleepThenEcho)
        try server.waitForWorkers("sleepy", count: 3)
        let started = Date()
        // The first line finishes last.
        let result = try ours(["-f", "sleepy", "-n"], stdin: "2\n1\n0\n".bytes, timeout: 20)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.stdoutText, "2\n1\n0\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        // One at a time they take 3 s.
        XCTAssertLessThan(elapsed, 2.8, "the jobs were not in flight together")
    }

    func testWindowOneRunsOneJobAtATime() throws {
        try startWorker("sleepy", ["-j", "3"] + Self.sleepThenEcho)
        try server.waitForWorkers("sleepy", count: 3)
        let started = Date()
        let result = try ours(["-f", "sleepy", "-n", "--window", "1"], stdin: "0.7\n0.5\n0.3\n".bytes, timeout: 20)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.stdoutText, "0.7\n0.5\n0.3\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertGreaterThanOrEqual(elapsed, 1.45, "with --window 1 the jobs overlapped")
    }

    func testMoreLinesThanTheWindowKeepTheirOrder() throws {
        try startWorker("echo", ["-j", "4", "--", "cat"])
        let input = (1...40).map { "line \($0)\n" }.joined()
        let result = try ours(["-f", "echo", "-n", "--window", "3"], stdin: input.bytes)
        XCTAssertEqual(result.stdoutText, input)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testPerLineOutputIsTheCToolsByteForByte() throws {
        try startWorker("echo", ["-j", "4", "--", "cat"])
        // More lines than the default window of 100, with empty and non-ASCII ones.
        let input = (1...120).map { $0 % 10 == 0 ? "\n" : "line \($0) \u{e9}\n" }.joined()
        let perLine = try assertSameAsCTool(["-f", "echo", "-n"], stdin: input.bytes)
        XCTAssertEqual(perLine.stdoutText, input)
        // Without empty lines: -N makes them empty workloads, which libgearman refuses with a
        // message that names the process id.
        let nonEmpty = (1...120).map { "line \($0) \u{e9}\n" }.joined()
        let stripped = try assertSameAsCTool(["-f", "echo", "-N"], stdin: nonEmpty.bytes)
        XCTAssertEqual(stripped.stdoutText, nonEmpty.replacingOccurrences(of: "\n", with: ""))
    }

    func testAFailedLineDoesNotStopTheOthers() throws {
        try startWorker("picky", ["--", "sh", "-c", #"read x; [ "$x" != bad ] && echo "$x""#])
        let windows: [[String]] = [[], ["--window", "1"]]
        for window in windows {
            let result = try ours(["-f", "picky", "-n"] + window, stdin: "a\nbad\nc\n".bytes, timeout: 20)
            XCTAssertEqual(result.stdoutText, "a\nc\n", "\(window)")
            XCTAssertTrue(result.stderr.contains("Job failed"), "\(window): \(result.stderr)")
            XCTAssertEqual(result.status, 1, "\(window)")
        }
    }

    func testWindowMustBeAPositiveNumber() throws {
        // Nothing listens there: a command line that got as far as connecting would exit 3.
        let port = try Network.freePort()
        for value in ["0", "x"] {
            let result = try Command.run(Binaries.ours, ["-f", "any", "-n", "--window", value, "-h", "127.0.0.1", "-p", "\(port)"],
                                         stdin: "a\n".bytes, environment: Command.cleanEnvironment, timeout: 10)
            XCTAssertEqual(result.status, 2, "--window \(value): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("--window"), "--window \(value): \(result.stderr)")
        }
    }

    // MARK: --json

    func testJSONPrintsOneObjectPerJob() throws {
        try startWorker("echo", ["--", "cat"])
        let result = try ours(["--json", "-n", "-f", "echo"], stdin: "x\ny\n".bytes)
        XCTAssertEqual(result.status, 0, result.stderr)
        let objects = try jsonObjects(result)
        XCTAssertEqual(objects.count, 2, result.stdoutText)
        for (object, data) in zip(objects, ["x\n", "y\n"]) {
            XCTAssertEqual(object["function"] as? String, "echo", "\(object)")
            XCTAssertEqual(object["status"] as? String, "complete", "\(object)")
            XCTAssertEqual(object["data"] as? String, data, "\(object)")
            XCTAssertTrue((object["handle"] as? String)?.hasPrefix("H:") == true, "\(object)")
            XCTAssertTrue(object["unique"] is String || object["unique"] is NSNull, "\(object)")
            XCTAssertEqual(object["warnings"] as? [String], [], "\(object)")
            XCTAssertNil(object["error"], "\(object)")
        }
        if objects.count == 2 {
            XCTAssertNotEqual(objects[0]["handle"] as? String, objects[1]["handle"] as? String)
        }
    }

    func testJSONNamesTheUniqueKey() throws {
        try startWorker("echo", ["--", "cat"])
        let object = try onlyJSONObject(try ours(["--json", "-u", "key-7", "-f", "echo", "z"]))
        XCTAssertEqual(object["unique"] as? String, "key-7", "\(object)")
        XCTAssertEqual(object["data"] as? String, "z", "\(object)")
    }

    func testJSONKeepsInputOrderWhenLaterJobsFinishFirst() throws {
        try startWorker("sleepy", ["-j", "2"] + Self.sleepThenEcho)
        try server.waitForWorkers("sleepy", count: 2)
        let result = try ours(["--json", "-n", "-f", "sleepy"], stdin: "0.8\n0\n".bytes, timeout: 20)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try jsonObjects(result).map { $0["data"] as? String }, ["0.8\n", "0\n"])
    }

    func testJSONForABackgroundJobSaysQueued() throws {
        let result = try ours(["-b", "--json", "-f", "later", "hello"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try onlyJSONObject(result)
        XCTAssertEqual(object["status"] as? String, "queued", "\(object)")
        XCTAssertEqual(object["function"] as? String, "later", "\(object)")
        XCTAssertTrue((object["handle"] as? String)?.hasPrefix("H:") == true, "\(object)")
        XCTAssertEqual(try server.status(of: "later")?.queued, 1)
    }

    func testJSONForAFailedJob() throws {
        try startWorker("broken", ["--", "sh", "-c", "exit 3"])
        let result = try ours(["--json", "-f", "broken", "x"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        let object = try onlyJSONObject(result)
        XCTAssertEqual(object["status"] as? String, "failed", "\(object)")
        XCTAssertFalse((object["error"] as? String ?? "").isEmpty, "\(object)")
        let warnings = object["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.contains { $0.contains("exited with status 3") }, "\(object)")
    }

    func testJSONForAnException() throws {
        try startWorker("excepts", ["--exceptions", "--", "sh", "-c", "echo disk full >&2; exit 3"])
        let result = try ours(["--json", "-f", "excepts", "x"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        let object = try onlyJSONObject(result)
        XCTAssertEqual(object["status"] as? String, "exception", "\(object)")
    }

    func testJSONGivesABinaryResultInBase64() throws {
        try startWorker("binary", ["--", "printf", "\\377\\376"])
        let result = try ours(["--json", "-f", "binary", "x"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try onlyJSONObject(result)
        XCTAssertEqual(object["status"] as? String, "complete", "\(object)")
        XCTAssertEqual(object["data_base64"] as? String, "//4=", "\(object)")
        XCTAssertNil(object["data"], "\(object)")
    }

    func testJSONListsTheCommandsWarnings() throws {
        try startWorker("warns", ["--", "sh", "-c", "echo careful >&2; cat"])
        let result = try ours(["--json", "-f", "warns", "x"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try onlyJSONObject(result)
        XCTAssertEqual(object["status"] as? String, "complete", "\(object)")
        XCTAssertEqual(object["data"] as? String, "x", "\(object)")
        XCTAssertTrue((object["warnings"] as? [String] ?? []).joined().contains("careful"), "\(object)")
    }
}
