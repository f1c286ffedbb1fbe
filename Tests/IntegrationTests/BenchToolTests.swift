import Foundation
import XCTest

/// `gearman bench` run through `gearman` (so the exec of `gearman-bench` is tested too) against
/// our server, or Debian's gearmand with GEARMAN_TEST_SERVER=gearmand.
final class BenchToolTests: JobServerTestCase {
    private func bench(_ scenario: String, _ arguments: [String]) throws -> CommandResult {
        try Command.run(Binaries.ours, ["bench", scenario, "-p", "\(server.port)"] + arguments,
                        environment: Command.cleanEnvironment, timeout: 120)
    }

    /// The values of the table's one row, after checking the header.
    private func row(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let lines = result.stdoutText.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, result.stdoutText, file: file, line: line)
        XCTAssertEqual(lines.first?.split(separator: " ").joined(separator: " "),
                       "scenario server jobs seconds jobs/s p50 ms p99 ms p999 ms", file: file, line: line)
        return lines.dropFirst().first?.split(separator: " ").map(String.init) ?? []
    }

    private func json(_ result: CommandResult) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any], result.stdoutText)
    }

    /// Waits until no job of `function` is queued or running.
    private func assertQueueEmpties(_ function: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let empty = try eventually {
            let status = try server.status(of: function)
            return (status?.queued ?? 0) == 0 && (status?.running ?? 0) == 0
        }
        let last = try server.status(of: function)
        XCTAssertTrue(empty, "\(function): \(String(describing: last))", file: file, line: line)
    }

    func testSubmitQueuesExactlyTheJobs() throws {
        let values = row(try bench("submit", ["-n", "2000", "--keep-jobs"]))
        XCTAssertEqual(values.count, 8, "\(values)")
        XCTAssertEqual(Array(values.prefix(3)), ["submit", "127.0.0.1:\(server.port)", "2000"])
        XCTAssertGreaterThan(Double(values[3]) ?? 0, 0)
        XCTAssertGreaterThan(Int(values[4]) ?? 0, 0)
        XCTAssertEqual(Array(values.suffix(3)), ["-", "-", "-"])
        let status = try server.status(of: "bench0")
        XCTAssertEqual(status?.queued, 2000)
        XCTAssertEqual(status?.running, 0)
        XCTAssertEqual(status?.workers, 0)
    }

    /// Without --keep-jobs a run leaves no job behind: workers complete what it queued, after the result.
    func testARunRemovesTheJobsItLeft() throws {
        let result = try bench("submit", ["-n", "2000"])
        XCTAssertEqual(row(result)[2], "2000")
        XCTAssertEqual(result.stderr, "gearman: bench: completed the 2000 jobs the run left on 127.0.0.1:\(server.port) (--keep-jobs leaves them)\n")
        XCTAssertEqual(try server.status(of: "bench0")?.queued, 0)

        let timed = try bench("e2e", ["--seconds", "0.5", "-w", "1", "--json"])
        XCTAssertEqual(timed.status, 0, timed.stderr)
        XCTAssertEqual(try server.status(of: "bench0")?.queued, 0, "a timed run's backlog: \(timed.stderr)")
    }

    /// Another program's jobs on other functions are not touched; --function-prefix keeps runs apart.
    func testFunctionPrefixKeepsRunsApart() throws {
        XCTAssertEqual(try ours(["-b", "-f", "bench0", "someone-elses"]).status, 0)
        let result = try bench("submit", ["-n", "500", "--function-prefix", "ci-run-", "--functions", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try server.status(of: "bench0")?.queued, 1, "another run's job was taken")
        XCTAssertEqual(try server.status(of: "ci-run-0")?.queued, 0)
        XCTAssertEqual(try server.status(of: "ci-run-1")?.queued, 0)
        XCTAssertTrue(result.stderr.contains("completed the 500 jobs"), result.stderr)
    }

    /// Without -h and -p, the server GEARMAN_SERVER names is loaded.
    func testGearmanServerNamesTheServer() throws {
        var environment = Command.cleanEnvironment
        environment["GEARMAN_SERVER"] = "127.0.0.1:\(server.port)"
        let result = try Command.run(Binaries.ours, ["bench", "rtt", "-n", "50"], environment: environment, timeout: 60)
        XCTAssertEqual(row(result)[1], "127.0.0.1:\(server.port)")
    }

    func testDrainEmptiesTheQueue() throws {
        let report = try json(try bench("drain", ["-n", "2000", "--json"]))
        XCTAssertEqual(report["scenario"] as? String, "drain")
        XCTAssertEqual(report["jobs"] as? Int, 2000)
        XCTAssertGreaterThan(report["jobs_per_second"] as? Int ?? 0, 0)
        XCTAssertEqual(report["workers"] as? Int, 4)
        XCTAssertTrue(report["latency_ms"] is NSNull)
        try assertQueueEmpties("bench0")
    }

    func testPipelinedWorkersOnTwoThreadsOverSeveralFunctions() throws {
        let values = row(try bench("drain", ["-n", "2000", "-w", "2", "--worker-depth", "8", "--threads", "2",
                                             "--functions", "3", "--unique", "none", "--payload", "0"]))
        XCTAssertEqual(Array(values.prefix(3)), ["drain", "127.0.0.1:\(server.port)", "2000"])
        for function in ["bench0", "bench1", "bench2"] { try assertQueueEmpties(function) }
    }

    func testEndToEndEmptiesTheQueue() throws {
        let values = row(try bench("e2e", ["-n", "2000", "-c", "2", "-w", "2"]))
        XCTAssertEqual(Array(values.prefix(3)), ["e2e", "127.0.0.1:\(server.port)", "2000"])
        XCTAssertGreaterThan(Int(values[4]) ?? 0, 0)
        try assertQueueEmpties("bench0")
    }

    func testRoundTripReportsLatencyPercentiles() throws {
        let values = row(try bench("rtt", ["-n", "2000"]))
        XCTAssertEqual(Array(values.prefix(3)), ["rtt", "127.0.0.1:\(server.port)", "2000"])
        let latencies = values.suffix(3).compactMap(Double.init)
        XCTAssertEqual(latencies.count, 3, "\(values)")
        XCTAssertGreaterThan(latencies[0], 0)
        XCTAssertEqual(latencies, latencies.sorted(), "p50 <= p99 <= p999")

        let report = try json(try bench("rtt", ["-n", "500", "-c", "2", "-w", "2", "--json"]))
        XCTAssertEqual(report["jobs"] as? Int, 500)
        let latency = try XCTUnwrap(report["latency_ms"] as? [String: Double])
        XCTAssertEqual(Set(latency.keys), ["p50", "p99", "p999"])
        try assertQueueEmpties("bench0")
    }

    func testSecondsAloneStopsTheRun() throws {
        let report = try json(try bench("submit", ["--seconds", "0.3", "--json"]))
        let seconds = try XCTUnwrap(report["seconds"] as? Double)
        XCTAssertGreaterThanOrEqual(seconds, 0.3)
        XCTAssertLessThan(seconds, 5)
        XCTAssertGreaterThan(report["jobs"] as? Int ?? 0, 0)
    }

    func testARemoteHostNeedsAllowRemote() throws {
        let result = try Command.run(Binaries.ours, ["bench", "submit", "-h", "192.0.2.1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--allow-remote"), result.stderr)
        XCTAssertEqual(result.stdoutText, "")
    }

    func testAnUnreachableServerExitsThree() throws {
        let port = try Network.freePort()
        let result = try Command.run(Binaries.ours, ["bench", "rtt", "-p", "\(port)", "-n", "10"])
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.contains("cannot connect to 127.0.0.1:\(port)"), result.stderr)
    }

    func testBadValuesAreUsageErrors() throws {
        for (arguments, message) in [(["submit", "-c", "0"], "--connections"), (["rtt", "-d", "4"], "--depth"),
                                     (["flood"], "unknown scenario 'flood'"), ([], "give a scenario")] {
            let result = try Command.run(Binaries.ours, ["bench"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
