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
        write(packet, to: &buffer, handingOver: { _ in false }, to: { _, _ in })
    }

    /// Appends `packet` to `buffer`, except the arguments `isHandedOver` picks: for each,
    /// `handOver` gets the buffer written so far and the argument, to send in that order, and
    /// the rest is written into the buffer it leaves. The bytes on the wire are the same; the
    /// argument is not copied.
    public static func write(_ packet: Packet, to buffer: inout ByteBuffer, handingOver isHandedOver: (ByteBuffer) -> Bool,
                             to handOver: (inout ByteBuffer, ByteBuffer) -> Void) {
        let copied = packet.arguments.reduce(0) { $0 + (isHandedOver($1) ? 0 : $1.readableBytes) }
        buffer.reserveCapacity(minimumWritableBytes: Packet.headerSize + copied + max(packet.arguments.count - 1, 0))
        buffer.writeMultipleIntegers(packet.magic.rawValue, packet.type.rawValue, UInt32(packet.bodySize))
        for (index, argument) in packet.arguments.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(0)) }
            if isHandedOver(argument) {
                handOver(&buffer, argument)
            } else {
                buffer.writeImmutableBuffer(argument)
            }
        }
    }
}
