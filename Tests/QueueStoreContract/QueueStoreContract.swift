import GearmanServer
import NIOCore
import XCTest

/// What every queue store must do, whatever it writes to: each store's tests run these with a
/// way to open (and reopen) their store.
public enum QueueStoreContract {
    /// A stored job of function `function` whose workload names its unique key.
    public static func job(_ unique: String, _ function: String = "f", priority: Priority = .normal, when: Int64 = 0,
                           failures: FailureHistory? = nil) -> StoredJob {
        StoredJob(function: function, unique: unique, priority: priority, data: ByteBuffer(string: "data of \(unique)"),
                  whenToRun: when, failures: failures)
    }

    /// Committed jobs come back after a reopen in the order they were stored, with every field,
    /// binary workloads and quotes in keys included; a removed one does not.
    public static func committedJobsComeBackInOrderWithTheirFields(open: () throws -> any QueueStore,
                                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try open()
        var binary = ByteBuffer(bytes: [0, 1, 2, 255, 0, 39, 92])
        binary.writeString("'; DROP TABLE queue; --")
        let jobs = [job("a", priority: .high), job("b", "g", priority: .low, when: 1_900_000_000), job("c"),
                    StoredJob(function: "bin", unique: "it's \"quoted\"", priority: .normal, data: binary),
                    StoredJob(function: "empty", unique: "e", priority: .normal, data: ByteBuffer())]
        try store.commit(jobs.map { .add($0) }).bounded()
        try store.commit([.remove(function: "f", unique: "a")]).bounded()
        try store.close().bounded()
        let reopened = try open()
        XCTAssertEqual(try reopened.load().bounded(), Array(jobs.dropFirst()), file: file, line: line)
        try reopened.close().bounded()
    }

    /// Added, removed and added again with the same key in one commit: the second job stays,
    /// last in order.
    public static func changesApplyInOrderWithinOneCommit(open: () throws -> any QueueStore,
                                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try open()
        let second = StoredJob(function: "f", unique: "k", priority: .normal, data: ByteBuffer(string: "second"))
        try store.commit([.add(job("k")), .add(job("m")), .remove(function: "f", unique: "k"), .add(second)]).bounded()
        XCTAssertEqual(try store.load().bounded(), [job("m"), second], file: file, line: line)
        try store.close().bounded()
    }
}
