import Foundation
import XCTest

/// Worker mode beyond the C tool: `-j`/`--concurrency`, the command's stderr as WORK_WARNING,
/// `--exceptions`, progress on file descriptor 3, graceful stop on SIGTERM/SIGINT,
/// commands that cannot run, and reconnecting to servers that are down.
final class ConcurrentWorkerTests: JobServerTestCase {
    // MARK: Helpers

    /// How many connections `gearadmin --workers` lists with `function` among their functions.
    private func workerConnections(for function: String) throws -> Int {
        let result = try Command.run(Binaries.gearadmin, ["-h", "127.0.0.1", "-p", "\(server.port)", "--workers"])
        return result.stdoutText.split(separator: "\n").filter { line in
            let parts = String(line).components(separatedBy: " : ")
            return parts.count == 2 && parts[1].split(separator: " ").contains { $0 == function }
        }.count
    }

    /// Runs our worker for a function against a port where nothing listens; it must exit by
    /// itself within 5 s (a worker that got as far as connecting would retry for ever).
    private func runWorkerWithoutServer(_ arguments: [String]) throws -> CommandResult {
        let port = try Network.freePort()
        return try Command.run(Binaries.ours, ["-w", "-f", "unreachable", "-h", "127.0.0.1", "-p", "\(port)"] + arguments,
                               environment: Command.cleanEnvironment, timeout: 5)
    }

    /// Starts our client in the background with one foreground job of `workload` for `function`.
    private func submitInBackground(_ function: String, _ workload: String) throws -> BackgroundProcess {
        try startBackground(Binaries.ours, ["-f", function] + server.address + [workload])
    }

    /// Waits until the server says `count` jobs of `function` are running.
    private func waitUntilRunning(_ function: String, count: Int = 1) throws -> Bool {
        try eventually(timeout: 10) { try server.status(of: function)?.running == count }
    }

    /// Waits until no process runs `sleep MARKER`.
    private func markerProcessesAreGone(_ marker: String) throws -> Bool {
        try eventually(timeout: 5) { try Command.run("/usr/bin/pgrep", ["-f", "^sleep \(marker)"]).status == 1 }
    }

    /// Asserts that `first` occurs in `text`, and before `second`.
    private func assertInOrder(_ text: String, _ first: String, _ second: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        guard let early = text.range(of: first), let late = text.range(of: second) else {
            XCTFail("\"\(first)\" or \"\(second)\" missing from: \(text)", file: file, line: line)
            return
        }
        XCTAssertLessThan(early.lowerBound, late.lowerBound, "\"\(first)\" is not before \"\(second)\" in: \(text)",
                          file: file, line: line)
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: -j / --concurrency

    func testConcurrencyRunsThatManyJobsAtOnceEachOnItsOwnConnection() throws {
        try startWorker("parallel", ["-j", "3", "--", "sh", "-c", "sleep 2; cat"])
        try server.waitForWorkers("parallel", count: 3)
        XCTAssertEqual(try workerConnections(for: "parallel"), 3)
        let payloads = ["x1", "x2", "x3"]
        let started = Date()
        let clients = try payloads.map { try submitInBackground("parallel", $0) }
        XCTAssertTrue(try waitUntilRunning("parallel", count: 3), "three jobs never ran at once")
        for (client, payload) in zip(clients, payloads) {
            XCTAssertEqual(client.waitForExit(timeout: 10), 0, client.stderr)
            XCTAssertEqual(text(client.stdout), payload)
        }
        // One after another they take 6 s, two at a time 4 s.
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.5, "the jobs did not run at once")
    }

    func testLongConcurrencyOptionOpensThatManyConnections() throws {
        try startWorker("pair-of-connections", ["--concurrency", "2", "--", "cat"])
        try server.waitForWorkers("pair-of-connections", count: 2)
        XCTAssertEqual(try workerConnections(for: "pair-of-connections"), 2)
        XCTAssertEqual(try ours(["-f", "pair-of-connections", "ok"]).stdoutText, "ok")
    }

