import GearmanProtocol
import XCTest
@testable import GearmanBench

final class JobSourceTests: XCTestCase {
    func testJobsTakeFunctionsInTurnWithDistinctKeysAndTheWorkload() {
        var jobs = Wire.source(functions: ["bench0", "bench1", "bench2"], connection: 1, quota: 4)
        XCTAssertEqual(jobs.next(), Wire.request(.submitJobBackground, "bench1", "abc-1-0", "xxx"))
        XCTAssertEqual(jobs.next(), Wire.request(.submitJobBackground, "bench2", "abc-1-1", "xxx"))
        XCTAssertEqual(jobs.next(), Wire.request(.submitJobBackground, "bench0", "abc-1-2", "xxx"))
        XCTAssertEqual(jobs.next(), Wire.request(.submitJobBackground, "bench1", "abc-1-3", "xxx"))
        XCTAssertNil(jobs.next(), "the quota of 4 is used up")
        XCTAssertEqual(jobs.remaining, 0)
    }

    func testEmptyKeysAndEmptyWorkload() {
        var jobs = Wire.source(.submitJob, payload: 0, distinct: false, quota: 2)
        XCTAssertEqual(jobs.next(), Wire.request(.submitJob, "bench0", "", ""))
        XCTAssertEqual(jobs.next(), Wire.request(.submitJob, "bench0", "", ""))
        XCTAssertNil(jobs.next())
    }

    func testNoQuotaNeverEnds() {
        var jobs = Wire.source(quota: nil)
        for _ in 0..<10_000 { XCTAssertNotNil(jobs.next()) }
        XCTAssertNil(jobs.remaining)
    }

    func testQuotasSplitTheJobsEvenly() {
        XCTAssertEqual(JobSource.quotas(jobs: 10, connections: 4), [3, 3, 2, 2])
        XCTAssertEqual(JobSource.quotas(jobs: 8, connections: 4), [2, 2, 2, 2])
        XCTAssertEqual(JobSource.quotas(jobs: 2, connections: 4), [1, 1, 0, 0])
        XCTAssertEqual(JobSource.quotas(jobs: nil, connections: 2), [nil, nil])
    }
}
