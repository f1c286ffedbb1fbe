import GearmanProtocol
import NIOCore

/// Runs a role on one connection: decoded packets in, the role's packets out, encoded into one
/// buffer and flushed once per read burst; jobs done and failures go to the phase's tally.
final class RoleHandler<Role: ConnectionRole>: ChannelInboundHandler {
    typealias InboundIn = GearmanMessage
    typealias OutboundOut = ByteBuffer

    private var role: Role
    private let tally: RunTally
    /// Whether the role's jobs count toward the tally's target (e2e's submitters' do not).
    private let counted: Bool
    private var pending = ByteBuffer()
    private var latencies: [UInt64] = []

    init(role: Role, tally: RunTally, counted: Bool) {
        self.role = role
        self.tally = tally
        self.counted = counted
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is StartEvent else { return context.fireUserInboundEventTriggered(event) }
        queue(role.start(now: RunTally.now()))
        flush(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = RunTally.now()
        guard case .packet(let packet) = unwrapInboundIn(data) else {
            return fail("the server sent a \(Role.name) a text line instead of a packet", context: context)
        }
        switch role.receive(packet, now: now) {
        case .send(let packets):
            queue(packets)
        case .jobDone(let latency, let packets):
            queue(packets)
            if let latency { latencies.append(latency) }
            if counted { tally.jobDone(now: now) }
        case .fail(let message):
            fail(message, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        tally.add(samples: latencies)
        latencies = []
        // Once the phase has stopped, closing is what the runner asked for.
        tally.fail("the server closed a \(Role.name) connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("a \(Role.name) connection failed: \(BenchFailure.describe(error))", context: context)
    }

    private func queue(_ packets: [Packet]) {
        for packet in packets { GearmanEncoder.write(packet, to: &pending) }
    }

    private func flush(_ context: ChannelHandlerContext) {
        guard pending.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(pending), promise: nil)
        pending.clear()
    }

    private func fail(_ message: String, context: ChannelHandlerContext) {
        tally.fail(message)
        context.close(promise: nil)
    }
}
