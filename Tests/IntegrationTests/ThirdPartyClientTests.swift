import Foundation
import XCTest

/// Clients and workers that implement the protocol themselves (Perl Gearman::Client and
/// Python gearman3) and PHP's libgearman binding, talking through the job server.
final class ThirdPartyClientTests: JobServerTestCase {
    private func fixture(_ name: String) -> String { Binaries.fixtures.appendingPathComponent(name).path }

    private func perlClient(_ arguments: [String], stdin: [UInt8]? = nil) throws -> CommandResult {
        try Binaries.require(Binaries.perl)
        return try Command.run(Binaries.perl, [fixture("perl_client.pl"), "\(server.port)"] + arguments, stdin: stdin, timeout: 30)
    }

    private func pythonClient(_ arguments: [String]) throws -> CommandResult {
        try requirePythonGearman()
        return try Command.run(Binaries.python, [fixture("python_client.py"), "\(server.port)"] + arguments, timeout: 30)
    }

    private func requirePythonGearman() throws {
        let probe = try Command.run(Binaries.python, ["-c", "import gearman"])
        if probe.status != 0 { throw XCTSkip("gearman3 is not installed for \(Binaries.python)") }
    }

    private func startPerlWorker() throws {
        try Binaries.require(Binaries.perl)
        try startBackground(Binaries.perl, [fixture("perl_worker.pl"), "\(server.port)"])
        try server.waitForWorkers("upper")
    }

    private func startPythonWorker() throws {
        try requirePythonGearman()
        try startBackground(Binaries.python, [fixture("python_worker.py"), "\(server.port)"])
        try server.waitForWorkers("reverse")
    }

    func testPerlClientWithOurShellWorker() throws {
        try startWorker("upper", ["--", "tr", "a-z", "A-Z"])
        XCTAssertEqual(try perlClient(["upper", "hello perl"]).stdoutText, "HELLO PERL")
    }

    func testPythonClientWithOurShellWorker() throws {
        try startWorker("upper", ["--", "tr", "a-z", "A-Z"])
        let result = try pythonClient(["upper", "hello python"])
        XCTAssertEqual(result.stdoutText, "COMPLETE\nHELLO PYTHON", result.stderr)
    }

    func testPythonWorkerServesTheCAndOurClients() throws {
        try startPythonWorker()
        try Binaries.require(Binaries.cTool)
        XCTAssertEqual(try cTool(["-f", "reverse", "abc"]).stdoutText, "cba")
        XCTAssertEqual(try ours(["-f", "reverse", "xyz"]).stdoutText, "zyx")
    }

    func testPerlClientWithPythonWorker() throws {
        try startPythonWorker()
        XCTAssertEqual(try perlClient(["reverse", "gearman"]).stdoutText, "namraeg")
    }

    func testPythonClientWithPerlWorker() throws {
        try startPerlWorker()
        XCTAssertEqual(try pythonClient(["upper", "mixed Case"]).stdoutText, "COMPLETE\nMIXED CASE")
    }

    func testPerlWorkerFailureReachesThePerlClient() throws {
        if server.kind == .gearmand {
            // Gearman::Worker sends WORK_EXCEPTION then WORK_FAIL; gearmand ends the job on the
            // first and answers the second with ERROR, which kills the Perl worker and client.
            throw XCTSkip("gearmand breaks Gearman::Worker's failure path")
        }
        try startPerlWorker()
        XCTAssertEqual(try perlClient(["perl_fail", "x"]).stdoutText, "FAILED")
    }

    func testOneMebibyteThroughPerlClientAndOurCatWorker() throws {
        try startWorker("cat", ["--", "cat"])
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let result = try perlClient(["cat", "-"], stdin: payload)
        XCTAssertEqual(result.stdout.count, payload.count)
        XCTAssertTrue(result.stdout == payload, "1 MiB of binary data came back changed")
    }

    func testBackgroundJobsFromPerlAndPythonRunWhenAWorkerComes() throws {
        let perl = try perlClient(["later", "from-perl", "background"])
        XCTAssertTrue(perl.stdoutText.contains("H:"), perl.stdoutText + perl.stderr)
        XCTAssertEqual(try pythonClient(["later", "from-python", "background"]).status, 0)
        XCTAssertEqual(try server.status(of: "later")?.queued, 2)
        // Our worker without a command prints each workload; -c 2 exits after both.
        let worker = try startBackground(Binaries.ours, ["-w", "-c", "2", "-f", "later"] + server.address)
        XCTAssertEqual(worker.waitForExit(timeout: 20), 0)
        XCTAssertEqual(String(decoding: worker.stdout, as: UTF8.self), "from-perlfrom-python")
    }

    func testPHPClientWithPerlWorker() throws {
        try Binaries.require(Binaries.php)
        try startPerlWorker()
        let script = "$c = new GearmanClient(); $c->addServer('127.0.0.1', \(server.port)); echo $c->doNormal('upper', 'from php');"
        XCTAssertEqual(try Command.run(Binaries.php, ["-r", script], timeout: 30).stdoutText, "FROM PHP")
    }
}
