import Foundation
import XCTest

/// The bundled server's protocol behaviour, seen through raw connections on the wire.
final class ServerProtocolTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }

    private func connect(_ server: JobServerProcess? = nil) throws -> RawConnection {
        try RawConnection(port: (server ?? self.server).port)
    }

    /// A worker connection that can do `functions`.
    private func worker(_ functions: String..., on server: JobServerProcess? = nil) throws -> RawConnection {
        let connection = try connect(server)
        for function in functions { connection.send(.canDo, [function]) }
        return connection
    }

    /// Submits and returns the job handle from JOB_CREATED.
    @discardableResult
    private func submit(_ connection: RawConnection, _ function: String, unique: String = "", _ data: String,
                        kind: RawConnection.Kind = .submitJob, file: StaticString = #filePath, line: UInt = #line) -> String {
        connection.send(kind, [function, unique, data])
        return connection.expect(.jobCreated, file: file, line: line)?.arguments.first ?? ""
    }

    func testEchoReturnsTheData() throws {
        let connection = try connect()
        connection.send(.echoRequest, ["ping"])
        XCTAssertEqual(connection.expect(.echoResponse)?.arguments, ["ping"])
    }

    func testJobHandlesLookLikeGearmands() throws {
        let handle = submit(try connect(), "f", "x", kind: .submitJobBackground)
        XCTAssertTrue(handle.hasPrefix("H:"), handle)
        XCTAssertNotNil(UInt64(handle.split(separator: ":").last ?? ""), handle)
    }

    func testJobsWrittenInPiecesKeepTheirUniqueKeyAndWorkload() throws {
        let client = try connect()
        // Three submissions in one stream, cut at odd places: the server sees partial packets.
        var stream: [UInt8] = []
        for (unique, data) in [("key-1", "first"), ("key-2", String(repeating: "x", count: 3000)), ("key-1", "duplicate")] {
            stream += RawConnection.packet(RawConnection.Kind.submitJobBackground.rawValue,
                                           [Array("f".utf8), Array(unique.utf8), Array(data.utf8)])
        }
        var offset = 0
        for size in [5, 17, 1, 900, 2500] {
            client.send(bytes: Array(stream[offset..<min(offset + size, stream.count)]))
            offset = min(offset + size, stream.count)
            Thread.sleep(forTimeInterval: 0.02)
        }
        client.send(bytes: Array(stream[offset...]))
        let handles = (0..<3).map { _ in client.expect(.jobCreated)?.arguments.first ?? "" }
        XCTAssertEqual(handles[0], handles[2], "the same unique key is one job")
        let worker = try worker("f")
        var assigned: [[String]] = []
        for _ in 0..<2 {
            worker.send(.grabJobUnique)
            guard let job = worker.expect(.jobAssignUnique) else { break }
            assigned.append(Array(job.arguments[2...]))
            worker.send(.workComplete, [job.arguments[0], ""])
        }
        XCTAssertEqual(assigned, [["key-1", "first"], ["key-2", String(repeating: "x", count: 3000)]])
    }

    func testHighBeforeNormalBeforeLowAcrossFunctions() throws {
        let client = try connect()
        submit(client, "f", "low", kind: .submitJobLowBackground)
        submit(client, "g", "normal", kind: .submitJobBackground)
        submit(client, "f", "normal-later", kind: .submitJobBackground)
        submit(client, "g", "high", kind: .submitJobHigh)
        let worker = try worker("f", "g")
        var order: [String] = []
        for _ in 0..<4 {
            worker.send(.grabJob)
            guard let assigned = worker.expect(.jobAssign) else { break }
            order.append(assigned.arguments[2])
            worker.send(.workComplete, [assigned.arguments[0], ""])
        }
        XCTAssertEqual(order, ["high", "normal", "normal-later", "low"])
    }

    func testSameUniqueKeyIsOneJobAndEveryClientGetsTheResult() throws {
        let first = try connect(), second = try connect()
        let handle = submit(first, "f", unique: "k", "data")
        XCTAssertEqual(submit(second, "f", unique: "k", "other data"), handle)
        let statusAsker = try connect()
        statusAsker.send(.getStatusUnique, ["k"])
        XCTAssertEqual(statusAsker.expect(.statusResponseUnique)?.arguments, ["k", "1", "0", "0", "0", "2"])
        let worker = try worker("f")
        worker.send(.grabJobUnique)
        XCTAssertEqual(worker.expect(.jobAssignUnique)?.arguments, [handle, "f", "k", "data"])
        worker.send(.workComplete, [handle, "done"])
        XCTAssertEqual(first.expect(.workComplete)?.arguments, [handle, "done"])
        XCTAssertEqual(second.expect(.workComplete)?.arguments, [handle, "done"])
    }

    func testStatusDataWarningAndExceptionReachTheClient() throws {
        let client = try connect()
        client.send(.optionRequest, ["exceptions"])
        XCTAssertEqual(client.expect(.optionResponse)?.arguments, ["exceptions"])
        let handle = submit(client, "f", "x")
        let worker = try worker("f")
        worker.send(.grabJob)
        worker.expect(.jobAssign)
        worker.send(.workStatus, [handle, "1", "4"])
        worker.send(.workData, [handle, "partial"])
        worker.send(.workWarning, [handle, "careful"])
        XCTAssertEqual(client.expect(.workStatus)?.arguments, [handle, "1", "4"])
        XCTAssertEqual(client.expect(.workData)?.arguments, [handle, "partial"])
        XCTAssertEqual(client.expect(.workWarning)?.arguments, [handle, "careful"])
        let asker = try connect()
        asker.send(.getStatus, [handle])
        XCTAssertEqual(asker.expect(.statusResponse)?.arguments, [handle, "1", "1", "1", "4"])
        worker.send(.workException, [handle, "boom"])
        XCTAssertEqual(client.expect(.workException)?.arguments, [handle, "boom"])
        asker.send(.getStatus, [handle])
        XCTAssertEqual(asker.expect(.statusResponse)?.arguments, [handle, "0", "0", "0", "0"])
    }

    func testExceptionForAClientThatDidNotAskIsAFailure() throws {
        let client = try connect()
        let handle = submit(client, "f", "x")
        let worker = try worker("f")
        worker.send(.grabJob)
        worker.expect(.jobAssign)
        worker.send(.workException, [handle, "boom"])
        XCTAssertEqual(client.expect(.workFail)?.arguments, [handle])
    }

    func testWorkerDeathPutsTheJobBackAtTheHead() throws {
        let client = try connect()
        let first = submit(client, "f", "first", kind: .submitJobBackground)
        submit(client, "f", "second", kind: .submitJobBackground)
        let dying = try worker("f")
        dying.send(.grabJob)
        XCTAssertEqual(dying.expect(.jobAssign)?.arguments.first, first)
        close(dying.fd)
        let survivor = try worker("f")
        XCTAssertTrue(eventually {
            survivor.send(.grabJob)
            let reply = survivor.receive()
            return reply?.type == RawConnection.Kind.jobAssign.rawValue && reply?.arguments[2] == "first"
        })
    }

    func testJobRetriesFailAJobWhoseWorkersKeepDying() throws {
        let strict = try startServer(.bundled, ["--job-retries=2"])
        let client = try connect(strict)
        let handle = submit(client, "poison", "x")
        for _ in 0..<2 {
            let dying = try worker("poison", on: strict)
            dying.send(.grabJob)
            XCTAssertEqual(dying.expect(.jobAssign)?.arguments.first, handle)
            close(dying.fd)
        }
        XCTAssertEqual(client.expect(.workFail)?.arguments, [handle])
    }

    func testCanDoTimeoutFailsAJobThatRunsTooLong() throws {
        let client = try connect()
        let handle = submit(client, "slow", "x")
        let worker = try connect()
        worker.send(.canDoTimeout, ["slow", "1000"])
        worker.send(.grabJob)
        worker.expect(.jobAssign)
        let started = Date()
        XCTAssertEqual(client.expect(.workFail, timeout: 10)?.arguments, [handle])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9)
        // The late result is dropped quietly: the worker's next request gets a normal answer.
        worker.send(.workComplete, [handle, "late"])
        worker.send(.grabJob)
        worker.expect(.noJob)
    }

    func testEpochJobRunsAtItsTimeNotBefore() throws {
        let runAt = Int(Date().timeIntervalSince1970) + 2
        let client = try connect()
        client.send(.submitJobEpoch, ["later", "", "\(runAt)", "payload"])
        client.expect(.jobCreated)
        let worker = try worker("later")
        worker.send(.grabJob)
        worker.expect(.noJob)
        worker.send(.preSleep)
        worker.expect(.noop, timeout: 10)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince1970, Double(runAt) - 0.01)
        worker.send(.grabJob)
        XCTAssertEqual(worker.expect(.jobAssign)?.arguments[2], "payload")
    }

    func testOneJobWakesOneOfManySleepingWorkers() throws {
        // No second wake-up during the test: the retry comes after 10 s.
        let server = try startServer(.bundled, ["--wakeup-retry=10000"])
        let sleepers = try (0..<4).map { _ in try worker("f", on: server) }
        sleepers.forEach { $0.send(.preSleep) }
        let bystander = try worker("other", on: server)
        bystander.send(.preSleep)
        usleep(100_000)
        submit(try connect(server), "f", "x", kind: .submitJobBackground)
        let woken = sleepers.filter { $0.receive(timeout: 0.5)?.type == RawConnection.Kind.noop.rawValue }
        XCTAssertEqual(woken.count, 1)
        XCTAssertNil(bystander.receive(timeout: 0.2))
    }

    func testAdminSeesClientIDAndAbilities() throws {
        let worker = try worker("resize", "crop")
        worker.send(.setClientID, ["thumbnailer-1"])
        let admin = try connect()
        XCTAssertTrue(eventually {
            admin.adminReply("workers").contains(" 127.0.0.1 thumbnailer-1 : crop resize\n")
        })
    }

    func testMaxQueueRejectsSubmissionsOverTheLimit() throws {
        let admin = try connect()
        XCTAssertEqual(admin.adminReply("create function limited"), "OK\r\n")
        XCTAssertEqual(admin.adminReply("maxqueue limited 1"), "OK\r\n")
        let client = try connect()
        submit(client, "limited", "one", kind: .submitJobBackground)
        client.send(.submitJobBackground, ["limited", "", "two"])
        XCTAssertEqual(client.expect(.error)?.arguments, ["QUEUE_ERROR", "Job queue is full"])
    }

    func testCancelJobFailsItsWaitingClients() throws {
        let client = try connect()
        let handle = submit(client, "f", "x")
        XCTAssertEqual(try connect().adminReply("cancel job \(handle)"), "OK\r\n")
        XCTAssertEqual(client.expect(.workFail)?.arguments, [handle])
        XCTAssertEqual(try connect().adminReply("status"), "f\t0\t0\t0\n.\n")
    }

    func testShowUniqueJobsNamesFunctionAndHandle() throws {
        let handle = submit(try connect(), "f", unique: "key-1", "x", kind: .submitJobBackground)
        XCTAssertEqual(try connect().adminReply("show unique jobs"), "key-1\tf\t\(handle)\n.\n")
    }
}
