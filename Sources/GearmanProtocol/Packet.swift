import NIOCore

/// One binary Gearman packet: request or response, its type and its arguments.
public struct Packet: Equatable, Sendable {
    /// `\0REQ` (to the server) or `\0RES` (from the server).
    public enum Magic: UInt32, Sendable {
        case request = 0x0052_4551   // "\0REQ"
        case response = 0x0052_4553  // "\0RES"
    }

    public var magic: Magic
    public var type: PacketType
    /// The arguments in wire order; the last is the data for types that carry data.
    public var arguments: [ByteBuffer]

    public init(_ magic: Magic, _ type: PacketType, arguments: [ByteBuffer] = []) {
        self.magic = magic
        self.type = type
        self.arguments = arguments
    }

    /// A packet whose arguments are given as strings (handles, function names, numbers).
    public init(_ magic: Magic, _ type: PacketType, _ arguments: String...) {
        self.init(magic, type, arguments: arguments.map { ByteBuffer(string: $0) })
    }

    /// The size of the data part: the arguments and the NULs between them.
    public var bodySize: Int {
        arguments.reduce(0) { $0 + $1.readableBytes } + max(arguments.count - 1, 0)
    }

    /// The argument at `index` as a string (handles, function names, unique keys, numbers).
    public func string(at index: Int) -> String? {
        guard index < arguments.count else { return nil }
        return String(buffer: arguments[index])
    }

    /// The size of a packet header on the wire.
    public static let headerSize = 12
}