    func testConcurrencyMustBeAPositiveNumber() throws {
        for option in [["-j", "0"], ["-j", "abc"], ["--concurrency", "-1"]] {
            let result = try runWorkerWithoutServer(option + ["--", "cat"])
            XCTAssertEqual(result.status, 2, "\(option): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("-j") || result.stderr.contains("concurrency"), "\(option): \(result.stderr)")
        }
    }

    func testCountWithConcurrencyCountsJobsInTotal() throws {
        let worker = try startWorker("two-in-all", ["-c", "2", "-j", "2", "--", "cat"])
        XCTAssertEqual(try ours(["-f", "two-in-all", "1"]).stdoutText, "1")
        XCTAssertEqual(try ours(["-f", "two-in-all", "2"]).stdoutText, "2")
        XCTAssertEqual(worker.waitForExit(timeout: 10), 0, worker.stderr)
    }

    func testCountWithConcurrencyRunsNoMoreThanThatManyJobs() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-count-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: log) }
        for number in 1...3 {
            XCTAssertEqual(try ours(["-b", "-f", "capped", "job\(number)\n"]).status, 0)
        }
        // Both slots hold a job at the same moment; neither may take a third.
        let worker = try startBackground(Binaries.ours, ["-w", "-f", "capped", "-c", "2", "-j", "2"] + server.address
            + ["--", "sh", "-c", #"sleep 0.3; cat >> "$0""#, log.path])
        XCTAssertEqual(worker.waitForExit(timeout: 10), 0, worker.stderr)
        let ran = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(ran.split(separator: "\n").count, 2, ran)
        XCTAssertEqual(try server.status(of: "capped")?.queued, 1)
    }

    // MARK: The command's stderr, failures and --exceptions

    func testCommandStderrReachesTheClientAsAWarningAndTheWorkersStderr() throws {
        let worker = try startWorker("warns", ["--", "sh", "-c", "echo oops-warn >&2; cat"])
        let result = try ours(["-f", "warns", "hi"])
        XCTAssertEqual(result.stdoutText, "hi")
        XCTAssertTrue(result.stderr.contains("oops-warn"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Job failed"), result.stderr)
        XCTAssertEqual(result.status, 0)
        let reference = try cTool(["-f", "warns", "hi"])
        XCTAssertEqual(reference.stdoutText, "hi")
        XCTAssertTrue(reference.stderr.contains("oops-warn"), reference.stderr)
        XCTAssertEqual(reference.status, 0)
        XCTAssertTrue(eventually { worker.stderr.contains("oops-warn") }, worker.stderr)
    }

    func testCommandStderrIsSentWhileTheCommandStillRuns() throws {
        try startWorker("early", ["--", "sh", "-c", "echo early-warn >&2; sleep 3; cat"])
        let client = try RawConnection(port: server.port)
        client.send(.submitJob, ["early", UUID().uuidString, "late-data"])
        let handle = try XCTUnwrap(client.expect(.jobCreated)?.arguments.first)
        let warning = client.expect(.workWarning, timeout: 2)
        XCTAssertEqual(warning?.arguments.first, handle)
        XCTAssertTrue(warning?.arguments.dropFirst().joined(separator: "\0").contains("early-warn") == true,
                      String(describing: warning))
        let complete = client.expect(.workComplete, timeout: 10)
        XCTAssertEqual(complete?.arguments, [handle, "late-data"])
    }

    func testAFailingCommandTellsTheClientItsExitStatusBeforeTheFailure() throws {
        try startWorker("exits3", ["--", "sh", "-c", "exit 3"])
        let result = try ours(["-f", "exits3", "x"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        assertInOrder(result.stderr, "exited with status 3", "Job failed")
        let reference = try cTool(["-f", "exits3", "x"], timeout: 10)
        XCTAssertEqual(reference.status, 1)
        assertInOrder(reference.stderr, "exited with status 3", "Job failed")
    }

    func testACommandKilledByASignalTellsTheClientTheSignal() throws {
        try startWorker("killed9", ["--", "sh", "-c", "kill -9 $$"])
        let result = try ours(["-f", "killed9", "x"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        assertInOrder(result.stderr, "killed by signal 9", "Job failed")
    }

    func testExceptionsEndAFailingJobWithTheCommandsStderrThenTheReason() throws {
        try startWorker("excepts", ["--exceptions", "--", "sh", "-c", "echo disk full >&2; exit 3"])
        let client = try RawConnection(port: server.port)
        client.send(.optionRequest, ["exceptions"])
        client.expect(.optionResponse)
        client.send(.submitJob, ["excepts", UUID().uuidString, "x"])
        let handle = try XCTUnwrap(client.expect(.jobCreated)?.arguments.first)
        let endings: Set<UInt32> = [RawConnection.Kind.workComplete.rawValue, RawConnection.Kind.workFail.rawValue,
                                    RawConnection.Kind.workException.rawValue]
        var ending: RawConnection.Reply?
        while let reply = client.receive(timeout: 10) {
            if endings.contains(reply.type) {
                ending = reply
                break
            }
        }
        let end = try XCTUnwrap(ending, "the job did not end")
        XCTAssertEqual(end.type, RawConnection.Kind.workException.rawValue, "\(end)")
        XCTAssertEqual(end.arguments.first, handle)
        assertInOrder(end.arguments.dropFirst().joined(separator: "\0"), "disk full", "exited with status 3")

        let result = try ours(["-f", "excepts", "x"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("disk full"), result.stderr)
        XCTAssertTrue(result.stderr.contains("exited with status 3"), result.stderr)
    }

    /// With --exceptions the client gets each byte of the command's stderr once: the tail that
    /// the exception carries is not also sent as a warning, and what came before it is.
    func testExceptionsSendTheCommandsStderrOnce() throws {
        let script = "echo early-line >&2; head -c 5000 /dev/zero | tr '\\0' Q >&2; echo >&2; echo last-line >&2; exit 3"
        try startWorker("once", ["--exceptions", "--", "sh", "-c", script])
        let result = try ours(["-f", "once", "x"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        for text in ["early-line", "last-line", "exited with status 3"] {
            XCTAssertEqual(result.stderr.components(separatedBy: text).count - 1, 1, "\(text) in: \(result.stderr)")
        }
        XCTAssertEqual(result.stderr.filter { $0 == "Q" }.count, 5000, "every byte once")
        assertInOrder(result.stderr, "early-line", "last-line")
        assertInOrder(result.stderr, "last-line", "exited with status 3")
    }

    /// A command that succeeds still gets its held-back stderr to the client, as a warning.
    func testExceptionsStillPassOnTheStderrOfASuccess() throws {
        try startWorker("fine", ["--exceptions", "--", "sh", "-c", "echo just-a-note >&2; cat"])
        let result = try ours(["-f", "fine", "data"], timeout: 10)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdoutText, "data")
        XCTAssertEqual(result.stderr.components(separatedBy: "just-a-note").count - 1, 1, result.stderr)
    }

    // MARK: Progress on file descriptor 3

    func testProgressLinesOnDescriptorThreeBecomeWorkStatus() throws {
        try startWorker("progressing", ["--", "sh", "-c", "echo 1/4 >&3; echo 2/4 >&3; cat"])
        let result = try ours(["-f", "progressing", "data"])
        XCTAssertEqual(result.stdoutText, "25% Complete\n50% Complete\ndata")
        XCTAssertEqual(result.status, 0, result.stderr)
        let reference = try cTool(["-f", "progressing", "data"])
        XCTAssertTrue(reference.stdoutText.contains("25% Complete\n50% Complete\n"), reference.stdoutText)
        XCTAssertTrue(reference.stdoutText.contains("data"), reference.stdoutText)
    }

    func testProgressIsSentWhileTheCommandStillRuns() throws {
        try startWorker("live-progress", ["--", "sh", "-c", "echo 1/2 >&3; sleep 3; cat"])
        let client = try RawConnection(port: server.port)
        client.send(.submitJob, ["live-progress", UUID().uuidString, "x"])
        let handle = try XCTUnwrap(client.expect(.jobCreated)?.arguments.first)
        XCTAssertEqual(client.expect(.workStatus, timeout: 2)?.arguments, [handle, "1", "2"])
        XCTAssertEqual(client.expect(.workComplete, timeout: 10)?.arguments, [handle, "x"])
    }

    func testTheCommandIsToldTheProgressDescriptor() throws {
        try startWorker("progress-fd", ["--", "sh", "-c", #"printf %s "$GEARMAN_PROGRESS_FD""#])
        let result = try ours(["-f", "progress-fd", "x"])
        XCTAssertEqual(result.stdoutText, "3")
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    // MARK: Graceful stop

    func testSIGTERMLetsTheRunningJobFinishThenExits() throws {
        let worker = try startWorker("graceful", ["--shutdown-timeout", "10", "--", "sh", "-c", "sleep 1; cat"])
        let client = try submitInBackground("graceful", "done-ok")
        XCTAssertTrue(try waitUntilRunning("graceful"), "the job never started")
        kill(worker.pid, SIGTERM)
        // A job submitted after the signal is left on the server.
        let later = try ours(["-b", "-f", "graceful", "after-term"])
        XCTAssertEqual(later.status, 0, later.stderr)
        XCTAssertEqual(client.waitForExit(timeout: 10), 0, client.stderr)
        XCTAssertEqual(text(client.stdout), "done-ok")
        XCTAssertEqual(worker.waitForExit(timeout: 10), 0, worker.stderr)
        let status = try server.status(of: "graceful")
        XCTAssertEqual(status?.queued, 1, "the job submitted after SIGTERM was taken")
        XCTAssertEqual(status?.running, 0)
    }

    func testShutdownTimeoutReleasesAnUnfinishedJobToTheServer() throws {
        let marker = "31.\(Int.random(in: 100...999))"
        let first = try startWorker("handover", ["--shutdown-timeout", "0.5", "--", "sh", "-c", "sleep \(marker); cat"])
        let client = try submitInBackground("handover", "released")
        XCTAssertTrue(try waitUntilRunning("handover"), "the job never started")
        kill(first.pid, SIGTERM)
        XCTAssertEqual(first.waitForExit(timeout: 5), 0, first.stderr)
        XCTAssertTrue(try markerProcessesAreGone(marker), "the unfinished command is still running")
        XCTAssertTrue(try eventually {
            let status = try server.status(of: "handover")
            return status?.queued == 1 && status?.running == 0
        }, "the job did not go back to the queue")
        XCTAssertTrue(client.process.isRunning, "the job was failed instead of released: \(client.stderr)")
        try startWorker("handover", ["--", "cat"])
        XCTAssertEqual(client.waitForExit(timeout: 10), 0, client.stderr)
        XCTAssertEqual(text(client.stdout), "released")
    }

    func testASecondSIGTERMStopsAtOnce() throws {
        let marker = "32.\(Int.random(in: 100...999))"
        let worker = try startWorker("impatient", ["--shutdown-timeout", "60", "--", "sh", "-c", "sleep \(marker); cat"])
        _ = try submitInBackground("impatient", "x")
        XCTAssertTrue(try waitUntilRunning("impatient"), "the job never started")
        kill(worker.pid, SIGTERM)
        XCTAssertNil(worker.waitForExit(timeout: 0.5), "the first SIGTERM did not wait for the running job")
        let signalled = Date()
        kill(worker.pid, SIGTERM)
        XCTAssertEqual(worker.waitForExit(timeout: 5), 0, worker.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 5)
        XCTAssertTrue(try markerProcessesAreGone(marker), "the command outlived the worker")
    }

    func testAnIdleWorkerExitsOnSIGINT() throws {
        let single = try startWorker("idle-one", ["--", "cat"])
        let pool = try startWorker("idle-pool", ["-j", "3", "--", "cat"])
        try server.waitForWorkers("idle-pool", count: 3)
        kill(single.pid, SIGINT)
        kill(pool.pid, SIGINT)
        XCTAssertEqual(single.waitForExit(timeout: 5), 0, single.stderr)
        XCTAssertEqual(pool.waitForExit(timeout: 5), 0, pool.stderr)
    }

    // MARK: Commands that cannot run

    func testACommandThatCannotRunIsAUsageErrorBeforeConnecting() throws {
        for command in ["/nonexistent/cmd", "no-such-command-xyz", "/tmp"] {
            let result = try runWorkerWithoutServer(["--", command, "argument"])
            XCTAssertEqual(result.status, 2, "\(command): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(command), "\(command): \(result.stderr)")
        }
    }

    // MARK: Servers that are down

    func testAWorkerWaitsForItsServerAndSaysSoOnce() throws {
        let port = try Network.freePort()
        let worker = try startBackground(Binaries.ours, ["-w", "-f", "comes-later", "-h", "127.0.0.1", "-p", "\(port)", "--", "cat"])
        XCTAssertTrue(eventually(timeout: 5) { worker.stderr.contains("cannot connect") }, worker.stderr)
        // Several retries happen meanwhile.
        Thread.sleep(forTimeInterval: 3)
        XCTAssertTrue(worker.process.isRunning, "the worker gave up: \(worker.stderr)")
        let complaints = worker.stderr.split(separator: "\n").filter { $0.contains("cannot connect") }
        XCTAssertEqual(complaints.count, 1, worker.stderr)

        XCTAssertTrue(worker.stderr.contains("(GEARMAN_COULD_NOT_CONNECT)"), worker.stderr)
        try startBackground(Binaries.ours, ["server", "--listen=127.0.0.1", "--port=\(port)", "--verbose=WARNING"])
        XCTAssertTrue(eventually { Network.accepts(port: port) }, "the server did not start on \(port)")
        // Said when the server is back, naming it, before any job comes; never "again" for a
        // server it never reached.
        XCTAssertTrue(eventually(timeout: 15) { worker.stderr.contains("gearman: connected to job server 127.0.0.1:\(port)\n") },
                      worker.stderr)
        XCTAssertFalse(worker.stderr.contains("again"), worker.stderr)
        let result = try Command.run(Binaries.ours, ["-f", "comes-later", "-h", "127.0.0.1", "-p", "\(port)", "back"],
                                     environment: Command.cleanEnvironment, timeout: 25)
        XCTAssertEqual(result.stdoutText, "back")
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testAWorkerServesTheLiveServerWhileAnotherIsDown() throws {
        let dead = try Network.freePort()
        try startBackground(Binaries.ours, ["-w", "-f", "live-first", "-h", "127.0.0.1:\(server.port)",
                                            "-h", "127.0.0.1:\(dead)", "--", "cat"])
        try startBackground(Binaries.ours, ["-w", "-f", "dead-first", "-h", "127.0.0.1:\(dead)",
                                            "-h", "127.0.0.1:\(server.port)", "--", "cat"])
        try server.waitForWorkers("live-first")
        try server.waitForWorkers("dead-first")
        let first = try ours(["-f", "live-first", "one"], timeout: 10)
        XCTAssertEqual(first.stdoutText, "one")
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try ours(["-f", "dead-first", "two"], timeout: 10)
        XCTAssertEqual(second.stdoutText, "two")
        XCTAssertEqual(second.status, 0, second.stderr)
    }
}
