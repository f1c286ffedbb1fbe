@preconcurrency import Glibc
import GearmanServer
import Logging
import NIOCore
import NIOPosix
import PostgresTestSupport
import QueueStoreContract
import XCTest
@testable import GearmanPostgres

/// The store against a real PostgreSQL server, started for each test.
final class PostgresQueueStoreTests: XCTestCase {
    private var postgres: PostgresInstance!
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    override class func setUp() {
        super.setUp()
        // XCTest's lines reach a CI log as they are written, as in the integration tests.
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    override func setUpWithError() throws {
        postgres = try PostgresInstance()
    }

    override func tearDownWithError() throws {
        postgres?.destroy()
        try group.syncShutdownGracefully()
    }

    private func open(table: String = "queue") throws -> PostgresQueueStore {
        try PostgresQueueStore.open(conninfo: postgres.conninfo, table: table, logger: Logger(label: "test"))
    }

    private func job(_ unique: String, _ function: String = "f", priority: Priority = .normal, when: Int64 = 0,
                     failures: FailureHistory? = nil) -> StoredJob {
        QueueStoreContract.job(unique, function, priority: priority, when: when, failures: failures)
    }

    func testCommittedJobsComeBackInOrderWithTheirFields() throws {
        try QueueStoreContract.committedJobsComeBackInOrderWithTheirFields { try open() }
    }

    func testChangesApplyInOrderWithinOneCommit() throws {
        try QueueStoreContract.changesApplyInOrderWithinOneCommit { try open() }
    }

    func testARetryReplacesTheJobAndKeepsItsFailureHistory() throws {
        let store = try open()
        try store.commit([.add(job("a")), .add(job("b"))]).bounded()
        let history = FailureHistory(attempts: 2, lastFailure: "exit 3", firstSubmitted: 1_000, lastFailed: 2_000)
        let retried = job("a", when: 1_800_000_000, failures: history)
        try store.commit([.add(retried)]).bounded()
        XCTAssertEqual(try store.load().bounded(), [job("b"), retried])
        try store.commit([.remove(function: "f", unique: "a")]).bounded()
        try store.commit([.add(job("a"))]).bounded()
        XCTAssertEqual(try store.load().bounded(), [job("b"), job("a")], "a removed job's history goes with it")
        try store.close().bounded()
    }

    func testANewJobWhoseRowIsThereAlreadyReplacesIt() throws {
        // As after a commit that was written but whose answer was lost: the job is submitted again.
        let store = try open()
        try store.commit([.add(job("a"))]).bounded()
        let again = StoredJob(function: "f", unique: "a", priority: .high, data: ByteBuffer(string: "again"))
        try store.commit([.add(job("b")), .add(again)]).bounded()
        XCTAssertEqual(try store.load().bounded(), [job("b"), again])
        try store.close().bounded()
    }

    func testBuriedJobsMoveToTheDeadListAndBack() throws {
        let store = try open()
        let history = FailureHistory(attempts: 3, lastFailure: "boom", firstSubmitted: 10, lastFailed: 30)
        let failing = job("x", priority: .high, failures: history)
        try store.commit([.add(failing), .add(job("y"))]).bounded()
        let older = job("z", failures: FailureHistory(attempts: 1, lastFailure: "old", firstSubmitted: 1, lastFailed: 5))
        try store.commit([.bury(failing), .bury(older)]).bounded()
        XCTAssertEqual(try store.load().bounded(), [job("y")])
        XCTAssertEqual(try store.loadDead().bounded(), [older, failing])
        try store.commit([.unbury(function: "f", unique: "x"), .add(job("x"))]).bounded()
        XCTAssertEqual(try store.loadDead().bounded(), [older])
        XCTAssertEqual(try store.load().bounded(), [job("y"), job("x")])
        try store.removeAll().bounded()
        XCTAssertEqual(try store.load().bounded(), [])
        XCTAssertEqual(try store.loadDead().bounded(), [])
        try store.close().bounded()
    }

    func testALargeCommitIsOneTransactionOfSeveralStatements() throws {
        let store = try open()
        let big = ByteBuffer(repeating: 7, count: 1 << 20)
        let jobs = (0..<40).map { StoredJob(function: "f", unique: "u\($0)", priority: .normal, data: big) }
            + (0..<25_000).map { job("s\($0)") }
        try store.commit(jobs.map { .add($0) }).bounded()
        XCTAssertEqual(try store.load().bounded(), jobs)
        try store.commit(jobs.map { .remove(function: $0.function, unique: $0.unique) }).bounded()
        XCTAssertEqual(try postgres.psql("SELECT count(*) FROM queue").trimmingCharacters(in: .whitespacesAndNewlines), "0")
        try store.close().bounded()
    }

    func testGearmandsTableIsUsedAsIsWithAnOrderColumnAdded() throws {
        // The table as gearmand 1.1 creates it, with a job gearmand stored.
        try postgres.psql("""
            CREATE TABLE queue (unique_key VARCHAR(64), function_name VARCHAR(255), priority INTEGER, data BYTEA,
            when_to_run INTEGER, UNIQUE (unique_key, function_name));
            INSERT INTO queue (priority, unique_key, function_name, data, when_to_run) VALUES (0, 'u1', 'f', 'one'::bytea, 0);
            INSERT INTO queue (priority, unique_key, function_name, data, when_to_run) VALUES (2, 'u2', 'f', 'two'::bytea, 5);
            """)
        let store = try open()
        XCTAssertEqual(try store.load().bounded(), [
            StoredJob(function: "f", unique: "u1", priority: .high, data: ByteBuffer(string: "one")),
            StoredJob(function: "f", unique: "u2", priority: .low, data: ByteBuffer(string: "two"), whenToRun: 5),
        ])
        try store.commit([.add(job("u3"))]).bounded()
        try store.close().bounded()
        // gearmand's own statements still work on it.
        try postgres.psql("INSERT INTO queue (priority, unique_key, function_name, data, when_to_run) VALUES (1, 'u4', 'f', 'x'::bytea, 0)")
        XCTAssertEqual(try postgres.psql("SELECT unique_key,function_name,priority,data,when_to_run FROM queue ORDER BY ordinal")
            .split(separator: "\n").map { $0.split(separator: "|")[0] }, ["u1", "u2", "u3", "u4"])
    }

    func testATableWithOtherColumnsIsRefusedUntouched() throws {
        try postgres.psql("CREATE TABLE accounts (id INTEGER, name TEXT); INSERT INTO accounts VALUES (1, 'a')")
        XCTAssertThrowsError(try open(table: "accounts")) { error in
            XCTAssertTrue("\(error)".contains("table accounts"), "\(error)")
            XCTAssertTrue("\(error)".contains("has the columns id, name"), "\(error)")
            XCTAssertTrue("\(error)".contains("unique_key, function_name, priority, data, when_to_run"), "\(error)")
        }
        XCTAssertEqual(try postgres.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts'")
            .trimmingCharacters(in: .whitespacesAndNewlines), "2")
        XCTAssertEqual(try postgres.psql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'accounts_%'")
            .trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    func testBadNamesAndUnreachableServersAreNamed() throws {
        XCTAssertThrowsError(try open(table: "x; DROP TABLE y")) { error in
            XCTAssertTrue("\(error)".contains("invalid table name"), "\(error)")
        }
        let closedPort = try LoopbackPort.free()
        XCTAssertThrowsError(try PostgresQueueStore.open(conninfo: "host=127.0.0.1 port=\(closedPort) user=gearman connect_timeout=2",
                                                         table: "queue", on: group.next(), logger: Logger(label: "test"))) { error in
            XCTAssertTrue("\(error)".contains("cannot connect to PostgreSQL at 127.0.0.1:\(closedPort)"), "\(error)")
        }
        XCTAssertThrowsError(try PostgresQueueStore.open(conninfo: postgres.conninfo + " dbname=nosuch", table: "queue",
                                                         on: group.next(), logger: Logger(label: "test"))) { error in
            XCTAssertTrue("\(error)".contains("database \"nosuch\" does not exist"), "\(error)")
        }
    }

    func testCommitsFailWhileTheServerIsAwayAndWorkAfterItReturns() throws {
        let store = try open()
        try store.commit([.add(job("before"))]).bounded()
        XCTAssertTrue(store.isAvailable)
        try postgres.stop()
        XCTAssertTrue(poll { !store.isAvailable })
        XCTAssertThrowsError(try store.commit([.add(job("while"))]).bounded()) { error in
            XCTAssertTrue("\(error)".contains("unreachable"), "\(error)")
        }
        try postgres.start()
        XCTAssertTrue(poll(timeout: 20) { store.isAvailable })
        try store.commit([.add(job("after"))]).bounded()
        XCTAssertEqual(try store.load().bounded(), [job("before"), job("after")])
        try store.close().bounded()
    }

    func testACommitWithNoAnswerFailsAfterTheTimeoutAndTheStoreReconnects() throws {
        let store = try PostgresQueueStore.open(conninfo: postgres.conninfo, table: "queue", on: group.next(),
                                                logger: Logger(label: "test"), answerTimeout: .seconds(1))
        try store.commit([.add(job("before"))]).bounded()
        // The backend serving the store, stopped, answers nothing and resets nothing, as behind a
        // network cut; the rest of PostgreSQL goes on and takes the store's new connection.
        let serving = try postgres.backends(of: "gearman-server")
        XCTAssertEqual(serving.count, 1)
        serving.forEach { kill($0, SIGSTOP) }
        defer { serving.forEach { kill($0, SIGCONT) } }
        let started = Date()
        XCTAssertThrowsError(try store.commit([.add(job("cut"))]).bounded())
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // The store reconnects on its own: commits fail at once until it is back, then succeed.
        XCTAssertTrue(poll(timeout: 30) { (try? store.commit([.add(job("after"))]).bounded()) != nil },
                      "the store did not reconnect while the old backend was stopped")
        XCTAssertEqual(try postgres.backends(of: "gearman-server").filter { !serving.contains($0) }.count, 1, "a new connection")
        XCTAssertEqual(try store.load().bounded().map(\.unique), ["before", "after"])
        try store.close().bounded()
    }

    func testAReconnectWithTheLargestConnectTimeoutDoesNotOverflowItsBound() throws {
        let store = try PostgresQueueStore.open(conninfo: postgres.conninfo + " connect_timeout=\(Int.max)", table: "queue",
                                                logger: Logger(label: "test"))
        try postgres.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gearman-server'")
        XCTAssertTrue(poll(timeout: 30) { (try? store.commit([.add(job("after"))]).bounded()) != nil }, "the store did not reconnect")
        try store.close().bounded()
    }

    private func poll(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
