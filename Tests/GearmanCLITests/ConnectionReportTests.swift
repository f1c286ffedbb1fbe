import GearmanKit
import GearmanTool
import XCTest
@testable import GearmanCLI

/// What a worker says about its job servers going away and coming back.
final class ConnectionReportTests: XCTestCase {
    private let a = ServerAddress(host: "127.0.0.1", port: 4730)
    private let b = ServerAddress(host: "gm2", port: 4731)
    private let refused = "Connection refused (GEARMAN_COULD_NOT_CONNECT)"

    func testTheFailureIsSaidOnceNamingTheServers() throws {
        var report = ConnectionReport(servers: [a, b])
        let line = try XCTUnwrap(report.failed(reason: refused))
        XCTAssertTrue(line.hasPrefix("cannot connect to job server 127.0.0.1:4730,gm2:4731: Connection refused (GEARMAN_COULD_NOT_CONNECT); retrying"), line)
        XCTAssertNil(report.failed(reason: refused))
        XCTAssertNil(report.retrying(now: 0) { _ in false })
    }

    /// A server that answers a probe is named at once, before any job, and without "again".
    func testAProbeThatAnswersNamesOnlyThatServer() throws {
        var report = ConnectionReport(servers: [a, b])
        _ = report.failed(reason: refused)
        XCTAssertEqual(report.retrying(now: 0) { $0 == self.b }, "connected to job server gm2:4731")
        XCTAssertFalse(report.down)
        XCTAssertNil(report.succeeded(), "said twice")
        XCTAssertNotNil(report.failed(reason: refused), "a second outage is said again")
    }

    func testNothingIsSaidWhileTheServersWereNeverDown() {
        var report = ConnectionReport(servers: [a])
        XCTAssertNil(report.retrying(now: 0) { _ in true })
        XCTAssertNil(report.succeeded())
    }

    /// The slots of `-j` retry together; the servers are probed once a second, not once per slot.
    func testProbesAreAtMostOneASecond() {
        var report = ConnectionReport(servers: [a])
        _ = report.failed(reason: refused)
        var probes = 0
        let probe = { (_: ServerAddress) -> Bool in probes += 1; return false }
        for now in [10.0, 10.1, 10.9] { XCTAssertNil(report.retrying(now: now, reachable: probe)) }
        XCTAssertEqual(probes, 1)
        XCTAssertEqual(report.retrying(now: 11.0) { _ in true }, "connected to job server 127.0.0.1:4730")
    }

    func testAJobAfterAnOutageNamesTheServers() {
        var report = ConnectionReport(servers: [a])
        _ = report.failed(reason: refused)
        XCTAssertEqual(report.succeeded(), "connected to job server 127.0.0.1:4730")
    }
}
