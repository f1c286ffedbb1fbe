import XCTest
@testable import GearmanBench

final class BenchResultTests: XCTestCase {
    private func result(_ scenario: String, jobs: Int, seconds: Double, latency: LatencySummary?) throws -> BenchResult {
        BenchResult(options: try BenchOptions(parsing: [scenario]), server: "127.0.0.1:4730", jobs: jobs, seconds: seconds,
                    latency: latency)
    }

    func testRoundTripTable() throws {
        let rtt = try result("rtt", jobs: 20_000, seconds: 1.234, latency: LatencySummary(p50: 58_000, p99: 120_000, p999: 310_000))
        XCTAssertEqual(rtt.jobsPerSecond, 16_207)
        XCTAssertEqual(rtt.table, """
            scenario  server           jobs     seconds  jobs/s   p50 ms  p99 ms  p999 ms
            rtt       127.0.0.1:4730   20000    1.234    16207    0.058   0.120   0.310

            """)
    }

    func testThroughputTableHasNoLatencyAndWideValuesWidenTheirColumns() throws {
        let e2e = BenchResult(options: try BenchOptions(parsing: ["e2e"]), server: "localhost.localdomain:4730",
                              jobs: 123_456_789, seconds: 0.5, latency: nil)
        XCTAssertEqual(e2e.table, """
            scenario  server                      jobs       seconds  jobs/s     p50 ms  p99 ms  p999 ms
            e2e       localhost.localdomain:4730  123456789  0.500    246913578  -       -       -

            """)
    }

    func testRoundTripJSON() throws {
        let rtt = try result("rtt", jobs: 20_000, seconds: 1.234, latency: LatencySummary(p50: 58_000, p99: 120_000, p999: 310_000))
        XCTAssertEqual(rtt.json.text, #"{"scenario":"rtt","server":"127.0.0.1:4730","jobs":20000,"seconds":1.234,"#
            + #""jobs_per_second":16207,"payload_bytes":100,"connections":1,"workers":1,"depth":1,"worker_depth":1,"#
            + #""unique":"distinct","functions":1,"threads":1,"latency_ms":{"p50":0.058,"p99":0.12,"p999":0.31}}"#)
    }

    func testSubmitJSONHasNoWorkersAndNullLatency() throws {
        let submit = try result("submit", jobs: 2000, seconds: 0.25, latency: nil)
        XCTAssertEqual(submit.json.text, #"{"scenario":"submit","server":"127.0.0.1:4730","jobs":2000,"seconds":0.25,"#
            + #""jobs_per_second":8000,"payload_bytes":100,"connections":4,"workers":0,"depth":16,"worker_depth":0,"#
            + #""unique":"distinct","functions":1,"threads":1,"latency_ms":null}"#)
    }

    func testThreeDecimals() {
        XCTAssertEqual(BenchResult.fixed(0), "0.000")
        XCTAssertEqual(BenchResult.fixed(0.0004), "0.000")
        XCTAssertEqual(BenchResult.fixed(0.0005), "0.001")
        XCTAssertEqual(BenchResult.fixed(1.5), "1.500")
        XCTAssertEqual(BenchResult.fixed(12.0456), "12.046")
    }
}
