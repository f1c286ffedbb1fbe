import GearmanProtocol
import Logging
import NIOCore
import NIOEmbedded
import XCTest
@testable import GearmanServer

/// The connection path the server runs (ConnectionHandler, its framing, JobServerCore, the
/// scheduler), on EmbeddedChannels: the same conversation fed all in one buffer and one byte
/// at a time gives the same bytes back, replies keep their order, and a bad client is cut off
/// while the others go on.
final class ConnectionPathTests: XCTestCase {
    /// A server core with connections on one embedded event loop.
    private final class Harness {
        let loop = EmbeddedEventLoop()
        let core: JobServerCore

        init() {
            core = JobServerCore(configuration: ServerConfiguration(handlePrefix: "H:t", version: "test"), eventLoop: loop,
                                 logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, clock: TestClock())
        }

        func connect() throws -> EmbeddedChannel {
            let channel = EmbeddedChannel(handler: ConnectionHandler(core: core, decoder: GearmanDecoder()), loop: loop)
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 40000)
            channel.remoteAddress = address
            try channel.connect(to: address).wait()
            return channel
        }
    }

    /// How the bytes of each step reach the server.
    private enum Delivery {
        case whole, byteAtATime
    }

    private static func request(_ type: PacketType, _ arguments: String...) -> [UInt8] {
        var buffer = ByteBuffer()
        GearmanEncoder.write(Packet(.request, type, arguments: arguments.map { ByteBuffer(string: $0) }), to: &buffer)
        return Array(buffer.readableBytesView)
    }

    private func send(_ bytes: [UInt8], to channel: EmbeddedChannel, _ delivery: Delivery) throws {
        switch delivery {
        case .whole:
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            channel.pipeline.fireChannelReadComplete()
        case .byteAtATime:
            for byte in bytes {
                try channel.writeInbound(ByteBuffer(bytes: [byte]))
                channel.pipeline.fireChannelReadComplete()
            }
        }
    }

    /// Everything the server wrote to `channel` so far, in order.
    private func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    /// The packets (and admin text) in `bytes`, decoded by the protocol's own decoder.
    private func messages(_ bytes: [UInt8]) throws -> [String] {
        var buffer = ByteBuffer(bytes: bytes)
        var found: [String] = []
        while buffer.readableBytes > 0 {
            if buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) != 0 {
                found.append(buffer.readString(length: buffer.readableBytes) ?? "")
                break
            }
            guard case .packet(let packet)? = try GearmanDecoder().decodeMessage(&buffer) else { break }
            found.append((["\(packet.type)"] + packet.arguments.map { String(buffer: $0) }).joined(separator: " "))
        }
        return found
    }

    /// A worker and two clients: a job with a unique key submitted by both, progress, a
    /// result, an admin listing on the worker's connection, an echo. Returns what each saw.
    private func conversation(_ delivery: Delivery) throws -> (worker: [UInt8], first: [UInt8], second: [UInt8]) {
        let harness = Harness()
        let worker = try harness.connect()
        let first = try harness.connect()
        let second = try harness.connect()
        try send(Self.request(.canDo, "f") + Self.request(.preSleep), to: worker, delivery)
        try send(Self.request(.submitJob, "f", "key", "workload"), to: first, delivery)
        try send(Self.request(.submitJob, "f", "key", "workload") + Self.request(.echoRequest, "ping"), to: second, delivery)
        try send(Self.request(.grabJobUnique), to: worker, delivery)
        try send(Self.request(.workData, "H:t:1", "part") + Self.request(.workStatus, "H:t:1", "1", "2")
                 + Self.request(.workComplete, "H:t:1", "done") + Array("status\n".utf8), to: worker, delivery)
        harness.loop.run()
        return (try written(worker), try written(first), try written(second))
    }

    func testAConversationGivesTheSameBytesWholeAndOneByteAtATime() throws {
        let whole = try conversation(.whole)
        let trickled = try conversation(.byteAtATime)
        XCTAssertEqual(whole.worker, trickled.worker)
        XCTAssertEqual(whole.first, trickled.first)
        XCTAssertEqual(whole.second, trickled.second)
    }

    func testRepliesArriveInTheOrderTheyWereCaused() throws {
        let (worker, first, second) = try conversation(.whole)
        XCTAssertEqual(try messages(worker), ["noop", "jobAssignUnique H:t:1 f key workload", "f\t0\t0\t1\n.\n"])
        XCTAssertEqual(try messages(first), ["jobCreated H:t:1", "workData H:t:1 part", "workStatus H:t:1 1 2",
                                             "workComplete H:t:1 done"])
        XCTAssertEqual(try messages(second), ["jobCreated H:t:1", "echoResponse ping", "workData H:t:1 part",
                                              "workStatus H:t:1 1 2", "workComplete H:t:1 done"])
    }

    func testABadClientIsCutOffAndTheOthersGoOn() throws {
        let harness = Harness()
        let worker = try harness.connect()
        let client = try harness.connect()
        let bad = try harness.connect()
        try send(Self.request(.canDo, "f"), to: worker, .whole)
        try send(Self.request(.submitJob, "f", "", "x"), to: client, .byteAtATime)
        try send([0, 0x58, 0x59, 0x5a] + Array(repeating: 0, count: 8), to: bad, .whole)
        XCTAssertFalse(bad.isActive, "the bad connection stayed open")
        XCTAssertEqual(try messages(try written(bad)).first?.hasPrefix("error INVALID_PACKET"), true)
        try send(Self.request(.grabJob), to: worker, .byteAtATime)
        try send(Self.request(.workComplete, "H:t:1", "ok"), to: worker, .whole)
        XCTAssertEqual(try messages(try written(client)), ["jobCreated H:t:1", "workComplete H:t:1 ok"])
        XCTAssertEqual(harness.core.invariantViolations(), [])
    }

    func testAConnectionOverItsOutputBoundIsNotReadUntilItDrains() throws {
        let harness = Harness()
        let client = try harness.connect()
        client.isWritable = false
        client.pipeline.fireChannelWritabilityChanged()
        client.pipeline.read()
        XCTAssertEqual(try client.readOutbound(as: ByteBuffer.self), nil)
        client.isWritable = true
        client.pipeline.fireChannelWritabilityChanged()
        try send(Self.request(.echoRequest, "again"), to: client, .whole)
        XCTAssertEqual(try messages(try written(client)), ["echoResponse again"])
    }
}
