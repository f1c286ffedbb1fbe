import Foundation
import XCTest

/// Starting and stopping `gearman server` the way gearmand is started and stopped.
final class ServerLifecycleTests: XCTestCase {
    private var processes: [BackgroundProcess] = []

    override func tearDown() {
        processes.forEach { $0.stop() }
        processes = []
    }

    private func startServer(_ arguments: [String]) throws -> (BackgroundProcess, UInt16) {
        try Binaries.require(Binaries.ours)
        let port = try Network.freePort()
        let process = try BackgroundProcess(Binaries.ours, ["server", "-L", "127.0.0.1", "-p", "\(port)"] + arguments)
        processes.append(process)
        XCTAssertTrue(eventually { Network.accepts(port: port) }, process.stderr)
        return (process, port)
    }

    func testSIGTERMLetsTheRunningJobFinishThenExitsZero() throws {
        let (server, port) = try startServer([])
        let client = try RawConnection(port: port)
        client.send(.submitJob, ["f", "", "x"])
        let handle = client.expect(.jobCreated)?.arguments.first ?? ""
        let worker = try RawConnection(port: port)
        worker.send(.canDo, ["f"])
        worker.send(.grabJob)
        worker.expect(.jobAssign)
        kill(server.pid, SIGTERM)
        XCTAssertTrue(eventually { !Network.accepts(port: port) }, "still accepting after SIGTERM")
        XCTAssertNil(server.waitForExit(timeout: 0.5), "exited while a job was running")
        worker.send(.workComplete, [handle, "finished"])
        XCTAssertEqual(client.expect(.workComplete)?.arguments, [handle, "finished"])
        XCTAssertEqual(server.waitForExit(timeout: 10), 0)
    }

    func testSIGTERMWithNothingRunningExitsAtOnce() throws {
        let (server, _) = try startServer([])
        kill(server.pid, SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 5), 0)
    }

    func testAdminShutdownStopsTheServer() throws {
        let (server, port) = try startServer([])
        XCTAssertEqual(try RawConnection(port: port).adminReply("shutdown"), "OK\r\n")
        XCTAssertEqual(server.waitForExit(timeout: 5), 0)
    }

    func testAGearmandCommandLineStartsIt() throws {
        let (_, port) = try startServer([
            "-t", "4", "-j0", "-w", "0", "-R", "--verbose=ERROR", "-l", "none", "--keepalive", "--keepalive-idle=30",
            "-b", "64", "--hashtable-buckets", "991", "--job-handle-prefix=H:test", "-q", "builtin",
        ])
        let client = try RawConnection(port: port)
        client.send(.submitJobBackground, ["f", "", "x"])
        XCTAssertEqual(client.expect(.jobCreated)?.arguments, ["H:test:1"])
    }

    func testWithoutListenItServesIPv4AndIPv6Loopback() throws {
        try Binaries.require(Binaries.ours)
        let port = try Network.freePort()
        let server = try BackgroundProcess(Binaries.ours, ["server", "-p", "\(port)"])
        processes.append(server)
        XCTAssertTrue(eventually { Network.accepts(port: port) }, server.stderr)
        let echo = try Command.run(Binaries.ours, ["-h", "[::1]", "-p", "\(port)", "-b", "-f", "v6", "x"])
        XCTAssertEqual(echo.status, 0, echo.stderr)
    }

    func testConfigFileOptionsApplyAndTheCommandLineWins() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-server-\(UUID().uuidString).conf")
        try "--job-handle-prefix H:fromfile\n--port 1\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (_, port) = try startServer(["--config-file", file.path])
        let client = try RawConnection(port: port)
        client.send(.submitJobBackground, ["f", "", "x"])
        XCTAssertEqual(client.expect(.jobCreated)?.arguments, ["H:fromfile:1"])
    }

    func testDaemonReturnsOnceListeningAndWritesThePidFile() throws {
        try Binaries.require(Binaries.ours)
        let port = try Network.freePort()
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-server-\(port).pid").path
        let result = try Command.run(Binaries.ours, ["server", "-d", "-L", "127.0.0.1", "-p", "\(port)", "-P", pidFile, "-l", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(Network.accepts(port: port))
        let pid = Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(pid, 0)
        kill(pid, SIGTERM)
        XCTAssertTrue(eventually { !FileManager.default.fileExists(atPath: pidFile) }, "pid file left behind")
        XCTAssertTrue(eventually { kill(pid, 0) != 0 })
    }

    func testPortInUseIsAClearErrorAndExitOne() throws {
        let (_, port) = try startServer([])
        let result = try Command.run(Binaries.ours, ["server", "-L", "127.0.0.1", "-p", "\(port)"])
        XCTAssertEqual(result.status, 1)
        // The address, the port and the system's reason, not SwiftNIO's call site.
        XCTAssertEqual(result.stderr, "gearman: cannot listen on 127.0.0.1 port \(port): Address already in use (errno 98)\n")
        let http = try Command.run(Binaries.ours, ["server", "-L", "127.0.0.1", "-p", "0", "--http-port", "\(port)"])
        XCTAssertEqual(http.status, 1)
        XCTAssertEqual(http.stderr, "gearman: cannot listen on 127.0.0.1 port 0 or HTTP port \(port): Address already in use (errno 98)\n")
    }

    /// The log names a connection's peer by its address (`peer=127.0.0.1`), not by SwiftNIO's
    /// description of the socket address (`[IPv4]127.0.0.1/127.0.0.1:47311`).
    func testTheLogNamesPeersByAddress() throws {
        let (server, port) = try startServer(["--verbose", "DEBUG"])
        XCTAssertEqual(try Command.run(Binaries.ours, ["admin", "-h", "127.0.0.1", "-p", "\(port)", "--getpid"]).status, 0)
        XCTAssertTrue(eventually { server.stderr.contains("connection closed") }, server.stderr)
        let opened = server.stderr.split(separator: "\n").filter { $0.contains("connection opened") }
        // The start-up probe's connection and the admin tool's.
        XCTAssertGreaterThanOrEqual(opened.count, 2, server.stderr)
        XCTAssertTrue(opened.allSatisfy { $0.hasSuffix(" peer=127.0.0.1") }, server.stderr)
        XCTAssertFalse(server.stderr.contains("[IPv4]"), server.stderr)
    }

    func testUnsupportedAndBadOptionsAreUsageErrors() throws {
        try Binaries.require(Binaries.ours)
        let cases: [([String], String)] = [
            (["--ssl-verify-client"], "--ssl-verify-client needs --ssl"),
            (["--libsqlite3-db=/tmp/q.db"], "--libsqlite3-db needs -q libsqlite3"),
            (["--redis-server=localhost"], "option '--redis-server': the redis queue is not supported"),
            (["--mysql-host=db"], "option '--mysql-host': the MySQL queue is not supported; use -q libsqlite3"),
            (["-p", "many"], "the argument ('many') for option '--port' is invalid"),
            (["--verbose", "LOUD"], "invalid value for --verbose"),
            (["--bogus"], "unrecognized option '--bogus'"),
            (["-q", "redis"], "queue type 'redis' is not supported"),
        ]
        for (arguments, message) in cases {
            let result = try Command.run(Binaries.ours, ["server"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let valid = try Command.run(Binaries.ours, ["server", "--check-args", "-p", "4730"])
        XCTAssertEqual(valid.status, 0)
        XCTAssertEqual(valid.stdoutText, "gearman server: the options are valid\n", "--check-args says so on success")
        let help = try Command.run(Binaries.ours, ["server", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("--job-retries"))
    }
}
