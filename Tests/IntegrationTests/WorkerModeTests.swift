import Foundation
import XCTest

/// Worker mode: our worker serves the C client and ours as the C worker would.
final class WorkerModeTests: JobServerTestCase {
    func testShellCommandWorkerMatchesTheCWorker() throws {
        try startWorker("wc", ["--", "wc", "-l"], binary: Binaries.cTool)
        let passwd = Array(try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd")))
        let reference = try cTool(["-f", "wc"], stdin: passwd)
        try startWorker("ourwc", ["--", "wc", "-l"])
        let result = try cTool(["-f", "ourwc"], stdin: passwd)
        XCTAssertEqual(result.stdout, reference.stdout)
        XCTAssertEqual(result.status, 0)
    }

    func testTheCommandsEnvironmentNamesTheJob() throws {
        let script = #"printf '%s|%s|%s|%s|%s' "$GEARMAN_FUNCTION" "$GEARMAN_UNIQUE" "$GEARMAN_WORKLOAD_SIZE" "${GEARMAN_HANDLE%%:*}" "$HOME""#
        try startWorker("envjob", ["--", "sh", "-c", script])
        let result = try ours(["-f", "envjob", "-u", "key-9", "hello"])
        XCTAssertEqual(result.stdoutText, "envjob|key-9|5|H|\(ProcessInfo.processInfo.environment["HOME"] ?? "")")
        XCTAssertEqual(result.status, 0)
    }

    func testJobTimeoutStopsTheCommandAndTheChildrenItForkedAndFailsTheJob() throws {
        // A marker no other process on the machine has; the command forks a child with it.
        let marker = "37.\(Int.random(in: 100...999))"
        let worker = try startWorker("slow", ["--job-timeout", "1", "--", "sh", "-c", "sleep \(marker) & sleep \(marker); echo late"])
        let started = Date()
        let result = try ours(["-f", "slow", "x"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, [])
        XCTAssertTrue(result.stderr.contains("timed out after 1 s"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Job failed"), result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertTrue(try eventually { try Command.run("/usr/bin/pgrep", ["-f", "^sleep \(marker)"]).status == 1 },
                      "a process of the timed-out command is still running")
        XCTAssertTrue(worker.stderr.contains("timed out after 1 s and was stopped"), worker.stderr)
        // The worker goes on with the next job.
        XCTAssertEqual(try ours(["-f", "slow", "x"]).status, 1)
    }

    func testJobTimeoutKillsACommandThatIgnoresSIGTERM() throws {
        try startWorker("stubborn", ["--job-timeout", "0.5", "--", "sh", "-c", "trap '' TERM; sleep 39.5; sleep 39.5"])
        let started = Date()
        XCTAssertEqual(try ours(["-f", "stubborn", "x"]).status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "SIGKILL did not follow the grace period")
    }

    func testIdNamesTheWorkerInAdminWorkers() throws {
        try startWorker("named", ["--id", "thumbnailer-7"])
        let workers = try Command.run(Binaries.gearadmin, ["-h", "127.0.0.1", "-p", "\(server.port)", "--workers"])
        XCTAssertTrue(workers.stdoutText.split(separator: "\n").contains { $0.contains(" thumbnailer-7 : ") && $0.hasSuffix(" named") },
                      workers.stdoutText)
    }

    func testWithoutCommandTheWorkloadGoesToStdout() throws {
        let worker = try startWorker("print")
        let result = try ours(["-f", "print", "hello "])
        XCTAssertEqual(result.stdout, [])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(eventually { worker.stdout == "hello ".bytes }, String(decoding: worker.stdout, as: UTF8.self))
    }

    func testCountExitsAfterThatManyJobs() throws {
        let worker = try startWorker("twice", ["-c", "2", "--", "cat"])
        XCTAssertEqual(try ours(["-f", "twice", "1"]).stdoutText, "1")
        XCTAssertEqual(try ours(["-f", "twice", "2"]).stdoutText, "2")
        XCTAssertEqual(worker.waitForExit(), 0)
    }

    func testCountCountsFailedJobsOnce() throws {
        let worker = try startWorker("failing", ["-c", "2", "--", "false"])
        XCTAssertEqual(try ours(["-f", "failing", "1"]).status, 1)
        XCTAssertNil(worker.waitForExit(timeout: 0.5), "the worker stopped after one failed job")
        XCTAssertEqual(try ours(["-f", "failing", "2"]).status, 1)
        XCTAssertEqual(worker.waitForExit(), 0)
    }

    func testNonZeroExitSendsOutputThenFails() throws {
        let worker = try startWorker("bad", ["--", "sh", "-c", "echo out; exit 3"])
        let reference = try cTool(["-f", "bad", "x"])
        XCTAssertEqual(reference.stdoutText, "out\n")
        let result = try ours(["-f", "bad", "x"])
        XCTAssertEqual(result.stdoutText, "out\n")
        // The client is told why, then that the job failed.
        XCTAssertTrue(result.stderr.hasSuffix("'sh' exited with status 3\nJob failed\n"), result.stderr)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(eventually { worker.stderr.contains("exited with status 3") }, worker.stderr)
    }

    func testCommandKilledByASignalFailsTheJob() throws {
        let worker = try startWorker("killed", ["--", "sh", "-c", "kill -9 $$"])
        let result = try ours(["-f", "killed", "x"])
        XCTAssertTrue(result.stderr.hasSuffix("'sh' was killed by signal 9\nJob failed\n"), result.stderr)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(eventually { worker.stderr.contains("killed by signal 9") }, worker.stderr)
    }

    func testPerLineSendsEachLineAsItsOwnPacket() throws {
        try startWorker("lines", ["-n", "--", "sh", "-c", "echo a; echo b; printf c"])
        let result = try ours(["-P", "-f", "lines", "x"])
        XCTAssertEqual(result.stdoutText, "lines: a\nlines: b\nlines: clines: ")
    }

    func testPerLineStrippedKeepsTheLastByteOfAnUnterminatedLine() throws {
        try startWorker("stripped", ["-N", "--", "printf", "abc\\ndef"])
        let result = try ours(["-f", "stripped", "x"])
        XCTAssertEqual(result.stdoutText, "abcdef")
    }

    func testWorkerDoesNotInheritIgnoredSigpipe() throws {
        try startWorker("pipe", ["--", "sh", "-c", "yes | head -n 2"])
        let result = try ours(["-f", "pipe", "x"], timeout: 10)
        XCTAssertEqual(result.stdoutText, "y\ny\n")
    }

    func testServerSelectionFromTheEnvironment() throws {
        var environment = Command.cleanEnvironment
        environment["GEARMAN_SERVER"] = "127.0.0.1:\(server.port)"
        try startBackground(Binaries.ours, ["-w", "-f", "env", "--", "cat"], environment: environment)
        try server.waitForWorkers("env")
        let result = try Command.run(Binaries.ours, ["-f", "env", "via-env"], environment: environment)
        XCTAssertEqual(result.stdoutText, "via-env")
    }
}
