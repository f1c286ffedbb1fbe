import Foundation
import XCTest

/// Options common to both modes: help, usage errors, pid files, daemon mode, TLS.
final class CommonOptionTests: JobServerTestCase {
    func testHelpGoesToStdoutWithStatus0() throws {
        for arguments in [["-H"], ["-H", "-f", "x"], ["--help"]] {
            let result = try ours(arguments)
            XCTAssertEqual(result.status, 0)
            XCTAssertTrue(result.stdoutText.contains("Client mode: "), result.stdoutText)
            XCTAssertTrue(result.stdoutText.contains("\t-w            - Run in worker mode(false)"))
            XCTAssertEqual(result.stderr, "")
        }
    }

    /// -H also lists what the C tool does not have: every long option and every subcommand.
    func testHelpListsTheLongOptionsAndSubcommands() throws {
        let help = try ours(["-H"]).stdoutText
        for word in ["--window", "--json", "--id", "--job-timeout", "-j, --concurrency", "--shutdown-timeout",
                     "--exceptions", "--help", "-V, --version"] {
            XCTAssertTrue(help.contains("\t\(word) "), "\(word) missing from:\n\(help)")
        }
        for subcommand in ["server", "admin", "status", "top", "bench"] {
            XCTAssertTrue(help.contains("\t\(subcommand) "), "\(subcommand) missing from:\n\(help)")
        }
        // The C tool's option lines come first, unchanged.
        let reference = try cTool(["-H", "-f", "x"]).stdoutText
        let options = try XCTUnwrap(reference.range(of: "Common options to both").map { reference[$0.lowerBound...] })
        XCTAssertTrue(help.contains(options.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\nOptions the C tool does not have:"),
                      "the C tool's help is not kept:\n\(help)")
    }

    /// `gearman -w -f wc wc -l`: the usage error shows where -- goes.
    func testACommandsOptionsGetAHintAtDoubleDash() throws {
        let result = try Command.run(Binaries.ours, ["-w", "-f", "wc", "wc", "-l"], environment: Command.cleanEnvironment)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("Error in usage(invalid option -- 'l'; the command's options go after --: gearman -w -f wc -- wc -l)."),
                      result.stderr)
    }

    /// A daemon keeps stderr when it is a file, so a daemon worker's messages reach its log.
    func testADaemonWorkerLogsToTheFileItsStderrWasRedirectedTo() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-\(UUID().uuidString).pid").path
        let launch = try startBackground(Binaries.ours, ["-d", "-w", "-f", "daemon-log", "-c", "1", "-i", pidFile]
                                         + server.address + ["--", "sh", "-c", "echo from-the-command >&2; exit 4"])
        XCTAssertEqual(launch.waitForExit(), 0, launch.stderr)
        var pid: Int32 = 0
        XCTAssertTrue(eventually {
            pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            return pid > 0
        })
        defer { if pid > 0 { kill(pid, SIGKILL) } }
        try server.waitForWorkers("daemon-log")
        XCTAssertEqual(try ours(["-f", "daemon-log", "x"]).status, 1)
        XCTAssertTrue(eventually { launch.stderr.contains("from-the-command") && launch.stderr.contains("exited with status 4") },
                      "the daemon's stderr went nowhere: \(launch.stderr)")
    }

    func testUnknownOptionNamesItAndPrintsUsageOnStderr() throws {
        let result = try ours(["-f", "x", "-x"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, [])
        XCTAssertTrue(result.stderr.contains("Error in usage(invalid option -- 'x')."), result.stderr)
        XCTAssertTrue(result.stderr.contains("Client mode: "))
        XCTAssertNotEqual(try cTool(["-f", "x", "-x"]).status, 0)
    }

    func testMissingFunctionIsAUsageError() throws {
        let result = try ours(["data"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("Error in usage(No Functions were provided)."), result.stderr)
    }

    func testInvalidPortIsAUsageError() throws {
        let result = try Command.run(Binaries.ours, ["-f", "x", "-p", "abc", "data"], environment: Command.cleanEnvironment)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("invalid port 'abc' for -p"), result.stderr)
    }

    func testTLSWithoutTLSSupportIsAClearError() throws {
        let result = try ours(["-S", "-f", "x", "data"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("without TLS support"), result.stderr)
    }

    func testExplicitPortWinsOverGearmanServer() throws {
        try startWorker("echo", ["--", "cat"])
        var environment = Command.cleanEnvironment
        environment["GEARMAN_SERVER"] = "127.0.0.1:\(try Network.freePort())"
        let result = try Command.run(Binaries.ours, ["-f", "echo", "-h", "127.0.0.1", "-p", "\(server.port)", "hi"], environment: environment)
        XCTAssertEqual(result.stdoutText, "hi")
        XCTAssertEqual(result.status, 0)
    }

    func testPidFileIsWrittenAndRemoved() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-\(UUID().uuidString).pid").path
        let worker = try startWorker("pid", ["-c", "1", "-i", pidFile, "--", "cat"])
        XCTAssertEqual(try String(contentsOfFile: pidFile, encoding: .utf8), "\(worker.pid)\n")
        XCTAssertEqual(try ours(["-f", "pid", "x"]).stdoutText, "x")
        XCTAssertEqual(worker.waitForExit(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile))
    }

    func testPidFileIsRemovedOnSigterm() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-\(UUID().uuidString).pid").path
        let worker = try startWorker("term", ["-i", pidFile])
        XCTAssertTrue(FileManager.default.fileExists(atPath: pidFile))
        kill(worker.pid, SIGTERM)
        XCTAssertNotNil(worker.waitForExit())
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile))
    }

    func testDaemonDetachesAndWritesItsPid() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-\(UUID().uuidString).pid").path
        let launch = try ours(["-d", "-w", "-f", "daemon", "-c", "1", "-i", pidFile, "--", "cat"], timeout: 10)
        XCTAssertEqual(launch.status, 0)
        var pid: Int32 = 0
        XCTAssertTrue(eventually {
            // Never found empty: the file is renamed into place with the pid in it.
            guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return false }
            pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            return true
        })
        XCTAssertGreaterThan(pid, 0, "the pid file holds a pid as soon as it exists")
        guard pid > 0 else { return }
        defer { kill(pid, SIGKILL) }
        try server.waitForWorkers("daemon")
        XCTAssertEqual(try ours(["-f", "daemon", "bye"]).stdoutText, "bye")
        XCTAssertTrue(eventually { kill(pid, 0) != 0 }, "the daemon did not exit after -c 1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile))
    }

    func testSubcommandWordOnlyCountsFirst() throws {
        try startWorker("echo", ["--", "cat"])
        XCTAssertEqual(try ours(["-f", "echo", "server"]).stdoutText, "server")
    }
}
