import GearmanProtocol
import NIOCore

/// The bytes waiting to go out on one connection until the next flush. Packets are encoded
/// into one buffer, except large arguments (workloads, results): those go out as the buffers
/// they arrived in, so that a 64 KiB result is not copied once more on its way through.
struct PendingWrites {
    /// Arguments from this size on are written as buffers of their own.
    static let largeArgument = 8192
    /// The buffer kept for the next packets after a drain, up to this size (a larger one, as
    /// a long admin reply makes, is let go).
    static let keptCapacity = 4096

    private var sealed: [ByteBuffer] = []
    private var current = ByteBuffer()

    var isEmpty: Bool { sealed.isEmpty && current.readableBytes == 0 }

    mutating func append(_ packet: Packet) {
        guard packet.arguments.contains(where: Self.isLarge) else {
            return GearmanEncoder.write(packet, to: &current)
        }
        // Out of `self` while encoding, so that the hand-over can add to `sealed`.
        var buffer = ByteBuffer()
        swap(&buffer, &current)
        GearmanEncoder.write(packet, to: &buffer, handingOver: Self.isLarge) { written, argument in
            if written.readableBytes > 0 { sealed.append(written) }
            written = ByteBuffer()
            sealed.append(argument)
        }
        current = buffer
    }

    private static func isLarge(_ argument: ByteBuffer) -> Bool {
        argument.readableBytes >= largeArgument
    }

    mutating func append(text: String) {
        current.writeString(text)
    }

    /// Hands every buffer waiting to `write` in order, telling it which is the last;
    /// afterwards nothing is waiting. The last buffer's storage is kept for the next packets
    /// when `write` let go of it (as a write that went out at once does): one allocation less
    /// per flush.
    mutating func drain(_ write: (ByteBuffer, _ isLast: Bool) -> Void) {
        let earlier = sealed
        var last = current
        sealed = []
        current = ByteBuffer()
        for (index, buffer) in earlier.enumerated() {
            write(buffer, last.readableBytes == 0 && index == earlier.count - 1)
        }
        if last.readableBytes > 0 { write(last, true) }
        if last.capacity <= Self.keptCapacity {
            last.clear()
            current = last
        }
    }
}
