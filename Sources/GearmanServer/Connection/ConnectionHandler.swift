import GearmanProtocol
import NIOCore

/// The one handler of every connection's pipeline: decodes what arrives and hands each
/// message to the core. It decodes itself rather than behind NIO's ByteToMessageHandler,
/// which costs a pipeline hop and a boxed message per packet on the busiest path.
///
/// It also holds back reads while the connection's unsent output is over its bound (the
/// channel is not writable): a client that never reads its replies stops being read, instead
/// of growing the server's memory; one that stays that way for `stallSeconds` is closed.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let core: JobServerCore
    private let decoder: GearmanDecoder
    private var id: ConnectionID?
    /// The start of a message whose rest has not arrived yet.
    private var unfinished = PartialMessage()
    /// Set after bytes that are not the protocol: nothing more is read from the connection.
    private var rejected = false
    /// A read was asked for while the output was over its bound; it is passed on once it drains.
    private var readHeldBack = false
    /// Closes the connection if its output stays over the bound too long.
    private var stallTimer: Scheduled<Void>?
    private let stallSeconds: Int64
    /// The output went over its bound at some point: memory is handed back to the system at close.
    private var heldMuchOutput = false

    init(core: JobServerCore, decoder: GearmanDecoder, stallSeconds: Int64 = 60) {
        self.core = core
        self.decoder = decoder
        self.stallSeconds = stallSeconds
    }

    func channelActive(context: ChannelHandlerContext) {
        id = core.connected(context)
        if id == nil { context.close(promise: nil) }
        context.fireChannelActive()
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
            if readHeldBack {
                readHeldBack = false
                context.read()
            }
        } else {
            heldMuchOutput = true
            if stallTimer == nil {
                stallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(stallSeconds)) { [weak self] in
                    guard let self, let id = self.id else { return }
                    self.rejected = true
                    self.core.stalled(id)
                    context.close(promise: nil)
                }
            }
        }
        context.fireChannelWritabilityChanged()
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
        stallTimer?.cancel()
        stallTimer = nil
        if let id { core.disconnected(id, heldMuchOutput: heldMuchOutput) }
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
