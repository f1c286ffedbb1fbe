import Foundation
import PostgresTestSupport
import XCTest

/// Failed background jobs on the real server: a shell worker that fails sends its job through
/// its retries to the dead-job list; admin commands revive and drop dead jobs; /status and
/// /metrics show them; with the SQLite and PostgreSQL stores, retries and dead jobs survive kill -9.
final class DeadJobTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }
    private var directory = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = try makeTemporaryDirectory("gearman-dead")
    }

    /// The `show dead jobs` lines of `port`, split at tabs.
    private func deadJobs(_ port: UInt16) throws -> [[String]] {
        let admin = try RawConnection(port: port)
        let reply = admin.adminReply("show dead jobs")
        XCTAssertTrue(reply.hasSuffix(".\n"), "not a listing: \(reply)")
        return reply.split(separator: "\n").filter { $0 != "." }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// How many times the worker's command ran, from the lines it appended to `runs`.
    private func runs(_ file: String) -> Int {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func testAFailingShellWorkerSendsItsJobThroughItsRetriesToTheDeadList() throws {
        let http = try Network.freePort()
        let retrying = try startServer(.bundled, ["--retries", "2", "--retry-backoff", "0.1", "--retry-backoff-max", "0.2",
                                                  "--http-port", "\(http)"])
        let log = "\(directory)/runs"
        try startBackground(Binaries.ours, ["-w", "-f", "nightly"] + retrying.address
                                + ["--", "sh", "-c", "cat >> \(log); echo >> \(log); echo 'cannot reach the mail server' >&2; exit 3"])
        try retrying.waitForWorkers("nightly")
        let submitted = try Command.run(Binaries.ours, retrying.address + ["-b", "-f", "nightly", "-u", "report-42", "payload"])
        XCTAssertEqual(submitted.status, 0, submitted.stderr)

        XCTAssertTrue(try eventually { try deadJobs(retrying.port).count == 1 }, "the job never reached the dead list")
        XCTAssertEqual(runs(log), 3, "one run and two retries")
        let line = try deadJobs(retrying.port)[0]
        XCTAssertEqual(line.count, 7, "\(line)")
        XCTAssertEqual(Array(line[1...3]), ["nightly", "report-42", "3"])
        XCTAssertTrue(line[0].hasPrefix("H:"), line[0])
        let now = Int(Date().timeIntervalSince1970)
        XCTAssertTrue(abs((Int(line[6]) ?? 0) - now) < 60, "last failure time \(line[6])")
        XCTAssertEqual(try RawConnection(port: retrying.port).adminReply("show dead counts"), "nightly\t1\n.\n")

        // /status and /metrics show it.
        let status = try XCTUnwrap(HTTPExchange(port: http).request("GET", "/status"))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        let dead = try XCTUnwrap(document["dead_jobs"] as? [[String: Any]])
        XCTAssertEqual(dead.first?["unique"] as? String, "report-42")
        XCTAssertEqual(dead.first?["attempts"] as? Int, 3)
        let function = (document["functions"] as? [[String: Any]])?.first { $0["function"] as? String == "nightly" }
        XCTAssertEqual(function?["dead"] as? Int, 1)
        XCTAssertEqual(function?["retried"] as? Int, 2)
        let metrics = String(decoding: try XCTUnwrap(HTTPExchange(port: http).request("GET", "/metrics")).body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("gearman_jobs_dead{function=\"nightly\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("gearman_jobs_retried_total{function=\"nightly\"} 2"), metrics)

        // Retried by hand: it runs again under its handle, fails, and is dead again with one attempt.
        let admin = try RawConnection(port: retrying.port)
        XCTAssertEqual(admin.adminReply("retry dead job \(line[0])"), "OK\r\n")
        XCTAssertTrue(eventually { runs(log) == 6 }, "the revived job did not run its retries again: \(runs(log)) runs")
        XCTAssertTrue(try eventually { try deadJobs(retrying.port).first?[3] == "3" })
        XCTAssertEqual(try deadJobs(retrying.port).first?[0], line[0], "the same handle")
        XCTAssertEqual(admin.adminReply("retry dead job H:nohost:999"), "ERR UNKNOWN_JOB\r\n")
        XCTAssertEqual(admin.adminReply("drop dead jobs nightly"), "OK 1\r\n")
        XCTAssertEqual(try deadJobs(retrying.port).count, 0)
        XCTAssertEqual(admin.adminReply("show dead counts"), ".\n")
        XCTAssertEqual(runs(log), 6)
    }

    func testWithoutRetriesAFailedBackgroundJobIsKeptDeadAndForegroundFailuresAreNot() throws {
        try startWorker("broken", ["--", "false"])
        let foreground = try ours(["-f", "broken", "x"])
        XCTAssertNotEqual(foreground.status, 0, "the client learns of the failure")
        XCTAssertEqual(try deadJobs(server.port).count, 0)
        XCTAssertEqual(try ours(["-b", "-f", "broken", "y"]).status, 0)
        XCTAssertTrue(try eventually { try deadJobs(server.port).count == 1 })
        XCTAssertEqual(try deadJobs(server.port)[0][3], "1")
        // Our worker explains a failed command in a WORK_WARNING, which the dead job keeps.
        XCTAssertEqual(try deadJobs(server.port)[0][4], "gearman: job \(try deadJobs(server.port)[0][0]): 'false' exited with status 1")
        let admin = try RawConnection(port: server.port)
        XCTAssertEqual(admin.adminReply("retries broken"), "OK 0\r\n")
        XCTAssertEqual(admin.adminReply("retries broken 2"), "OK\r\n")
        XCTAssertEqual(admin.adminReply("retries broken"), "OK 2\r\n")
    }

    func testRetriesAndDeadJobsSurviveKillDashNineWithTheSQLiteStore() throws {
        try Binaries.require("/usr/bin/sqlite3")
        let database = "\(directory)/queue.db"
        try assertRetriesAndDeadJobsSurviveKillDashNine(store: ["--sqlite", database], tables: "gearman_queue") {
            try Command.run("/usr/bin/sqlite3", [database, $0]).stdoutText
        }
    }

    func testRetriesAndDeadJobsSurviveKillDashNineWithThePostgreSQLStore() throws {
        let postgres = try PostgresInstance()
        defer { postgres.destroy() }
        try assertRetriesAndDeadJobsSurviveKillDashNine(store: ["-q", "postgres", "--libpq-conninfo", postgres.conninfo],
                                                        tables: "queue") { try postgres.psql($0) }
    }

    /// One job fails once and waits for its retry, another fails for good; after kill -9 the
    /// next server keeps the dead job, and the retry's attempt counts. `query` runs SQL on the
    /// store and returns its rows as `a|b` lines; the store's tables are `tables_dead` and `tables_failures`.
    private func assertRetriesAndDeadJobsSurviveKillDashNine(store: [String], tables: String,
                                                            query: (String) throws -> String) throws {
        let arguments = store + ["--retries", "1", "--retry-backoff", "2"]
        let first = try startServer(.bundled, arguments)
        let client = try RawConnection(port: first.port)
        client.send(.submitJobBackground, ["retrying", "r-1", "will fail twice"])
        client.send(.submitJobBackground, ["dying", "d-1", "fails for good"])
        for _ in 0..<2 { client.expect(.jobCreated) }
        let admin = try RawConnection(port: first.port)
        XCTAssertEqual(admin.adminReply("retries dying 0"), "OK\r\n")
        let worker = try RawConnection(port: first.port)
        worker.send(.canDo, ["retrying"])
        worker.send(.canDo, ["dying"])
        for _ in 0..<2 {
            worker.send(.grabJob)
            let assigned = try XCTUnwrap(worker.expect(.jobAssign))
            worker.send(.workException, [assigned.arguments[0], "boom: \(assigned.arguments[1])"])
        }
        XCTAssertTrue(try eventually { try deadJobs(first.port).count == 1 })
        XCTAssertTrue(admin.adminReply("status").contains("retrying\t1\t0\t"))
        // Nobody is answered for a failure, so the test waits for the group commit to write it.
        var stored = ""
        XCTAssertTrue(try eventually {
            stored = try query("SELECT unique_key FROM \(tables)_dead") + query("SELECT unique_key, attempts FROM \(tables)_failures")
            return stored == "d-1\nr-1|1\n"
        }, "the failure and the dead job were not stored: \(stored)")
        kill(first.process.pid, SIGKILL)
        _ = first.process.waitForExit()

        let second = try startServer(.bundled, arguments)
        let dead = try deadJobs(second.port)
        XCTAssertEqual(dead.map { Array($0[1...4]) }, [["dying", "d-1", "1", "boom: dying"]])
        let again = try RawConnection(port: second.port)
        again.send(.canDo, ["retrying"])
        var assigned: RawConnection.Reply?
        XCTAssertTrue(eventually(timeout: 15) {
            again.send(.grabJob)
            assigned = again.receive()
            return assigned?.type == RawConnection.Kind.jobAssign.rawValue
        }, "the stored retry never came due")
        again.send(.workFail, [try XCTUnwrap(assigned).arguments[0]])
        // Its second failure uses up --retries 1: the attempt before the kill counted.
        XCTAssertTrue(try eventually { try deadJobs(second.port).count == 2 })
        let retried = try XCTUnwrap(try deadJobs(second.port).first { $0[1] == "retrying" })
        XCTAssertEqual(Array(retried[2...3]), ["r-1", "2"])
        XCTAssertTrue(try eventually {
            stored = try query("SELECT unique_key, attempts FROM \(tables)_dead ORDER BY unique_key")
            return stored == "d-1|1\nr-1|2\n"
        }, "the store's dead list: \(stored)")
    }

    func testStoreQueueOnShutdownWritesTheDeadListAtShutdownAndReadsItBack() throws {
        let arguments = ["--sqlite", "\(directory)/shutdown.db", "--store-queue-on-shutdown"]
        let first = try startServer(.bundled, arguments)
        let client = try RawConnection(port: first.port)
        client.send(.submitJobBackground, ["cron", "nightly-1", "x"])
        client.expect(.jobCreated)
        let worker = try RawConnection(port: first.port)
        worker.send(.canDo, ["cron"])
        worker.send(.grabJob)
        let assigned = try XCTUnwrap(worker.expect(.jobAssign))
        worker.send(.workException, [assigned.arguments[0], "no disk"])
        XCTAssertTrue(try eventually { try deadJobs(first.port).count == 1 })
        kill(first.process.pid, SIGTERM)
        XCTAssertNotNil(first.process.waitForExit())

        let second = try startServer(.bundled, arguments)
        XCTAssertEqual(try deadJobs(second.port).map { Array($0[1...4]) }, [["cron", "nightly-1", "1", "no disk"]])
    }
}
