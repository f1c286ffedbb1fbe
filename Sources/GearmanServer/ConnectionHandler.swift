import GearmanProtocol
import Glibc
@_spi(CustomByteBufferAllocator) import NIOCore

/// The one handler of every connection's pipeline: decodes what arrives and hands each
/// message to the core. It decodes itself rather than behind NIO's ByteToMessageHandler,
/// which costs a pipeline hop and a boxed message per packet on the busiest path.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: JobServerCore
    private let decoder: GearmanDecoder
    private var id: ConnectionID?
    /// The start of a message whose rest has not arrived yet.
    private var unfinished: ByteBuffer?
    /// Set after bytes that are not the protocol: nothing more is read from the connection.
    private var rejected = false

    init(core: JobServerCore, decoder: GearmanDecoder) {
        self.core = core
        self.decoder = decoder
    }

    func channelActive(context: ChannelHandlerContext) {
        id = core.connected(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let id, !rejected else { return }
        var bytes = unwrapInboundIn(data)
        if let earlier = unfinished {
            unfinished = nil
            bytes = Self.joined(earlier, bytes)
        } else if bytes.capacity > bytes.readableBytes + bytes.readableBytes / 4 {
            bytes = Self.joined(bytes)
        }
        do {
            while let message = try decoder.decodeMessage(&bytes) {
                core.received(message, from: id)
            }
        } catch {
            rejected = true
            core.failed(id, error: error)
            return
        }
        if bytes.readableBytes > 0 { unfinished = bytes }
    }

    /// The bytes in storage of exactly their size. Queued jobs keep slices of what was read,
    /// so a read buffer with room to spare (NIO rounds every buffer up to a power of two, and
    /// appending a partial packet doubles one) would stay allocated whole while its jobs wait:
    /// a million queued 100-byte jobs took about 100 bytes more each.
    private static func joined(_ parts: ByteBuffer...) -> ByteBuffer {
        let size = parts.reduce(0) { $0 + $1.readableBytes }
        let memory = UnsafeMutableRawBufferPointer(start: malloc(max(size, 1)), count: size)
        var offset = 0
        for part in parts where part.readableBytes > 0 {
            part.withUnsafeReadableBytes { memory.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            offset += part.readableBytes
        }
        return ByteBuffer(takingOwnershipOf: memory, allocator: ByteBufferAllocator())
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        core.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unfinished = nil
        if let id { core.disconnected(id) }
        id = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let id {
            core.failed(id, error: error)
        } else {
            context.close(promise: nil)
        }
    }
}
