import Foundation
import XCTest

/// `gearman server -q libsqlite3`: acknowledged background jobs survive kill -9, restarts
/// restore the queue as it was, and bad queue files are refused untouched.
final class DurableQueueTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }
    private var directory = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = try makeTemporaryDirectory("gearman-queue")
    }

    private var database: String { "\(directory)/queue.db" }

    private func startDurable(_ extra: [String] = [], fileSizeLimitKiB: Int? = nil) throws -> JobServerProcess {
        let durable = try JobServerProcess(.bundled, extraArguments: ["-q", "libsqlite3", "--libsqlite3-db", database] + extra,
                                           fileSizeLimitKiB: fileSizeLimitKiB)
        addTeardownBlock { durable.stop() }
        return durable
    }

    private func rows(in file: String) throws -> Int {
        let result = try Command.run("/usr/bin/sqlite3", [file, "SELECT count(*) FROM gearman_queue"])
        return Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Starts a server on the same queue file and drains `function`: the payloads, in the order they ran.
    private func restartAndDrain(_ function: String) throws -> [String] {
        let restarted = try startDurable()
        let drained = LoadTally()
        QueueLoad.drain(port: restarted.port, function: function, into: drained)
        return drained.completedPayloads
    }

    func testKillDashNineWhileThousandsOfSubmissionsAreInFlightLosesNoAcknowledgedJob() throws {
        let acknowledged = QueueLoad.acknowledgedBeforeKill(try startDurable(), function: "durable")
        let payloads = QueueLoad.assertRestored(acknowledged, port: try startDurable().port, function: "durable")
        print("kill -9 during submissions: \(acknowledged.count) acknowledged, \(payloads.count) restored")
    }

    func testKillDashNineWhileDrainingRunsUnfinishedJobsAgainAndLosesNone() throws {
        let (before, after, twice) = try QueueLoad.killWhileDraining(try startDurable(), restart: { try startDurable() })
        print("kill -9 while draining: \(before) done before, \(after) after, \(twice) ran twice")
    }

    func testARestartRestoresFunctionsPrioritiesUniqueKeysEpochTimesAndOrder() throws {
        let first = try startDurable()
        let client = try RawConnection(port: first.port)
        let later = Int(Date().timeIntervalSince1970) + 3_600
        client.send(.submitJobLowBackground, ["f", "k-low", "low"])
        client.send(.submitJobBackground, ["f", "k-n1", "normal 1"])
        client.send(.submitJobHighBackground, ["f", "k-high", "high"])
        client.send(.submitJobBackground, ["f", "k-n2", "normal 2"])
        client.send(.submitJobHighBackground, ["g", "k-g", "other function"])
        client.send(.submitJobEpoch, ["f", "k-later", "\(later)", "in an hour"])
        for _ in 0..<6 { client.expect(.jobCreated) }
        kill(first.process.pid, SIGKILL)
        _ = first.process.waitForExit()

        let second = try startDurable()
        let admin = try RawConnection(port: second.port)
        let unique = admin.adminReply("show unique jobs")
        for key in ["k-low", "k-n1", "k-high", "k-n2", "k-g", "k-later"] {
            XCTAssertTrue(unique.contains("\(key)\t"), "\(key) missing from: \(unique)")
        }
        let worker = try RawConnection(port: second.port)
        worker.send(.canDo, ["f"])
        worker.send(.canDo, ["g"])
        var order: [String] = []
        while true {
            worker.send(.grabJobUnique)
            guard let reply = worker.receive(), reply.type == RawConnection.Kind.jobAssignUnique.rawValue else { break }
            order.append(reply.arguments[3])
            worker.send(.workComplete, [reply.arguments[0], ""])
        }
        XCTAssertEqual(order, ["high", "other function", "normal 1", "normal 2", "low"])
        XCTAssertTrue(admin.adminReply("status").contains("f\t1\t0\t"), "the epoch job is not held for later")
    }

    func testARestoredEpochJobWakesASleepingWorkerWhenDue() throws {
        let first = try startDurable()
        let client = try RawConnection(port: first.port)
        let due = Int(Date().timeIntervalSince1970) + 3
        client.send(.submitJobEpoch, ["soon", "k-soon", "\(due)", "wake me"])
        client.expect(.jobCreated)
        kill(first.process.pid, SIGKILL)
        _ = first.process.waitForExit()

        let second = try startDurable()
        let worker = try RawConnection(port: second.port)
        worker.send(.canDo, ["soon"])
        worker.send(.preSleep)
        XCTAssertNotNil(worker.expect(.noop, timeout: 10), "the worker was not woken when the restored job came due")
        worker.send(.grabJob)
        XCTAssertEqual(worker.expect(.jobAssign)?.arguments.last, "wake me")
    }

    func testAGracefulStopKeepsNothingThatEndedAndAKillKeepsNothingCommitted() throws {
        let first = try startDurable()
        try Binaries.require("/usr/bin/sqlite3")
        let tally = LoadTally()
        QueueLoad.submit(port: first.port, function: "once", tag: "j", count: 500, into: tally)
        QueueLoad.drain(port: first.port, function: "once", into: LoadTally())
        XCTAssertTrue(try eventually { try rows(in: database) == 0 }, "completed jobs are still stored")
        kill(first.process.pid, SIGKILL)
        _ = first.process.waitForExit()
        XCTAssertEqual(try restartAndDrain("once"), [], "completed jobs came back after kill -9")
    }

    func testStoreQueueOnShutdownWritesTheQueueAtShutdownOnly() throws {
        try Binaries.require("/usr/bin/sqlite3")
        let first = try startDurable(["--store-queue-on-shutdown"])
        let tally = LoadTally()
        QueueLoad.submit(port: first.port, function: "later", tag: "j", count: 3, into: tally)
        XCTAssertEqual(tally.acknowledgedPayloads.count, 3)
        XCTAssertEqual(try rows(in: database), 0, "jobs were stored before shutdown")
        kill(first.process.pid, SIGTERM)
        XCTAssertEqual(first.process.waitForExit(), 0)
        XCTAssertEqual(try rows(in: database), 3)

        let second = try startDurable(["--store-queue-on-shutdown"])
        XCTAssertEqual(try second.status(of: "later")?.queued, 3)
        XCTAssertEqual(try rows(in: database), 0, "the stored queue is emptied once loaded, as gearmand does")
        let drained = LoadTally()
        QueueLoad.drain(port: second.port, function: "later", into: drained)
        XCTAssertEqual(drained.completedPayloads, ["j-0", "j-1", "j-2"])
    }

    func testAFullDiskFailsTheSubmissionWithAnErrorAndKeepsEveryAcknowledgedJob() throws {
        let limited = try startDurable(fileSizeLimitKiB: 256)
        let tally = LoadTally()
        let connection = try RawConnection(port: limited.port)
        var errors = 0
        for index in 0..<2_000 where errors < 5 {
            let payload = "p\(index)"
            connection.send(.submitJobBackground, ["full", payload, payload + String(repeating: "x", count: 1_000)])
            guard let reply = connection.receive(timeout: 10) else { return XCTFail("no answer to submission \(index)") }
            if reply.type == RawConnection.Kind.jobCreated.rawValue { tally.acknowledge(payload) }
            if reply.type == RawConnection.Kind.error.rawValue {
                errors += 1
                XCTAssertEqual(reply.arguments.first, "QUEUE_ERROR")
            }
        }
        XCTAssertGreaterThan(errors, 0, "the disk never filled up")
        XCTAssertGreaterThan(tally.acknowledgedPayloads.count, 0)
        let admin = try RawConnection(port: limited.port)
        XCTAssertTrue(admin.adminReply("status").contains("full\t"), "the server stopped answering")
        kill(limited.process.pid, SIGKILL)
        _ = limited.process.waitForExit()

        XCTAssertEqual(Set(try restartAndDrain("full")), Set(tally.acknowledgedPayloads))
    }

    func testBadQueueFilesAreRefusedAtStartUpAndLeftUntouched() throws {
        let port = try Network.freePort()
        func serve(_ arguments: [String]) throws -> CommandResult {
            try Command.run(Binaries.ours, ["server", "-L", "127.0.0.1", "-p", "\(port)"] + arguments, timeout: 20)
        }
        let text = "this is somebody's notes file, not a queue\n"
        let notes = "\(directory)/notes.txt"
        try text.write(toFile: notes, atomically: true, encoding: .utf8)
        var result = try serve(["-q", "libsqlite3", "--libsqlite3-db", notes])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("\(notes) is not an SQLite database"), result.stderr)
        XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), text)

        result = try serve(["--sqlite", "\(directory)/missing/queue.db"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("does not exist"), result.stderr)

        try Binaries.require("/usr/bin/sqlite3")
        let other = "\(directory)/app.db"
        _ = try Command.run("/usr/bin/sqlite3", [other, "CREATE TABLE gearman_queue (id INTEGER, name TEXT)"])
        let before = try Data(contentsOf: URL(fileURLWithPath: other))
        result = try serve(["--sqlite", other])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("has the columns id, name"), result.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: other)), before)

        result = try serve(["--libsqlite3-db", database])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--libsqlite3-db needs -q libsqlite3"), result.stderr)
        result = try serve(["--store-queue-on-shutdown"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--store-queue-on-shutdown needs a queue file"), result.stderr)
    }
}
