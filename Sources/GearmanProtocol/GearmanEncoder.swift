import NIOCore

/// Writes packets in the binary wire format.
public struct GearmanEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = Packet

    public init() {}

    public func encode(data packet: Packet, out: inout ByteBuffer) {
        Self.write(packet, to: &out)
    }

    /// Appends `packet` (header, arguments joined by NULs) to `buffer`.
    public static func write(_ packet: Packet, to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: Packet.headerSize + packet.bodySize)
        buffer.writeMultipleIntegers(packet.magic.rawValue, packet.type.rawValue, UInt32(packet.bodySize))
        for (index, argument) in packet.arguments.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(0)) }
            buffer.writeImmutableBuffer(argument)
        }
    }
}
