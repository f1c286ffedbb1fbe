import GearmanProtocol
import NIOCore

/// The last handler of every connection's pipeline: hands decoded messages to the core.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = GearmanMessage

    private let core: JobServerCore
    private var id: ConnectionID?

    init(core: JobServerCore) {
        self.core = core
    }

    func channelActive(context: ChannelHandlerContext) {
        id = core.connected(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let id else { return }
        core.received(unwrapInboundIn(data), from: id)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        core.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
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
