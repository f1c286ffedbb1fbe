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
        let (first, second) = unfinished.add(unwrapInboundIn(data))
        guard var bytes = first, decode(&bytes, from: id) else { return }
        if let second {
            bytes = bytes.readableBytes > 0 ? PartialMessage.joined([bytes, second]) : second
            guard decode(&bytes, from: id) else { return }
        }
        if bytes.readableBytes > 0 { unfinished.keep(bytes) }
    }

    /// Hands every whole message in `bytes` to the core; false after bytes that are not the protocol.
    private func decode(_ bytes: inout ByteBuffer, from id: ConnectionID) -> Bool {
        do {
            while let message = try decoder.decodeMessage(&bytes) {
                core.received(message, from: id)
            }
            return true
        } catch {
            rejected = true
            core.failed(id, error: error)
            return false
        }
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
