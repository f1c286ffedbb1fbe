import XCTest
@testable import GearmanBench

final class LatencySummaryTests: XCTestCase {
    func testNearestRankPercentiles() {
        let thousand = LatencySummary(nanoseconds: Array(1...1000).map(UInt64.init).shuffled())
        XCTAssertEqual(thousand, LatencySummary(p50: 500, p99: 990, p999: 999))

        let hundred = LatencySummary(nanoseconds: Array(1...100).map(UInt64.init).reversed())
        XCTAssertEqual(hundred, LatencySummary(p50: 50, p99: 99, p999: 100), "99% of 100 samples is the 99th")

        let twenty = LatencySummary(nanoseconds: Array(repeating: 5, count: 19) + [900])
        XCTAssertEqual(twenty, LatencySummary(p50: 5, p99: 900, p999: 900), "with 20 samples the slowest is the 99th percentile")
    }

    func testOneSampleAndNone() {
        XCTAssertEqual(LatencySummary(nanoseconds: [42]), LatencySummary(p50: 42, p99: 42, p999: 42))
        XCTAssertNil(LatencySummary(nanoseconds: []))
    }
}
