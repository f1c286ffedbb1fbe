import GearmanProtocol
import NIOCore

/// The bytes waiting to go out on one connection until the next flush. Packets are encoded
/// into one buffer, except large arguments (workloads, results): those go out as the buffers
/// they arrived in, so that a 64 KiB result is not copied once more on its way through.
struct PendingWrites {
    /// Arguments from this size on are written as buffers of their own.
    static let largeArgument = 8192

    private var sealed: [ByteBuffer] = []
    private var current = ByteBuffer()

    var isEmpty: Bool { sealed.isEmpty && current.readableBytes == 0 }

    mutating func append(_ packet: Packet) {
        guard packet.arguments.contains(where: { $0.readableBytes >= Self.largeArgument }) else {
            return GearmanEncoder.write(packet, to: &current)
        }
        current.writeMultipleIntegers(packet.magic.rawValue, packet.type.rawValue, UInt32(packet.bodySize))
        for (index, argument) in packet.arguments.enumerated() {
            if index > 0 { current.writeInteger(UInt8(0)) }
            if argument.readableBytes >= Self.largeArgument {
                seal()
                sealed.append(argument)
            } else {
                current.writeImmutableBuffer(argument)
            }
        }
    }

    mutating func append(text: String) {
        current.writeString(text)
    }

    /// Hands every buffer waiting to `write` in order, telling it which is the last;
    /// afterwards nothing is waiting.
    mutating func drain(_ write: (ByteBuffer, _ isLast: Bool) -> Void) {
        seal()
        let buffers = sealed
        sealed = []
        for (index, buffer) in buffers.enumerated() { write(buffer, index == buffers.count - 1) }
    }

    private mutating func seal() {
        guard current.readableBytes > 0 else { return }
        sealed.append(current)
        current = ByteBuffer()
    }
}
