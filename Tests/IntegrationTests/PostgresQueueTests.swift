import Foundation
import PostgresTestSupport
import XCTest

/// `gearman server -q postgres` against a real PostgreSQL started for each test: restarts
/// and kill -9 lose no acknowledged job, gearmand reads our table and we read its, the
/// database going away fails submissions with QUEUE_ERROR until it is back, and three
/// servers on one database survive losing one.
final class PostgresQueueTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }
    private var postgres: PostgresInstance!

    override func setUpWithError() throws {
        try super.setUpWithError()
        postgres = try PostgresInstance()
    }

    override func tearDown() {
        super.tearDown()
        postgres?.destroy()
    }

    private func queueArguments(table: String = "queue") -> [String] {
        ["-q", "Postgres", "--libpq-conninfo", postgres.conninfo, "--libpq-table", table]
    }

    private func startDurable(table: String = "queue", _ extra: [String] = []) throws -> JobServerProcess {
        let durable = try JobServerProcess(.bundled, extraArguments: queueArguments(table: table) + extra)
        addTeardownBlock { durable.stop() }
        return durable
    }

    private func rows(in table: String = "queue") throws -> Int {
        Int(try postgres.psql("SELECT count(*) FROM \(table)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    private func killAndWait(_ server: JobServerProcess) {
        kill(server.process.pid, SIGKILL)
        _ = server.process.waitForExit()
    }

    func testARestartRestoresTheQueueInOrderWithPrioritiesAndUniqueKeys() throws {
        let first = try startDurable()
        let client = try RawConnection(port: first.port)
        client.send(.submitJobLowBackground, ["f", "k-low", "low"])
        client.send(.submitJobBackground, ["f", "k-n1", "normal 1"])
        client.send(.submitJobHighBackground, ["f", "k-high", "high"])
        client.send(.submitJobBackground, ["f", "k-n2", "normal 2"])
        for _ in 0..<4 { client.expect(.jobCreated) }
        killAndWait(first)
        XCTAssertEqual(try rows(), 4)

        let second = try startDurable()
        XCTAssertTrue(try RawConnection(port: second.port).adminReply("show unique jobs").contains("k-n2\t"))
        let drained = LoadTally()
        QueueLoad.drain(port: second.port, function: "f", into: drained)
        XCTAssertEqual(drained.completedPayloads, ["high", "normal 1", "normal 2", "low"])
        XCTAssertTrue(eventually { (try? rows()) == 0 }, "completed jobs are still stored")
    }

    func testKillDashNineUnderLoadLosesNoAcknowledgedJob() throws {
        let acknowledged = QueueLoad.acknowledgedBeforeKill(try startDurable(), function: "durable")
        let payloads = QueueLoad.assertRestored(acknowledged, port: try startDurable().port, function: "durable")
        print("PostgreSQL, kill -9 during submissions: \(acknowledged.count) acknowledged, \(payloads.count) restored")
    }

    func testKillDashNineWhileWorkersDrainRunsOnlyUncommittedEndsTwice() throws {
        let (before, after, twice) = try QueueLoad.killWhileDraining(try startDurable(), restart: { try startDurable() })
        print("PostgreSQL, kill -9 while draining: \(before) done before, \(after) after, \(twice) ran twice")
    }

    func testGearmandRestoresWhatWeStoredAndWeRestoreWhatGearmandStored() throws {
        try Binaries.require(Binaries.gearmand)
        // Ours stores, gearmand restores and runs.
        let ours = try startDurable(table: "shared")
        QueueLoad.submit(port: ours.port, function: "from-ours", tag: "o", count: 3, into: LoadTally())
        killAndWait(ours)
        let gearmand = try JobServerProcess(.gearmand, extraArguments: queueArguments(table: "shared"))
        addTeardownBlock { gearmand.stop() }
        XCTAssertEqual(try gearmand.status(of: "from-ours")?.queued, 3)
        let ranByGearmand = LoadTally()
        QueueLoad.drain(port: gearmand.port, function: "from-ours", into: ranByGearmand)
        XCTAssertEqual(Set(ranByGearmand.completedPayloads), ["o-0", "o-1", "o-2"])

        // gearmand stores (in a table it creates), ours restores.
        QueueLoad.submit(port: gearmand.port, function: "from-gearmand", tag: "g", count: 3, into: LoadTally())
        let gearmandTable = try JobServerProcess(.gearmand, extraArguments: queueArguments(table: "made_by_gearmand"))
        QueueLoad.submit(port: gearmandTable.port, function: "from-gearmand", tag: "t", count: 3, into: LoadTally())
        kill(gearmandTable.process.pid, SIGKILL)
        gearmandTable.stop()
        XCTAssertEqual(try rows(in: "made_by_gearmand"), 3)
        let restored = try startDurable(table: "made_by_gearmand")
        let ranByUs = LoadTally()
        QueueLoad.drain(port: restored.port, function: "from-gearmand", into: ranByUs)
        XCTAssertEqual(Set(ranByUs.completedPayloads), ["t-0", "t-1", "t-2"])
    }

    func testStoreQueueOnShutdownWritesTheQueueAtShutdownOnly() throws {
        let first = try startDurable(["--store-queue-on-shutdown"])
        QueueLoad.submit(port: first.port, function: "later", tag: "j", count: 3, into: LoadTally())
        XCTAssertEqual(try rows(), 0, "jobs were stored before shutdown")
        kill(first.process.pid, SIGTERM)
        XCTAssertEqual(first.process.waitForExit(), 0)
        XCTAssertEqual(try rows(), 3)
        let second = try startDurable(["--store-queue-on-shutdown"])
        XCTAssertEqual(try rows(), 0, "the stored queue is emptied once loaded, as gearmand does")
        let drained = LoadTally()
        QueueLoad.drain(port: second.port, function: "later", into: drained)
        XCTAssertEqual(drained.completedPayloads, ["j-0", "j-1", "j-2"])
    }

    func testATableWithOtherColumnsOrNoDatabaseStopsTheStartUp() throws {
        try postgres.psql("CREATE TABLE accounts (id INTEGER, name TEXT)")
        let port = try Network.freePort()
        func serve(_ arguments: [String]) throws -> CommandResult {
            try Command.run(Binaries.ours, ["server", "-L", "127.0.0.1", "-p", "\(port)"] + arguments, timeout: 30)
        }
        var result = try serve(queueArguments(table: "accounts"))
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("table accounts at 127.0.0.1:\(postgres.port) database gearman user gearman has the columns id, name"),
                      result.stderr)
        let nowhere = try Network.freePort()
        result = try serve(["-q", "postgres", "--libpq-conninfo", "host=127.0.0.1 port=\(nowhere) user=gearman connect_timeout=2"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("cannot connect to PostgreSQL at 127.0.0.1:\(nowhere)"), result.stderr)
        XCTAssertFalse(Network.accepts(port: port))
    }

    func testWhileTheDatabaseIsAwaySubmissionsGetQueueErrorAndNothingAcknowledgedIsLost() throws {
        let httpPort = try Network.freePort()
        let durable = try startDurable(["--http-port", "\(httpPort)"])
        let before = LoadTally()
        QueueLoad.submit(port: durable.port, function: "away", tag: "before", count: 100, into: before)
        XCTAssertEqual(before.acknowledgedPayloads.count, 100)
        XCTAssertEqual(metric("gearman_queue_store_up", port: httpPort), 1)

        try postgres.stop()
        XCTAssertTrue(eventually { self.metric("gearman_queue_store_up", port: httpPort) == 0 },
                      "/metrics does not show the store down")
        let client = try RawConnection(port: durable.port)
        for index in 0..<20 {
            client.send(.submitJobBackground, ["away", "during-\(index)", "during-\(index)"])
            let reply = client.receive(timeout: 10)
            XCTAssertEqual(reply?.type, RawConnection.Kind.error.rawValue, "submission \(index) while the database is away")
            XCTAssertEqual(reply?.arguments.first, "QUEUE_ERROR")
            usleep(50_000)
        }

        try postgres.start()
        var after: [String] = []
        XCTAssertTrue(eventually(timeout: 30) {
            client.send(.submitJobBackground, ["away", "after-\(after.count)", "after-\(after.count)"])
            if client.receive(timeout: 10)?.type == RawConnection.Kind.jobCreated.rawValue { after.append("after-\(after.count)") }
            return after.count == 3
        }, "submissions still fail after the database came back: \(durable.process.stderr)")
        XCTAssertEqual(metric("gearman_queue_store_up", port: httpPort), 1)
        XCTAssertGreaterThanOrEqual(metric("gearman_queue_store_commit_failures_total", port: httpPort) ?? 0, 20)
        let failures = durable.process.stderr.components(separatedBy: "lost the connection to PostgreSQL").count - 1
        XCTAssertEqual(failures, 1, "the outage is logged once: \(durable.process.stderr)")
        XCTAssertEqual(durable.process.stderr.components(separatedBy: "queue store commit failed").count - 1, 1, durable.process.stderr)

        killAndWait(durable)
        let restarted = try startDurable()
        let drained = LoadTally()
        QueueLoad.drain(port: restarted.port, function: "away", into: drained)
        XCTAssertEqual(Set(drained.completedPayloads), Set(before.acknowledgedPayloads + after))
    }

    /// The value of `name` in /metrics, if it is there.
    private func metric(_ name: String, port: UInt16) -> Double? {
        guard let exchange = try? HTTPExchange(port: port), let response = exchange.request("GET", "/metrics") else { return nil }
        let line = response.text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// The README's "Several servers on one PostgreSQL": three servers, each with its own
    /// table; clients and workers are given all of them and a standby address. One server is
    /// killed under load; the standby starts on its table and the workers drain its jobs.
    func testThreeServersOnOneDatabaseSurviveLosingOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let servers = try ["a", "b", "c"].map { name in
            try startDurable(table: "queue_\(name)", ["--job-handle-prefix", name.uppercased()])
        }
        let standbyPort = try Network.freePort()
        let list = (servers.map(\.port) + [standbyPort]).map { "127.0.0.1:\($0)" }.joined(separator: ",")
        // Each job's payload goes to a file of its own: what the workers ran.
        let done = "\(directory)/done"
        try FileManager.default.createDirectory(atPath: done, withIntermediateDirectories: true)
        func startWorker(_ id: String) throws {
            _ = try startBackground(Binaries.ours, ["-w", "-h", list, "--id", id, "-f", "multi", "--",
                                                    "/bin/sh", "-c", "sleep 0.02; cat > \(done)/$GEARMAN_HANDLE"])
        }
        try startWorker("w0")
        try startWorker("w1")
        // Three clients, each a loop of `gearman -b` runs given every server (libgearman sends
        // to the last one listed while it answers, so each client lists another one last).
        // A line per acknowledged job: its payload and the handle of the server that took it.
        let perClient = 500
        let ports = servers.map(\.port)
        let clients = try (0..<3).map { index in
            let order = (1...3).map { ports[(index + $0) % 3] }.map { "127.0.0.1:\($0)" }.joined(separator: ",")
            let range = "\(index * perClient) \(index * perClient + perClient - 1)"
            return try startBackground("/bin/sh", ["-c", """
                for n in $(seq \(range)); do out=$("$0" -v -b -h \(order) -f multi job-$n) && echo "job-$n $out" >> \(directory)/acked; done
                """, Binaries.ours])
        }
        func acknowledged() -> [(handle: String, payload: String)] {
            let text = (try? String(contentsOfFile: "\(directory)/acked", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")  // job-N Task created: HANDLE
                return words.count == 4 ? (String(words[3]), String(words[0])) : nil
            }
        }
        XCTAssertTrue(eventually(timeout: 60) { acknowledged().filter { $0.handle.hasPrefix("B:") }.count >= 100 },
                      "server B took no load")
        kill(servers[1].process.pid, SIGKILL)
        for client in clients {
            XCTAssertNotNil(client.waitForExit(timeout: 120), "a client did not finish through the other servers")
        }
        let queued = acknowledged()
        XCTAssertGreaterThan(queued.count, 3 * perClient * 9 / 10, "the clients did not go on through the other servers")
        let storedOnB = try rows(in: "queue_b")

        let standby = try startBackground(Binaries.ours, ["server", "--listen=127.0.0.1", "--port=\(standbyPort)", "--verbose=WARNING",
                                                          "--job-handle-prefix", "B2"] + queueArguments(table: "queue_b"))
        XCTAssertTrue(eventually(timeout: 30) { Network.accepts(port: standbyPort) }, "the standby did not start: \(standby.stderr)")
        // The idle workers find the standby by themselves (they try unreachable servers every 10 s).
        let survivors = [servers[0].port, servers[2].port, standbyPort].map { "127.0.0.1:\($0)" }.joined(separator: ",")
        let admin = try Command.run(Binaries.ours, ["admin", "-h", survivors, "--status"], environment: Command.cleanEnvironment)
        XCTAssertTrue(admin.stdoutText.contains("127.0.0.1:\(standbyPort)\tmulti\t"), admin.stdoutText)
        // Every acknowledged job runs: the payloads the client saw queued all reach the workers.
        func ran() -> Set<String> {
            Set(((try? FileManager.default.contentsOfDirectory(atPath: done)) ?? []).compactMap { name -> String? in
                try? String(contentsOfFile: "\(done)/\(name)", encoding: .utf8)
            })
        }
        let expected = Set(queued.map(\.payload))
        XCTAssertTrue(eventually(timeout: 120) { expected.isSubset(of: ran()) },
                      "acknowledged jobs that never ran: \(expected.subtracting(ran()).sorted().prefix(10))")
        XCTAssertTrue(eventually(timeout: 30) { (try? self.rows(in: "queue_b")) == 0 }, "the standby did not drain B's table")
        XCTAssertTrue(ran().isSubset(of: Set((0..<3 * perClient).map { "job-\($0)" })))
        print("three servers, B killed: \(queued.count) acknowledged (\(queued.filter { $0.handle.hasPrefix("B:") }.count) by B), "
              + "\(storedOnB) left in B's table, \(ran().count) ran")
    }
}
