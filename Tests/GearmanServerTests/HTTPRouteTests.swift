import GearmanProtocol
import NIOCore
import NIOHTTP1
import XCTest
@testable import GearmanServer

final class HTTPRouteTests: XCTestCase {
    private func route(_ method: HTTPMethod, _ uri: String, _ headers: [(String, String)] = []) -> HTTPRoute {
        HTTPRoute(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers)))
    }

    func testMetricsAndStatusAreReadWithGet() {
        XCTAssertEqual(route(.GET, "/metrics"), .metrics)
        XCTAssertEqual(route(.GET, "/status?pretty"), .status)
        XCTAssertEqual(route(.POST, "/metrics"), .submit(function: "metrics", unique: "-", priority: .normal, background: false))
    }

    func testSubmissionsTakeGearmandsHeaders() {
        XCTAssertEqual(route(.POST, "/reverse"), .submit(function: "reverse", unique: "-", priority: .normal, background: false))
        XCTAssertEqual(route(.PUT, "//resize%20image", [("X-Gearman-Unique", "img-7"), ("x-gearman-priority", "HIGH"),
                                                        ("X-Gearman-Background", "true")]),
                       .submit(function: "resize image", unique: "img-7", priority: .high, background: true))
        XCTAssertEqual(route(.GET, "/f", [("X-Gearman-Priority", "low")]),
                       .submit(function: "f", unique: "-", priority: .low, background: false))
    }

    func testBadRequestsAreRefusedWithTheRightStatus() {
        guard case .refuse(.notFound, _) = route(.POST, "/") else { return XCTFail("no function") }
        guard case .refuse(.methodNotAllowed, _) = route(.DELETE, "/f") else { return XCTFail("DELETE") }
        guard case .refuse(.badRequest, _) = route(.POST, "/f", [("X-Gearman-Priority", "urgent")]) else { return XCTFail("priority") }
        guard case .refuse(.badRequest, _) = route(.POST, "/bad%zz") else { return XCTFail("escape") }
        guard case .refuse(.badRequest, _) = route(.POST, "/nul%00byte") else { return XCTFail("NUL") }
    }
}

final class HTTPJobResponseTests: XCTestCase {
    private func packet(_ type: PacketType, _ arguments: String...) -> Packet {
        Packet(.response, type, arguments: arguments.map { ByteBuffer(string: $0) })
    }

    func testAForegroundJobAnswersWithItsDataAndResult() {
        var response = HTTPJobResponse(background: false)
        XCTAssertNil(response.receive(packet(.jobCreated, "H:h:1")))
        XCTAssertNil(response.receive(packet(.workData, "H:h:1", "part one, ")))
        XCTAssertNil(response.receive(packet(.workStatus, "H:h:1", "1", "2")))
        XCTAssertEqual(response.receive(packet(.workComplete, "H:h:1", "the end")),
                       .init(status: .ok, command: "WORK_COMPLETE", handle: "H:h:1", body: ByteBuffer(string: "part one, the end")))
    }

    func testABackgroundJobAnswersOnceCreated() {
        var response = HTTPJobResponse(background: true)
        XCTAssertEqual(response.receive(packet(.jobCreated, "H:h:2")),
                       .init(status: .ok, command: "JOB_CREATED", handle: "H:h:2", body: ByteBuffer()))
    }

    func testFailuresAreServerErrors() {
        var failed = HTTPJobResponse(background: false)
        _ = failed.receive(packet(.jobCreated, "H:h:3"))
        XCTAssertEqual(failed.receive(packet(.workFail, "H:h:3"))?.status, .internalServerError)
        var exception = HTTPJobResponse(background: false)
        XCTAssertEqual(exception.receive(packet(.workException, "H:h:4", "boom")),
                       .init(status: .internalServerError, command: "WORK_EXCEPTION", handle: nil, body: ByteBuffer(string: "boom")))
        var refused = HTTPJobResponse(background: true)
        XCTAssertEqual(refused.receive(packet(.error, "QUEUE_ERROR", "Job queue is full"))?.status, .serviceUnavailable)
    }
}
