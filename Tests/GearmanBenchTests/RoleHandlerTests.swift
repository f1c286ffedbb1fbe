import GearmanProtocol
import NIOCore
import NIOEmbedded
import XCTest
@testable import GearmanBench

/// A role on an EmbeddedChannel: what it writes per read burst, and what it tells the tally.
final class RoleHandlerTests: XCTestCase {
    private var channel: EmbeddedChannel!
    private var tally: RunTally!

    override func setUpWithError() throws {
        channel = EmbeddedChannel()
        tally = RunTally(target: 2, eventLoop: channel.embeddedEventLoop)
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(GearmanDecoder()),
            RoleHandler(role: WorkerState(functions: ["bench0"], depth: 1), tally: tally, counted: true))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4730)).wait()
    }

    override func tearDown() {
        _ = try? channel.finish()
    }

    /// The packets in the next outbound write, which must be the only one.
    private func written() throws -> [Packet] {
        var buffer = try XCTUnwrap(try channel.readOutbound(as: ByteBuffer.self), "nothing written")
        XCTAssertNil(try channel.readOutbound(as: ByteBuffer.self), "more than one write for one read burst")
        var packets: [Packet] = []
        while case .packet(let packet)? = try GearmanDecoder().decodeMessage(&buffer) { packets.append(packet) }
        XCTAssertEqual(buffer.readableBytes, 0)
        return packets
    }

    private func send(_ packets: Packet...) throws {
        var buffer = ByteBuffer()
        for packet in packets { GearmanEncoder.write(packet, to: &buffer) }
        try channel.writeInbound(buffer)
    }

    func testStartsOnTheStartEventAndAnswersAReadBurstInOneWrite() throws {
        XCTAssertNil(try channel.readOutbound(as: ByteBuffer.self), "nothing before the clock starts")
        channel.pipeline.fireUserInboundEventTriggered(StartEvent())
        XCTAssertEqual(try written(), [Wire.request(.canDo, "bench0"), Wire.request(.grabJobUnique)])

        try send(Wire.response(.jobAssignUnique, "H:1", "bench0", "k1", "one"),
                 Wire.response(.jobAssignUnique, "H:2", "bench0", "k2", "two"))
        XCTAssertEqual(try written(), [Wire.request(.workComplete, "H:1", "one"), Wire.request(.grabJobUnique),
                                       Wire.request(.workComplete, "H:2", "two"), Wire.request(.grabJobUnique)])
        XCTAssertEqual(tally.stop?.outcome, .targetReached)
        XCTAssertEqual(tally.stop?.jobs, 2)

        // Closing after the stop is not a failure.
        try channel.close().wait()
        XCTAssertEqual(tally.stop?.outcome, .targetReached)
    }

    func testALostConnectionFailsTheRun() throws {
        channel.pipeline.fireUserInboundEventTriggered(StartEvent())
        _ = try written()
        channel.pipeline.fireChannelInactive()
        XCTAssertEqual(tally.stop?.outcome, .failed("the server closed a worker connection"))
        XCTAssertEqual(tally.stop?.jobs, 0)
    }

    func testAnErrorPacketFailsTheRunAndClosesTheConnection() throws {
        channel.pipeline.fireUserInboundEventTriggered(StartEvent())
        _ = try written()
        try send(Wire.response(.error, "ERR", "bad"))
        XCTAssertEqual(tally.stop?.outcome, .failed("the server sent ERROR ERR: bad (to a worker)"))
        XCTAssertFalse(channel.isActive)
    }
}
