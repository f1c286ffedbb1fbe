import GearmanProtocol
import Logging
import NIOCore
import NIOEmbedded
@testable import GearmanServer

/// One fuzz input, read as a script of events for a server core with four connections: bytes
/// (raw, or well-formed packets and admin lines built from the input) go through the real
/// connection handler (framing, decoding, admin replies) into the scheduler; the clock moves,
/// connections close and reopen, peers read or stop reading. After every event the core's
/// invariants are checked; a violation stops the process, which libFuzzer reports as a crash.
struct FuzzSession {
    private static let connectionCount = 4
    /// Words that make packets meet: the same functions, unique keys, handles and edge numbers.
    private static let words: [[UInt8]] = [
        "f", "g", "", "-", "u1", "u2", "H:fuzz:1", "H:fuzz:2", "H:fuzz:3", "H:fuzz:4", "H:fuzz:01", "0", "1", "999",
        "1000", "-1", "9223372036854775807", "9223372036854776", "18446744073709551616", "253402300799", "4294967296",
        "exceptions", "a-function-name-longer-than-sixteen-bytes", "a-unique-key-over-eight",
    ].map { Array($0.utf8) }
    private static let adminLines = [
        "status", "workers", "show jobs", "show unique jobs", "cancel job H:fuzz:1", "cancel job H:fuzz:2", "maxqueue f 1",
        "maxqueue f 99999999999999999999 -5 x", "maxqueue g", "create function g", "drop function f", "drop function g",
        "shutdown", "shutdown graceful", "version", "getpid", "verbose", "prioritystatus", "show", "cancel", "",
    ]

    private var input: ArraySlice<UInt8>
    private let loop = EmbeddedEventLoop()
    private let clock = FuzzClock()
    private let core: JobServerCore
    private var channels: [EmbeddedChannel] = []
    private var opened = 0

    static func run(_ bytes: [UInt8]) {
        var session = FuzzSession(bytes)
        session.play()
    }

    private init(_ bytes: [UInt8]) {
        input = bytes[...]
        var configuration = ServerConfiguration(handlePrefix: "H:fuzz", version: "fuzz")
        configuration.limits.uniqueKeyBytes = 8
        configuration.limits.functionNameBytes = 16
        configuration.limits.queueBytes = 16_384
        configuration.limits.workersWokenPerJob = Int(bytes.first ?? 1) % 3
        configuration.maximumConnections = Self.connectionCount + 1
        configuration.maximumPacketSize = 1024
        configuration.jobRetries = 2
        core = JobServerCore(configuration: configuration, eventLoop: loop, logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() },
                             clock: clock)
        for _ in 0..<Self.connectionCount { channels.append(open()) }
    }

    /// A new connection; every other one comes from an address that may not change state.
    private mutating func open() -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: ConnectionHandler(core: core, decoder: GearmanDecoder(maximumPacketSize: 1024),
                                                                 stallSeconds: 1), loop: loop)
        opened += 1
        let address = try! SocketAddress(ipAddress: opened % 2 == 0 ? "127.0.0.1" : "192.0.2.1", port: 40000 + opened)
        channel.remoteAddress = address
        _ = channel.connect(to: address)
        return channel
    }

    private mutating func play() {
        while let op = next() {
            let index = Int(op >> 3) % Self.connectionCount
            switch op & 7 {
            case 0: send(take(Int(next() ?? 0)), to: index)
            case 1: send(packet(), to: index)
            case 2: send(Array((Self.adminLines[Int(next() ?? 0) % Self.adminLines.count] + "\n").utf8), to: index)
            case 3:
                let milliseconds = Int64(next() ?? 0) * 20
                clock.now += milliseconds
                clock.monotonic += milliseconds
                loop.advanceTime(by: .milliseconds(milliseconds))
            case 4:
                _ = channels[index].close()
                channels[index] = open()
            case 5:
                while (try? channels[index].readOutbound(as: ByteBuffer.self)) != nil {}
            case 6:
                channels[index].isWritable.toggle()
                channels[index].pipeline.fireChannelWritabilityChanged()
            default:
                channels[index].pipeline.fireChannelReadComplete()
            }
            loop.run()
            let problems = core.invariantViolations()
            if !problems.isEmpty { fatalError("invariants broken after op \(op): \(problems)") }
        }
        for channel in channels { _ = channel.close() }
        loop.run()
    }

    /// Bytes to a connection in two reads, split where the input says, then the read burst ends.
    private mutating func send(_ bytes: [UInt8], to index: Int) {
        let cut = bytes.isEmpty ? 0 : Int(next() ?? 0) % (bytes.count + 1)
        for part in [bytes[..<cut], bytes[cut...]] where !part.isEmpty {
            _ = try? channels[index].writeInbound(ByteBuffer(bytes: part))
        }
        channels[index].pipeline.fireChannelReadComplete()
    }

    /// A request packet (now and then a response) of a type the input picks, with arguments
    /// drawn from `words` or from the input itself.
    private mutating func packet() -> [UInt8] {
        let type = UInt32(next() ?? 0) % 45
        let count = PacketType(rawValue: type)?.argumentCount ?? Int(next() ?? 0) % 4
        var arguments: [[UInt8]] = []
        for _ in 0..<count {
            let pick = Int(next() ?? 0)
            arguments.append(pick < 128 ? Self.words[pick % Self.words.count] : take(pick % 24))
        }
        let body = Array(arguments.joined(separator: [0]))
        let magic: [UInt8] = type % 11 == 10 ? [0, 0x52, 0x45, 0x53] : [0, 0x52, 0x45, 0x51]
        return magic + Self.bigEndian(type) + Self.bigEndian(UInt32(body.count)) + body
    }

    private mutating func next() -> UInt8? { input.popFirst() }

    private mutating func take(_ count: Int) -> [UInt8] {
        let taken = Array(input.prefix(count))
        input = input.dropFirst(count)
        return taken
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// The scheduler's clock, moved by the input.
final class FuzzClock: SchedulerClock, @unchecked Sendable {
    var now: Int64 = 1_700_000_000_000
    var monotonic: Int64 = 5_000
}
