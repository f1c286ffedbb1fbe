import NIOCore

/// What arrives on a Gearman port: a binary packet, or a line of the text admin protocol
/// (a connection's first byte decides which: NUL starts a binary packet).
public enum GearmanMessage: Equatable, Sendable {
    case packet(Packet)
    /// An admin command line without its line ending, e.g. `status`.
    case adminCommand(String)
}

/// Why the bytes on a connection are not the Gearman protocol; the connection is closed.
public enum GearmanProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidMagic(UInt32)
    case unknownPacketType(UInt32)
    case packetTooLarge(declared: UInt32, limit: Int)
    case missingArguments(PacketType, expected: Int, found: Int)
    case adminLineTooLong(limit: Int)

    public var description: String {
        switch self {
        case .invalidMagic(let magic): return "invalid magic 0x\(String(magic, radix: 16))"
        case .unknownPacketType(let type): return "unknown packet type \(type)"
        case .packetTooLarge(let declared, let limit): return "packet of \(declared) bytes is over the limit of \(limit)"
        case .missingArguments(let type, let expected, let found):
            return "\(type) needs \(expected) arguments, got \(found)"
        case .adminLineTooLong(let limit): return "admin command line longer than \(limit) bytes"
        }
    }
}
