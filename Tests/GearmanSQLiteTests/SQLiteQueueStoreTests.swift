import GearmanServer
import Logging
import NIOCore
import NIOPosix
import QueueStoreContract
import XCTest
@testable import GearmanSQLite

final class SQLiteQueueStoreTests: XCTestCase {
    private var directory = ""
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    override func setUpWithError() throws {
        var template = Array("/tmp/gearman-store-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        directory = String(cString: made)
    }

    override func tearDownWithError() throws {
        _ = try? FileManager.default.removeItem(atPath: directory)
        try group.syncShutdownGracefully()
    }

    private func open(_ name: String = "queue.db", table: String = "gearman_queue") throws -> SQLiteQueueStore {
        try SQLiteQueueStore.open(path: "\(directory)/\(name)", table: table, on: group.next(), logger: Logger(label: "test"))
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

    func testFailureHistoriesAndDeadJobsAreKeptBesideTheQueue() throws {
        let store = try open()
        let history = FailureHistory(attempts: 2, lastFailure: "disk full", firstSubmitted: 1_700_000_000_123, lastFailed: 1_700_000_100_456)
        var retrying = job("r", when: 1_700_000_200)
        retrying.failures = history
        var dying = job("d", priority: .high)
        dying.failures = FailureHistory(attempts: 3, lastFailure: "gone", firstSubmitted: 5, lastFailed: 6)
        var older = job("o", "g")
        older.failures = FailureHistory(attempts: 1, lastFailure: "x", firstSubmitted: 1, lastFailed: 2)
        try store.commit([.add(job("plain")), .add(retrying), .add(job("d", priority: .high)), .bury(older)]).wait()
        try store.commit([.bury(dying), .unbury(function: "g", unique: "o")]).wait()
        try store.close().wait()
        let reopened = try open()
        XCTAssertEqual(try reopened.load().wait(), [job("plain"), retrying])
        XCTAssertEqual(try reopened.loadDead().wait(), [dying])
        // A job that ends takes its failure history with it.
        try reopened.commit([.remove(function: "f", unique: "r"), .add(job("r"))]).wait()
        XCTAssertEqual(try reopened.load().wait(), [job("plain"), job("r")])
        try reopened.removeAll().wait()
        XCTAssertEqual(try reopened.load().wait(), [])
        XCTAssertEqual(try reopened.loadDead().wait(), [])
        try reopened.close().wait()
    }

    func testThousandsOfChangesSpanSeveralStatements() throws {
        let store = try open()
        let jobs = (0..<1_234).map { job("u\($0)") }
        try store.commit(jobs.map { .add($0) }).wait()
        try store.commit(jobs.prefix(1_000).map { .remove(function: $0.function, unique: $0.unique) }).wait()
        XCTAssertEqual(try store.load().wait(), Array(jobs.dropFirst(1_000)))
        try store.close().wait()
    }

    func testAFileThatIsNotSQLiteIsRefusedUnchanged() throws {
        let path = "\(directory)/notes.txt"
        let text = String(repeating: "not a database\n", count: 100)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try open("notes.txt")) { error in
            XCTAssertTrue("\(error)".contains("is not an SQLite database"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text)
    }

    func testACorruptDatabaseIsRefused() throws {
        let store = try open()
        try store.commit((0..<2_000).map { .add(job("u\($0)")) }).wait()
        try store.close().wait()
        let path = "\(directory)/queue.db"
        // Checkpointed by the close; scribble over the pages after the header page.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        handle.seek(toFileOffset: 4096)
        handle.write(Data(repeating: 0xA5, count: 16_384))
        handle.closeFile()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    func testATableWithAnotherSchemaIsRefused() throws {
        let store = try open(table: "gearman_queue")
        try store.close().wait()
        XCTAssertNoThrow(try open(table: "other_queue").close().wait())
        // A table of the same name but other columns: made through a second store's own table check.
        let path = "\(directory)/foreign.db"
        let made = try open("foreign.db", table: "jobs")
        try made.close().wait()
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [path, "CREATE TABLE accounts (id INTEGER, name TEXT)"]
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { throw XCTSkip("sqlite3 is not installed") }
        try sqlite.run()
        sqlite.waitUntilExit()
        XCTAssertThrowsError(try open("foreign.db", table: "accounts")) { error in
            XCTAssertTrue("\(error)".contains("has the columns id, name"), "\(error)")
        }
    }

    func testAMissingDirectoryIsNamed() {
        XCTAssertThrowsError(try open("no/such/dir/queue.db")) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testAnInvalidTableNameIsRefused() {
        XCTAssertThrowsError(try open(table: "x; DROP TABLE y")) { error in
            XCTAssertTrue("\(error)".contains("invalid table name"), "\(error)")
        }
    }
}
