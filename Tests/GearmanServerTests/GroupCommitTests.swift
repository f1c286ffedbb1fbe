import NIOCore
import XCTest
@testable import GearmanServer

final class GroupCommitTests: XCTestCase {
    private func add(_ unique: String) -> QueueChange {
        .add(StoredJob(function: "f", unique: unique, priority: .normal, data: ByteBuffer()))
    }

    func testChangesThatArriveDuringACommitGoOutTogetherInTheNext() {
        var commit = GroupCommit()
        commit.add(add("a"), acknowledging: JobID(number: 1))
        XCTAssertEqual(commit.nextBatch(), .init(changes: [add("a")], acknowledging: [JobID(number: 1)]))
        commit.add(add("b"), acknowledging: JobID(number: 2))
        commit.add(.remove(function: "f", unique: "z"))
        commit.add(add("c"), acknowledging: JobID(number: 3))
        XCTAssertNil(commit.nextBatch(), "a second commit started while one runs")
        XCTAssertEqual(commit.finished(succeeded: true), .init(acknowledged: [JobID(number: 1)], rejected: []))
        XCTAssertEqual(commit.nextBatch(), .init(changes: [add("b"), .remove(function: "f", unique: "z"), add("c")],
                                                 acknowledging: [JobID(number: 2), JobID(number: 3)]))
        _ = commit.finished(succeeded: true)
        XCTAssertTrue(commit.isIdle)
    }

    func testAFailedCommitRejectsItsJobsAndRetriesItsRemovals() {
        var commit = GroupCommit()
        commit.add(add("a"), acknowledging: JobID(number: 1))
        commit.add(.remove(function: "f", unique: "old"))
        _ = commit.nextBatch()
        commit.add(add("b"), acknowledging: JobID(number: 2))
        XCTAssertEqual(commit.finished(succeeded: false), .init(acknowledged: [], rejected: [JobID(number: 1)]))
        XCTAssertEqual(commit.nextBatch(), .init(changes: [.remove(function: "f", unique: "old"), add("b")],
                                                 acknowledging: [JobID(number: 2)]))
    }

    func testABatchIsCappedAndTheRestKeepsItsAcknowledgements() {
        var commit = GroupCommit(maximumBatch: 2)
        commit.add(add("a"), acknowledging: JobID(number: 1))
        commit.add(.remove(function: "f", unique: "x"))
        commit.add(add("b"), acknowledging: JobID(number: 2))
        XCTAssertEqual(commit.nextBatch()?.acknowledging, [JobID(number: 1)])
        _ = commit.finished(succeeded: true)
        XCTAssertEqual(commit.nextBatch(), .init(changes: [add("b")], acknowledging: [JobID(number: 2)]))
    }

    func testFinishedWithoutACommitRunningChangesNothing() {
        var commit = GroupCommit()
        XCTAssertEqual(commit.finished(succeeded: false), .init())
        XCTAssertTrue(commit.isIdle)
    }
}
