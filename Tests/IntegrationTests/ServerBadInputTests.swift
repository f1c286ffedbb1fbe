import Foundation
import XCTest

/// Bytes that are not the Gearman protocol: the offending connection gets an ERROR packet
/// or is closed, and every other client goes on being served.
final class ServerBadInputTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }

    /// Asserts that the server still answers a fresh client.
    private func assertStillServing(file: StaticString = #filePath, line: UInt = #line) throws {
        let probe = try RawConnection(port: server.port)
        probe.send(.echoRequest, ["still here"])
        XCTAssertEqual(probe.receive()?.arguments, ["still here"], "the server stopped serving", file: file, line: line)
    }

    private func assertRejected(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        let bystander = try RawConnection(port: server.port)
        let bad = try RawConnection(port: server.port)
        bad.send(bytes: bytes)
        let reply = bad.receive(timeout: 5)
        if let reply { XCTAssertEqual(reply.type, RawConnection.Kind.error.rawValue, "\(reply)", file: file, line: line) }
        XCTAssertTrue(bad.isClosedByServer(), "the bad connection stayed open", file: file, line: line)
        bystander.send(.echoRequest, ["bystander"])
        XCTAssertEqual(bystander.receive()?.arguments, ["bystander"], file: file, line: line)
        try assertStillServing(file: file, line: line)
    }

    func testWrongMagic() throws {
        try assertRejected([0, 0x58, 0x59, 0x5a] + RawConnection.bigEndian(16) + RawConnection.bigEndian(0))
    }

    func testResponseMagicFromAClientGetsAnError() throws {
        let connection = try RawConnection(port: server.port)
        connection.send(bytes: [0, 0x52, 0x45, 0x53] + RawConnection.bigEndian(16) + RawConnection.bigEndian(0))
        XCTAssertEqual(connection.receive()?.arguments.first, "INVALID_COMMAND")
        try assertStillServing()
    }

    func testUnknownPacketType() throws {
        try assertRejected(RawConnection.packet(999, []))
    }

    func testDeclaredLengthOverTheLimit() throws {
        let small = try startServer(.bundled, ["--max-packet-size=1024"])
        let connection = try RawConnection(port: small.port)
        connection.send(bytes: [0, 0x52, 0x45, 0x51] + RawConnection.bigEndian(7) + RawConnection.bigEndian(1025))
        XCTAssertEqual(connection.receive()?.arguments.first, "INVALID_PACKET")
        XCTAssertTrue(connection.isClosedByServer())
        let probe = try RawConnection(port: small.port)
        probe.send(.echoRequest, ["ok"])
        XCTAssertEqual(probe.receive()?.arguments, ["ok"])
    }

    func testRequestWithMissingArguments() throws {
        try assertRejected(RawConnection.packet(RawConnection.Kind.submitJob.rawValue, [Array("only-a-function".utf8)]))
    }

    func testGarbageText() throws {
        let connection = try RawConnection(port: server.port)
        connection.send(bytes: Array("GET / HTTP/1.0\r\n\r\n".utf8))
        XCTAssertTrue(connection.adminReply("").hasPrefix("ERR UNKNOWN_COMMAND"))
        try assertStillServing()
    }

    func testEndlessAdminLineIsCut() throws {
        try assertRejected(Array(repeating: UInt8(ascii: "x"), count: 20000))
    }

    func testHalfAPacketThenClose() throws {
        for _ in 0..<20 {
            let connection = try RawConnection(port: server.port)
            connection.send(bytes: Array(RawConnection.packet(RawConnection.Kind.submitJob.rawValue,
                                                              [Array("f".utf8), [], Array("data".utf8)]).prefix(15)))
        }
        try assertStillServing()
        XCTAssertEqual(try RawConnection(port: server.port).adminReply("status"), ".\n")
    }

    func testThousandsOfConnectionsOpenedAndDroppedLeakNothing() throws {
        func churn() throws {
            for index in 0..<2000 {
                let connection = try RawConnection(port: server.port)
                if index % 2 == 0 { connection.send(.canDo, ["f\(index % 7)"]) }
            }
        }
        try churn()
        XCTAssertTrue(eventually { (try? RawConnection(port: server.port).adminReply("workers").split(separator: "\n").count) == 2 })
        let before = try residentKiB(of: server.process.pid)
        try churn()
        XCTAssertTrue(eventually { (try? RawConnection(port: server.port).adminReply("workers").split(separator: "\n").count) == 2 })
        let after = try residentKiB(of: server.process.pid)
        XCTAssertLessThan(after - before, 4096, "RSS grew from \(before) to \(after) KiB over 2000 connections")
        try assertStillServing()
    }
}
