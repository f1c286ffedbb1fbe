import Foundation
import XCTest

/// `gearman server` under a hostile client: packets that once crashed it, clients that never
/// read, too many connections, admin commands from strangers, signals, and workers that sleep
/// but never grab. The server must answer the offender alone and go on serving everyone else.
final class ServerHardeningTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }

    private func assertStillServing(_ port: UInt16, file: StaticString = #filePath, line: UInt = #line) throws {
        let probe = try RawConnection(port: port)
        probe.send(.echoRequest, ["still here"])
        XCTAssertEqual(probe.receive()?.arguments, ["still here"], "the server stopped serving", file: file, line: line)
    }

    // MARK: Numbers off the wire

    func testEpochTimesThatOverflowGetAnErrorAndTheServerStaysUp() throws {
        let connection = try RawConnection(port: server.port)
        for epoch in ["9223372036854776", "9223372036854775807", "-1", "soon"] {
            connection.send(.submitJobEpoch, ["f", "u-\(epoch)", epoch, "x"])
            XCTAssertEqual(connection.expect(.error)?.arguments.first, "INVALID_ARGUMENT", epoch)
        }
        connection.send(.echoRequest, ["same connection"])
        XCTAssertEqual(connection.receive()?.arguments, ["same connection"])
        try assertStillServing(server.port)
        XCTAssertEqual(try RawConnection(port: server.port).adminReply("status"), ".\n", "a refused job was queued")
    }

    func testAHugeCanDoTimeoutGetsAnErrorAndJobsStillRun() throws {
        let worker = try RawConnection(port: server.port)
        worker.send(.canDoTimeout, ["f", "9223372036854775807"])
        XCTAssertEqual(worker.expect(.error)?.arguments.first, "INVALID_ARGUMENT")
        worker.send(.canDoTimeout, ["f", "2147483647"])
        let client = try RawConnection(port: server.port)
        client.send(.submitJob, ["f", "", "work"])
        let handle = client.expect(.jobCreated)?.arguments.first ?? ""
        worker.send(.grabJob)
        XCTAssertEqual(worker.expect(.jobAssign)?.arguments.first, handle)
        worker.send(.workComplete, [handle, "done"])
        XCTAssertEqual(client.expect(.workComplete)?.arguments, [handle, "done"])
    }

    /// Perl's Gearman::Worker sends seconds; gearmand raises anything under 1000 to 1000 ms.
    func testCanDoTimeoutsUnderOneSecondCountAsOneSecond() throws {
        let worker = try RawConnection(port: server.port)
        worker.send(.canDoTimeout, ["f", "3"])
        let client = try RawConnection(port: server.port)
        client.send(.submitJob, ["f", "", "work"])
        let handle = client.expect(.jobCreated)?.arguments.first ?? ""
        worker.send(.grabJob)
        worker.expect(.jobAssign)
        usleep(300_000)
        worker.send(.workComplete, [handle, "in time"])
        XCTAssertEqual(client.expect(.workComplete)?.arguments, [handle, "in time"])
    }

    // MARK: Memory

    /// A client that pipelines requests and never reads the replies stops being read once its
    /// unsent output passes --max-output-bytes: the server's memory stays bounded, other clients
    /// are served, and what that client held is given back when it leaves.
    func testAClientThatNeverReadsCannotGrowTheServer() throws {
        let bounded = try startServer(.bundled, ["--max-output-bytes=1048576", "--output-stall-timeout=30"])
        let pid = bounded.process.pid
        try assertStillServing(bounded.port)
        let before = try residentKiB(of: pid)
        let flooder = try RawConnection(port: bounded.port)
        let echo = RawConnection.packet(RawConnection.Kind.echoRequest.rawValue, [Array(repeating: 0x61, count: 65536)])
        let sent = flooder.sendWithoutBlocking(repeating: echo, upTo: 1 << 30, for: 5)
        let during = try residentKiB(of: pid)
        XCTAssertLessThan(during - before, 96 * 1024, "RSS grew from \(before) to \(during) KiB after \(sent >> 20) MiB of unread echoes")
        XCTAssertLessThan(sent, 256 << 20, "the server went on reading a client that never reads")
        try assertStillServing(bounded.port)
        flooder.closeNow()
        XCTAssertTrue(eventually(timeout: 10) { ((try? residentKiB(of: pid)) ?? .max) - before < 32 * 1024 },
                      "memory not given back: \(before) KiB before, \((try? residentKiB(of: pid)) ?? 0) KiB after the client left")
    }

    func testAClientWhoseRepliesStayUnreadIsClosedAfterTheStallTimeout() throws {
        let bounded = try startServer(.bundled, ["--max-output-bytes=65536", "--output-stall-timeout=1"])
        let flooder = try RawConnection(port: bounded.port)
        let echo = RawConnection.packet(RawConnection.Kind.echoRequest.rawValue, [Array(repeating: 0x62, count: 16384)])
        _ = flooder.sendWithoutBlocking(repeating: echo, upTo: 64 << 20, for: 1)
        // Read nothing from it (that would end the stall): admin `workers` shows when it is gone.
        let admin = try RawConnection(port: bounded.port)
        XCTAssertTrue(eventually(timeout: 15) { admin.adminReply("workers").split(separator: "\n").count == 2 },
                      "a connection stalled for over a second was kept: \(admin.adminReply("workers"))")
        try assertStillServing(bounded.port)
        _ = flooder
    }

    func testSubmissionsPastMaxQueueBytesGetQueueError() throws {
        let small = try startServer(.bundled, ["--max-queue-bytes=20000"])
        let client = try RawConnection(port: small.port)
        var created = 0
        var refusal: RawConnection.Reply?
        for index in 0..<100 where refusal == nil {
            client.send(.submitJobBackground, ["f", "", String(repeating: "x", count: 1000) + "\(index)"])
            let reply = client.receive()
            if reply?.type == RawConnection.Kind.jobCreated.rawValue { created += 1 } else { refusal = reply }
        }
        XCTAssertEqual(refusal?.type, RawConnection.Kind.error.rawValue)
        XCTAssertEqual(refusal?.arguments.first, "QUEUE_ERROR")
        XCTAssertTrue((10...20).contains(created), "\(created) jobs of 1 KB fit in 20000 bytes")
        XCTAssertEqual(try RawConnection(port: small.port).adminReply("status"), "f\t\(created)\t0\t0\n.\n")
    }

    func testConnectionsPastMaxConnectionsAreClosed() throws {
        let small = try startServer(.bundled, ["--max-connections=3"])
        var open: [RawConnection] = []
        for index in 0..<3 {
            let connection = try RawConnection(port: small.port)
            connection.send(.echoRequest, ["\(index)"])
            XCTAssertEqual(connection.receive()?.arguments, ["\(index)"])
            open.append(connection)
        }
        let extra = try RawConnection(port: small.port)
        XCTAssertTrue(extra.isClosedByServer(), "a fourth connection was kept")
        open.removeFirst()
        XCTAssertTrue(eventually {
            guard let next = try? RawConnection(port: small.port) else { return false }
            next.send(.echoRequest, ["again"])
            return next.receive(timeout: 1)?.arguments == ["again"]
        }, "no connection accepted after one closed")
    }

    // MARK: Admin access

    func testAdminCommandsThatChangeStateComeOnlyFromAllowedAddresses() throws {
        let guarded = try startServer(.bundled, ["--admin-allow=127.0.0.2/32"])
        let stranger = try RawConnection(port: guarded.port)
        for command in ["shutdown", "shutdown graceful", "cancel job H:x:1", "maxqueue f 1", "create function g",
                        "drop function f", "verbose"] {
            XCTAssertTrue(stranger.adminReply(command).hasPrefix("ERR PERMISSION_DENIED "), command)
        }
        XCTAssertEqual(stranger.adminReply("status"), ".\n")
        XCTAssertTrue(stranger.adminReply("version").hasPrefix("OK "))
        let allowed = try RawConnection(port: guarded.port, from: "127.0.0.2")
        XCTAssertEqual(allowed.adminReply("create function g"), "OK\r\n")
        XCTAssertEqual(allowed.adminReply("status"), "g\t0\t0\t0\n.\n")
        XCTAssertEqual(allowed.adminReply("shutdown"), "OK\r\n")
        XCTAssertEqual(guarded.process.waitForExit(timeout: 5), 0)
    }

    func testLoopbackMayChangeStateByDefault() throws {
        let connection = try RawConnection(port: server.port)
        XCTAssertEqual(connection.adminReply("create function g"), "OK\r\n")
        let gearadmin = try Command.run(Binaries.gearadmin, ["-h", "127.0.0.1", "-p", "\(server.port)", "--drop-function", "g"])
        XCTAssertEqual(gearadmin.stdoutText, "OK\n")
    }

    func testABadAdminAllowIsAUsageError() throws {
        let result = try Command.run(Binaries.ours, ["server", "--admin-allow", "10.0.0.0/33", "--check-args"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("10.0.0.0/33"), result.stderr)
    }

    // MARK: Signals and start-up

    func testStartUpNamesTheRealPort() throws {
        let process = try startBackground(Binaries.ours, ["server", "-L", "127.0.0.1", "-p", "0"])
        var port: UInt16?
        XCTAssertTrue(eventually {
            let line = process.stderr.split(separator: "\n").first { $0.contains("listening on 127.0.0.1:") }
            port = line.flatMap { UInt16($0.split(separator: ":").last ?? "") }
            return port != nil
        }, process.stderr)
        try assertStillServing(try XCTUnwrap(port))
    }

    func testSIGHUPReopensAMovedLogFileAndStopsNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("server.log").path
        let pidFile = directory.appendingPathComponent("server.pid").path
        let logged = try startServer(.bundled, ["-l", log, "-P", pidFile, "--verbose=NOTICE"])
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        kill(logged.process.pid, SIGHUP)
        XCTAssertTrue(eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("SIGHUP") },
                      "no new log file after SIGHUP")
        XCTAssertNil(logged.process.waitForExit(timeout: 0.5), "SIGHUP stopped the server")
        try assertStillServing(logged.port)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pidFile))
        kill(logged.process.pid, SIGTERM)
        XCTAssertEqual(logged.process.waitForExit(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile), "the pid file outlived the server")
        XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("shutdown complete"))
    }

    func testSIGUSR1ShutsDownGracefullyAsInGearmand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-pid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("server.pid").path
        let other = try startServer(.bundled, ["-P", pidFile])
        kill(other.process.pid, SIGUSR1)
        XCTAssertEqual(other.process.waitForExit(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile))
    }

    /// Run as a user without privileges (`-u`, or systemd's User=), every connection is served:
    /// TCP_NODELAY was once set at the socket level, where 1 is SO_DEBUG, which only root may set.
    func testServesConnectionsAfterSwitchingToAnUnprivilegedUser() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to switch to nobody") }
        let unprivileged = try startServer(.bundled, ["-u", "nobody"])
        try assertStillServing(unprivileged.port)
        let client = try RawConnection(port: unprivileged.port)
        client.send(.submitJobBackground, ["f", "", "x"])
        client.expect(.jobCreated)
    }

    // MARK: Sleeping workers

    /// A worker that sent PRE_SLEEP and then never reads (a stopped process, a socket a parent
    /// still holds) must not keep a job from a live worker: the next sleeper is woken.
    func testASleeperThatNeverGrabsDoesNotHoldTheJob() throws {
        var deaf: [RawConnection] = []
        for _ in 0..<3 {
            let sleeper = try RawConnection(port: server.port)
            sleeper.send(.canDo, ["f"])
            sleeper.send(.preSleep)
            deaf.append(sleeper)
        }
        let live = try RawConnection(port: server.port)
        live.send(.canDo, ["f"])
        live.send(.preSleep)
        XCTAssertTrue(eventually { (try? server.status(of: "f")?.workers) == 4 })
        let client = try RawConnection(port: server.port)
        for round in 0..<4 {
            let started = Date()
            client.send(.submitJob, ["f", "", "round \(round)"])
            let handle = client.expect(.jobCreated)?.arguments.first ?? ""
            XCTAssertEqual(live.expect(.noop, timeout: 5)?.type, RawConnection.Kind.noop.rawValue, "round \(round)")
            live.send(.grabJob)
            XCTAssertEqual(live.expect(.jobAssign)?.arguments.first, handle)
            live.send(.workComplete, [handle, "ok"])
            XCTAssertEqual(client.expect(.workComplete)?.arguments, [handle, "ok"])
            XCTAssertLessThan(Date().timeIntervalSince(started), 3, "round \(round) waited on deaf sleepers")
            live.send(.preSleep)
        }
        _ = deaf
    }

    func testWorkerWakeupZeroWakesEverySleeperAsGearmandDoes() throws {
        let herd = try startServer(.bundled, ["--worker-wakeup=0"])
        let workers = try (0..<3).map { _ in try RawConnection(port: herd.port) }
        for worker in workers {
            worker.send(.canDo, ["f"])
            worker.send(.preSleep)
        }
        XCTAssertTrue(eventually { (try? herd.status(of: "f")?.workers) == 3 })
        try RawConnection(port: herd.port).send(.submitJobBackground, ["f", "", "x"])
        for worker in workers { worker.expect(.noop) }
    }

    // MARK: HTTP

    func testAForegroundHTTPJobNobodyServesEndsWith504() throws {
        let httpPort = try Network.freePort()
        _ = try startServer(.bundled, ["--http-port=\(httpPort)", "--http-job-timeout=400"])
        let started = Date()
        let response = try HTTPExchange(port: httpPort).request("POST", "/nobody", body: Array("x".utf8))
        XCTAssertEqual(response?.status, 504)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let header = try HTTPExchange(port: httpPort).request("POST", "/nobody", headers: ["X-Gearman-Timeout": "100"])
        XCTAssertEqual(header?.status, 504)
        let bad = try HTTPExchange(port: httpPort).request("POST", "/nobody", headers: ["X-Gearman-Timeout": "soon"])
        XCTAssertEqual(bad?.status, 400)
    }

    func testAnHTTPRequestThatNeverCompletesIsClosed() throws {
        let httpPort = try Network.freePort()
        _ = try startServer(.bundled, ["--http-port=\(httpPort)", "--http-request-timeout=300"])
        let slow = try RawConnection(port: httpPort)
        slow.send(bytes: Array("GET /status HTTP/1.1\r\nHost: x\r\n".utf8))
        XCTAssertTrue(slow.isClosedByServer(timeout: 5), "a request head that never ended held its connection")
        let idle = try RawConnection(port: httpPort)
        XCTAssertTrue(idle.isClosedByServer(timeout: 5), "a connection that sent nothing was kept")
        XCTAssertEqual(try HTTPExchange(port: httpPort).request("GET", "/status")?.status, 200)
    }

    func testHTTPConnectionsPastTheLimitAreClosed() throws {
        let httpPort = try Network.freePort()
        _ = try startServer(.bundled, ["--http-port=\(httpPort)", "--http-max-connections=2"])
        let first = try HTTPExchange(port: httpPort)
        let second = try HTTPExchange(port: httpPort)
        XCTAssertEqual(first.request("GET", "/status")?.status, 200)
        XCTAssertEqual(second.request("GET", "/status")?.status, 200)
        XCTAssertTrue(try RawConnection(port: httpPort).isClosedByServer(), "a third HTTP connection was kept")
    }
}
