import NIOCore

/// Decodes a Gearman byte stream into binary packets and admin command lines.
public struct GearmanDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = GearmanMessage

    /// The largest data part accepted (gearmand has none). The default admits a 64 MiB
    /// workload with its function name, unique key and handle.
    public let maximumPacketSize: Int
    public static let defaultMaximumPacketSize = (64 << 20) + 8192
    /// The longest admin command line accepted.
    public let maximumLineLength: Int

    public init(maximumPacketSize: Int = defaultMaximumPacketSize, maximumLineLength: Int = 8192) {
        self.maximumPacketSize = maximumPacketSize
        self.maximumLineLength = maximumLineLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = try decodeMessage(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// The next whole message in `buffer` (consumed), or nil if more bytes are needed.
    public func decodeMessage(_ buffer: inout ByteBuffer) throws(GearmanProtocolError) -> GearmanMessage? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        if first == 0 {
            return try decodePacket(&buffer).map(GearmanMessage.packet)
        }
        return try decodeAdminLine(&buffer).map(GearmanMessage.adminCommand)
    }

    private func decodePacket(_ buffer: inout ByteBuffer) throws(GearmanProtocolError) -> Packet? {
        guard let (rawMagic, rawType, size) = buffer.getMultipleIntegers(
            at: buffer.readerIndex, as: (UInt32, UInt32, UInt32).self) else { return nil }
        guard let magic = Packet.Magic(rawValue: rawMagic) else { throw .invalidMagic(rawMagic) }
        guard let type = PacketType(rawValue: rawType) else { throw .unknownPacketType(rawType) }
        guard Int(size) <= maximumPacketSize else { throw .packetTooLarge(declared: size, limit: maximumPacketSize) }
        guard buffer.readableBytes >= Packet.headerSize + Int(size) else { return nil }
        buffer.moveReaderIndex(forwardBy: Packet.headerSize)
        var body = buffer.readSlice(length: Int(size))!
        return Packet(magic, type, arguments: try Self.splitArguments(&body, for: type))
    }

    /// Cuts a packet's data into its arguments as its type lays them out.
    static func splitArguments(_ body: inout ByteBuffer, for type: PacketType) throws(GearmanProtocolError) -> [ByteBuffer] {
        let (separated, endsWithData) = type.layout
        let expected = type.argumentCount
        if expected == 0 { return [] }
        var arguments: [ByteBuffer] = []
        arguments.reserveCapacity(expected)
        let terminated = endsWithData ? separated : separated - 1
        for _ in 0..<terminated {
            guard let nul = body.readableBytesView.firstIndex(of: 0) else {
                // A packet with no data at all, e.g. an empty WORK_FAIL, is a protocol error too.
                throw .missingArguments(type, expected: expected, found: arguments.count + (body.readableBytes > 0 ? 1 : 0))
            }
            arguments.append(body.readSlice(length: nul - body.readerIndex)!)
            body.moveReaderIndex(forwardBy: 1)
        }
        arguments.append(body.readSlice(length: body.readableBytes)!)
        return arguments
    }

    private func decodeAdminLine(_ buffer: inout ByteBuffer) throws(GearmanProtocolError) -> String? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > maximumLineLength { throw .adminLineTooLong(limit: maximumLineLength) }
            return nil
        }
        let length = newline - buffer.readerIndex
        if length > maximumLineLength { throw .adminLineTooLong(limit: maximumLineLength) }
        var line = buffer.readString(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.utf8.last == UInt8(ascii: "\r") { line = String(Substring(line.utf8.dropLast())) }
        return line
    }
}
