import GearmanProtocol
import NIOCore

/// The one handler of every connection's pipeline: decodes what arrives and hands each
/// message to the core. It decodes itself rather than behind NIO's ByteToMessageHandler,
/// which costs a pipeline hop and a boxed message per packet on the busiest path.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: JobServerCore
    private let decoder: GearmanDecoder
    private var id: ConnectionID?
    /// The start of a message whose rest has not arrived yet.
    private var unfinished = PartialMessage()
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
        var carried: ByteBuffer?
        for buffer in unfinished.add(unwrapInboundIn(data)) {
            var bytes = carried.map { PartialMessage.joined([$0, buffer]) } ?? buffer
            carried = nil
            do {
                while let message = try decoder.decodeMessage(&bytes) {
                    core.received(message, from: id)
                }
            } catch {
                rejected = true
                core.failed(id, error: error)
                return
            }
            if bytes.readableBytes > 0 { carried = bytes }
        }
        if let carried { unfinished.keep(carried) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        core.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unfinished = PartialMessage()
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
