import NIOCore
import XCTest
@testable import GearmanServer

final class JobTableTests: XCTestCase {
    private func job(_ number: UInt64, function: String = "f") -> Job {
        Job(id: JobID(number: number), function: function, unique: ByteBuffer(string: "u\(number)"),
            data: ByteBuffer(string: "d"), priority: .normal, background: true)
    }

    func testJobsAreFoundByIDAndChangedInPlace() {
        var table = JobTable()
        table.insert(job(1))
        table.insert(job(2))
        table[JobID(number: 2)]?.clients.append(ConnectionID(7))
        XCTAssertEqual(table[JobID(number: 2)]?.clients, [ConnectionID(7)])
        XCTAssertEqual(table[JobID(number: 1)]?.clients, [])
        XCTAssertNil(table[JobID(number: 3)])
        XCTAssertEqual(table.count, 2)
        table.update(JobID(number: 1)) { $0.phase = .running(by: ConnectionID(9)) }
        table.update(JobID(number: 3)) { $0.phase = .running(by: ConnectionID(9)) }
        XCTAssertEqual(table[JobID(number: 1)]?.worker, ConnectionID(9))
        XCTAssertNil(table[JobID(number: 2)]?.worker)
        XCTAssertNil(table[JobID(number: 3)], "updating a job the table does not hold adds none")
        XCTAssertEqual(table.count, 2)
    }

    func testRemovedJobsFreeTheirSlotForTheNextJob() {
        var table = JobTable()
        for number: UInt64 in 1...3 { table.insert(job(number)) }
        XCTAssertEqual(table.removeValue(forKey: JobID(number: 2))?.id, JobID(number: 2))
        XCTAssertNil(table.removeValue(forKey: JobID(number: 2)), "removed once")
        table[JobID(number: 1)] = nil
        table.insert(job(4))
        XCTAssertEqual(table.all.map(\.id.number).sorted(), [3, 4])
        XCTAssertEqual(table.count, 2)
    }

    func testAssigningThroughTheSubscriptInsertsAJob() {
        var table = JobTable()
        table[JobID(number: 9)] = job(9)
        XCTAssertEqual(table[JobID(number: 9)].map { String(buffer: $0.unique) }, "u9")
    }

    func testAnEmptiedTableStartsAfresh() {
        var table = JobTable()
        for number in 1...5000 { table.insert(job(UInt64(number))) }
        for number in 1...5000 { table[JobID(number: UInt64(number))] = nil }
        XCTAssertEqual(table.count, 0)
        XCTAssertTrue(table.all.isEmpty)
        table.insert(job(5001))
        XCTAssertEqual(table.all.map(\.id.number), [5001])
    }

    func testACopiedJobKeepsItsOwnRarelyUsedFields() {
        var first = job(1)
        first.runAt = 100
        var second = first
        second.runAt = 200
        second.progress = (1, 2)
        XCTAssertEqual(first.runAt, 100)
        XCTAssertEqual(first.progress.numerator, 0)
        XCTAssertEqual(second.runAt, 200)
        second.runAt = nil
        XCTAssertEqual(first.runAt, 100)
        XCTAssertNil(second.runAt)
    }

    func testHandlesAreReadBackOnlyWhenThisServerIssuedThem() {
        var scheduler = Scheduler(handlePrefix: "H:host")
        scheduler.connect(ConnectionID(1))
        for _ in 1...12 {
            _ = scheduler.submit(Submission(function: "f", unique: "", data: ByteBuffer(), priority: .normal, background: true),
                                 from: ConnectionID(1))
        }
        XCTAssertEqual(scheduler.handle(of: JobID(number: 12)), "H:host:12")
        XCTAssertEqual(scheduler.jobID("H:host:12"), JobID(number: 12))
        XCTAssertEqual(scheduler.jobID("H:host:1"), JobID(number: 1))
        for foreign in ["H:host:13", "H:host:0", "H:host:012", "H:other:1", "H:host:", "H:host:1x", "H:host:-1",
                        "H:host:99999999999999999999999", "host:1", ""] {
            XCTAssertNil(scheduler.jobID(foreign), foreign)
        }
    }
}
