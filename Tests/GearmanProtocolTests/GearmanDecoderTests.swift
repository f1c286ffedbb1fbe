import NIOCore
import NIOEmbedded
import NIOTestUtils
import XCTest
@testable import GearmanProtocol

final class GearmanDecoderTests: XCTestCase {
    /// The bytes of a packet as a real client writes them.
    private func wire(_ magic: String, _ type: UInt32, _ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes(Array(magic.utf8))
        buffer.writeInteger(type)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    private func body(_ parts: String...) -> [UInt8] {
        Array(parts.joined(separator: "\0").utf8)
    }

    func testSubmitJobArguments() throws {
        var buffer = wire("\0REQ", 7, body("reverse", "unique-1", "hello\0world"))
        let message = try GearmanDecoder().decodeMessage(&buffer)
        XCTAssertEqual(message, .packet(Packet(.request, .submitJob, "reverse", "unique-1", "hello\0world")))
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testHeaderOnlyPackets() throws {
        var buffer = wire("\0REQ", 4, [])
        XCTAssertEqual(try GearmanDecoder().decodeMessage(&buffer), .packet(Packet(.request, .preSleep)))
    }

    func testLastNonDataArgumentHasNoTerminator() throws {
        var buffer = wire("\0RES", 12, body("H:host:1", "1", "4"))
        XCTAssertEqual(try GearmanDecoder().decodeMessage(&buffer),
                       .packet(Packet(.response, .workStatus, "H:host:1", "1", "4")))
    }

    func testEmptyDataIsAnEmptyArgument() throws {
        var buffer = wire("\0REQ", 7, body("f", "", ""))
        XCTAssertEqual(try GearmanDecoder().decodeMessage(&buffer), .packet(Packet(.request, .submitJob, "f", "", "")))
    }

    func testAdminLines() throws {
        var buffer = ByteBuffer(string: "status\r\nworkers\nsho")
        let decoder = GearmanDecoder()
        XCTAssertEqual(try decoder.decodeMessage(&buffer), .adminCommand("status"))
        XCTAssertEqual(try decoder.decodeMessage(&buffer), .adminCommand("workers"))
        XCTAssertNil(try decoder.decodeMessage(&buffer))
        XCTAssertEqual(buffer.readableBytes, 3)
    }

    func testPartialHeaderAndBodyWaitForMore() throws {
        let full = wire("\0REQ", 1, body("function"))
        let decoder = GearmanDecoder()
        for cut in [1, 11, 12, 15] {
            var partial = full.getSlice(at: 0, length: cut)!
            XCTAssertNil(try decoder.decodeMessage(&partial), "cut at \(cut)")
            XCTAssertEqual(partial.readableBytes, cut, "nothing consumed at \(cut)")
        }
    }

    func testInvalidMagic() {
        var buffer = wire("\0XYZ", 1, [])
        XCTAssertThrowsError(try GearmanDecoder().decodeMessage(&buffer)) { error in
            XCTAssertEqual(error as? GearmanProtocolError, .invalidMagic(0x0058_595A))
        }
    }

    func testUnknownType() {
        for type: UInt32 in [0, 5, 43, 0xFFFF_FFFF] {
            var buffer = wire("\0REQ", type, [])
            XCTAssertThrowsError(try GearmanDecoder().decodeMessage(&buffer)) { error in
                XCTAssertEqual(error as? GearmanProtocolError, .unknownPacketType(type))
            }
        }
    }

    func testDeclaredSizeOverTheLimitFailsBeforeTheBodyArrives() {
        var buffer = ByteBuffer()
        buffer.writeBytes(Array("\0REQ".utf8))
        buffer.writeMultipleIntegers(UInt32(7), UInt32(1025))
        XCTAssertThrowsError(try GearmanDecoder(maximumPacketSize: 1024).decodeMessage(&buffer)) { error in
            XCTAssertEqual(error as? GearmanProtocolError, .packetTooLarge(declared: 1025, limit: 1024))
        }
    }

    func testMissingArguments() {
        var buffer = wire("\0REQ", 7, body("only-function"))
        XCTAssertThrowsError(try GearmanDecoder().decodeMessage(&buffer)) { error in
            XCTAssertEqual(error as? GearmanProtocolError, .missingArguments(.submitJob, expected: 3, found: 1))
        }
    }

    func testOverlongAdminLine() {
        var buffer = ByteBuffer(string: String(repeating: "x", count: 100))
        XCTAssertThrowsError(try GearmanDecoder(maximumLineLength: 50).decodeMessage(&buffer))
    }

    func testEncodeDecodeRoundTripForEveryType() throws {
        for type in PacketType.allCases {
            let arguments = (0..<type.argumentCount).map { index -> ByteBuffer in
                // Only the data argument may contain NULs.
                let isData = type.layout.endsWithData && index == type.argumentCount - 1
                return ByteBuffer(string: isData ? "da\0ta-\(index)" : "arg-\(index)")
            }
            for magic in [Packet.Magic.request, .response] {
                let packet = Packet(magic, type, arguments: arguments)
                var buffer = ByteBuffer()
                GearmanEncoder.write(packet, to: &buffer)
                XCTAssertEqual(buffer.readableBytes, Packet.headerSize + packet.bodySize)
                XCTAssertEqual(try GearmanDecoder().decodeMessage(&buffer), .packet(packet), "\(type)")
                XCTAssertEqual(buffer.readableBytes, 0)
            }
        }
    }

    func testVerifierByteAtATimeAndManyPerBuffer() throws {
        let submit = Packet(.request, .submitJob, "reverse", "", "payload")
        let echo = Packet(.request, .echoRequest, arguments: [ByteBuffer(bytes: [0, 1, 2, 0])])
        let status = Packet(.request, .workStatus, "H:h:1", "3", "0")
        var pairs: [(ByteBuffer, [GearmanMessage])] = []
        for packet in [submit, echo, status] {
            var buffer = ByteBuffer()
            GearmanEncoder.write(packet, to: &buffer)
            pairs.append((buffer, [.packet(packet)]))
        }
        pairs.append((ByteBuffer(string: "status\n"), [.adminCommand("status")]))
        pairs.append((ByteBuffer(string: "show jobs\r\n"), [.adminCommand("show jobs")]))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { GearmanDecoder() }
    }

    func testDecoderInAChannelClosesOnGarbage() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(GearmanDecoder()))
        var buffer = ByteBuffer()
        buffer.writeBytes([0, 0x47, 0x41, 0x52, 0, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertThrowsError(try channel.writeInbound(buffer))
        _ = try? channel.finish()
    }
}
